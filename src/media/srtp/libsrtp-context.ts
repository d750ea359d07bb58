/**
 * `LibsrtpContext`: the `SrtpStreamContext` of one SDES master key done by libsrtp 2 through the
 * native addon. libsrtp owns key derivation, ROC, the replay window (64 packets, as on the OpenSSL
 * path), AES-CM and HMAC-SHA1; this class owns what libsrtp does not: the same malformed-packet
 * checks as `SrtpContext` (so both refuse the same inputs), error mapping, counters, and the bound
 * on tracked SSRCs — libsrtp adds a stream for every SSRC that authenticates and never forgets
 * one, so the oldest is removed past `maxStreams`.
 *
 * Keys go straight into libsrtp (which zeroes its copy on dispose); nothing here keeps them.
 */
import { inspect } from 'node:util';
import { type Result, ok, err } from '../../result/index.js';
import { SRTP_SUITES, type SrtpSuite } from './suites.js';
import type { SrtpMasterKey } from './context.js';
import { RTCP_HEADER, RTP_MIN_HEADER, readU32, rtpHeaderLength } from './packet-shape.js';
import { tagBitsOf, type LibsrtpAddon, type NativeSrtp } from './libsrtp-addon.js';
import { SRTP_IN_PLACE_AUTH, SRTP_IN_PLACE_MALFORMED, SRTP_IN_PLACE_REPLAY, SRTP_TRAILER_ROOM, type SrtpCounters, type SrtpError, type SrtpStreamContext } from './stream-context.js';

/** libsrtp's srtp_err_status_t values that we tell apart (srtp2/srtp.h). */
const STATUS_AUTH_FAIL = 7;
const STATUS_REPLAY_FAIL = 9;
const STATUS_REPLAY_OLD = 10;
const STATUS_BAD_MKI = 25;
const REPLAY_WINDOW = 64;
const SRTCP_INDEX_LENGTH = 4;

/** What protectInPlace and prepareBatchProtect refuse: not an RTP packet, or no room for the tag behind it (a bug of ours). */
function checkProtectable(buf: Uint8Array, length: number): void {
  if (rtpHeaderLength(buf, length) < 0) throw new RangeError('protect: not an RTP packet');
  if (buf.length - length < SRTP_TRAILER_ROOM) throw new RangeError('protectInPlace: no room for the tag');
}

interface TrackedSsrcs {
  readonly ssrcs: Set<number>;
  last: number;
}

export class LibsrtpContext implements SrtpStreamContext {
  readonly backend = 'libsrtp' as const;
  readonly suite: SrtpSuite;
  readonly counters: SrtpCounters = { rtpProtected: 0, rtpUnprotected: 0, rtcpProtected: 0, rtcpUnprotected: 0, authFailures: 0, replays: 0, malformed: 0 };
  private readonly native: NativeSrtp;
  /** The addon's in-place functions take this context's handle (srtp_addon.c "Handles"). */
  private readonly addon: LibsrtpAddon;
  private readonly handle: number;
  private readonly mkiLength: number;
  private readonly maxStreams: number;
  /**
   * Per direction, the SSRCs libsrtp holds a stream for, oldest first (a Set keeps insertion order),
   * and the one tracked last: a call's packets all carry one SSRC, so the Set is seldom asked.
   */
  private readonly send: TrackedSsrcs = { ssrcs: new Set<number>(), last: -1 };
  private readonly recv: TrackedSsrcs = { ssrcs: new Set<number>(), last: -1 };
  private disposed = false;
  readonly batchProtectHook: object | undefined;

  constructor(addon: LibsrtpAddon, key: SrtpMasterKey, opts: { maxStreams?: number } = {}) {
    this.suite = SRTP_SUITES[key.suite];
    if (!this.suite) throw new RangeError('unsupported SRTP suite');
    if (key.masterKey.length !== this.suite.keyLength || key.masterSalt.length !== this.suite.saltLength) {
      throw new RangeError('SRTP master key or salt has the wrong length');
    }
    const mki = key.mki && key.mki.length > 0 ? key.mki : null;
    this.mkiLength = mki ? mki.length : 0;
    this.maxStreams = opts.maxStreams ?? 16;
    this.native = new addon.NativeSrtp(tagBitsOf(key.suite), key.masterKey, key.masterSalt, mki, REPLAY_WINDOW);
    this.addon = addon;
    this.handle = this.native.handle;
    this.batchProtectHook = addon.batchProtectHook;
  }

  protect(rtpPacket: Uint8Array): Buffer {
    const len = rtpPacket.length;
    if (rtpHeaderLength(rtpPacket, len) < 0) throw new RangeError('protect: not an RTP packet');
    const out = Buffer.allocUnsafe(len + this.mkiLength + this.suite.rtpTagLength);
    const n = this.native.protect(rtpPacket, out);
    if (n !== out.length) throw new Error(`libsrtp protect failed (${n})`);
    this.track(this.send, false, readU32(rtpPacket, 8));
    this.counters.rtpProtected++;
    return out;
  }

  unprotect(srtpPacket: Uint8Array): Result<Buffer, SrtpError> {
    const authEnd = srtpPacket.length - this.mkiLength - this.suite.rtpTagLength;
    if (authEnd < RTP_MIN_HEADER || rtpHeaderLength(srtpPacket, authEnd) < 0) {
      this.counters.malformed++;
      return err('malformed');
    }
    const out = Buffer.allocUnsafe(authEnd);
    const n = this.native.unprotect(srtpPacket, out);
    if (n < 0) return this.refuse(n);
    this.track(this.recv, true, readU32(srtpPacket, 8));
    this.counters.rtpUnprotected++;
    return ok(n === authEnd ? out : out.subarray(0, n));
  }

  protectInPlace(buf: Uint8Array, length: number): number {
    checkProtectable(buf, length);
    const n = this.addon.protectInPlace(this.handle, buf, length);
    if (n !== length + this.mkiLength + this.suite.rtpTagLength) throw new Error(`libsrtp protect failed (${n})`);
    this.track(this.send, false, readU32(buf, 8));
    this.counters.rtpProtected++;
    return n;
  }

  /**
   * The protect of `protectInPlace` left to the native UDP batch, which calls libsrtp with the
   * returned handle just before it sends (srtp_addon.c `batch_protect`); checks, SSRC tracking and
   * counting happen here and now, as they would in `protectInPlace`.
   */
  prepareBatchProtect(buf: Uint8Array, length: number): number {
    checkProtectable(buf, length);
    if (this.disposed) throw new Error('SRTP context was disposed');
    this.track(this.send, false, readU32(buf, 8));
    this.counters.rtpProtected++;
    return this.handle;
  }

  get nativeHandle(): number {
    return this.handle;
  }

  openedNatively(buf: Uint8Array, length: number): void {
    if (length >= RTP_MIN_HEADER) this.track(this.recv, true, readU32(buf, 8));
    this.counters.rtpUnprotected++;
  }

  refusedNatively(result: number): number {
    return this.refuseCode(result);
  }

  unprotectInPlace(buf: Uint8Array, length: number): number {
    const authEnd = length - this.mkiLength - this.suite.rtpTagLength;
    if (authEnd < RTP_MIN_HEADER || length > buf.length || rtpHeaderLength(buf, authEnd) < 0) {
      this.counters.malformed++;
      return SRTP_IN_PLACE_MALFORMED;
    }
    const ssrc = readU32(buf, 8); // the header is authenticated, not encrypted: read before libsrtp runs
    const n = this.addon.unprotectInPlace(this.handle, buf, length);
    if (n < 0) return this.refuseCode(n);
    this.track(this.recv, true, ssrc);
    this.counters.rtpUnprotected++;
    return n;
  }

  protectRtcp(rtcpPacket: Uint8Array): Buffer {
    const len = rtcpPacket.length;
    if (len < RTCP_HEADER || rtcpPacket[0]! >> 6 !== 2) throw new RangeError('protectRtcp: not an RTCP packet');
    const out = Buffer.allocUnsafe(len + SRTCP_INDEX_LENGTH + this.mkiLength + this.suite.rtcpTagLength);
    const n = this.native.protectRtcp(rtcpPacket, out);
    if (n !== out.length) throw new Error(`libsrtp protectRtcp failed (${n})`);
    this.track(this.send, false, readU32(rtcpPacket, 4));
    this.counters.rtcpProtected++;
    return out;
  }

  unprotectRtcp(srtcpPacket: Uint8Array): Result<Buffer, SrtpError> {
    const indexAt = srtcpPacket.length - this.mkiLength - this.suite.rtcpTagLength - SRTCP_INDEX_LENGTH;
    if (indexAt < RTCP_HEADER || srtcpPacket[0]! >> 6 !== 2) {
      this.counters.malformed++;
      return err('malformed');
    }
    const out = Buffer.allocUnsafe(indexAt);
    const n = this.native.unprotectRtcp(srtcpPacket, out);
    if (n < 0) return this.refuse(n);
    this.track(this.recv, true, readU32(srtcpPacket, 4));
    this.counters.rtcpUnprotected++;
    return ok(n === indexAt ? out : out.subarray(0, n));
  }

  rolloverCounter(direction: 'send' | 'receive', ssrc: number): number | undefined {
    if (this.disposed) return undefined;
    const roc = this.native.roc(direction === 'receive', ssrc >>> 0);
    return roc < 0 ? undefined : roc;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native.dispose();
  }

  toJSON(): object {
    return { backend: this.backend, suite: this.suite.name, mki: this.mkiLength > 0, streams: { send: this.send.ssrcs.size, receive: this.recv.ssrcs.size }, counters: { ...this.counters } };
  }

  [inspect.custom](): string {
    return `LibsrtpContext ${JSON.stringify(this.toJSON())}`;
  }

  private refuse(status: number): Result<Buffer, SrtpError> {
    const code = this.refuseCode(status);
    return err(code === SRTP_IN_PLACE_AUTH ? 'auth' : code === SRTP_IN_PLACE_REPLAY ? 'replay' : 'malformed');
  }

  /** Count a libsrtp refusal (−status) and say which it was, as an in-place code. */
  private refuseCode(status: number): number {
    const s = -status;
    if (s === STATUS_AUTH_FAIL || s === STATUS_BAD_MKI) {
      this.counters.authFailures++;
      return SRTP_IN_PLACE_AUTH;
    }
    if (s === STATUS_REPLAY_FAIL || s === STATUS_REPLAY_OLD) {
      this.counters.replays++;
      return SRTP_IN_PLACE_REPLAY;
    }
    this.counters.malformed++;
    return SRTP_IN_PLACE_MALFORMED;
  }

  /**
   * Remember an SSRC libsrtp now has a stream for; past `maxStreams`, drop the oldest from libsrtp too.
   * The one tracked last is always in the Set (an eviction happens only as another becomes the last),
   * so skipping it never skips an evicted SSRC.
   */
  private track(t: TrackedSsrcs, receive: boolean, ssrc: number): void {
    if (ssrc === t.last) return;
    t.last = ssrc;
    if (t.ssrcs.has(ssrc)) return;
    t.ssrcs.add(ssrc);
    if (t.ssrcs.size > this.maxStreams) {
      const oldest = t.ssrcs.values().next().value as number;
      t.ssrcs.delete(oldest);
      this.native.removeStream(receive, oldest);
    }
  }
}
