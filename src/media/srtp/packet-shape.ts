/**
 * RTP header arithmetic both SRTP backends share: where the encrypted portion starts and the SSRC.
 * Kept apart so the OpenSSL and libsrtp contexts refuse exactly the same malformed packets.
 */

export const RTP_MIN_HEADER = 12;
export const RTCP_HEADER = 8;

/** Length of the RTP header (fixed part, CSRCs, extension) within buf[0..len), or -1 if invalid. */
export function rtpHeaderLength(buf: Uint8Array, len: number): number {
  if (len < RTP_MIN_HEADER) return -1;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return -1;
  let hdr = RTP_MIN_HEADER + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (hdr + 4 > len) return -1;
    hdr += 4 + ((buf[hdr + 2]! << 8) | buf[hdr + 3]!) * 4;
  }
  return hdr <= len ? hdr : -1;
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
