/**
 * One call's audio: composes the media plane's parts into the pipeline the call layer uses.
 *
 *   caller RTP ─▶ RtpSession ─▶ JitterBuffer ─┐   (every 20 ms, on the shared scheduler's tick)
 *                    │ telephone-event         ├─▶ G.711 decode / conceal ─▶ Endpointer ─▶ utterances, barge-in
 *                    ▼                         │                         └─▶ 'frame' (loopback, recorder)
 *                  'dtmf'                      │
 *   Player (prompts, TTS streams) ─────────────┴─▶ G.711 encode ─▶ RtpSession.sendAudio (ts = slot × 160)
 *
 * Each tick's sent-frame energy goes to the EchoReference that barge-in's echo test reads (media/vad/double-talk.ts).
 *
 * One `tick` per call per 20 ms does both directions, so the process has one timer for all calls.
 * The RTP timestamp follows the scheduler's slots, so silence between prompts keeps the timeline
 * and each talkspurt starts with the marker bit.
 */
import type { NegotiatedAudio } from '../sdp/index.js';
import type { CallAudioPort } from './call-audio-port.js';
import { CallAudioControls } from './call-audio-controls.js';
import type { RtpSession, SrtpTransform, SdesKeyPair } from '../media/index.js';
import { createSrtpContexts } from '../media/index.js';
import { JitterBuffer, concealFrame, type JitterPacket } from '../media/index.js';
import { ulawDecode, ulawEncode, alawDecode, alawEncode, g711IsQuiet, g711DecodeFrame } from '../media/index.js';
import { Endpointer, EchoReference, type PauseSnapshot, type Utterance } from '../media/index.js';
import { Player } from '../media/index.js';
import type { PlayoutScheduler } from '../media/index.js';
import type { DtmfEvent } from '../media/index.js';
import { FRAME_SAMPLES, FRAME_MS } from '../media/index.js';
import type { EventEmitter } from 'node:events';

const EMPTY: Uint8Array = new Uint8Array(0);

export interface CallAudioEvents {
  dtmf: [DtmfEvent];
  dtmfStart: [string];
  /** A decoded (or concealed) caller frame, 160 samples; valid only during the event. */
  frame: [Int16Array, number];
  /** A frame we sent (prompts, TTS), decoded to PCM; valid only during the event. Emitted only while someone listens (the recorder). */
  sent: [Int16Array, number];
  speechStart: [number];
  utterance: [Utterance];
  /** A pause in the caller's speech, offered for adaptive endpointing (emitted only while someone listens). */
  pause: [PauseSnapshot];
  bargeIn: [number];
  /** An utterance too short to be speech (a cough, a click) was dropped: [startMs, endMs]. */
  discard: [number, number];
  playbackFinished: ['done' | 'stopped'];
  /** The media plane under the call is gone (a media worker died): the call has no audio any more. */
  failed: [string];
}

export type { CallAudioStats, CallAudioOptions } from './call-audio-port.js';
import type { CallAudioStats, CallAudioOptions } from './call-audio-port.js';

export class CallAudio extends CallAudioControls implements CallAudioPort {
  codec: 'PCMU' | 'PCMA' = 'PCMU';
  readonly player: Player;
  readonly endpointer: Endpointer;
  /** Echo the caller's audio back (the `loopback` application). */
  loopback = false;
  /** Sees every inbound audio packet as it arrives (test softphone: pacing and exact audio); `payload` is valid only during the call. */
  tap?: (payload: Uint8Array, pt: number, seq: number, timestamp: number, arrivalMs: number) => void;
  /** Feed the endpointer (off while STT is paused or nobody listens). */
  listening = true;
  /** A bot's audio (media streams, stream/playout.ts): while set it plays instead of the player, one frame per tick. */
  feed?: { next(): Int16Array | undefined };
  private feedMarker = true;
  // 40 ms floor: two scheduler ticks of phase slack between sender and receiver clocks.
  private readonly jb = new JitterBuffer({ minDepthMs: 40, initialDepthMs: 60, isSilent: (p) => g711IsQuiet(p, this.codec) });
  private readonly pcm = new Int16Array(FRAME_SAMPLES);
  /** Decoded caller samples not yet consumed (room for a 60 ms packet plus a frame). */
  private readonly fifo = new Int16Array(FRAME_SAMPLES * 8);
  private fifoLen = 0;
  private readonly prev = new Int16Array(FRAME_SAMPLES);
  private readonly concealed160 = new Int16Array(FRAME_SAMPLES);
  /** Reused for every push (the jitter buffer copies what it keeps). */
  private readonly jbPacket: JitterPacket = { seq: 0, timestamp: 0, payload: EMPTY };
  private readonly silence = new Int16Array(FRAME_SAMPLES);
  private readonly out = new Uint8Array(FRAME_SAMPLES);
  private readonly sentPcm = new Int16Array(FRAME_SAMPLES);
  readonly echoReference = new EchoReference();
  /** The frame sent on this tick (valid until the tick ends), for the echo reference. */
  private sentThisTick: Int16Array | null = null;
  private haveAudio = false;
  private configured = false;
  private originMs = -1;
  private unregister?: () => void;
  private decoded = 0;
  private concealed = 0;
  private sent = 0;
  #closed = false;
  /** endpointerHeard's answer, counted again when an endpointer listener came or went (`heardChanged`). */
  private heard = false;
  private heardChanged = true;
  /** Whether anyone listens for the frames we send ('sent': the recorder), counted again on `sentHeardChanged`. */
  private sentHeard = false;
  private sentHeardChanged = true;
  /** True once `close()` ran: the RTP sockets are released. */
  get closed(): boolean {
    return this.#closed;
  }

  constructor(
    readonly rtp: RtpSession,
    readonly localAddress: string,
    private readonly scheduler: PlayoutScheduler,
    opts: CallAudioOptions = {},
  ) {
    super();
    this.player = new Player((frame, marker, deadline) => this.sendFrame(frame, marker, deadline), opts.player);
    this.player.on('finished', (e: { reason: 'done' | 'stopped' }) => this.emit('playbackFinished', e.reason));
    this.endpointer = new Endpointer({ echoReference: this.echoReference, ...opts.endpointer }, {
      onSpeechStart: (t) => this.emit('speechStart', t),
      onUtterance: (u) => this.emit('utterance', u),
      onBargeIn: (t) => this.emit('bargeIn', t),
      onPause: (p) => this.emit('pause', p),
      onDiscard: (a, b) => this.emit('discard', a, b),
    });
    this.endpointer.offerPauses = false; // until the agent listens for pauses (agent-call.ts)
    // Whether anyone hears the endpointer, or the frames we send, changes only when a listener comes
    // or goes: counted then, not by listenerCount calls on every tick of every call (1.7 % of the
    // gateway's busy time at 1,000 calls, bench/media profile).
    const emitter = this as unknown as EventEmitter; // 'newListener'/'removeListener' are EventEmitter's own, not in CallAudioEvents
    const changed = (name: string | symbol): void => {
      if (name === 'sent') this.sentHeardChanged = true;
      else if (name === 'utterance' || name === 'speechStart' || name === 'bargeIn' || name === 'pause') this.heardChanged = true;
    };
    emitter.on('newListener', changed);
    emitter.on('removeListener', changed);
    rtp.setAudioHandler((payload, pt, seq, timestamp, arrival) => {
      // Nothing is heard before offer/answer has configured the stream: with a late offer the
      // answer (and, for SRTP, the caller's key) arrives in the ACK, and packets before it cannot be
      // trusted to be what was negotiated — plain RTP into a secure-only call must not be decoded.
      if (!this.configured) return;
      this.tap?.(payload, pt, seq, timestamp, arrival);
      const p = this.jbPacket;
      p.seq = seq;
      p.timestamp = timestamp;
      p.payload = payload;
      this.jb.push(p, arrival); // copies the payload: nothing of the datagram is kept
      p.payload = EMPTY;
    });
    rtp.on('dtmf', (e) => this.emit('dtmf', e));
    rtp.on('dtmfStart', (d) => this.emit('dtmfStart', d));
    this.unregister = scheduler.register(this);
  }

  get localPort(): number {
    return this.rtp.stats().localPort;
  }

  configure(audio: NegotiatedAudio): void {
    this.codec = audio.codec;
    this.rtp.setRemote({ address: audio.remoteAddress, port: audio.remotePort, ...(audio.alsoFrom ? { alsoFrom: audio.alsoFrom } : {}) });
    this.rtp.setPayloadTypes({ audio: [audio.pt], send: audio.pt, telephoneEvent: audio.telephoneEventPt ?? null });
    this.configured = true;
  }

  /** SRTP for this call's stream (from the SDES keys of the offer/answer), or null for plain RTP. */
  setSrtp(transform: SrtpTransform | null): void {
    this.rtp.setSrtp(transform);
  }

  /** SRTP from the negotiated SDES keys (offer-answer.ts), or null for plain RTP. */
  setSrtpKeys(keys: SdesKeyPair | null): void {
    this.setSrtp(keys ? createSrtpContexts(keys) : null);
  }


  sendDtmf(digit: string, durationMs = 100): boolean {
    return this.rtp.sendDtmf(digit, durationMs).ok;
  }

  /**
   * Shared scheduler: one call, one frame, both directions. Inbound packets may carry any
   * ptime (SBCs send 10, 20 or 30 ms): they are decoded into a sample FIFO and the pipeline
   * takes 20 ms frames from it, pulling the jitter buffer only when the FIFO runs short.
   */
  tick(deadlineMs: number): void {
    if (this.closed) return;
    if (this.originMs < 0) this.originMs = deadlineMs;
    // Hot path (issue 19): no views or objects per frame — decode straight into the FIFO at an
    // offset, conceal into a reused frame, move samples with copyWithin.
    while (this.fifoLen < FRAME_SAMPLES) {
      const r = this.jb.pull();
      if (r.kind === 'frame') {
        const n = Math.min(r.payload.length, this.fifo.length - this.fifoLen);
        if (this.codec === 'PCMA') alawDecode(r.payload, this.fifo, this.fifoLen, n);
        else ulawDecode(r.payload, this.fifo, this.fifoLen, n);
        this.fifoLen += n;
        this.haveAudio = true;
        this.decoded++;
      } else if (r.kind === 'lost' && this.haveAudio) {
        concealFrame(this.prev, r.lostRun, this.concealed160);
        this.fifo.set(this.concealed160, this.fifoLen);
        this.fifoLen += FRAME_SAMPLES;
        this.concealed++;
      } else break;
    }
    const hear = this.listening && (!this.loopback || this.endpointerHeard());
    if (this.fifoLen >= FRAME_SAMPLES) {
      const frame = this.pcm;
      const fifo = this.fifo;
      for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = fifo[i]!;
      fifo.copyWithin(0, FRAME_SAMPLES, this.fifoLen);
      this.fifoLen -= FRAME_SAMPLES;
      this.prev.set(frame);
      if (hear) {
        this.endpointer.playing = this.player.playing && !this.player.paused;
        this.endpointer.push(frame, deadlineMs);
      }
      if (this.loopback) this.sendFrame(frame, false, deadlineMs);
      this.emit('frame', frame, deadlineMs);
    } else if (this.haveAudio && hear) {
      // The far end stopped sending (DTX, a prompt that ended, silence suppression on the
      // trunk): no packets means silence, and the endpointer must see it to end an utterance.
      this.endpointer.playing = this.player.playing && !this.player.paused;
      this.endpointer.push(this.silence, deadlineMs);
    }
    if (this.loopback) return;
    this.sentThisTick = null;
    if (this.feed) this.playFeed(deadlineMs);
    else this.player.tick(deadlineMs);
    this.echoReference.pushFrame(this.sentThisTick);
  }

  /**
   * Whether anyone hears the endpointer (speech start, utterances, barge-in, pauses). Asked only
   * for loopback calls: an echo nobody listens to needs no VAD and no utterance buffer (up to 30 s
   * copied per utterance). Other calls always feed it while `listening` — a listener may attach
   * mid-utterance (the softphone's nextUtterance) and must find the endpointer's state current.
   */
  private endpointerHeard(): boolean {
    if (this.heardChanged) {
      this.heardChanged = false;
      this.heard = this.listenerCount('utterance') > 0 || this.listenerCount('speechStart') > 0 || this.listenerCount('bargeIn') > 0 || this.listenerCount('pause') > 0;
    }
    return this.heard;
  }

  private playFeed(deadlineMs: number): void {
    const f = this.feed!.next();
    if (!f) {
      this.feedMarker = true; // the next frame starts a talkspurt
      return;
    }
    this.sendFrame(f, this.feedMarker, deadlineMs);
    this.feedMarker = false;
  }

  private sendFrame(frame: Int16Array | Uint8Array, marker: boolean, deadlineMs: number): void {
    if (!this.configured) return;
    let payload: Uint8Array;
    if (frame instanceof Int16Array) {
      if (this.codec === 'PCMA') alawEncode(frame, this.out);
      else ulawEncode(frame, this.out);
      payload = this.out;
    } else payload = frame;
    const pcm = frame instanceof Int16Array ? frame : g711DecodeFrame(frame, this.codec, this.sentPcm);
    this.sentThisTick = pcm;
    if (this.sentHeardChanged) {
      this.sentHeardChanged = false;
      this.sentHeard = this.listenerCount('sent') > 0;
    }
    if (this.sentHeard) this.emit('sent', pcm, deadlineMs);
    const slot = Math.round((deadlineMs - this.originMs) / FRAME_MS);
    if (this.rtp.sendAudio(payload, slot * FRAME_SAMPLES, marker || undefined)) this.sent++;
  }


  stats(): CallAudioStats {
    return { rtp: this.rtp.stats(), jitter: this.jb.stats, framesDecoded: this.decoded, framesConcealed: this.concealed, framesSent: this.sent };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.unregister?.();
    this.player.stop();
    await this.rtp.close();
  }
}
