/**
 * The midstate HMAC-SHA1 (src/media/srtp/hmac-sha1.ts) must equal OpenSSL's HMAC-SHA1 for every
 * length and suffix: every padding boundary (55/56/59/60/63/64 bytes…) and random inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { MidstateHmacSha1, NodeHmacSha1 } from '../../src/media/srtp/hmac-sha1.js';

function reference(key: Uint8Array, msg: Uint8Array, suffix?: number): Buffer {
  const h = createHmac('sha1', key).update(msg);
  if (suffix !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(suffix >>> 0);
    h.update(b);
  }
  return h.digest();
}

test('midstate and node HMAC-SHA1 equal createHmac for lengths 0–300, with and without the ROC suffix', () => {
  const key = randomBytes(20);
  const mid = new MidstateHmacSha1(key);
  const node = new NodeHmacSha1(key);
  const out = Buffer.alloc(20);
  for (let len = 0; len <= 300; len++) {
    const msg = randomBytes(len + 7); // longer buffer: only `len` bytes count
    for (const suffix of [undefined, 0, 1, 0xffffffff, 0x80000000]) {
      const want = reference(key, msg.subarray(0, len), suffix);
      mid.mac(msg, len, suffix !== undefined, suffix ?? 0, out);
      assert.equal(out.toString('hex'), want.toString('hex'), `midstate len ${len} suffix ${suffix}`);
      node.mac(msg, len, suffix !== undefined, suffix ?? 0, out);
      assert.equal(out.toString('hex'), want.toString('hex'), `node len ${len} suffix ${suffix}`);
    }
  }
});

test('midstate HMAC-SHA1 property: any key ≤ 64 bytes, any message, any suffix', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 1500 }), fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }), (key, msg, suffix) => {
      const out = new Uint8Array(20);
      new MidstateHmacSha1(key).mac(msg, msg.length, suffix !== undefined, suffix ?? 0, out);
      assert.equal(Buffer.from(out).toString('hex'), reference(key, msg, suffix).toString('hex'));
    }),
    { numRuns: 300 },
  );
});

test('RFC 2202 HMAC-SHA1 test case 2', () => {
  const out = new Uint8Array(20);
  const msg = Buffer.from('what do ya want for nothing?');
  new MidstateHmacSha1(Buffer.from('Jefe')).mac(msg, msg.length, false, 0, out);
  assert.equal(Buffer.from(out).toString('hex'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
});
