/**
 * The SRTP authenticator (src/media/srtp/hmac-sha1.ts) feeds OpenSSL's HMAC-SHA1 the packet prefix
 * and the optional rollover-counter suffix in place; these tests check that plumbing: the RFC 2202
 * vectors, every length with and without the suffix against a one-shot HMAC over the concatenation,
 * and that bytes beyond `length` never count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { NodeHmacSha1, tagsEqual } from '../../src/media/srtp/hmac-sha1.js';

function oneShot(key: Uint8Array, msg: Uint8Array, suffix?: number): string {
  const tail = Buffer.alloc(suffix === undefined ? 0 : 4);
  if (suffix !== undefined) tail.writeUInt32BE(suffix >>> 0);
  return createHmac('sha1', key).update(Buffer.concat([msg, tail])).digest('hex');
}

test('RFC 2202 HMAC-SHA1 test cases 1 and 2', () => {
  const out = new Uint8Array(20);
  const hi = Buffer.from('Hi There');
  new NodeHmacSha1(Buffer.alloc(20, 0x0b)).mac(hi, hi.length, false, 0, out);
  assert.equal(Buffer.from(out).toString('hex'), 'b617318655057264e28bc0b6fb378c8ef146be00');
  const msg = Buffer.from('what do ya want for nothing?');
  new NodeHmacSha1(Buffer.from('Jefe')).mac(msg, msg.length, false, 0, out);
  assert.equal(Buffer.from(out).toString('hex'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
});

test('lengths 0–300 with and without the ROC suffix; bytes past `length` do not count', () => {
  const key = randomBytes(20);
  const mac = new NodeHmacSha1(key);
  const out = Buffer.alloc(20);
  for (let len = 0; len <= 300; len++) {
    const msg = randomBytes(len + 7);
    for (const suffix of [undefined, 0, 1, 0xffffffff, 0x80000000]) {
      mac.mac(msg, len, suffix !== undefined, suffix ?? 0, out);
      assert.equal(out.toString('hex'), oneShot(key, msg.subarray(0, len), suffix), `len ${len} suffix ${suffix}`);
    }
  }
});

test('property: any key, message and suffix', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 1500 }), fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }), (key, msg, suffix) => {
      const out = new Uint8Array(20);
      new NodeHmacSha1(key).mac(msg, msg.length, suffix !== undefined, suffix ?? 0, out);
      assert.equal(Buffer.from(out).toString('hex'), oneShot(key, msg, suffix));
    }),
    { numRuns: 300 },
  );
});

test('tag comparison is exact', () => {
  const a = Buffer.from('0123456789abcdef');
  assert.equal(tagsEqual(a, 2, Buffer.from('xx23456789'), 2, 8), true);
  assert.equal(tagsEqual(a, 0, Buffer.from('0123456789abcdeF'), 0, 16), false);
});
