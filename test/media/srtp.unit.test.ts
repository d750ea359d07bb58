/**
 * SRTP/SRTCP (src/media/srtp): RFC 3711 Appendix B vectors, libsrtp's published reference packets
 * as an independent implementation's output, and the stream behaviour (ROC across the sequence
 * wrap, replay window, tampering, MKI, malformed input, counters, no key material in output) —
 * for each backend: the OpenSSL path (`SrtpContext`) and libsrtp 2 through the addon
 * (`LibsrtpContext`). The two against each other: srtp-interop.unit.test.ts.
 */
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  AesCmKeystream,
  aesCmKeystream,
  createSrtpContext,
  createSrtpContexts,
  deriveSessionValue,
  deriveSrtcpKeys,
  deriveSrtpKeys,
  ReplayWindow,
  guessRollover,
  type SrtpSuiteName,
  type SrtpMasterKey,
  type SrtpStreamContext,
} from '../../src/media/srtp/index.js';
import { buildRtp } from '../../src/media/rtp/packet.js';
import { SRTP_BACKENDS, srtpContext } from './srtp-backends.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const RFC_MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const RFC_MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');

function rtp(seq: number, opts: { ssrc?: number; payload?: Uint8Array; csrc?: number[]; ext?: boolean; pad?: number } = {}): Buffer {
  const r = buildRtp(
    {
      payloadType: 0,
      sequenceNumber: seq,
      timestamp: (seq * 160) >>> 0,
      ssrc: opts.ssrc ?? 0x11223344,
      csrc: opts.csrc,
      extension: opts.ext ? { profile: 0xbede, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) } : null,
      paddingLength: opts.pad,
    },
    opts.payload ?? Buffer.alloc(160, seq & 0xff),
  );
  assert.ok(r.ok);
  return Buffer.from(r.value);
}

nodeTest('RFC 3711 B.2: AES-CM keystream blocks', () => {
  const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
  const ks = aesCmKeystream(key, iv, 0xff02 * 16);
  const block = (j: number) => ks.subarray(j * 16, j * 16 + 16).toString('hex').toUpperCase();
  assert.equal(block(0x0000), 'E03EAD0935C95E80E166B16DD92B4EB4');
  assert.equal(block(0x0001), 'D23513162B02D0F72A43A2FE4A5F97AB');
  assert.equal(block(0x0002), '41E95B3BB0A2E8DD477901E4FCA894C0');
  assert.equal(block(0xfeff), 'EC8CDF7398607CB0F2D21675EA9EA1E4');
  assert.equal(block(0xff00), '362B7C3C6773516318A077D7FC5073AE');
  assert.equal(block(0xff01), '6A2CC3787889374FBEB4C81B17BA6C44');
  // The per-packet path (reused ECB cipher) produces the same stream.
  const fast = new AesCmKeystream(key).generate(iv, 0xff02 * 16);
  assert.equal(Buffer.compare(fast, ks), 0);
});

nodeTest('RFC 3711 B.3: key derivation (labels 0x00–0x02), plus the SRTCP labels', () => {
  const k = deriveSrtpKeys(RFC_MASTER_KEY, RFC_MASTER_SALT);
  assert.equal(k.encKey.toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(k.salt.toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(k.authKey.toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  // The RFC lists more auth keystream than HMAC-SHA1 needs: check the second block as well.
  assert.equal(
    deriveSessionValue(RFC_MASTER_KEY, RFC_MASTER_SALT, 0x01, 32).toString('hex').toUpperCase(),
    'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE',
  );
  // SRTCP labels 0x03/0x05 for the same master key, as published by pion/srtp's KDF test.
  const c = deriveSrtcpKeys(RFC_MASTER_KEY, RFC_MASTER_SALT);
  assert.equal(c.encKey.toString('hex').toUpperCase(), '4C1AA45A81F73D61C800BBB00FBB1EAA');
  assert.equal(c.salt.toString('hex').toUpperCase(), '9581C7AD87B3E530BF3E4454A8B3');
});

for (const { backend, available } of SRTP_BACKENDS) {
  const skip = available === true ? false : available;
  const SrtpContext = class {
    constructor(key: SrtpMasterKey, opts: { maxStreams?: number } = {}) {
      return srtpContext(backend, key, opts);
    }
  } as unknown as new (key: SrtpMasterKey, opts?: { maxStreams?: number }) => SrtpStreamContext;
  const test = (name: string, fn: () => void) => nodeTest(`[${backend}] ${name}`, { skip }, fn);

function pair(suite: SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80') {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  return {
    key,
    salt,
    sender: new SrtpContext({ suite, masterKey: key, masterSalt: salt }),
    receiver: new SrtpContext({ suite, masterKey: key, masterSalt: salt }),
  };
}

// libsrtp test/srtp_driver.c `srtp_validate()`: default policy (AES_CM_128_HMAC_SHA1_80), SSRC 0xcafebabe.
const LIBSRTP_RTP = hex('800f1234decafbadcafebabe abababababababababababababababab');
const LIBSRTP_SRTP = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
const LIBSRTP_RTCP = hex('81c8000bcafebabe abababababababababababababababab');
const LIBSRTP_SRTCP = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');

test('matches libsrtp reference SRTP packet byte for byte', () => {
  const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: RFC_MASTER_KEY, masterSalt: RFC_MASTER_SALT });
  assert.equal(tx.protect(LIBSRTP_RTP).toString('hex'), LIBSRTP_SRTP.toString('hex'));
  const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: RFC_MASTER_KEY, masterSalt: RFC_MASTER_SALT });
  const back = rx.unprotect(LIBSRTP_SRTP);
  assert.ok(back.ok);
  assert.equal(back.value.toString('hex'), LIBSRTP_RTP.toString('hex'));
});

test('matches libsrtp reference SRTCP packet (E flag, index 1, 80-bit tag)', () => {
  const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: RFC_MASTER_KEY, masterSalt: RFC_MASTER_SALT });
  const back = rx.unprotectRtcp(LIBSRTP_SRTCP);
  assert.ok(back.ok);
  assert.equal(back.value.toString('hex'), LIBSRTP_RTCP.toString('hex'));
  // The OpenSSL path numbers SRTCP packets from 0 (RFC 3711 §3.4); libsrtp's first is 1, so its
  // vector is our second there and the first packet on the libsrtp backend.
  const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: RFC_MASTER_KEY, masterSalt: RFC_MASTER_SALT });
  if (backend === 'openssl') {
    const first = tx.protectRtcp(LIBSRTP_RTCP);
    assert.equal(first.readUInt32BE(LIBSRTP_RTCP.length), 0x80000000);
  }
  assert.equal(tx.protectRtcp(LIBSRTP_RTCP).toString('hex'), LIBSRTP_SRTCP.toString('hex'));
});

for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
  {
    test(`${suite}: protect → unprotect round trip; header clear, payload hidden`, () => {
      const { sender, receiver } = pair(suite);
      const tagLen = suite.endsWith('80') ? 10 : 4;
      const shapes = [{}, { csrc: [1, 2, 3] }, { ext: true }, { pad: 4 }, { payload: new Uint8Array(0) }, { payload: randomBytes(1200) }];
      for (const [i, opts] of shapes.entries()) {
        const plain = rtp(100 + i, opts);
        const sealed = sender.protect(plain);
        assert.equal(sealed.length, plain.length + tagLen);
        assert.deepEqual(sealed.subarray(0, 12), plain.subarray(0, 12));
        if (plain.length > 40) assert.notDeepEqual(sealed.subarray(plain.length - 20, plain.length), plain.subarray(plain.length - 20));
        const opened = receiver.unprotect(sealed);
        assert.ok(opened.ok, JSON.stringify(opts));
        assert.deepEqual(opened.value, plain);
      }
    });
  }
}

test('SRTCP round trip for the _32 suite still uses an 80-bit tag; index increments; E flag set', () => {
  const { sender, receiver } = pair('AES_CM_128_HMAC_SHA1_32');
  const rr = hex('81c90007 deadbeef 11223344 00000000 00000000 00000000 00000000 00000000');
  for (let i = 0; i < 3; i++) {
    const sealed = sender.protectRtcp(rr);
    assert.equal(sealed.length, rr.length + 4 + 10);
    const firstIndex = backend === 'libsrtp' ? 1 : 0;
    assert.equal(sealed.readUInt32BE(rr.length), (0x80000000 | (i + firstIndex)) >>> 0);
    assert.notDeepEqual(sealed.subarray(8, rr.length), rr.subarray(8));
    const opened = receiver.unprotectRtcp(sealed);
    assert.ok(opened.ok);
    assert.deepEqual(opened.value, rr);
  }
  assert.equal(receiver.counters.rtcpUnprotected, 3);
});

test('SRTCP: tampering → auth, replay → replay', () => {
  const { sender, receiver } = pair();
  const sr = hex('80c80006 cafebabe 0000000100000002 00000003 00000004 00000005');
  const sealed = sender.protectRtcp(sr);
  const bad = Buffer.from(sealed);
  bad[10] ^= 1;
  assert.deepEqual(receiver.unprotectRtcp(bad), { ok: false, error: 'auth' });
  const badIndex = Buffer.from(sealed);
  badIndex[sr.length + 3] ^= 1; // the E+index word is authenticated
  assert.deepEqual(receiver.unprotectRtcp(badIndex), { ok: false, error: 'auth' });
  assert.ok(receiver.unprotectRtcp(sealed).ok);
  assert.deepEqual(receiver.unprotectRtcp(sealed), { ok: false, error: 'replay' });
  assert.deepEqual(receiver.unprotectRtcp(sealed.subarray(0, 20)), { ok: false, error: 'malformed' });
  assert.equal(receiver.counters.authFailures, 2);
  assert.equal(receiver.counters.replays, 1);
});

test('tampered tag, header or payload, or the wrong key → auth; the window does not move', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    const { sender, receiver } = pair(suite);
    const sealed = sender.protect(rtp(7));
    for (const at of [sealed.length - 1, 3, 20]) {
      const bad = Buffer.from(sealed);
      bad[at] ^= 0x80;
      assert.deepEqual(receiver.unprotect(bad), { ok: false, error: 'auth' }, `${suite} byte ${at}`);
    }
    const stranger = new SrtpContext({ suite, masterKey: randomBytes(16), masterSalt: randomBytes(14) });
    assert.deepEqual(stranger.unprotect(sealed), { ok: false, error: 'auth' });
    // Forgeries did not create or advance state: the genuine packet still opens.
    assert.ok(receiver.unprotect(sealed).ok);
    assert.equal(receiver.counters.authFailures, 3);
  }
});

test('replayed packet → replay; late packets inside the window are accepted once', () => {
  const { sender, receiver } = pair();
  const packets = Array.from({ length: 80 }, (_, i) => sender.protect(rtp(1000 + i)));
  assert.ok(receiver.unprotect(packets[0]!).ok);
  assert.deepEqual(receiver.unprotect(packets[0]!), { ok: false, error: 'replay' });
  // Deliver 2..79, then the late packet 1 (78 behind: outside the 64 window) and 20 (inside).
  for (let i = 2; i < 80; i++) assert.ok(receiver.unprotect(packets[i]!).ok, `packet ${i}`);
  assert.deepEqual(receiver.unprotect(packets[1]!), { ok: false, error: 'replay' });
  assert.deepEqual(receiver.unprotect(packets[20]!), { ok: false, error: 'replay' }); // already seen
  assert.equal(receiver.counters.replays, 3);
  assert.equal(receiver.counters.rtpUnprotected, 79);
});

test('out-of-order inside the window is accepted, and only once', () => {
  const { sender, receiver } = pair();
  const p = Array.from({ length: 70 }, (_, i) => sender.protect(rtp(500 + i)));
  // 6 is 63 behind 69: the oldest index the window still holds.
  for (const i of [0, 5, 69, 6, 10, 68, 7]) assert.ok(receiver.unprotect(p[i]!).ok, `packet ${i}`);
  for (const i of [69, 6, 10, 68, 7]) assert.deepEqual(receiver.unprotect(p[i]!), { ok: false, error: 'replay' }, `packet ${i}`);
  // 69 - 5 = 64: one past the window edge, never mind that it was not seen.
  assert.deepEqual(receiver.unprotect(p[5]!), { ok: false, error: 'replay' });
  assert.deepEqual(receiver.unprotect(p[4]!), { ok: false, error: 'replay' });
  assert.ok(receiver.unprotect(p[8]!).ok); // 61 behind, not yet seen
});

test('sequence wrap 65535 → 0 increments the ROC on both sides; reordering across the wrap decrypts', () => {
  const { sender, receiver } = pair();
  const ssrc = 0xabcdef01;
  const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];
  const sealed = seqs.map((s) => sender.protect(rtp(s, { ssrc })));
  assert.equal(sender.rolloverCounter('send', ssrc), 1);
  const order = [0, 1, 2, 3, 5, 6, 4, 7, 9, 8]; // 65534 arrives after 0 (ROC guess v = ROC-1); 3 before 2
  for (const i of order) {
    const r = receiver.unprotect(sealed[i]!);
    assert.ok(r.ok, `seq ${seqs[i]}`);
    assert.equal(r.value.readUInt16BE(2), seqs[i]);
    assert.deepEqual(r.value.subarray(12), Buffer.alloc(160, seqs[i]! & 0xff));
  }
  assert.equal(receiver.rolloverCounter('receive', ssrc), 1);
  // A second wrap.
  const later = [];
  for (let s = 4; s <= 65535; s += 4000) later.push(sender.protect(rtp(s, { ssrc })));
  later.push(sender.protect(rtp(65535, { ssrc })), sender.protect(rtp(0, { ssrc })));
  for (const p of later) assert.ok(receiver.unprotect(p).ok);
  assert.equal(sender.rolloverCounter('send', ssrc), 2);
  assert.equal(receiver.rolloverCounter('receive', ssrc), 2);
});

test('a packet far outside the window is dropped as a replay (no decryption attempt with a wrong ROC)', () => {
  const { sender, receiver, key, salt } = pair();
  const pairKey = (_: unknown) => key;
  const pairSalt = (_: unknown) => salt;
  const ssrc = 77;
  const early = sender.protect(rtp(10, { ssrc }));
  for (let s = 10; s < 2000; s += 100) sender.protect(rtp(s, { ssrc }));
  // A sender re-sending an old seq: libsrtp refuses to protect an index behind its send window
  // (no keystream reuse), so the old packet comes from a second context with the same key.
  const resender = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: pairKey(sender), masterSalt: pairSalt(sender) });
  const p1000 = resender.protect(rtp(1000, { ssrc }));
  if (backend === 'libsrtp') assert.throws(() => sender.protect(rtp(1000, { ssrc })), /libsrtp protect failed/);
  const recent = sender.protect(rtp(2000, { ssrc }));
  assert.ok(receiver.unprotect(recent).ok);
  assert.deepEqual(receiver.unprotect(p1000), { ok: false, error: 'replay' });
  assert.deepEqual(receiver.unprotect(early), { ok: false, error: 'replay' });
  // Seq 40000 after 2000 (ROC 0): Appendix A guesses ROC -1, before the stream began. The OpenSSL
  // path drops it as too old; libsrtp, while the stream is still in its first half-roll, takes
  // the only possible ROC (0) — which is what both senders used — and the tag decides.
  const { sender: s2, receiver: r2 } = pair();
  assert.ok(r2.unprotect(s2.protect(rtp(2000, { ssrc }))).ok);
  const jump = r2.unprotect(s2.protect(rtp(40000, { ssrc })));
  if (backend === 'openssl') assert.deepEqual(jump, { ok: false, error: 'replay' });
  else assert.ok(jump.ok && jump.value.readUInt16BE(2) === 40000);
});

test('independent SSRCs keep independent state; new SSRCs are bounded', () => {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: key, masterSalt: salt });
  const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: key, masterSalt: salt }, { maxStreams: 2 });
  const a = tx.protect(rtp(5, { ssrc: 1 }));
  const b = tx.protect(rtp(5, { ssrc: 2 }));
  assert.ok(rx.unprotect(a).ok);
  assert.ok(rx.unprotect(b).ok); // same seq, other SSRC: not a replay
  assert.ok(rx.unprotect(tx.protect(rtp(9, { ssrc: 3 }))).ok); // evicts SSRC 1
  assert.equal(JSON.parse(JSON.stringify(rx)).streams.receive, 2);
});

test('MKI: carried between payload and tag, not authenticated; a different MKI is refused', () => {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const mki = Buffer.from([0, 0, 0, 7]);
  const key32 = { suite: 'AES_CM_128_HMAC_SHA1_32' as const, masterKey: key, masterSalt: salt, mki };
  if (backend === 'libsrtp') {
    // libsrtp 2.5 cannot open SRTCP with MKI + _32 (backend.ts): asked for, it refuses; `auto` takes OpenSSL.
    assert.throws(() => new SrtpContext(key32), /cisco\/libsrtp#733/);
    assert.equal(createSrtpContext(key32).backend, 'openssl');
  }
  const tx = backend === 'libsrtp' ? createSrtpContext(key32) : new SrtpContext(key32);
  const rx = backend === 'libsrtp' ? createSrtpContext(key32) : new SrtpContext(key32);
  const plain = rtp(1);
  const sealed = tx.protect(plain);
  assert.equal(sealed.length, plain.length + 4 + 4);
  assert.deepEqual(sealed.subarray(plain.length, plain.length + 4), mki);
  assert.deepEqual(rx.unprotect(sealed), { ok: true, value: plain });
  const other = Buffer.from(tx.protect(rtp(2)));
  other[plain.length + 3] = 8;
  assert.deepEqual(rx.unprotect(other), { ok: false, error: 'auth' });
  const rtcp = tx.protectRtcp(LIBSRTP_RTCP);
  assert.equal(rtcp.length, LIBSRTP_RTCP.length + 4 + 4 + 10);
  assert.deepEqual(rx.unprotectRtcp(rtcp), { ok: true, value: LIBSRTP_RTCP });
  // Same with the _80 suite (the only MKI suite libsrtp 2.5 handles for SRTCP; backend.ts).
  const tx80 = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: key, masterSalt: salt, mki });
  const rx80 = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: key, masterSalt: salt, mki });
  assert.equal(tx80.backend, backend);
  const sealed80 = tx80.protect(plain);
  assert.deepEqual(sealed80.subarray(plain.length, plain.length + 4), mki);
  assert.deepEqual(rx80.unprotect(sealed80), { ok: true, value: plain });
  assert.deepEqual(rx80.unprotectRtcp(tx80.protectRtcp(LIBSRTP_RTCP)), { ok: true, value: LIBSRTP_RTCP });
  const wrongMki = Buffer.from(tx80.protect(rtp(3)));
  wrongMki[plain.length + 3] = 9;
  assert.deepEqual(rx80.unprotect(wrongMki), { ok: false, error: 'auth' });
});

test('malformed packets are counted and dropped; protect refuses non-RTP', () => {
  const { sender, receiver } = pair();
  for (const bad of [Buffer.alloc(0), Buffer.alloc(21), Buffer.from(sender.protect(rtp(1))).fill(0x40, 0, 1)]) {
    assert.deepEqual(receiver.unprotect(bad), { ok: false, error: 'malformed' });
  }
  // CSRC count claims more than the packet holds.
  const liar = Buffer.from(sender.protect(rtp(2)));
  liar[0] = 0x8f;
  const short = liar.subarray(0, 40);
  assert.deepEqual(receiver.unprotect(short), { ok: false, error: 'malformed' });
  assert.equal(receiver.counters.malformed, 4);
  assert.throws(() => sender.protect(Buffer.alloc(8)), RangeError);
  assert.throws(() => sender.protectRtcp(Buffer.alloc(4)), RangeError);
});

test('the input packet is never modified', () => {
  const { sender, receiver } = pair();
  const plain = rtp(3);
  const copy = Buffer.from(plain);
  const sealed = sender.protect(plain);
  const sealedCopy = Buffer.from(sealed);
  assert.ok(receiver.unprotect(sealed).ok);
  assert.deepEqual(plain, copy);
  assert.deepEqual(sealed, sealedCopy);
});

test('JSON.stringify and util.inspect of a context carry no key material', () => {
  const { key, salt, sender } = pair();
  sender.protect(rtp(1));
  const derived = [deriveSrtpKeys(key, salt), deriveSrtcpKeys(key, salt)].flatMap((k) => [k.encKey, k.authKey, k.salt]);
  const secrets = [key, salt, ...derived].flatMap((b) => [b.toString('hex'), b.toString('base64').replace(/=+$/, ''), b.subarray(0, 6).toString('hex')]);
  const shown = [JSON.stringify(sender), inspect(sender, { depth: 10, showHidden: true }), String(sender), inspect({ ctx: sender }, { depth: 10 })];
  for (const s of shown) {
    for (const secret of secrets) assert.ok(!s.toLowerCase().includes(secret.toLowerCase()), `leak in ${s}`);
    // No byte-array dumps at all (decimal or hex).
    assert.ok(!/Buffer|Uint8Array|Int32Array|<[0-9a-f]{2} /.test(s), s);
  }
  assert.match(JSON.stringify(sender), /AES_CM_128_HMAC_SHA1_80/);
  const { outbound, inbound } = createSrtpContexts({ suite: 'AES_CM_128_HMAC_SHA1_32', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
  assert.ok(inbound.unprotect(outbound.protect(rtp(9))).ok);
});

}

nodeTest('replay window unit: shifts across word boundaries', () => {
  const w = new ReplayWindow();
  assert.ok(w.check(1000));
  w.record(1000);
  for (const d of [1, 31, 32, 33, 63]) {
    assert.ok(w.check(1000 - d));
    w.record(1000 - d);
    assert.ok(!w.check(1000 - d));
  }
  assert.ok(!w.check(1000 - 64));
  w.record(1032); // shift by 32
  assert.ok(!w.check(1000));
  assert.ok(!w.check(1000 - 31)); // now 63 behind, recorded
  assert.ok(!w.check(1000 - 32)); // now 64 behind: out
  assert.ok(w.check(1001));
  w.record(1200); // shift beyond the window clears it
  assert.ok(w.check(1199));
  assert.ok(!w.check(1200));
});

nodeTest('ROC guess (Appendix A) boundaries', () => {
  assert.equal(guessRollover(65535, 0, 0), 1);
  assert.equal(guessRollover(0, 1, 65535), 0);
  assert.equal(guessRollover(100, 3, 200), 3);
  // s_l ≥ 2^15: a seq more than 2^15 below s_l belongs to the next roll.
  assert.equal(guessRollover(40000, 3, 7232), 3);
  assert.equal(guessRollover(40000, 3, 7231), 4);
  // s_l < 2^15: a seq more than 2^15 above s_l belongs to the previous roll.
  assert.equal(guessRollover(100, 3, 32868), 3);
  assert.equal(guessRollover(100, 3, 32869), 2);
});
