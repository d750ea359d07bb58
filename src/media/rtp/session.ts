/**
 * `RtpSession`: one RTP/RTCP media stream over `node:dgram` (one call leg's audio).
 *
 * Owns: the sockets (a port pair from the pool), the send state (our random SSRC, continuing
 * sequence numbers and timestamps, marker on talkspurt start), receive validation and
 * symmetric-RTP latching, per-stream statistics, RTCP reports (SR/RR + SDES, BYE on close),
 * and the routing of telephone-event packets to the RFC 4733 receiver/sender.
 * Does not own: pacing (a shared scheduler calls `sendAudio` every 20 ms for all calls — no
 * audio timer per session), jitter buffering, codecs, SIP/SDP (the call layer reads SDP and calls
 * `setRemote` / `setPayloadTypes`).
 *
 * Latching rule (documented in docs/media-rtp.md):
 *  - until the first valid RTP packet arrives we send to the SDP address (`setRemote`);
 *  - the first valid packet (parses, version 2, negotiated payload type) latches the remote
 *    RTP address to its source; from then on we send there, whatever SDP said (NAT);
 *  - packets from any other source are dropped and counted (`foreignSource`), unless the latched
 *    source has been silent for `relatchSilenceMs` (default 1 s): then the new source is latched
 *    (NAT rebinding, media server change) — a live stream cannot be hijacked by a stray sender;
 *  - `setRemote` (a new SDP) clears the latch; RTCP latches the same way on its own socket.
 *
 * Per-packet work (issue 19; docs/media-rtp.md "Pauses"): receive allocates nothing of its own —
 * dgram makes the datagram Buffer and rinfo, the header is parsed into a reused object, and the
 * payload handed to `onAudio` is one view (on the native path the ring slot's reused `PayloadView`:
 * no allocation at all) that the consumer copies (the jitter buffer
 * does) so the datagram dies young. Send, to an IPv4 destination with the `hushgate_udp` addon
 * built: the packet is built in a slot of the thread's `UdpSendBatch` and leaves with the rest of
 * the turn's packets in one native call (udp-batch.ts); otherwise (the dgram path) it is built in
 * a `SendRing` slot and sent without a callback or lookup tick (send-ring.ts, socket-pair.ts).
 * Receive, on the main thread with the addon: the RTP socket is read natively (udp-recv.ts) —
 * datagrams arrive as (ring slot, length, source IPv4 int, port), no Buffer or rinfo per datagram;
 * the session drops back to dgram reading before anything would send on that socket through dgram.
 *
 * SRTP (optional, `setSrtp`): a transform at the socket edge, in place and one library call per
 * packet: the packet is built as plain RTP in its ring slot and `outbound.protectInPlace` appends
 * the tag there; a datagram is opened where it lies (`inbound.unprotectInPlace`: it is ours and
 * dies here) before it is parsed or may latch a source. RTCP compounds (a few per call per 5 s)
 * use the copying `protectRtcp`/`unprotectRtcp`. A packet with a bad tag or a replayed index is
 * dropped and counted (`srtpAuthFailures`, `srtpReplays`), never logged. Without SRTP the paths
 * are the plain ones (one null check each).
 *
 * Parts kept apart by job: `SendRing` (buffers and the callback-free send), `SourceLatch` (the
 * latching rule per socket), `DtmfSendQueue` (RFC 4733 digits on the clock), `RtpReceiverStats`,
 * our reports' content (rtcp-report.ts), RTCP building/parsing (rtcp.ts), the types (session-types.ts).
 */
import { EventEmitter } from 'node:events';
import type dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { PortPool } from '../port-pool.js';
import { type Result, ok, err } from '../../result/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../time/index.js';
import { emptyRtpPacket, parseRtpInto, writeRtp, type RtpFields, type PayloadView } from './packet.js';
import { RtpReceiverStats } from './receiver-stats.js';
import { buildRtcp, parseRtcp, rttFromReportBlock, type RtcpPacket, type ReportBlock } from './rtcp.js';
import { reportPackets } from './rtcp-report.js';
import { estimateMos } from './mos.js';
import { bindRtpPair, releaseRtpPair, type BoundPair } from './socket-pair.js';
import { inPlaceError, SRTP_TRAILER_ROOM } from '../srtp/stream-context.js';
import { TelephoneEventReceiver } from '../dtmf/receiver.js';
import { TelephoneEventSender, type PlannedTelephoneEvent } from '../dtmf/sender.js';
import { SendRing } from './send-ring.js';
import { sessionRandom } from './session-random.js';
import { SourceLatch } from './source-latch.js';
import { DtmfSendQueue } from './dtmf-send-queue.js';
import { SRTP_FAILED, nativeUdpBatch, flushUdpSends, socketFd, ipv4ToInt } from './udp-batch.js';
import { NativeRtpReceive, ipv4String, type NativeRtpRing } from './udp-recv.js';

export type { AudioHandler, RemoteAddress, PayloadTypeMap, SrtpTransform, RtpSessionOptions, RtpSessionStats, RtpSessionEvents } from './session-types.js';
import type { AudioHandler, RemoteAddress, PayloadTypeMap, SrtpTransform, RtpSessionOptions, RtpSessionStats, RtpSessionEvents } from './session-types.js';

const SEND_RING = 32;
const MTU = 1500;
/** A send slot holds an MTU-sized packet plus the room SRTP may append in place. */
const SEND_SLOT_BYTES = MTU + SRTP_TRAILER_ROOM;
const KIND_NONE = 0;
const KIND_AUDIO = 1;
const KIND_DTMF = 2;
/** RTCP timers are ref'd as before: the session's sockets hold the process anyway, and close() clears them. */
const REF = { ref: true } as const;

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  readonly ssrc: number;
  readonly localPort: number;
  readonly localAddress: string;

  private readonly pool: PortPool;
  private readonly clock: Clock;
  /** Wall time minus monotonic time, fixed at open: session times are wall-clock ms that never jump. */
  private readonly wallOffset: number;
  private readonly random: () => number;
  private readonly clockRate: number;
  private readonly cname: string;
  private readonly rtcpIntervalMs: number;
  private readonly symmetric: boolean;
  private onAudio: AudioHandler | undefined;
  private srtp: SrtpTransform | null = null;

  private remote: RemoteAddress | null = null;
  private readonly rtpLatch: SourceLatch;
  /** Addresses media may come from ('signalled' sources, once setRemote has run); null: any. */
  private allowedSources: Set<string> | null = null;
  private readonly sourcesRule: 'signalled' | 'any';
  private readonly rtcpLatch: SourceLatch;
  private readonly ptKind = new Uint8Array(128);
  private sendPt = 0;
  private telephoneEventPt: number | null = null;

  // send state
  private seq: number;
  private readonly tsBase: number;
  private nextTsOffset = 0;
  private hasSent = false;
  private lastWireTs = 0;
  private lastSamples = 0;
  private lastSendAt = 0;
  private readonly openedAt: number;
  private readonly ring = new SendRing(SEND_RING, SEND_SLOT_BYTES);
  /** The SDP address is an IP literal (a name is resolved asynchronously: see SendRing). */
  private remoteIsLiteral = false;
  private readonly fields: RtpFields = { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 };
  /** The RTP socket's descriptor for the native send path (-1: dgram only). */
  private readonly rtpFd: number;
  /** The last destination address seen by sendPacket and its IPv4 int (null: not IPv4 → dgram path). */
  private destAddress = '';
  private destIpv4: number | null = null;
  /** Native reading of the RTP socket (null: dgram reads it). */
  private nativeRx: NativeRtpReceive | null = null;
  /** The native reader opens SRTP itself (libsrtp inbound context; `syncNativeOpen`). */
  private nativeOpens = false;
  private nativeSrcIp = 0;
  private nativeSrcAddress = '';

  // receive state
  private readonly rx = emptyRtpPacket();
  private receiver: RtpReceiverStats | null = null;
  private pendingSr: { ssrc: number; sr: Extract<RtcpPacket, { type: 'sr' }>; at: number } | null = null;
  private readonly dtmfReceiver: TelephoneEventReceiver;
  private readonly dtmfSender: TelephoneEventSender;
  private readonly dtmfQueue: DtmfSendQueue;
  private rtcpTimer: TimerHandle | null = null;
  private closed = false;

  private readonly counters = {
    packetsSent: 0,
    octetsSent: 0,
    packetsReceived: 0,
    octetsReceived: 0,
    malformed: 0,
    wrongVersion: 0,
    unknownPayloadType: 0,
    foreignSource: 0,
    audioNotSent: 0,
    rtcpSent: 0,
    rtcpReceived: 0,
    rtcpMalformed: 0,
    dtmfReceived: 0,
    srtpAuthFailures: 0,
    srtpReplays: 0,
  };
  private rttMs: number | null = null;
  private remoteReport: ReportBlock | null = null;

  /** Bind a port pair from the pool and start the session. */
  static async open(options: RtpSessionOptions): Promise<Result<RtpSession, 'exhausted' | 'no bindable port'>> {
    const pair = await bindRtpPair(options.ports, options.address);
    if (!pair.ok) return pair;
    return ok(new RtpSession(options, pair.value));
  }

  private readonly rtpSocket: dgram.Socket;
  private readonly rtcpSocket: dgram.Socket;
  /** Removed at close: the pair may be parked for a later call (socket-pair.ts). */
  private readonly onRtpMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => this.onRtpDatagram(msg, msg.length, rinfo.address, rinfo.port);
  private readonly onRtcpMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => this.onRtcpDatagram(msg, rinfo.address, rinfo.port, false);

  private constructor(
    options: RtpSessionOptions,
    private readonly pair: BoundPair,
  ) {
    super();
    const rtpSocket = (this.rtpSocket = pair.rtp);
    const rtcpSocket = (this.rtcpSocket = pair.rtcp);
    this.pool = options.ports;
    this.localPort = pair.port;
    this.localAddress = options.address;
    this.clock = options.clock ?? systemClock;
    this.wallOffset = this.clock.epochMs() - this.clock.now();
    this.random = options.random ?? Math.random;
    this.clockRate = options.clockRate ?? 8000;
    this.cname = options.cname ?? `${sessionRandom(8).toString('hex')}@hushgate`;
    this.rtcpIntervalMs = options.rtcpIntervalMs ?? 5000;
    this.rtpLatch = new SourceLatch(options.relatchSilenceMs ?? 1000);
    this.rtcpLatch = new SourceLatch(options.relatchSilenceMs ?? 1000);
    this.symmetric = options.symmetric ?? true;
    this.sourcesRule = options.sources ?? 'any';
    this.onAudio = options.onAudio;
    this.rtpFd = socketFd(rtpSocket);
    const rnd = sessionRandom(10);
    this.ssrc = rnd.readUInt32BE(0);
    this.seq = rnd.readUInt16BE(4);
    this.tsBase = rnd.readUInt32BE(6);
    this.openedAt = this.now();
    this.dtmfReceiver = new TelephoneEventReceiver({
      clockRate: this.clockRate,
      onDigit: (e) => {
        this.counters.dtmfReceived++;
        this.emit('dtmf', e);
      },
      onDigitStart: (d) => this.emit('dtmfStart', d),
    });
    this.dtmfSender = new TelephoneEventSender({ clockRate: this.clockRate });
    this.dtmfQueue = new DtmfSendQueue(this.clock, this.dtmfSender, this.clockRate, options.interDigitMs ?? 60, {
      timestampNow: () => this.mediaTimestampNow(),
      send: (p) => this.sendEventPacket(p),
      onEventEnd: (endTs) => {
        const endOffset = (endTs - this.tsBase) >>> 0;
        if (endOffset > this.nextTsOffset) this.nextTsOffset = endOffset;
      },
      now: () => this.now(),
    });
    this.setPayloadTypes(options.payloadTypes ?? {});
    if (options.remote) this.setRemote(options.remote);
    rtpSocket.on('message', this.onRtpMessage);
    rtcpSocket.on('message', this.onRtcpMessage);
    // Socket errors (e.g. ICMP-triggered on some platforms) must not crash the process.
    rtpSocket.on('error', ignoreSocketError);
    rtcpSocket.on('error', ignoreSocketError);
    this.scheduleRtcp(true);
    // A recycled pair comes with its native reader (socket-pair.ts): it is retargeted, not restarted.
    if (this.rtpFd >= 0 && ipv4ToInt(this.localAddress) !== null && (options.remote === undefined || this.remoteIsLiteral)) {
      if (pair.native !== null) pair.native.retarget(this.onNativeDatagrams);
      else pair.native = NativeRtpReceive.start(rtpSocket, this.rtpFd, this.onNativeDatagrams);
      this.nativeRx = pair.native;
    } else if (pair.native !== null) {
      pair.native.stop(true);
      pair.native = null;
    }
  }

  // ---------- configuration ----------

  /** Remote media address from SDP. Clears both latches (a new offer/answer is a new path). */
  setRemote(remote: RemoteAddress): void {
    this.remote = { ...remote };
    this.remoteIsLiteral = isIP(remote.address) !== 0;
    // A named destination is sent through dgram: the socket must be read by dgram first (udp-recv.ts).
    if (!this.remoteIsLiteral) this.stopNativeRx(true);
    this.rtpLatch.clear();
    this.rtcpLatch.clear();
    if (this.sourcesRule === 'signalled') this.allowedSources = new Set([remote.address, ...(remote.alsoFrom ?? [])].map(plainAddress));
  }

  setPayloadTypes(map: PayloadTypeMap): void {
    const audio = map.audio ?? [0, 8];
    this.ptKind.fill(KIND_NONE);
    for (const pt of audio) if (pt >= 0 && pt < 128) this.ptKind[pt] = KIND_AUDIO;
    this.telephoneEventPt = map.telephoneEvent ?? null;
    if (this.telephoneEventPt !== null) this.ptKind[this.telephoneEventPt & 0x7f] = KIND_DTMF;
    this.sendPt = map.send ?? audio[0] ?? 0;
  }

  /**
   * Turn SRTP on (or off with null) for both RTP and RTCP, from the next packet on. A new
   * offer/answer with new keys replaces the contexts; packets in flight under the old keys then
   * fail authentication and are counted.
   */
  setSrtp(transform: SrtpTransform | null): void {
    if (this.srtp !== null && this.srtp !== transform) {
      flushUdpSends(); // packets of this turn are protected by the batch with the old context's handle
      disposeSrtp(this.srtp);
    }
    this.srtp = transform;
    this.syncNativeOpen();
  }

  /** With a libsrtp inbound context the native reader opens each datagram as it reads it (udp-recv.ts `openSrtp`), else hands them on as sent. */
  private syncNativeOpen(): void {
    const rx = this.nativeRx;
    if (rx === null) return void (this.nativeOpens = false);
    const inbound = this.srtp?.inbound;
    this.nativeOpens = inbound?.nativeHandle !== undefined && rx.openSrtp(inbound.batchProtectHook, inbound.nativeHandle);
    if (!this.nativeOpens) rx.openSrtp(undefined, 0);
  }

  setAudioHandler(handler: AudioHandler | undefined): void {
    this.onAudio = handler;
  }

  /** Where RTP goes now: the latched source, else the SDP address. */
  get rtpDestination(): { address: string; port: number } | null {
    if (this.symmetric && this.rtpLatch.current) return this.rtpLatch.current;
    return this.remote;
  }

  get rtcpDestination(): { address: string; port: number } | null {
    const rtcp = this.rtcpLatch.current;
    const rtp = this.rtpLatch.current;
    if (this.symmetric && rtcp) return rtcp;
    if (this.symmetric && rtp) return { address: rtp.address, port: rtp.port + 1 };
    if (this.remote) return { address: this.remote.address, port: this.remote.rtcpPort ?? this.remote.port + 1 };
    return null;
  }

  // ---------- send ----------

  /**
   * Send one audio frame. `ts` is the frame's position in samples from the start of our stream
   * (the session adds its random base); omitted, it continues after the previous frame. The
   * marker is set on the first frame and whenever `ts` does not continue the previous frame
   * (a new talkspurt), or when `marker` is true. One octet is one sample (G.711); for other
   * codecs pass `ts`. Returns false when nothing was sent (no destination yet, closed, or a DTMF
   * event is being sent — audio is muted for its duration).
   */
  sendAudio(payload: Uint8Array, ts?: number, marker?: boolean): boolean {
    const dest = this.rtpDestination;
    if (this.closed || dest === null || this.dtmfQueue.busy) {
      this.counters.audioNotSent++;
      return false;
    }
    const offset = ts ?? this.nextTsOffset;
    const m = marker === true || !this.hasSent || offset !== this.nextTsOffset;
    const wireTs = (this.tsBase + offset) >>> 0;
    this.sendPacket(this.sendPt, m, wireTs, payload, dest);
    this.hasSent = true;
    this.lastWireTs = wireTs;
    this.lastSamples = payload.length;
    this.lastSendAt = this.now();
    this.nextTsOffset = offset + payload.length;
    return true;
  }

  private sendPacket(pt: number, marker: boolean, timestamp: number, payload: Uint8Array, dest: { address: string; port: number }): void {
    const f = this.fields;
    f.marker = marker;
    f.payloadType = pt;
    f.sequenceNumber = this.seq;
    f.timestamp = timestamp;
    f.ssrc = this.ssrc;
    if (dest.address !== this.destAddress) {
      this.destAddress = dest.address;
      this.destIpv4 = ipv4ToInt(dest.address);
    }
    const batch = this.rtpFd >= 0 && this.destIpv4 !== null ? nativeUdpBatch(SEND_SLOT_BYTES) : null;
    if (batch === null && this.nativeRx !== null) this.stopNativeRx(true);
    const ring = this.ring;
    const buf = batch !== null ? batch.next() : ring.next();
    let n = writeRtp(f, payload, buf, 0);
    if (n < 0) {
      if (batch === null) ring.skip();
      return;
    }
    this.seq = (this.seq + 1) & 0xffff;
    this.counters.packetsSent++;
    this.counters.octetsSent += payload.length;
    // SRTP: protected where it lies in the slot (sized for the tag): by the native batch with the
    // rest of the turn's packets when it can (udp-batch.ts), else here, one call.
    let srtpHandle = 0;
    if (this.srtp !== null) {
      const out = this.srtp.outbound;
      if (batch !== null && out.batchProtectHook !== undefined && batch.protectsWith(out.batchProtectHook)) srtpHandle = out.prepareBatchProtect!(buf, n);
      else n = out.protectInPlace(buf, n);
    }
    if (batch !== null) batch.commit(this.rtpFd, this.destIpv4!, dest.port, n, this.rtpSocket, dest.address, srtpHandle);
    else ring.send(this.rtpSocket, n, dest.port, dest.address, dest !== this.remote || this.remoteIsLiteral);
  }

  /**
   * Queue an RFC 4733 digit. Packets go out on the injected clock (start with marker, updates
   * every 50 ms, 3 end packets); queued digits follow each other after `interDigitMs`.
   */
  sendDtmf(digit: string, durationMs = 100): Result<void> {
    if (this.closed) return err('session closed');
    if (this.telephoneEventPt === null) return err('telephone-event not negotiated');
    const probe = this.dtmfSender.plan(digit, durationMs, 0);
    if (!probe.ok) return probe;
    this.dtmfQueue.enqueue(digit, durationMs);
    return ok(undefined);
  }

  /** True while a DTMF event (or the pause after it, or a queued digit) is being sent. */
  get sendingDtmf(): boolean {
    return this.dtmfQueue.busy;
  }

  /**
   * Session time: Unix milliseconds (fractional) for RTCP NTP timestamps, arrival times and
   * latching, read off the monotonic clock so that a wall-clock step mid-call moves nothing.
   */
  private now(): number {
    return this.clock.now() + this.wallOffset;
  }

  private mediaTimestampNow(): number {
    if (this.hasSent) {
      const elapsed = Math.round(((this.now() - this.lastSendAt) * this.clockRate) / 1000);
      return (this.lastWireTs + Math.max(this.lastSamples, elapsed)) >>> 0;
    }
    return (this.tsBase + Math.round(((this.now() - this.openedAt) * this.clockRate) / 1000)) >>> 0;
  }

  private sendEventPacket(p: PlannedTelephoneEvent): void {
    const dest = this.rtpDestination;
    if (this.closed || dest === null || this.telephoneEventPt === null) return;
    this.sendPacket(this.telephoneEventPt, p.marker, p.timestamp, p.payload, dest);
  }

  // ---------- receive ----------

  private stopNativeRx(resumeDgram: boolean): void {
    this.nativeRx?.stop(resumeDgram);
    this.nativeRx = null;
    this.pair.native = null;
    this.nativeOpens = false;
  }

  /** Native reads: datagram i is ring slot i, its first desc[3i] bytes, from desc[3i+1] (IPv4 int) : desc[3i+2]. */
  private readonly onNativeDatagrams = (ring: NativeRtpRing, count: number): void => {
    if (this.closed) return;
    const d = ring.desc;
    const opened = this.nativeOpens;
    for (let i = 0; i < count; i++) {
      const o = 3 * i;
      const length = d[o]!;
      if (length < 0) {
        // Refused by libsrtp as it was read (auth, replay, malformed), or larger than a ring slot (2 KB, beyond any RTP MTU).
        if (opened && length <= SRTP_FAILED) this.countSrtpDrop(inPlaceError(this.srtp!.inbound.refusedNatively!(length - SRTP_FAILED)));
        else this.counters.malformed++;
        continue;
      }
      const ip = d[o + 1]!;
      if (ip !== this.nativeSrcIp || this.nativeSrcAddress === '') {
        this.nativeSrcIp = ip;
        this.nativeSrcAddress = ipv4String(ip);
      }
      this.onRtpDatagram(ring.slots[i]!, length, this.nativeSrcAddress, d[o + 2]!, ring.views[i], opened);
    }
  };

  /** `datagram[0..length)` from `address:port`; the bytes are ours until this returns (dgram's Buffer, or a native ring slot with its reused payload view). */
  private onRtpDatagram(datagram: Buffer, length: number, address: string, port: number, views?: PayloadView, opened = false): void {
    if (this.closed) return;
    if (length >= 2 && datagram[1]! >= 192 && datagram[1]! <= 223) {
      // RTCP-mux (rare): its parse may keep views, so a ring slot is copied out.
      this.onRtcpDatagram(length === datagram.length ? datagram : Buffer.from(datagram.subarray(0, length)), address, port, true);
      return;
    }
    if (opened) this.srtp!.inbound.openedNatively!(datagram, length);
    else if (this.srtp !== null) {
      // Opened in place: the datagram is ours (dgram made it for this message) and dies here.
      length = this.srtp.inbound.unprotectInPlace(datagram, length);
      if (length < 0) {
        this.countSrtpDrop(inPlaceError(length));
        return;
      }
    }
    const now = this.now();
    const rx = this.rx;
    const error = parseRtpInto(datagram, rx, length, views);
    if (error !== null) {
      this.counters.malformed++;
      if (error === 'wrong version') this.counters.wrongVersion++;
      return;
    }
    const kind = this.ptKind[rx.payloadType]!;
    if (kind === KIND_NONE) {
      this.counters.unknownPayloadType++;
      return;
    }
    if (!this.acceptSource('rtp', address, port, now)) {
      this.counters.foreignSource++;
      return;
    }
    let stats = this.receiver;
    if (stats === null || stats.ssrc !== rx.ssrc) {
      stats = this.receiver = new RtpReceiverStats(rx.ssrc, this.clockRate);
      const pending = this.pendingSr;
      if (pending && pending.ssrc === rx.ssrc) stats.onSenderReport(pending.sr, pending.at);
      this.pendingSr = null;
    }
    const payload = rx.payload;
    const restarts = stats.restarts;
    if (!stats.onPacket(rx.sequenceNumber, rx.timestamp, payload.length, now, kind === KIND_AUDIO)) return;
    // A restarted source (new sequence space) starts a new timestamp space too: earlier events
    // must not make the new ones look like late retransmissions.
    if (stats.restarts !== restarts) this.dtmfReceiver.reset();
    this.counters.packetsReceived++;
    this.counters.octetsReceived += payload.length;
    if (kind === KIND_DTMF) {
      this.dtmfReceiver.receive(rx.timestamp, payload, now);
      return;
    }
    if (this.dtmfReceiver.active) this.dtmfReceiver.expire(now);
    this.onAudio?.(payload, rx.payloadType, rx.sequenceNumber, rx.timestamp, now);
  }

  /** The latching rule; see the header comment and source-latch.ts. */
  private acceptSource(kind: 'rtp' | 'rtcp', address: string, port: number, now: number): boolean {
    // Fail closed: with 'signalled' sources, an address neither the SDP nor the signalling named is
    // never heard nor latched, whatever the latching rule would say (RTP bleed, docs/security.md).
    if (this.allowedSources !== null && !this.allowedSources.has(address) && !this.allowedSources.has(plainAddress(address))) return false;
    if (!this.symmetric) return true;
    return (kind === 'rtp' ? this.rtpLatch : this.rtcpLatch).accept(address, port, now, kind === 'rtp' ? this.onRtpLatch : this.onRtcpLatch);
  }

  private readonly onRtpLatch = (address: string, port: number): void => {
    this.emit('latched', { kind: 'rtp', address, port });
  };

  private readonly onRtcpLatch = (address: string, port: number): void => {
    this.emit('latched', { kind: 'rtcp', address, port });
  };

  private countSrtpDrop(error: 'auth' | 'replay' | 'malformed'): void {
    if (error === 'auth') this.counters.srtpAuthFailures++;
    else if (error === 'replay') this.counters.srtpReplays++;
    else this.counters.malformed++;
  }

  private onRtcpDatagram(datagram: Buffer, address: string, port: number, muxed: boolean): void {
    if (this.closed) return;
    let msg = datagram;
    if (this.srtp !== null) {
      const opened = this.srtp.inbound.unprotectRtcp(datagram);
      if (!opened.ok) {
        if (opened.error === 'malformed') this.counters.rtcpMalformed++;
        else this.countSrtpDrop(opened.error);
        return;
      }
      msg = opened.value;
    }
    const now = this.now();
    const parsed = parseRtcp(msg);
    if (!parsed.ok) {
      this.counters.rtcpMalformed++;
      return;
    }
    if (!muxed && !this.acceptSource('rtcp', address, port, now)) return;
    this.counters.rtcpReceived++;
    for (const p of parsed.value) {
      if (p.type === 'sr' || p.type === 'rr') {
        if (p.type === 'sr') {
          if (this.receiver && this.receiver.ssrc === p.ssrc) this.receiver.onSenderReport(p, now);
          else this.pendingSr = { ssrc: p.ssrc, sr: p, at: now };
        }
        for (const block of p.reports) {
          if (block.ssrc !== this.ssrc) continue;
          this.remoteReport = block;
          const rtt = rttFromReportBlock(block, now);
          if (rtt !== null) this.rttMs = rtt;
        }
      } else if (p.type === 'bye') {
        for (const ssrc of p.ssrcs) if (this.receiver && ssrc === this.receiver.ssrc) this.emit('bye', { ssrc, reason: p.reason });
      }
    }
    this.emit('rtcp', parsed.value);
  }

  // ---------- RTCP send ----------

  /** RFC 3550 §6.2, minimal: T = interval × U[0.5, 1.5], the first report after half of that. */
  private scheduleRtcp(first: boolean): void {
    const base = first ? this.rtcpIntervalMs / 2 : this.rtcpIntervalMs;
    const delay = base * (0.5 + this.random());
    this.rtcpTimer = this.clock.setTimeout(() => {
      this.rtcpTimer = null;
      if (this.closed) return;
      this.sendReport();
      if (this.dtmfReceiver.active) this.dtmfReceiver.expire(this.now());
      this.scheduleRtcp(false);
    }, delay, REF);
  }

  /** The report part of a compound packet (rtcp-report.ts). */
  private reportPackets(now: number): RtcpPacket[] {
    const c = this.counters;
    return reportPackets(
      { ssrc: this.ssrc, cname: this.cname, receiver: this.receiver, hasSent: this.hasSent, lastSendAt: this.lastSendAt, lastWireTs: this.lastWireTs, packetsSent: c.packetsSent, octetsSent: c.octetsSent, clockRate: this.clockRate, intervalMs: this.rtcpIntervalMs },
      now,
    );
  }

  private sendRtcp(packets: RtcpPacket[], done?: () => void): void {
    const dest = this.rtcpDestination;
    const built = buildRtcp(packets);
    if (dest === null || !built.ok) {
      done?.();
      return;
    }
    this.counters.rtcpSent++;
    const wire = this.srtp !== null ? this.srtp.outbound.protectRtcp(built.value) : built.value;
    this.rtcpSocket.send(wire, dest.port, dest.address, () => done?.());
  }

  /** Send a report now (also runs on the randomised timer). */
  sendReport(): void {
    if (this.closed) return;
    this.sendRtcp(this.reportPackets(this.now()));
  }

  // ---------- stats / close ----------

  stats(): RtpSessionStats {
    const c = this.counters;
    const snap = this.receiver?.snapshot() ?? null;
    const lossFraction = snap?.lossFraction ?? 0;
    const jitterMs = snap?.jitterMs ?? 0;
    return {
      localPort: this.localPort,
      ssrc: this.ssrc,
      remoteSsrc: snap?.ssrc ?? null,
      packetsSent: c.packetsSent,
      octetsSent: c.octetsSent,
      packetsReceived: c.packetsReceived,
      octetsReceived: c.octetsReceived,
      lost: snap?.lost ?? 0,
      lossFraction,
      jitterMs,
      malformed: c.malformed,
      wrongVersion: c.wrongVersion,
      unknownPayloadType: c.unknownPayloadType,
      foreignSource: c.foreignSource,
      audioNotSent: c.audioNotSent,
      rtcpSent: c.rtcpSent,
      rtcpReceived: c.rtcpReceived,
      rtcpMalformed: c.rtcpMalformed,
      rttMs: this.rttMs,
      remoteReport: this.remoteReport,
      lastSr: snap?.lastSr ?? null,
      dtmfReceived: c.dtmfReceived,
      srtp: this.srtp !== null,
      srtpAuthFailures: c.srtpAuthFailures,
      srtpReplays: c.srtpReplays,
      mos: estimateMos({ lossFraction, jitterMs, rttMs: this.rttMs }),
    };
  }

  /**
   * Send RTCP BYE (with a last report), then give the sockets back: parked for a later call when
   * the pool recycles pairs, else closed with their ports returned (socket-pair.ts `releaseRtpPair`).
   */
  async close(reason?: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Packets of this turn still in the batch go out before the descriptor closes or changes owner.
    flushUdpSends();
    if (this.nativeOpens) this.nativeRx?.openSrtp(undefined, 0);
    this.nativeOpens = false;
    if (this.rtcpTimer !== null) this.clock.clearTimeout(this.rtcpTimer);
    this.rtcpTimer = null;
    this.dtmfQueue.close();
    // RFC 3550 §6.3.7: a participant which never sent an RTP or RTCP packet MUST NOT send a BYE
    // (a call hung up before any media — most of a call set-up benchmark's calls — sends nothing).
    if (this.counters.packetsSent > 0 || this.counters.rtcpSent > 0) {
      const bye: RtcpPacket = reason === undefined ? { type: 'bye', ssrcs: [this.ssrc] } : { type: 'bye', ssrcs: [this.ssrc], reason };
      await new Promise<void>((resolve) => this.sendRtcp([...this.reportPackets(this.now()), bye], resolve));
    }
    this.rtpSocket.off('message', this.onRtpMessage);
    this.rtcpSocket.off('message', this.onRtcpMessage);
    this.rtpSocket.off('error', ignoreSocketError);
    this.rtcpSocket.off('error', ignoreSocketError);
    this.nativeRx = null;
    await releaseRtpPair(this.pool, this.localAddress, this.pair);
    // The sockets are closed or parked: this session sends nothing again; its idle ring buffers serve later calls.
    this.ring.release();
    // libsrtp state (and its key copy) lives outside the JS heap: free it with the call, not at some later GC.
    // (stats() still reports srtp: true; nothing protects or opens a packet once closed.)
    if (this.srtp !== null) disposeSrtp(this.srtp);
    this.emit('closed');
  }
}

function ignoreSocketError(): void {}

/** An address as compared with the allowed sources: lower case, an IPv4-mapped IPv6 address as IPv4. */
function plainAddress(a: string): string {
  const l = a.toLowerCase();
  return l.startsWith('::ffff:') && l.includes('.') ? l.slice(7) : l;
}

function disposeSrtp(t: SrtpTransform): void {
  t.inbound.dispose();
  t.outbound.dispose();
}
