/**
 * The types of `RtpSession`'s interface (options, remote address, payload-type map, SRTP
 * transform, stats, events), apart from its implementation in session.ts, which re-exports them.
 */
import type { PortPool } from '../port-pool.js';
import type { Clock } from '../../time/index.js';
import type { LastSenderReport } from './receiver-stats.js';
import type { ReportBlock, RtcpPacket } from './rtcp.js';
import type { DtmfDigit, DtmfEvent } from '../dtmf/event.js';
import type { SrtpStreamContext } from '../srtp/stream-context.js';

/**
 * One accepted audio packet. `payload` is a view into the datagram (dgram's Buffer, or a slot of the
 * native receive ring reused by the next read): valid only during the call — copy what you keep.
 */
export type AudioHandler = (payload: Uint8Array, payloadType: number, sequenceNumber: number, timestamp: number, arrivalTime: number) => void;

export interface RemoteAddress {
  address: string;
  port: number;
  /** RTCP port from `a=rtcp` (default port + 1). */
  rtcpPort?: number;
  /**
   * Other addresses this call's media may come from besides `address` (the signalling peer: a NAT
   * or an SBC sends media from the address it signalled from). Used with `sources: 'signalled'`.
   */
  alsoFrom?: readonly string[];
}

export interface PayloadTypeMap {
  /** Audio payload types accepted on receive (default [0 PCMU, 8 PCMA]). */
  audio?: number[];
  /** Payload type `sendAudio` uses (default the first of `audio`). */
  send?: number;
  /** Negotiated telephone-event payload type, or null when not negotiated (default null). */
  telephoneEvent?: number | null;
}

/** SRTP contexts for one stream: `outbound` protects what we send, `inbound` opens what we receive. */
export interface SrtpTransform {
  inbound: SrtpStreamContext;
  outbound: SrtpStreamContext;
}

export interface RtpSessionOptions {
  ports: PortPool;
  /** Local address to bind (e.g. the media IP, or 127.0.0.1 in tests). */
  address: string;
  remote?: RemoteAddress;
  payloadTypes?: PayloadTypeMap;
  /** Time and timers (default the system clock; tests pass a `FakeClock`). */
  clock?: Clock;
  /** Uniform [0,1) source for the RTCP interval (default Math.random). */
  random?: () => number;
  clockRate?: number;
  /** SDES CNAME (default a random opaque token: it must not identify the caller). */
  cname?: string;
  /** Mean RTCP report interval (default 5000 ms). */
  rtcpIntervalMs?: number;
  /** Silence of the latched source after which another source may be latched (default 1000 ms). */
  relatchSilenceMs?: number;
  /** Symmetric RTP latching on (default true). Off: always send to the SDP address. */
  symmetric?: boolean;
  /**
   * Which sources may be heard (and latched) once `setRemote` has said where media comes from:
   * 'signalled' — only the remote's address and its `alsoFrom` addresses (any port: NAT); 'any' —
   * whoever sends first (default, for sessions without signalling). The gateway uses 'signalled'
   * (`media.latching`): a stranger's packets to the port are foreign, never the caller (RTP bleed).
   */
  sources?: 'signalled' | 'any';
  /** Pause between queued DTMF digits (default 60 ms). */
  interDigitMs?: number;
  onAudio?: AudioHandler;
}

export interface RtpSessionStats {
  localPort: number;
  ssrc: number;
  remoteSsrc: number | null;
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  octetsReceived: number;
  /** Cumulative lost of the current remote stream (RFC 3550 A.3). */
  lost: number;
  lossFraction: number;
  jitterMs: number;
  /** Datagrams that did not parse as RTP (wrong version included). */
  malformed: number;
  wrongVersion: number;
  unknownPayloadType: number;
  /** Valid packets dropped because they came from a source other than the latched one. */
  foreignSource: number;
  /** `sendAudio` calls dropped (no destination, closed, or a DTMF event in progress). */
  audioNotSent: number;
  rtcpSent: number;
  rtcpReceived: number;
  rtcpMalformed: number;
  /** Round-trip time from the peer's last report block about us (LSR/DLSR), ms. */
  rttMs: number | null;
  /** What the peer last reported about our stream. */
  remoteReport: ReportBlock | null;
  lastSr: LastSenderReport | null;
  dtmfReceived: number;
  /** SRTP is on for this session. */
  srtp: boolean;
  /** SRTP/SRTCP packets dropped because their authentication tag did not verify (or their MKI was wrong). */
  srtpAuthFailures: number;
  /** SRTP/SRTCP packets dropped as replays (index already seen, or older than the replay window). */
  srtpReplays: number;
  /** Simplified E-model estimate from our receive loss, jitter and RTT. */
  mos: number;
}

export interface RtpSessionEvents {
  dtmf: [DtmfEvent];
  dtmfStart: [DtmfDigit];
  rtcp: [RtcpPacket[]];
  latched: [{ kind: 'rtp' | 'rtcp'; address: string; port: number }];
  bye: [{ ssrc: number; reason?: string }];
  closed: [];
}

