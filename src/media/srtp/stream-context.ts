/**
 * What the media session needs from an SRTP context, whichever library does the work:
 * `SrtpContext` (OpenSSL through node:crypto, always available) or `LibsrtpContext` (libsrtp 2
 * through the native addon, when built). Both take an SDES master key for one direction of one
 * stream and behave the same: same errors, same 64-packet replay window, same bound on SSRCs,
 * same counters, no key material in `toJSON`/`inspect`.
 */
import type { Result } from '../../result/index.js';
import type { SrtpSuite } from './suites.js';

export type SrtpBackend = 'libsrtp' | 'openssl';
export type SrtpError = 'auth' | 'replay' | 'malformed';

export interface SrtpCounters {
  rtpProtected: number;
  rtpUnprotected: number;
  rtcpProtected: number;
  rtcpUnprotected: number;
  authFailures: number;
  replays: number;
  malformed: number;
}

/**
 * Why `unprotectInPlace` refused a packet (negative, so that a length ≥ 0 means success: the
 * per-packet path returns a number and allocates no Result).
 */
export const SRTP_IN_PLACE_AUTH = -1;
export const SRTP_IN_PLACE_REPLAY = -2;
export const SRTP_IN_PLACE_MALFORMED = -3;

/** Room `protectInPlace` needs past the RTP packet: tag and MKI (libsrtp's SRTP_MAX_TRAILER_LEN). */
export const SRTP_TRAILER_ROOM = 144;

export function inPlaceError(code: number): SrtpError {
  return code === SRTP_IN_PLACE_AUTH ? 'auth' : code === SRTP_IN_PLACE_REPLAY ? 'replay' : 'malformed';
}

export interface SrtpStreamContext {
  readonly backend: SrtpBackend;
  readonly suite: SrtpSuite;
  readonly counters: SrtpCounters;
  /** RTP → SRTP. Throws RangeError on a packet that is not RTP (our own packets: a bug). */
  protect(rtpPacket: Uint8Array): Buffer;
  /** SRTP → RTP, or why the packet must be dropped. The input is not modified. */
  unprotect(srtpPacket: Uint8Array): Result<Buffer, SrtpError>;
  /**
   * The media path's RTP → SRTP: protects `buf[0..length)` where it lies, appending the tag
   * (`buf` needs `SRTP_TRAILER_ROOM` bytes past the packet), and returns the SRTP length. Throws
   * RangeError on a packet that is not RTP or a buffer without the room.
   */
  protectInPlace(buf: Uint8Array, length: number): number;
  /**
   * libsrtp only: the addon's protect as a C function (an External) that the native UDP batch can
   * call itself (udp-batch.ts `protectsWith`); undefined when this context cannot be protected there.
   */
  readonly batchProtectHook?: object;
  /**
   * With `batchProtectHook`: checks and counts `buf[0..length)` as `protectInPlace` does but leaves
   * the protecting to the batch, and returns the handle to commit the packet with (its SRTP length
   * is then decided by the batch).
   */
  prepareBatchProtect?(buf: Uint8Array, length: number): number;
  /** libsrtp only: the handle the native receive path opens this context's packets with (udp-recv.ts `openSrtp`). */
  readonly nativeHandle?: number;
  /** A packet the native receive path opened with this context (`buf[0..length)` is RTP now): counted, its SSRC tracked, as `unprotectInPlace` does. */
  openedNatively?(buf: Uint8Array, length: number): void;
  /** A packet the native receive path could not open (`result`: libsrtp's, < 0): counted as `unprotectInPlace` counts; returns its SRTP_IN_PLACE_* code. */
  refusedNatively?(result: number): number;
  /**
   * The media path's SRTP → RTP: authenticates and decrypts `buf[0..length)` where it lies (the
   * buffer is overwritten, also when the packet is refused) and returns the RTP length, or
   * `SRTP_IN_PLACE_AUTH` / `_REPLAY` / `_MALFORMED`. Counted as `unprotect` is.
   */
  unprotectInPlace(buf: Uint8Array, length: number): number;
  /** RTCP (compound) → SRTCP (E=1). Throws RangeError on a packet that is not RTCP. */
  protectRtcp(rtcpPacket: Uint8Array): Buffer;
  /** SRTCP → RTCP, or why the packet must be dropped. */
  unprotectRtcp(srtcpPacket: Uint8Array): Result<Buffer, SrtpError>;
  /** Rollover counter of a stream (tests, diagnostics); undefined when the SSRC is unknown. */
  rolloverCounter(direction: 'send' | 'receive', ssrc: number): number | undefined;
  /** Release the keys and state now (the call ended); later use throws. Idempotent. */
  dispose(): void;
  toJSON(): object;
}
