/**
 * AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block j is
 * AES_k(IV + j), where the IV's two low octets are zero so j (< 2^16) fills them.
 *
 * Owns: turning (session key, 16-byte IV) into keystream and XOR-ing it over a byte range.
 * Why a reused ECB cipher instead of `createCipheriv('aes-128-ctr')` per packet: Node cannot
 * re-key a cipher with a new IV, and building a cipher object per packet costs about twice as much
 * as encrypting the counter blocks through one long-lived `aes-128-ecb` object (measured in
 * `bench/srtp.ts`, see docs/security.md). ECB over counter blocks *is* counter mode; the ECB
 * object has no chaining state, and with padding off and block-aligned input it never buffers.
 * The AES itself is OpenSSL's (constant time, AES-NI where present) — nothing is reimplemented.
 */
import { createCipheriv, type Cipher } from 'node:crypto';

const BLOCK = 16;

export class AesCmKeystream {
  private readonly ecb: Cipher;
  private counters: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError('AES-128 key must be 16 bytes');
    this.ecb = createCipheriv('aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
    this.counters = Buffer.alloc(BLOCK * 12);
  }

  /** Keystream of `length` bytes for `iv` (16 bytes, low two octets zero). */
  generate(iv: Uint8Array, length: number): Buffer {
    const blocks = Math.ceil(length / BLOCK);
    if (blocks > 0x10000) throw new RangeError('AES-CM keystream limited to 2^16 blocks');
    if (this.counters.length < blocks * BLOCK) this.counters = Buffer.alloc(blocks * BLOCK);
    const c = this.counters;
    for (let j = 0; j < blocks; j++) {
      const o = j * BLOCK;
      c.set(iv, o);
      c[o + 14] = iv[14]! ^ (j >>> 8);
      c[o + 15] = iv[15]! ^ (j & 0xff);
    }
    return this.ecb.update(c.subarray(0, blocks * BLOCK));
  }

  /** out[outStart + i] = src[srcStart + i] XOR keystream[i] for i < length. `out` may be `src`. */
  xor(iv: Uint8Array, src: Uint8Array, srcStart: number, out: Uint8Array, outStart: number, length: number): void {
    if (length <= 0) return;
    const ks = this.generate(iv, length);
    for (let i = 0; i < length; i++) out[outStart + i] = src[srcStart + i]! ^ ks[i]!;
  }
}

/**
 * One-shot AES-CM keystream (tests, key derivation). `iv` is any 16-byte counter start; block j
 * uses iv + j with carry across the whole 128-bit block.
 */
export function aesCmKeystream(key: Uint8Array, iv: Uint8Array, length: number): Buffer {
  const blocks = Math.ceil(length / BLOCK);
  const counters = Buffer.alloc(blocks * BLOCK);
  const ctr = Buffer.from(iv);
  for (let j = 0; j < blocks; j++) {
    ctr.copy(counters, j * BLOCK);
    for (let k = BLOCK - 1; k >= 0; k--) {
      ctr[k] = (ctr[k]! + 1) & 0xff;
      if (ctr[k] !== 0) break;
    }
  }
  const ecb = createCipheriv('aes-128-ecb', key, null);
  ecb.setAutoPadding(false);
  return ecb.update(counters).subarray(0, length);
}
