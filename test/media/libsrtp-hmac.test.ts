/**
 * The addon's HMAC-SHA1 (native/srtp/hmac_sha1_openssl.c: libsrtp's own hmac.c over OpenSSL's
 * SHA-1, which replaces libsrtp's OpenSSL-3.0 EVP_MAC one when libsrtp is built from source) against
 * libsrtp's own: two processes, one with each (HUSHGATE_LIBSRTP_HMAC=evp keeps libsrtp's), protect
 * the same RTP and RTCP packets under the same keys, and the bytes — tags included — must be
 * identical for both suites, every length, and across the sequence-number wrap (the ROC enters the
 * tag). Each side also opens the other's packets. Integration tier: it starts child processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ADDON_PATH, loadLibsrtpAddon, type NativeSrtp } from '../../src/media/srtp/libsrtp-addon.js';

const run = promisify(execFile);
const linked = (() => {
  try {
    return readFileSync(new URL('../../native/srtp/build/linked', import.meta.url), 'utf8').trim();
  } catch {
    return 'none';
  }
})();
const skip = linked === 'static' ? false : `the addon links ${linked === 'none' ? 'no' : "Debian's"} libsrtp: the HMAC is libsrtp's own build's`;

/** The master key and salt both sides use, and the RTP packets each protects per suite (the RTP length of packet i). */
const KEY = Buffer.from(Array.from({ length: 16 }, (_, i) => i * 7 + 1));
const SALT = Buffer.from(Array.from({ length: 14 }, (_, i) => 0xa0 ^ i));
const PACKETS = 120;
const RTCP_PACKETS = 3;
const rtpBytes = (i: number): number => 12 + ((i * 37) % 1401);

/**
 * Child (argv: addon path, key hex, salt hex): prints the HMAC in use, then every packet it
 * protected as hex, one per line (or ERR and libsrtp's status).
 */
const CHILD = `
import { createRequire } from 'node:module';
const a = createRequire(import.meta.url)(process.argv[1]);
const key = Buffer.from(process.argv[2], 'hex'), salt = Buffer.from(process.argv[3], 'hex');
const rtpBytes = ${rtpBytes.toString()};
const lines = [a.libsrtpHmac];
for (const tag of [80, 32]) {
  const c = new a.NativeSrtp(tag, key, salt, null, 1024);
  const buf = Buffer.alloc(2048);
  // 0..1400 bytes of payload; sequence numbers crossing 65535 -> 0 so the ROC changes.
  for (let i = 0; i < ${PACKETS}; i++) {
    const seq = (65500 + i) & 0xffff, len = rtpBytes(i);
    buf.fill(0, 0, len + 16);
    buf[0] = 0x80; buf[1] = 0; buf.writeUInt16BE(seq, 2); buf.writeUInt32BE(i * 160, 4); buf.writeUInt32BE(0x5eed0000 + tag, 8);
    for (let j = 12; j < len; j++) buf[j] = (j * 13 + i) & 0xff;
    const n = a.protectInPlace(c.handle, buf, len);
    lines.push(n < 0 ? 'ERR ' + n : buf.subarray(0, n).toString('hex'));
  }
  const rtcp = Buffer.alloc(52, 0x11); // a sender report: 13 words
  rtcp.writeUInt32BE(0x81c8000c, 0); rtcp.writeUInt32BE(0x5eed0000 + tag, 4);
  const out = Buffer.alloc(rtcp.length + 64);
  for (let i = 0; i < ${RTCP_PACKETS}; i++) {
    const n = c.protectRtcp(rtcp, out);
    lines.push(n < 0 ? 'ERR ' + n : out.subarray(0, n).toString('hex'));
  }
}
process.stdout.write(lines.join('\\n') + '\\n');
`;

async function protectAll(env: NodeJS.ProcessEnv): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD, ADDON_PATH, KEY.toString('hex'), SALT.toString('hex')], { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
  return stdout.trim().split('\n');
}

test('the addon HMAC (libsrtp hmac.c over OpenSSL SHA-1) protects byte for byte as libsrtp EVP_MAC one does', { skip }, async () => {
  const ours = await protectAll({ HUSHGATE_LIBSRTP_HMAC: '' });
  const evp = await protectAll({ HUSHGATE_LIBSRTP_HMAC: 'evp' });
  assert.equal(ours[0], 'libsrtp hmac.c over OpenSSL SHA-1', 'built from source, the addon replaces the HMAC');
  assert.equal(evp[0], 'libsrtp EVP_MAC (hmac_ossl.c)');
  assert.equal(ours.length, evp.length);
  assert.equal(ours.length, 1 + 2 * (PACKETS + RTCP_PACKETS));
  for (let i = 1; i < ours.length; i++) {
    assert.doesNotMatch(ours[i]!, /^ERR/, `packet ${i}`);
    assert.equal(ours[i], evp[i], `packet ${i}: identical bytes and tag`);
  }
  // This process runs the replacement: it opens what the EVP_MAC side protected, and refuses a flipped tag bit.
  const addon = loadLibsrtpAddon();
  assert.ok(addon.loaded);
  assert.equal(addon.hmac, 'libsrtp hmac.c over OpenSSL SHA-1');
  for (const [k, tag] of [
    [0, 80],
    [1, 32],
  ] as const) {
    const rx: NativeSrtp = new addon.addon.NativeSrtp(tag, KEY, SALT, null, 1024);
    for (let i = 0; i < PACKETS; i++) {
      const pkt = Buffer.from(evp[1 + k * (PACKETS + RTCP_PACKETS) + i]!, 'hex');
      const damaged = Buffer.from(pkt);
      damaged[damaged.length - 1]! ^= 1;
      assert.ok(addon.addon.unprotectInPlace(rx.handle, damaged, damaged.length) < 0, `damaged packet ${i} (${tag}) refused`);
      assert.equal(addon.addon.unprotectInPlace(rx.handle, pkt, pkt.length), rtpBytes(i), `packet ${i} (${tag}) opens`);
    }
    rx.dispose();
  }
});
