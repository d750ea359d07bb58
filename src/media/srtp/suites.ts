/**
 * SRTP crypto suites we implement (RFC 4568 §6.2 names, RFC 3711 §8.2 parameters).
 *
 * Owns: the per-suite constants (key, salt and tag lengths). Both suites use AES-128 counter mode
 * and HMAC-SHA1 with a 160-bit session authentication key; they differ only in the SRTP tag
 * length. SRTCP always carries an 80-bit tag (RFC 4568 §6.2.1–6.2.2).
 */

export type SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export interface SrtpSuite {
  name: SrtpSuiteName;
  /** Master (and session) encryption key length in bytes. */
  keyLength: 16;
  /** Master (and session) salt length in bytes. */
  saltLength: 14;
  /** Session authentication key length in bytes (HMAC-SHA1). */
  authKeyLength: 20;
  /** SRTP authentication tag length in bytes. */
  rtpTagLength: number;
  /** SRTCP authentication tag length in bytes. */
  rtcpTagLength: 10;
}

export const SRTP_SUITES: Readonly<Record<SrtpSuiteName, SrtpSuite>> = {
  AES_CM_128_HMAC_SHA1_80: { name: 'AES_CM_128_HMAC_SHA1_80', keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 10, rtcpTagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { name: 'AES_CM_128_HMAC_SHA1_32', keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 4, rtcpTagLength: 10 },
};

export function isSrtpSuiteName(name: string): name is SrtpSuiteName {
  return Object.hasOwn(SRTP_SUITES, name);
}
