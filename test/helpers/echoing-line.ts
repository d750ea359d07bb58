/**
 * The caller's side of a speakerphone call, for barge-in tests and bench/barge-in: every 20 ms the
 * test softphone sends what the caller says (a queued clip, if any) plus the echo of what it heard
 * from the gateway — `delayMs` later, `echoDb` quieter — plus line noise. The echo is taken from the
 * decoded frames the phone received, so it is the gateway's real audio after RTP, jitter buffer and
 * μ-law, exactly as a speakerphone would return it. With `filter`, the echo also goes through a
 * short FIR (a room or hybrid colours it: not just a scaled copy of what we sent).
 */
import type { PhoneCall } from '../../src/softphone/softphone.js';

export interface EchoSettings {
  echoDb: number; // e.g. -12; -Infinity: no echo
  delayMs: number; // 40–300
  noiseDbfs?: number; // default -60
  /** FIR taps of the echo path (applied after the delay); default none (a scaled copy). */
  filter?: readonly number[];
}

/** A low-pass, slightly ringing echo path (a speakerphone's small loudspeaker and room). */
export const LOW_PASS_ECHO: readonly number[] = [0.1, 0.35, 0.5, 0.3, 0.1, -0.05, -0.08, -0.03];

export class EchoingLine {
  private readonly delay: Int16Array; // ring of received samples, `slots` frames long
  private readonly slots: number;
  private slot = 0;
  private heardThisTick = false;
  private readonly gain: number;
  private readonly sigma: number;
  private readonly out = new Int16Array(160);
  private readonly filter: readonly number[];
  private readonly tail: Float64Array;
  private clip?: { pcm: Int16Array; at: number; marks: number[]; times: number[]; done: () => void };
  private seed = 12345;

  constructor(
    readonly call: PhoneCall,
    s: EchoSettings,
  ) {
    this.slots = Math.max(1, Math.round(s.delayMs / 20)) + 1;
    this.delay = new Int16Array(this.slots * 160);
    this.gain = Number.isFinite(s.echoDb) ? 10 ** (s.echoDb / 20) : 0;
    this.filter = s.filter ?? [1];
    this.tail = new Float64Array(Math.max(1, this.filter.length));
    this.sigma = 32768 * 10 ** ((s.noiseDbfs ?? -60) / 20);
    call.audio.on('frame', (f) => {
      this.delay.set(f.subarray(0, 160), this.slot * 160);
      this.heardThisTick = true;
    });
    call.audio.feed = { next: () => this.next() };
  }

  /**
   * Say `pcm` (8 kHz) now; resolves when it has all been sent, with the performance.now() at which
   * each of `marks` (sample offsets) went out.
   */
  say(pcm: Int16Array, marks: number[] = []): Promise<number[]> {
    return new Promise((done) => {
      const c = { pcm, at: 0, marks, times: marks.map(() => NaN), done: () => done(c.times) };
      this.clip = c;
    });
  }

  get speaking(): boolean {
    return this.clip !== undefined;
  }

  stop(): void {
    this.call.audio.feed = undefined;
  }

  private next(): Int16Array {
    if (!this.heardThisTick) this.delay.fill(0, this.slot * 160, this.slot * 160 + 160); // nothing arrived: silence
    this.heardThisTick = false;
    // The next slot is the oldest: written `slots - 1` ticks (the delay) ago.
    const echoSlot = (this.slot + 1) % this.slots;
    const o = this.out;
    const src = this.delay.subarray(echoSlot * 160, echoSlot * 160 + 160);
    const tail = this.tail; // the end of the previous frame the echo came from: the FIR's memory
    for (let i = 0; i < 160; i++) {
      let e = 0;
      for (let k = 0; k < this.filter.length; k++) e += this.filter[k]! * (i - k >= 0 ? src[i - k]! : tail[tail.length + i - k]!);
      o[i] = e * this.gain + this.gauss() * this.sigma;
    }
    tail.set(src.subarray(160 - tail.length));
    const c = this.clip;
    if (c) {
      const now = performance.now();
      for (let k = 0; k < c.marks.length; k++) if (c.marks[k]! >= c.at && c.marks[k]! < c.at + 160) c.times[k] = now;
      for (let i = 0; i < 160 && c.at + i < c.pcm.length; i++) o[i] = o[i]! + c.pcm[c.at + i]!;
      c.at += 160;
      if (c.at >= c.pcm.length) ((this.clip = undefined), c.done());
    }
    for (let i = 0; i < 160; i++) o[i] = Math.max(-32768, Math.min(32767, Math.round(o[i]!)));
    this.slot = (this.slot + 1) % this.slots;
    return o;
  }

  private gauss(): number {
    const r = () => ((this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  }
}
