/**
 * Frame-level neural VAD: the Silero model (silero-model.ts) behind the same synchronous
 * `isSpeech(frame, inSpeech)` the Endpointer asks every 20 ms.
 *
 * The model reads 256-sample windows (32 ms at 8 kHz, each with the previous 32 samples as
 * context) and onnxruntime's `run` is asynchronous, so the decision is honest about lagging:
 *
 *   frames (160) ─▶ window buffer (256) ─ full ─▶ energy gate ─ quiet ─▶ p = 0, no inference
 *                                                     └─ loud ─▶ queue ─▶ run() (one at a time: the
 *                                                                 recurrent state chains) ─▶ p
 *   isSpeech = p ≥ enter (0.5) out of speech, p ≥ stay (0.35) in speech      (hysteresis)
 *
 * `isSpeech` answers with the newest probability that has arrived. A window completes when its last
 * sample arrives and its inference (≈ 0.1–0.3 ms, in the model's worker thread) comes back long
 * before the next 20 ms frame, so a
 * frame's audio reaches the decision at most one window plus one frame later (≤ 52 ms; 12 ms on
 * average over the Endpointer's onset of two frames). Whoever pushes frames faster than real time
 * (a bench, a test) must let the event loop run between frames (`await vad.settled()`).
 *
 * Energy gate first: a window in which no frame is louder than `gateDbfs` (default −55 dBFS, the
 * energy VAD's own absolute floor) is silence without asking the model — a quiet line and the
 * pauses between turns cost no inference. A relative gate (`gateMarginDb` over the adaptive noise
 * floor) would also skip loud steady noise, but it cuts the quieter half of speech in that noise
 * away before the model hears it: at 5 dB SNR in white noise a 3 dB margin took frame recall from
 * 0.89 to 0.64 and the onset p50 from 160 to 260 ms (bench/vad), so it is off by default. After
 * `resetAfterGatedWindows` quiet windows in a row the recurrent state starts afresh, as at the
 * beginning of a stream.
 *
 * Bounded work: at most `maxQueuedWindows` windows wait; past that the oldest is dropped and
 * counted (a CPU-starved process loses VAD resolution, not memory).
 */
import { EnergyVad, frameEnergyDbfs } from './energy-vad.js';
import { SILERO_CONTEXT, SILERO_WINDOW, type SileroModel } from './silero-model.js';
import type { FrameVad } from './frame-vad.js';

export interface SileroVadOptions {
  /** Probability to enter speech. Default 0.5. */
  enterThreshold?: number;
  /** Probability to stay in speech. Default 0.35. */
  stayThreshold?: number;
  /** Energy gate: a window with no frame louder than this (dBFS) is silence, not inferred. Default -55; -Infinity turns the gate off. */
  gateDbfs?: number;
  /** Energy gate: ... and than the adaptive noise floor plus this (dB). Default -Infinity: the floor is not consulted (see the header). */
  gateMarginDb?: number;
  /** Gated windows in a row after which the recurrent state is reset. Default 16 (0.5 s). */
  resetAfterGatedWindows?: number;
  /** Windows waiting for inference before the oldest is dropped. Default 4. */
  maxQueuedWindows?: number;
}

export interface SileroVadStats {
  windows: number;
  inferred: number;
  gated: number;
  dropped: number;
  failed: number;
}

interface PendingWindow {
  seq: number;
  samples: Float32Array;
}

export class SileroVad implements FrameVad {
  /** Speech probability of the newest window decided (inferred, or 0 for a gated one). */
  probability = 0;
  /** A window (32 ms) and the frame its inference answers after: ≤ 52 ms, three frames (see the header). */
  readonly decisionLagFrames = 3;
  readonly stats: SileroVadStats = { windows: 0, inferred: 0, gated: 0, dropped: 0, failed: 0 };

  private readonly enter: number;
  private readonly stay: number;
  private readonly gateDbfs: number;
  private readonly gateMarginDb: number;
  private readonly resetAfterGated: number;
  private readonly maxQueued: number;
  /** Adaptive noise floor for the gate (its decisions are not used). */
  private readonly floor = new EnergyVad();

  /** Context (32) followed by the window being filled (256), as the model reads them. */
  private readonly window = new Float32Array(SILERO_CONTEXT + SILERO_WINDOW);
  private filled = 0;
  private windowLoud = false;
  private gatedRun = 0;
  private seq = 0;
  /** Sequence number of the window `probability` belongs to: an older inference never overwrites a newer decision. */
  private decidedSeq = 0;
  private state: Float32Array;
  private readonly queue: PendingWindow[] = [];
  private running?: Promise<void>;
  /** Bumped by reset(): results of inferences started before are dropped. */
  private generation = 0;

  constructor(private readonly model: SileroModel, opts: SileroVadOptions = {}) {
    this.enter = opts.enterThreshold ?? 0.5;
    this.stay = opts.stayThreshold ?? 0.35;
    this.gateDbfs = opts.gateDbfs ?? -55;
    this.gateMarginDb = opts.gateMarginDb ?? -Infinity;
    this.resetAfterGated = Math.max(1, opts.resetAfterGatedWindows ?? 16);
    this.maxQueued = Math.max(1, opts.maxQueuedWindows ?? 4);
    this.state = model.zeroState();
  }

  isSpeech(frame: Int16Array, inSpeech: boolean): boolean {
    const loud = this.frameIsLoud(frame);
    const w = this.window;
    for (let i = 0; i < frame.length; i++) {
      w[SILERO_CONTEXT + this.filled++] = frame[i]! / 32768;
      if (loud) this.windowLoud = true;
      if (this.filled === SILERO_WINDOW) this.windowComplete();
    }
    return this.probability >= (inSpeech ? this.stay : this.enter);
  }

  reset(): void {
    this.generation++;
    this.queue.length = 0;
    this.window.fill(0);
    this.filled = 0;
    this.windowLoud = false;
    this.gatedRun = 0;
    this.probability = 0;
    this.decidedSeq = this.seq;
    this.state = this.model.zeroState();
    this.floor.reset();
  }

  /** Resolves once every completed window has been decided (for callers that push faster than real time). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private frameIsLoud(frame: Int16Array): boolean {
    if (this.gateMarginDb === -Infinity) return frameEnergyDbfs(frame) > this.gateDbfs;
    this.floor.isSpeech(frame, false); // updates the noise floor and the frame's energy
    const e = this.floor.energyDb;
    return e > this.gateDbfs && e > this.floor.noiseDb + this.gateMarginDb;
  }

  private windowComplete(): void {
    const w = this.window;
    const seq = ++this.seq;
    this.stats.windows++;
    if (this.windowLoud) {
      this.gatedRun = 0;
      this.queue.push({ seq, samples: w.slice() });
      if (this.queue.length > this.maxQueued) {
        this.queue.shift();
        this.stats.dropped++;
      }
      this.pump();
    } else {
      this.stats.gated++;
      this.decide(seq, 0);
      if (++this.gatedRun === this.resetAfterGated) this.state = this.model.zeroState();
    }
    // The window's last samples are the next one's context.
    w.copyWithin(0, SILERO_WINDOW, SILERO_WINDOW + SILERO_CONTEXT);
    this.filled = 0;
    this.windowLoud = false;
  }

  private decide(seq: number, probability: number): void {
    if (seq <= this.decidedSeq) return;
    this.decidedSeq = seq;
    this.probability = probability;
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    const generation = this.generation;
    this.running = this.model.run(next.samples, this.state).then(
      (out) => {
        if (generation !== this.generation) return;
        this.stats.inferred++;
        this.state = out.state;
        this.decide(next.seq, out.probability);
      },
      () => {
        // An inference error is not speech; the state is kept (a retry with the next window).
        this.stats.failed++;
        if (generation === this.generation) this.decide(next.seq, 0);
      },
    ).finally(() => {
      this.running = undefined;
      this.pump();
    });
  }
}
