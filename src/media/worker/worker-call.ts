/**
 * One call's media inside a media worker: the socket-to-PCM half of CallAudio (src/call/call-audio.ts).
 *
 *   caller RTP ─▶ RtpSession ─▶ JitterBuffer ─▶ G.711 decode / conceal ─▶ up ring ─▶ (main: endpointer, recorder)
 *                                                      └─▶ (loopback) re-encode and send here
 *   (main: player, TTS) ─▶ down ring ─▶ G.711 encode ─▶ RtpSession.sendAudio (ts = slot × 160)
 *
 * It runs on the worker's own PlayoutScheduler tick, so pacing and sends stay on the thread that
 * owns the socket. The main thread ticks on its own grid (same period, unrelated phase): the rings
 * absorb the phase. A frame to send carries the main thread's slot number, which gives its RTP
 * timestamp: when the main thread runs late the frames leave late but contiguous (the far end's
 * jitter buffer absorbs it, as with the in-process scheduler's catch-up), not with a hole in the
 * timeline that would play as inserted silence. A backlog after such a stall is sent two frames a
 * tick; beyond `MAX_DOWN_BACKLOG` frames it is trimmed so prompts never lag for long.
 * Loopback never touches the main thread.
 */
import type { RtpSession } from '../rtp/session.js';
import { JitterBuffer, concealFrame } from '../jitter-buffer.js';
import { ulawDecode, ulawEncode, alawDecode, alawEncode, g711IsQuiet } from '../g711.js';
import { FRAME_SAMPLES, FRAME_MS } from '../frames.js';
import { FrameKind, ringFrame, type CallRings } from './frame-ring.js';
import { STATS_EVERY_TICKS } from './stats-block.js';
import type { NegotiatedStream, WorkerCallStats } from './protocol.js';

/** Frames to send queued beyond this many are skipped (at most 60 ms of added delay). */
const MAX_DOWN_BACKLOG = 3;
/**
 * A talkspurt starts once this many frames wait (one frame of slack for the main thread's tick
 * landing late against the worker's), or when a single frame has waited this many ticks (the end
 * of a prompt, or a one-frame sound).
 */
const PRIME_FRAMES = 2;

export class WorkerCall {
  codec: 'PCMU' | 'PCMA' = 'PCMU';
  loopback = false;
  private configured = false;
  private readonly jb = new JitterBuffer({ minDepthMs: 40, initialDepthMs: 60, isSilent: (p) => g711IsQuiet(p, this.codec) });
  private readonly fifo = new Int16Array(FRAME_SAMPLES * 8);
  private fifoLen = 0;
  private readonly pcm = new Int16Array(FRAME_SAMPLES);
  private readonly prev = new Int16Array(FRAME_SAMPLES);
  private readonly out = new Uint8Array(FRAME_SAMPLES);
  private readonly down = ringFrame();
  private haveAudio = false;
  private originMs = -1;
  private decoded = 0;
  private concealed = 0;
  private sent = 0;
  private upDropped = 0;
  private downSkipped = 0;
  private closed = false;
  /** Sending a talkspurt from the down ring (false: waiting for PRIME_FRAMES). */
  private primed = false;
  private primeWait = 0;
  private ticks = 0;

  constructor(
    readonly rtp: RtpSession,
    private readonly rings: CallRings,
  ) {
    rtp.setAudioHandler((payload, _pt, seq, timestamp, arrival) => {
      // As in CallAudio: nothing is heard before offer/answer has configured the stream.
      if (!this.configured) return;
      this.jb.push({ seq, timestamp, payload }, arrival);
    });
  }

  configure(s: NegotiatedStream): void {
    this.codec = s.codec;
    this.rtp.setRemote({ address: s.remoteAddress, port: s.remotePort, ...(s.alsoFrom ? { alsoFrom: s.alsoFrom } : {}) });
    this.rtp.setPayloadTypes({ audio: [s.pt], send: s.pt, telephoneEvent: s.telephoneEventPt });
    this.configured = true;
  }


  tick(deadlineMs: number): void {
    if (this.closed) return;
    if (this.originMs < 0) this.originMs = deadlineMs;
    this.receive(deadlineMs);
    this.transmit();
    if (++this.ticks % STATS_EVERY_TICKS === 0) this.rings.stats.write(this.stats());
  }

  /** Jitter buffer → PCM frame → up ring (and straight back out in loopback). Same FIFO logic as CallAudio.tick. */
  private receive(deadlineMs: number): void {
    while (this.fifoLen < FRAME_SAMPLES) {
      const r = this.jb.pull();
      if (r.kind === 'frame') {
        const n = Math.min(r.payload.length, this.fifo.length - this.fifoLen);
        const dst = this.fifo.subarray(this.fifoLen, this.fifoLen + n);
        const src = r.payload.subarray(0, n);
        if (this.codec === 'PCMA') alawDecode(src, dst);
        else ulawDecode(src, dst);
        this.fifoLen += n;
        this.haveAudio = true;
        this.decoded++;
      } else if (r.kind === 'lost' && this.haveAudio) {
        concealFrame(this.prev, r.lostRun, this.fifo.subarray(this.fifoLen, this.fifoLen + FRAME_SAMPLES));
        this.fifoLen += FRAME_SAMPLES;
        this.concealed++;
      } else break;
    }
    if (this.fifoLen >= FRAME_SAMPLES) {
      const frame = this.pcm;
      frame.set(this.fifo.subarray(0, FRAME_SAMPLES));
      this.fifo.copyWithin(0, FRAME_SAMPLES, this.fifoLen);
      this.fifoLen -= FRAME_SAMPLES;
      this.prev.set(frame);
      if (!this.rings.up.write(FrameKind.pcm, false, frame)) this.upDropped++;
      if (this.loopback) this.send(frame, false, Math.round((deadlineMs - this.originMs) / FRAME_MS) * FRAME_SAMPLES);
    } else if (this.haveAudio) {
      // The far end stopped sending: the endpointer on the main thread must still see time pass.
      if (!this.rings.up.write(FrameKind.silence, false)) this.upDropped++;
    }
  }

  /** One frame from the down ring per tick (none in loopback: the echo is the outbound stream). */
  private transmit(): void {
    const down = this.rings.down;
    if (this.loopback) {
      down.clear();
      return;
    }
    while (down.size > MAX_DOWN_BACKLOG) {
      down.read(this.down);
      this.downSkipped++;
    }
    const waiting = down.size;
    if (waiting === 0) {
      this.primed = false;
      this.primeWait = 0;
      return;
    }
    if (!this.primed) {
      if (waiting < PRIME_FRAMES && ++this.primeWait < PRIME_FRAMES) return;
      this.primed = true;
    }
    this.sendDown();
    // Catching up after the main thread stalled: a second frame this tick while a backlog remains.
    if (down.size > PRIME_FRAMES) this.sendDown();
  }

  private sendDown(): void {
    const d = this.down;
    const kind = this.rings.down.read(d);
    if (kind === FrameKind.pcm) this.send(d.pcm, d.marker, d.slot * FRAME_SAMPLES);
    else if (kind === FrameKind.encoded) this.send(d.bytes.subarray(0, d.length), d.marker, d.slot * FRAME_SAMPLES);
  }

  /** Encode (PCM) and send with RTP timestamp offset `ts` (a slot × 160). */
  private send(frame: Int16Array | Uint8Array, marker: boolean, ts: number): void {
    if (!this.configured) return;
    let payload: Uint8Array;
    if (frame instanceof Int16Array) {
      if (this.codec === 'PCMA') alawEncode(frame, this.out);
      else ulawEncode(frame, this.out);
      payload = this.out;
    } else payload = frame;
    if (this.rtp.sendAudio(payload, ts, marker || undefined)) this.sent++;
  }

  stats(): WorkerCallStats {
    return { rtp: this.rtp.stats(), jitter: { ...this.jb.stats }, framesDecoded: this.decoded, framesConcealed: this.concealed, framesSent: this.sent, upDropped: this.upDropped, downSkipped: this.downSkipped };
  }

  async close(): Promise<WorkerCallStats> {
    this.closed = true;
    await this.rtp.close();
    const st = this.stats();
    this.rings.stats.write(st);
    return st;
  }
}
