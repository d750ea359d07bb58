/**
 * One call's audio with its packets on a media worker (config `media.workers` > 0): the same
 * surface as CallAudio (CallAudioPort), so the call layer cannot tell them apart.
 *
 *   worker: RTP/SRTP ─▶ jitter ─▶ G.711 decode ─▶ up ring ──┐ (SharedArrayBuffer, src/media/worker/)
 *   main:   scheduler tick ─▶ up ring ─▶ Endpointer ─▶ utterances, barge-in; 'frame' (recorder)
 *           Player / feed ─▶ down ring ─▶ worker: G.711 encode ─▶ RTP/SRTP send on the worker's tick
 *
 * The echo reference for barge-in (the energy of each frame sent, per tick) is kept here, where the
 * frames to send are made; the worker's send pacing adds no delay the echo-lag estimate does not learn.
 * The endpointer and the player stay here because their listeners (turn loop, TTS streams, the
 * recorder) are the call layer's; what moves is every per-packet cost (socket I/O, SRTP, jitter
 * buffer, codecs) and the send pacing. Loopback echoes inside the worker.
 * Control (configure, keys, DTMF, close) is one postMessage each; the counters are in the call's
 * shared memory (written by the worker every 100 ms, and finally on close), so `stats()` answers at once.
 */
import type { NegotiatedAudio } from '../sdp/index.js';
import type { CallAudioPort } from './call-audio-port.js';
import type { CallAudioOptions, CallAudioStats } from './call-audio.js';
import { CallAudioControls } from './call-audio-controls.js';
import { Endpointer, Player, FrameKind, ringFrame, ulawDecode, alawDecode, g711DecodeFrame, EchoReference, type PlayoutScheduler, type SdesKeyPair, type WorkerMediaHandle, type WorkerCallStats } from '../media/index.js';
import { FRAME_SAMPLES, FRAME_MS } from '../media/index.js';

export class WorkerCallAudio extends CallAudioControls implements CallAudioPort {
  codec: 'PCMU' | 'PCMA' = 'PCMU';
  readonly player: Player;
  readonly endpointer: Endpointer;
  listening = true;
  feed?: { next(): Int16Array | undefined };
  private feedMarker = true;
  private loop = false;
  private configured = false;
  private readonly rx = ringFrame();
  private readonly caller = new Int16Array(FRAME_SAMPLES);
  private readonly silence = new Int16Array(FRAME_SAMPLES);
  private readonly sentPcm = new Int16Array(FRAME_SAMPLES);
  private unregister?: () => void;
  private final?: WorkerCallStats;
  /** This call's first main-thread tick: frames to send are numbered from it (their RTP timestamps). */
  private originMs = -1;
  private sent = 0;
  readonly echoReference = new EchoReference();
  /** The frame sent on this tick (valid until the tick ends), for the echo reference. */
  private sentThisTick: Int16Array | null = null;
  #closed = false;

  constructor(
    private readonly handle: WorkerMediaHandle,
    readonly localAddress: string,
    scheduler: PlayoutScheduler,
    opts: CallAudioOptions = {},
  ) {
    super();
    this.player = new Player((frame, marker, deadline) => this.sendFrame(frame, marker, deadline), opts.player);
    // The Player emits `{ reason }`; the event carries the reason itself, as its type says.
    this.player.on('finished', (e: { reason: 'done' | 'stopped' }) => this.emit('playbackFinished', e.reason));
    this.endpointer = new Endpointer({ echoReference: this.echoReference, ...opts.endpointer }, {
      onSpeechStart: (t) => this.emit('speechStart', t),
      onUtterance: (u) => this.emit('utterance', u),
      onBargeIn: (t) => this.emit('bargeIn', t),
      onPause: (p) => this.emit('pause', p),
      onDiscard: (a, b) => this.emit('discard', a, b),
    });
    this.endpointer.offerPauses = false;
    handle.on('dtmf', (e) => this.emit('dtmf', e));
    handle.on('dtmfStart', (d) => this.emit('dtmfStart', d));
    handle.on('failed', (reason) => {
      void this.close();
      this.emit('failed', reason);
    });
    this.unregister = scheduler.register(this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get localPort(): number {
    return this.handle.localPort;
  }

  /** Echo inside the worker: the caller's frames never need this thread to come back. */
  get loopback(): boolean {
    return this.loop;
  }

  set loopback(on: boolean) {
    this.loop = on;
    this.handle.setLoopback(on);
  }

  configure(audio: NegotiatedAudio): void {
    this.codec = audio.codec;
    this.handle.configure({ codec: audio.codec, pt: audio.pt, telephoneEventPt: audio.telephoneEventPt ?? null, remoteAddress: audio.remoteAddress, remotePort: audio.remotePort, alsoFrom: [...(audio.alsoFrom ?? [])] });
    this.configured = true;
  }

  setSrtpKeys(keys: SdesKeyPair | null): void {
    // A plain copy: the keys cross to the worker by structured clone (never logged, never kept here).
    this.handle.setSrtp(
      keys && { suite: keys.suite, localKey: keys.localKey, localSalt: keys.localSalt, remoteKey: keys.remoteKey, remoteSalt: keys.remoteSalt, ...(keys.localMki ? { localMki: keys.localMki } : {}), ...(keys.remoteMki ? { remoteMki: keys.remoteMki } : {}) },
    );
  }

  /** Queued on the worker; false only when the call is closed (the worker refuses an unnegotiated event silently). */
  sendDtmf(digit: string, durationMs = 100): boolean {
    if (this.#closed) return false;
    this.handle.sendDtmf(digit, durationMs);
    return true;
  }

  /** Main thread, every 20 ms: caller frames the worker decoded since the last tick, then one frame to send. */
  tick(deadlineMs: number): void {
    if (this.#closed) return;
    if (this.originMs < 0) this.originMs = deadlineMs;
    const up = this.handle.rings.up;
    const wanted = this.listening || this.listenerCount('frame') > 0;
    if (!wanted) up.clear();
    else {
      for (let kind = up.read(this.rx); kind !== 0; kind = up.read(this.rx)) {
        const frame = kind === FrameKind.pcm ? this.caller : this.silence;
        if (kind === FrameKind.pcm) this.caller.set(this.rx.pcm.subarray(0, FRAME_SAMPLES));
        if (this.listening) {
          this.endpointer.playing = this.player.playing && !this.player.paused;
          this.endpointer.push(frame, deadlineMs, up.size); // frames still queued: this one is that many ticks old (echo alignment)
        }
        if (kind === FrameKind.pcm) this.emit('frame', frame, deadlineMs);
      }
    }
    if (this.loop) return;
    this.sentThisTick = null;
    if (this.feed) this.playFeed(deadlineMs);
    else this.player.tick(deadlineMs);
    this.echoReference.pushFrame(this.sentThisTick);
  }

  private playFeed(deadlineMs: number): void {
    const f = this.feed!.next();
    if (!f) {
      this.feedMarker = true;
      return;
    }
    this.sendFrame(f, this.feedMarker, deadlineMs);
    this.feedMarker = false;
  }

  private sendFrame(frame: Int16Array | Uint8Array, marker: boolean, deadlineMs: number): void {
    if (!this.configured) return;
    const pcm = frame instanceof Int16Array ? frame : g711DecodeFrame(frame, this.codec, this.sentPcm);
    this.sentThisTick = pcm;
    if (this.listenerCount('sent') > 0) this.emit('sent', pcm, deadlineMs);
    const slot = Math.round((deadlineMs - this.originMs) / FRAME_MS);
    if (this.handle.rings.down.write(frame instanceof Int16Array ? FrameKind.pcm : FrameKind.encoded, marker, frame, slot)) this.sent++;
  }


  stats(): CallAudioStats {
    const w = this.final ?? this.handle.latestStats;
    if (!w) return emptyStats(this.handle.localPort, this.sent);
    return { rtp: w.rtp, jitter: w.jitter, framesDecoded: w.framesDecoded, framesConcealed: w.framesConcealed, framesSent: w.framesSent };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.unregister?.();
    this.player.stop();
    this.final = await this.handle.close();
  }
}

/** Stats before the worker's first report (a call shorter than a second, or a worker that died at once). */
function emptyStats(localPort: number, framesSent: number): CallAudioStats {
  return {
    rtp: {
      localPort, ssrc: 0, remoteSsrc: null, packetsSent: 0, octetsSent: 0, packetsReceived: 0, octetsReceived: 0, lost: 0, lossFraction: 0, jitterMs: 0,
      malformed: 0, wrongVersion: 0, unknownPayloadType: 0, foreignSource: 0, audioNotSent: 0, rtcpSent: 0, rtcpReceived: 0, rtcpMalformed: 0,
      rttMs: null, remoteReport: null, lastSr: null, dtmfReceived: 0, srtp: false, srtpAuthFailures: 0, srtpReplays: 0, mos: 0,
    },
    jitter: { received: 0, late: 0, duplicate: 0, lost: 0, reordered: 0, dropped: 0, underruns: 0, resets: 0, depthMs: 0, targetMs: 0, jitterMs: 0 },
    framesDecoded: 0,
    framesConcealed: 0,
    framesSent,
  };
}
