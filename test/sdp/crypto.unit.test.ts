/**
 * SDES `a=crypto` (src/sdp/crypto.ts): parsing edge cases, round trip, the answerer's choice,
 * the offerer's check of the answer, end to end through `negotiate()` into working SRTP contexts,
 * and that nothing printable carries key material.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { parseCryptoAttribute, formatCryptoAttribute, createSdesNegotiator, createSdesOffer, redactCryptoKeys, SdesKeys } from '../../src/sdp/crypto.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { negotiate } from '../../src/sdp/negotiate.js';
import { createSrtpContexts } from '../../src/media/srtp/index.js';

const KEY_B64 = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'; // RFC 4568 §5 example: 30 bytes
const KEY_BYTES = Buffer.from(KEY_B64, 'base64');

test('parses the RFC 4568 example with lifetime 2^20 and MKI 1:4', () => {
  const r = parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|2^20|1:4 FEC_ORDER=FEC_SRTP`);
  assert.ok(r.ok);
  assert.equal(r.value.tag, 1);
  assert.equal(r.value.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(r.value.keys.length, 1);
  const k = r.value.keys[0]!;
  assert.deepEqual(Buffer.concat([k.key, k.salt]), KEY_BYTES);
  assert.equal(k.key.length, 16);
  assert.equal(k.salt.length, 14);
  assert.equal(k.lifetime, 2 ** 20);
  assert.deepEqual(k.mki, { value: 1, length: 4 });
  assert.deepEqual(r.value.sessionParams, ['FEC_ORDER=FEC_SRTP']);
});

test('lifetime forms: 2^31, decimal, 2^48 maximum; MKI alone; several MKI keys', () => {
  const life = (s: string) => {
    const r = parseCryptoAttribute(`2 AES_CM_128_HMAC_SHA1_32 inline:${KEY_B64}|${s}`);
    return r.ok ? r.value.keys[0]!.lifetime : r.error;
  };
  assert.equal(life('2^31'), 2 ** 31);
  assert.equal(life('2^48'), 2 ** 48);
  assert.equal(life('1048576'), 1048576);
  assert.match(String(life('2^49')), /lifetime/);
  assert.match(String(life('0')), /lifetime/);
  assert.match(String(life('2^')), /malformed/);
  const mkiOnly = parseCryptoAttribute(`3 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|255:1`);
  assert.ok(mkiOnly.ok);
  assert.deepEqual(mkiOnly.value.keys[0]!.mki, { value: 255, length: 1 });
  assert.equal(mkiOnly.value.keys[0]!.lifetime, undefined);
  const multi = parseCryptoAttribute(`4 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|2^20|1:4;inline:${KEY_B64}|2^20|2:4`);
  assert.ok(multi.ok);
  assert.equal(multi.value.keys.length, 2);
});

test('rejects: bad base64, wrong key length, bad tag, unknown suite, MKI errors, wrong order', () => {
  const bad = [
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64.slice(0, 39)}!`, // not base64
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64.slice(0, 38)}`, // length not a multiple of 4
    `1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(32).toString('base64')}`, // 32 bytes
    `1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(16).toString('base64')}`, // 16 bytes
    `1 AES_CM_128_HMAC_SHA1_80 inline:`,
    `x AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}`,
    `1234567890 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}`,
    `1 AES_256_CM_HMAC_SHA1_80 inline:${KEY_B64}`,
    `1 F8_128_HMAC_SHA1_80 inline:${KEY_B64}`,
    `1 AES_CM_128_HMAC_SHA1_80 uri:https://example.com/key`,
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|256:1`, // MKI value too big for 1 byte
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|1:0`,
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|1:129`,
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|1:4|2^20`, // MKI before lifetime
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|2^20|2^20`,
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64};inline:${KEY_B64}`, // two keys without MKIs
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|1:4;inline:${KEY_B64}|2:2`, // MKI lengths differ
    `1 AES_CM_128_HMAC_SHA1_80`,
    ``,
  ];
  for (const value of bad) assert.equal(parseCryptoAttribute(value).ok, false, value);
});

test('format ∘ parse round trip', () => {
  for (const value of [
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}`,
    `7 AES_CM_128_HMAC_SHA1_32 inline:${KEY_B64}|2^31`,
    `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|1048575|12:2 KDR=0 WSH=128`,
    `9 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|2^20|1:4;inline:${KEY_B64}|2^20|2:4`,
  ]) {
    const r = parseCryptoAttribute(value);
    assert.ok(r.ok, value);
    assert.equal(formatCryptoAttribute(r.value), value);
  }
});

test('negotiator: first acceptable offered line wins; our key is fresh; unsupported lines skipped', () => {
  let n = 0;
  const negotiator = createSdesNegotiator({ randomBytes: (len) => Buffer.alloc(len, ++n) });
  const offered = [
    `1 AES_256_CM_HMAC_SHA1_80 inline:${Buffer.alloc(46).toString('base64')}`,
    `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64} UNENCRYPTED_SRTP`,
    `3 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64} KDR=1`,
    `4 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|1:4;inline:${KEY_B64}|2:4`,
    `5 AES_CM_128_HMAC_SHA1_32 inline:${KEY_B64}|2^31|7:1 WSH=64`,
    `6 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}`,
  ];
  const r = negotiator.accept(offered);
  assert.ok(r);
  assert.equal(r.context.suite, 'AES_CM_128_HMAC_SHA1_32');
  assert.equal(r.context.tag, 5);
  assert.deepEqual(Buffer.concat([r.context.remoteKey, r.context.remoteSalt]), KEY_BYTES);
  assert.deepEqual(r.context.remoteMki, Buffer.from([7]));
  assert.deepEqual(r.context.localKey, Buffer.alloc(16, 1));
  assert.deepEqual(r.context.localSalt, Buffer.alloc(14, 1));
  assert.equal(r.answer, `5 AES_CM_128_HMAC_SHA1_32 inline:${Buffer.alloc(30, 1).toString('base64')}`);
  assert.equal(negotiator.accept(offered.slice(0, 4)), undefined);
  assert.equal(createSdesNegotiator({ suites: ['AES_CM_128_HMAC_SHA1_80'] }).accept([offered[4]!])?.answer, undefined);
  // Real randomness: two answers never share a key.
  const real = createSdesNegotiator();
  assert.notDeepEqual(real.accept([offered[5]!])!.context.localKey, real.accept([offered[5]!])!.context.localKey);
});

test('offerer: lines for both suites, answer matched by tag and suite; then SRTP flows both ways', () => {
  const offer = createSdesOffer();
  assert.equal(offer.lines.length, 2);
  assert.match(offer.lines[0]!, /^1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/);
  assert.match(offer.lines[1]!, /^2 AES_CM_128_HMAC_SHA1_32 inline:[A-Za-z0-9+/]{40}$/);
  const answerer = createSdesNegotiator();
  const answered = answerer.accept([...offer.lines]);
  assert.ok(answered);
  const mine = offer.accept(answered.answer);
  assert.ok(mine.ok);
  assert.equal(mine.value.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(offer.accept(answered.answer.replace(/^1 AES_CM_128_HMAC_SHA1_80/, '1 AES_CM_128_HMAC_SHA1_32')).ok, false);
  assert.equal(offer.accept(answered.answer.replace(/^1 /, '3 ')).ok, false);
  // Offerer's outbound = answerer's inbound, and the reverse.
  const a = createSrtpContexts(mine.value);
  const b = createSrtpContexts(answered.context);
  const pkt = Buffer.concat([Buffer.from('80000001000000a000001234', 'hex'), Buffer.alloc(160, 0x55)]);
  assert.deepEqual(b.inbound.unprotect(a.outbound.protect(pkt)), { ok: true, value: pkt });
  assert.deepEqual(a.inbound.unprotect(b.outbound.protect(pkt)), { ok: true, value: pkt });
});

test('negotiate(): RTP/SAVP offer answered with our a=crypto; context carries the keys', () => {
  const offer = parseSdp(
    ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/SAVP 0', 'a=rtpmap:0 PCMU/8000', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|2^20|1:4`, ''].join('\r\n'),
  );
  assert.ok(offer.ok);
  const r = negotiate(offer.value, { address: '192.0.2.9', port: 5000, codecs: ['PCMU'], telephoneEvent: false, sessionId: '1', sessionVersion: 1, secureMedia: 'required', srtp: createSdesNegotiator() });
  assert.ok(r.ok);
  assert.equal(r.audio.secure, true);
  const crypto = r.answer.media[0]!.attributes.find((a) => a.name === 'crypto');
  assert.match(crypto!.value!, /^1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/);
  assert.ok(r.audio.srtp instanceof SdesKeys);
  assert.deepEqual(r.audio.srtp.remoteMki, Buffer.from([0, 0, 0, 1]));
});

test('no key material in JSON.stringify / util.inspect of the negotiation result, keys or offer', () => {
  const offer = createSdesOffer();
  const answered = createSdesNegotiator().accept([...offer.lines]);
  assert.ok(answered);
  const ours = offer.accept(answered.answer);
  assert.ok(ours.ok);
  const secrets = [answered.context.localKey, answered.context.localSalt, answered.context.remoteKey, answered.context.remoteSalt].flatMap((b) => [
    b.toString('hex'),
    b.toString('base64').replace(/=+$/, '').slice(0, 12),
  ]);
  secrets.push(/inline:([^ |]+)/.exec(answered.answer)![1]!, /inline:([^ |]+)/.exec(offer.lines[0]!)![1]!, /inline:([^ |]+)/.exec(offer.lines[1]!)![1]!);
  const shown = [
    JSON.stringify(answered),
    inspect(answered, { depth: 10, showHidden: true }),
    JSON.stringify(answered.context),
    inspect(answered.context, { depth: 10 }),
    JSON.stringify(ours.value),
    inspect({ keys: ours.value }, { depth: 10 }),
    JSON.stringify(offer),
    inspect(offer, { depth: 10 }),
  ];
  for (const s of shown) {
    for (const secret of secrets) assert.ok(!s.includes(secret), `leak: ${s}`);
    assert.ok(!/Buffer|<[0-9a-f]{2} /.test(s), s);
  }
  assert.match(JSON.stringify(answered), /inline:<redacted>/);
  assert.equal(redactCryptoKeys(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B64}|2^20|1:4\r\n`), 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4\r\n');
});
