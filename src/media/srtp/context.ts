/**
 * `SrtpContext`: SRTP and SRTCP protection for one direction of one media stream
 * (RFC 3711 §3.2 cryptographic context), keyed by one SDES master key.
 *
 * Owns: the per-SSRC stream state — rollover counter and highest sequence number (§3.3.1), the
 * 64-packet replay windows (§3.3.2), the SRTCP index (§3.4) — and the packet transforms
 * `protect`/`unprotect` (RTP) and `protectRtcp`/`unprotectRtcp` (RTCP), plus counters the media
 * session reads to count and drop. Does not own: the cipher (`keystream.ts`), the MAC
 * (`hmac-sha1.ts`), key derivation (`kdf.ts`), sockets, SDP.
 *
 * Use one context per direction: the outbound one with our SDES key, the inbound one with the
 * peer's (`createSrtpContexts`). Send and receive state are kept apart anyway, so a misuse cannot
 * corrupt the other direction. Receive state for a new SSRC is created only after its first
 * packet authenticates, and at most `maxStreams` SSRCs are tracked (oldest evicted), so forged
 * packets cannot grow memory.
 *
 * Packet layouts (RFC 3711 §3.1, §3.4):
 *   SRTP  = RTP header | E(payload incl. padding) | [MKI] | tag(80 or 32 bits)
 *   SRTCP = first 8 octets of RTCP | E(rest) | E-flag+31-bit index | [MKI] | tag(80 bits)
 * The tag covers header, encrypted portion (and for SRTP the 32-bit ROC, not sent; for SRTCP
 * the E+index word); the MKI is not authenticated.
 *
 * Key material never leaves this object: `toJSON()` and `util.inspect` show suite and counters only,
 * and the derived session keys live inside the cipher objects (the derivation buffers are zeroed).
 */
import { inspect } from 'node:util';
import { type Result, ok, err } from '../../result/index.js';
import { SRTP_SUITES, type SrtpSuite, type SrtpSuiteName } from './suites.js';
import { deriveSrtcpKeys, deriveSrtpKeys } from './kdf.js';
import { AesCmKeystream } from './keystream.js';
import { createAuthenticator, tagsEqual, type SrtpAuthenticator, type SrtpAuthenticatorKind } from './hmac-sha1.js';
import { ReplayWindow } from './replay-window.js';
import { guessRollover, packetIndex } from './rollover.js';
import { RTCP_HEADER, RTP_MIN_HEADER, readU32, rtpHeaderLength } from './packet-shape.js';
import { SRTP_IN_PLACE_AUTH, SRTP_IN_PLACE_MALFORMED, SRTP_IN_PLACE_REPLAY, SRTP_TRAILER_ROOM, type SrtpCounters, type SrtpError, type SrtpStreamContext } from './stream-context.js';

export type { SrtpCounters, SrtpError } from './stream-context.js';

export interface SrtpMasterKey {
  suite: SrtpSuiteName;
  /** 16 bytes. */
  masterKey: Uint8Array;
  /** 14 bytes. */
  masterSalt: Uint8Array;
  /** Master Key Identifier carried in each packet (RFC 3711 §3.1), when the SDES line has one. */
  mki?: Uint8Array;
}

export interface SrtpContextOptions {
  /** HMAC implementation (OpenSSL's; see hmac-sha1.ts). */
  authenticator?: SrtpAuthenticatorKind;
  /** Most SSRCs tracked per direction (default 16). */
  maxStreams?: number;
}

interface RtpStreamState {
  roc: number;
  highestSeq: number;
  replay: ReplayWindow;
}

interface RtcpSendState {
  nextIndex: number;
}

/** One half (RTP or RTCP) of the session keys, in usable form. */
class SessionCipher {
  readonly keystream: AesCmKeystream;
  readonly auth: SrtpAuthenticator;
  /** IV template: session salt · 2^16. */
  readonly ivBase = Buffer.alloc(16);
  readonly iv = Buffer.alloc(16);
  readonly mac = Buffer.alloc(20);

  constructor(keys: { encKey: Buffer; authKey: Buffer; salt: Buffer }, kind: SrtpAuthenticatorKind) {
    this.keystream = new AesCmKeystream(keys.encKey);
    this.auth = createAuthenticator(keys.authKey, kind);
    this.ivBase.set(keys.salt, 0);
    keys.encKey.fill(0);
    keys.authKey.fill(0);
    keys.salt.fill(0);
  }

  /** IV = (k_s·2^16) XOR (SSRC·2^64) XOR (index·2^16), index up to 48 bits as roc‖seq. */
  setIv(ssrc: number, high32: number, low16: number): Buffer {
    const iv = this.iv;
    const b = this.ivBase;
    iv[0] = b[0]!;
    iv[1] = b[1]!;
    iv[2] = b[2]!;
    iv[3] = b[3]!;
    iv[4] = b[4]! ^ (ssrc >>> 24);
    iv[5] = b[5]! ^ ((ssrc >>> 16) & 0xff);
    iv[6] = b[6]! ^ ((ssrc >>> 8) & 0xff);
    iv[7] = b[7]! ^ (ssrc & 0xff);
    iv[8] = b[8]! ^ (high32 >>> 24);
    iv[9] = b[9]! ^ ((high32 >>> 16) & 0xff);
    iv[10] = b[10]! ^ ((high32 >>> 8) & 0xff);
    iv[11] = b[11]! ^ (high32 & 0xff);
    iv[12] = b[12]! ^ (low16 >>> 8);
    iv[13] = b[13]! ^ (low16 & 0xff);
    iv[14] = 0;
    iv[15] = 0;
    return iv;
  }
}

const SRTCP_INDEX_LENGTH = 4;
const SRTCP_INDEX_MASK = 0x7fffffff;

export class SrtpContext implements SrtpStreamContext {
  readonly backend = 'openssl' as const;
  readonly suite: SrtpSuite;
  readonly counters: SrtpCounters = { rtpProtected: 0, rtpUnprotected: 0, rtcpProtected: 0, rtcpUnprotected: 0, authFailures: 0, replays: 0, malformed: 0 };
  private readonly rtp: SessionCipher;
  private readonly rtcp: SessionCipher;
  private readonly mki: Buffer | null;
  private readonly maxStreams: number;
  private readonly sendRtp = new Map<number, RtpStreamState>();
  private readonly recvRtp = new Map<number, RtpStreamState>();
  private readonly sendRtcp = new Map<number, RtcpSendState>();
  private readonly recvRtcp = new Map<number, ReplayWindow>();

  constructor(key: SrtpMasterKey, opts: SrtpContextOptions = {}) {
    this.suite = SRTP_SUITES[key.suite];
    if (!this.suite) throw new RangeError('unsupported SRTP suite');
    if (key.masterKey.length !== this.suite.keyLength || key.masterSalt.length !== this.suite.saltLength) {
      throw new RangeError('SRTP master key or salt has the wrong length');
    }
    const kind = opts.authenticator ?? 'node';
    this.rtp = new SessionCipher(deriveSrtpKeys(key.masterKey, key.masterSalt, this.suite.authKeyLength), kind);
    this.rtcp = new SessionCipher(deriveSrtcpKeys(key.masterKey, key.masterSalt, this.suite.authKeyLength), kind);
    this.mki = key.mki && key.mki.length > 0 ? Buffer.from(key.mki) : null;
    this.maxStreams = opts.maxStreams ?? 16;
  }

  /** RTP → SRTP. Throws RangeError on a packet that is not RTP (our own packets: a bug). */
  protect(rtpPacket: Uint8Array): Buffer {
    const len = rtpPacket.length;
    const hdr = rtpHeaderLength(rtpPacket, len);
    if (hdr < 0) throw new RangeError('protect: not an RTP packet');
    const seq = (rtpPacket[2]! << 8) | rtpPacket[3]!;
    const ssrc = readU32(rtpPacket, 8);
    let st = this.sendRtp.get(ssrc);
    let roc: number;
    if (!st) {
      st = { roc: 0, highestSeq: seq, replay: new ReplayWindow() };
      remember(this.sendRtp, ssrc, st, this.maxStreams);
      roc = 0;
    } else {
      roc = Math.max(0, guessRollover(st.highestSeq, st.roc, seq));
      if (packetIndex(roc, seq) > packetIndex(st.roc, st.highestSeq)) {
        st.roc = roc;
        st.highestSeq = seq;
      }
    }
    const mkiLen = this.mki ? this.mki.length : 0;
    const tagLen = this.suite.rtpTagLength;
    const out = Buffer.allocUnsafe(len + mkiLen + tagLen);
    for (let i = 0; i < hdr; i++) out[i] = rtpPacket[i]!;
    const c = this.rtp;
    c.keystream.xor(c.setIv(ssrc, roc, seq), rtpPacket, hdr, out, hdr, len - hdr);
    c.auth.mac(out, len, true, roc, c.mac);
    if (this.mki) this.mki.copy(out, len);
    for (let i = 0; i < tagLen; i++) out[len + mkiLen + i] = c.mac[i]!;
    this.counters.rtpProtected++;
    return out;
  }

  /**
   * In-place forms (the media path's interface, `SrtpStreamContext`): here a copy through
   * protect/unprotect — this is the fallback; the libsrtp backend transforms where the bytes lie.
   */
  protectInPlace(buf: Uint8Array, length: number): number {
    if (buf.length - length < SRTP_TRAILER_ROOM) throw new RangeError('protectInPlace: no room for the tag');
    const out = this.protect(buf.subarray(0, length));
    buf.set(out, 0);
    return out.length;
  }

  unprotectInPlace(buf: Uint8Array, length: number): number {
    const r = this.unprotect(length === buf.length ? buf : buf.subarray(0, length));
    if (!r.ok) return r.error === 'auth' ? SRTP_IN_PLACE_AUTH : r.error === 'replay' ? SRTP_IN_PLACE_REPLAY : SRTP_IN_PLACE_MALFORMED;
    buf.set(r.value, 0);
    return r.value.length;
  }

  /** SRTP → RTP, or why the packet must be dropped. The input is not modified. */
  unprotect(srtpPacket: Uint8Array): Result<Buffer, SrtpError> {
    const len = srtpPacket.length;
    const mkiLen = this.mki ? this.mki.length : 0;
    const tagLen = this.suite.rtpTagLength;
    const authEnd = len - mkiLen - tagLen;
    const hdr = authEnd >= RTP_MIN_HEADER ? rtpHeaderLength(srtpPacket, authEnd) : -1;
    if (hdr < 0) {
      this.counters.malformed++;
      return err('malformed');
    }
    const seq = (srtpPacket[2]! << 8) | srtpPacket[3]!;
    const ssrc = readU32(srtpPacket, 8);
    const st = this.recvRtp.get(ssrc);
    const roc = st ? guessRollover(st.highestSeq, st.roc, seq) : 0;
    const index = packetIndex(roc, seq);
    if (roc < 0 || (st && !st.replay.check(index))) {
      this.counters.replays++;
      return err('replay');
    }
    const c = this.rtp;
    if (this.mki && !tagsEqual(srtpPacket, authEnd, this.mki, 0, mkiLen)) {
      this.counters.authFailures++;
      return err('auth');
    }
    c.auth.mac(srtpPacket, authEnd, true, roc, c.mac);
    if (!tagsEqual(srtpPacket, authEnd + mkiLen, c.mac, 0, tagLen)) {
      this.counters.authFailures++;
      return err('auth');
    }
    const out = Buffer.allocUnsafe(authEnd);
    for (let i = 0; i < hdr; i++) out[i] = srtpPacket[i]!;
    c.keystream.xor(c.setIv(ssrc, roc, seq), srtpPacket, hdr, out, hdr, authEnd - hdr);
    if (st) {
      st.replay.record(index);
      if (index > packetIndex(st.roc, st.highestSeq)) {
        st.roc = roc;
        st.highestSeq = seq;
      }
    } else {
      const replay = new ReplayWindow();
      replay.record(index);
      remember(this.recvRtp, ssrc, { roc, highestSeq: seq, replay }, this.maxStreams);
    }
    this.counters.rtpUnprotected++;
    return ok(out);
  }

  /** RTCP (compound) → SRTCP, encrypted (E=1). Throws RangeError on a packet that is not RTCP. */
  protectRtcp(rtcpPacket: Uint8Array): Buffer {
    const len = rtcpPacket.length;
    if (len < RTCP_HEADER || rtcpPacket[0]! >> 6 !== 2) throw new RangeError('protectRtcp: not an RTCP packet');
    const ssrc = readU32(rtcpPacket, 4);
    let st = this.sendRtcp.get(ssrc);
    if (!st) {
      st = { nextIndex: 0 };
      remember(this.sendRtcp, ssrc, st, this.maxStreams);
    }
    const index = st.nextIndex;
    // 2^31 packets would need a re-key (§9.2); at one report per few seconds that is decades.
    st.nextIndex = (index + 1) & SRTCP_INDEX_MASK;
    const mkiLen = this.mki ? this.mki.length : 0;
    const tagLen = this.suite.rtcpTagLength;
    const authEnd = len + SRTCP_INDEX_LENGTH;
    const out = Buffer.allocUnsafe(authEnd + mkiLen + tagLen);
    for (let i = 0; i < RTCP_HEADER; i++) out[i] = rtcpPacket[i]!;
    const c = this.rtcp;
    c.keystream.xor(c.setIv(ssrc, index >>> 16, index & 0xffff), rtcpPacket, RTCP_HEADER, out, RTCP_HEADER, len - RTCP_HEADER);
    out.writeUInt32BE((0x80000000 | index) >>> 0, len);
    c.auth.mac(out, authEnd, false, 0, c.mac);
    if (this.mki) this.mki.copy(out, authEnd);
    for (let i = 0; i < tagLen; i++) out[authEnd + mkiLen + i] = c.mac[i]!;
    this.counters.rtcpProtected++;
    return out;
  }

  /** SRTCP → RTCP, or why the packet must be dropped. Accepts E=0 (authenticated, unencrypted) packets. */
  unprotectRtcp(srtcpPacket: Uint8Array): Result<Buffer, SrtpError> {
    const len = srtcpPacket.length;
    const mkiLen = this.mki ? this.mki.length : 0;
    const tagLen = this.suite.rtcpTagLength;
    const authEnd = len - mkiLen - tagLen;
    const indexAt = authEnd - SRTCP_INDEX_LENGTH;
    if (indexAt < RTCP_HEADER || srtcpPacket[0]! >> 6 !== 2) {
      this.counters.malformed++;
      return err('malformed');
    }
    const word = readU32(srtcpPacket, indexAt);
    const encrypted = (word & 0x80000000) !== 0;
    const index = word & SRTCP_INDEX_MASK;
    const ssrc = readU32(srtcpPacket, 4);
    const replay = this.recvRtcp.get(ssrc);
    if (replay && !replay.check(index)) {
      this.counters.replays++;
      return err('replay');
    }
    const c = this.rtcp;
    if (this.mki && !tagsEqual(srtcpPacket, authEnd, this.mki, 0, mkiLen)) {
      this.counters.authFailures++;
      return err('auth');
    }
    c.auth.mac(srtcpPacket, authEnd, false, 0, c.mac);
    if (!tagsEqual(srtcpPacket, authEnd + mkiLen, c.mac, 0, tagLen)) {
      this.counters.authFailures++;
      return err('auth');
    }
    const out = Buffer.allocUnsafe(indexAt);
    if (encrypted) {
      for (let i = 0; i < RTCP_HEADER; i++) out[i] = srtcpPacket[i]!;
      c.keystream.xor(c.setIv(ssrc, index >>> 16, index & 0xffff), srtcpPacket, RTCP_HEADER, out, RTCP_HEADER, indexAt - RTCP_HEADER);
    } else {
      out.set(srtcpPacket.subarray(0, indexAt), 0);
    }
    if (replay) replay.record(index);
    else {
      const w = new ReplayWindow();
      w.record(index);
      remember(this.recvRtcp, ssrc, w, this.maxStreams);
    }
    this.counters.rtcpUnprotected++;
    return ok(out);
  }

  /** Rollover counter of a stream (tests, diagnostics); undefined when the SSRC is unknown. */
  rolloverCounter(direction: 'send' | 'receive', ssrc: number): number | undefined {
    return (direction === 'send' ? this.sendRtp : this.recvRtp).get(ssrc >>> 0)?.roc;
  }

  /** Nothing to free: the OpenSSL objects are garbage-collected. Present for the common interface. */
  dispose(): void {}

  toJSON(): object {
    return { backend: this.backend, suite: this.suite.name, mki: this.mki !== null, streams: { send: this.sendRtp.size, receive: this.recvRtp.size }, counters: { ...this.counters } };
  }

  [inspect.custom](): string {
    return `SrtpContext ${JSON.stringify(this.toJSON())}`;
  }
}

export function remember<V>(map: Map<number, V>, key: number, value: V, max: number): void {
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
