/**
 * HMAC-SHA1 (RFC 2104) for the SRTP/SRTCP authentication tag (RFC 3711 §4.2.1), from OpenSSL
 * (`createHmac`): the MAC over `packet[0..length)` optionally followed by a 32-bit big-endian suffix
 * (the SRTP rollover counter, §4.2), fed in place without copying the packet.
 *
 * An earlier version ran SHA-1's compression function in JavaScript from precomputed ipad/opad
 * midstates (about 3× cheaper per packet, because Node cannot reset or clone an HMAC cheaply). It
 * was removed: the project does not write its own cryptographic primitives, and a hand-written
 * hash is exactly that. The cost is measured in bench/srtp.ts and stated in docs/security.md.
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

export type SrtpAuthenticatorKind = 'node';

export function createAuthenticator(key: Uint8Array, _kind: SrtpAuthenticatorKind = 'node'): SrtpAuthenticator {
  return new NodeHmacSha1(key);
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

/** Constant-time comparison of `a[aOff..aOff+n)` with `b[bOff..bOff+n)`. */
export function tagsEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= a[aOff + i]! ^ b[bOff + i]!;
  return diff === 0;
}
