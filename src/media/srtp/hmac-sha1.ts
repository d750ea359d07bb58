/**
 * HMAC-SHA1 (RFC 2104) for the SRTP/SRTCP authentication tag (RFC 3711 §4.2.1).
 *
 * Owns: computing the 20-byte MAC over `packet[0..length)` optionally followed by a 32-bit
 * big-endian suffix (the SRTP rollover counter, §4.2), without copying the packet.
 *
 * Two interchangeable implementations behind `SrtpAuthenticator`:
 *  - `NodeHmacSha1`: `createHmac('sha1', key)` per packet. Simple, OpenSSL; but Node re-runs the
 *    key schedule (two SHA-1 blocks for ipad/opad) and allocates a handful of objects per call.
 *  - `MidstateHmacSha1` (the default): the SHA-1 states after the ipad and opad blocks are
 *    computed once per session key, so each packet costs only the message blocks plus one outer
 *    block, with no allocation. Node cannot clone an HMAC midstate cheaply (`Hash.copy()` was
 *    measured slower than `createHmac`), so this path runs SHA-1's compression in JavaScript.
 *    SHA-1 has no secret-dependent branches or table look-ups, so this adds no timing channel;
 *    it is checked byte for byte against `createHmac` in test/media/srtp-hmac.test.ts.
 * bench/srtp.ts reports both so the choice stays measured, not assumed.
 */
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';

export interface SrtpAuthenticator {
  /**
   * Write HMAC-SHA1(key, msg[0..length) || suffix32) into `out[0..20)`; the 4-octet big-endian
   * `suffix` is appended only when `withSuffix` is true.
   */
  mac(msg: Uint8Array, length: number, withSuffix: boolean, suffix: number, out: Uint8Array): void;
}

export type SrtpAuthenticatorKind = 'midstate' | 'node';

export function createAuthenticator(key: Uint8Array, kind: SrtpAuthenticatorKind = 'midstate'): SrtpAuthenticator {
  return kind === 'node' ? new NodeHmacSha1(key) : new MidstateHmacSha1(key);
}

export class NodeHmacSha1 implements SrtpAuthenticator {
  private readonly suffix = Buffer.alloc(4);
  private readonly key: Buffer;
  constructor(key: Uint8Array) {
    this.key = Buffer.from(key);
  }

  mac(msg: Uint8Array, length: number, withSuffix: boolean, suffix: number, out: Uint8Array): void {
    const h = createHmac('sha1', this.key);
    h.update(msg.subarray(0, length));
    if (withSuffix) {
      this.suffix.writeUInt32BE(suffix >>> 0, 0);
      h.update(this.suffix);
    }
    out.set(h.digest(), 0);
  }
  toJSON(): object {
    return { kind: 'node-hmac-sha1' };
  }
  [inspect.custom](): string {
    return 'NodeHmacSha1 { key: <redacted> }';
  }
}

const SHA1_IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];

export class MidstateHmacSha1 implements SrtpAuthenticator {
  private readonly inner = new Int32Array(5);
  private readonly outer = new Int32Array(5);
  private readonly state = new Int32Array(5);
  private readonly w = new Int32Array(80);
  private readonly tail = new Uint8Array(128);
  private readonly outerBlock = new Uint8Array(64);

  constructor(key: Uint8Array) {
    if (key.length > 64) throw new RangeError('HMAC-SHA1 keys longer than 64 bytes are not used by SRTP');
    const block = new Uint8Array(64);
    for (const [pad, st] of [[0x36, this.inner], [0x5c, this.outer]] as const) {
      block.fill(pad);
      for (let i = 0; i < key.length; i++) block[i] = block[i]! ^ key[i]!;
      st.set(SHA1_IV);
      this.compress(st, block, 0);
    }
    block.fill(0);
    // The outer message is always the 20-byte inner digest: its padding never changes.
    this.outerBlock[20] = 0x80;
    const outerBits = (64 + 20) * 8;
    this.outerBlock[62] = outerBits >>> 8;
    this.outerBlock[63] = outerBits & 0xff;
  }

  mac(msg: Uint8Array, length: number, withSuffix: boolean, suffix: number, out: Uint8Array): void {
    const st = this.state;
    st.set(this.inner);
    let o = 0;
    while (length - o >= 64) {
      this.compress(st, msg, o);
      o += 64;
    }
    const tail = this.tail;
    let r = length - o;
    for (let i = 0; i < r; i++) tail[i] = msg[o + i]!;
    let total = length;
    if (withSuffix) {
      tail[r] = suffix >>> 24;
      tail[r + 1] = (suffix >>> 16) & 0xff;
      tail[r + 2] = (suffix >>> 8) & 0xff;
      tail[r + 3] = suffix & 0xff;
      r += 4;
      total += 4;
    }
    // r < 68 here; if it reached 64 the first tail block is full message data.
    tail[r] = 0x80;
    const n = r + 9 <= 64 ? 64 : 128;
    tail.fill(0, r + 1, n - 8);
    // Message length in bits, including the 64-byte ipad block (< 2^32 for any datagram).
    const bits = (total + 64) * 8;
    tail[n - 8] = 0;
    tail[n - 7] = 0;
    tail[n - 6] = 0;
    tail[n - 5] = 0;
    tail[n - 4] = bits >>> 24;
    tail[n - 3] = (bits >>> 16) & 0xff;
    tail[n - 2] = (bits >>> 8) & 0xff;
    tail[n - 1] = bits & 0xff;
    this.compress(st, tail, 0);
    if (n === 128) this.compress(st, tail, 64);
    const ob = this.outerBlock;
    writeState(st, ob);
    st.set(this.outer);
    this.compress(st, ob, 0);
    writeState(st, out);
  }

  toJSON(): object {
    return { kind: 'midstate-hmac-sha1' };
  }
  [inspect.custom](): string {
    return 'MidstateHmacSha1 { key: <redacted> }';
  }

  /** SHA-1 compression function (FIPS 180-4 §6.1.2) over b[o..o+64). */
  private compress(st: Int32Array, b: Uint8Array, o: number): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) {
      const p = o + i * 4;
      w[i] = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = st[0]!, bb = st[1]!, c = st[2]!, d = st[3]!, e = st[4]!;
    let i = 0;
    for (; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((bb & c) | (~bb & d)) + e + 0x5a827999 + w[i]!) | 0;
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t;
    }
    for (; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t;
    }
    for (; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((bb & c) | (bb & d) | (c & d)) + e + (0x8f1bbcdc | 0) + w[i]!) | 0;
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t;
    }
    for (; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + (0xca62c1d6 | 0) + w[i]!) | 0;
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t;
    }
    st[0] = (st[0]! + a) | 0;
    st[1] = (st[1]! + bb) | 0;
    st[2] = (st[2]! + c) | 0;
    st[3] = (st[3]! + d) | 0;
    st[4] = (st[4]! + e) | 0;
  }
}

function writeState(st: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < 5; i++) {
    const v = st[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  }
}

/** Constant-time comparison of `a[aOff..aOff+n)` with `b[bOff..bOff+n)`. */
export function tagsEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= a[aOff + i]! ^ b[bOff + i]!;
  return diff === 0;
}
