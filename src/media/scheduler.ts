/**
 * The one playout clock for every call in the process. A single timer walks an absolute grid of
 * deadlines (`start + n·20 ms`) and on each tick calls every registered stream's `tick(deadline)`
 * in one pass — not a timer per call, so hundreds of calls cost one wake-up per 20 ms.
 *
 * Drift-free: deadlines are computed from the start time, never by adding to "now". It sets the
 * timer `earlyWakeMs` before the deadline (Node timers fire late, rarely early), ticks if within
 * `toleranceMs` of the deadline, and otherwise re-arms for the remainder — no busy-waiting. If the
 * process stalled, the frames that fell due are sent as catch-up ticks (each in its own
 * `setImmediate`, so socket I/O interleaves; with phases, the sub-slots of one frame run back to back
 * first), at most `maxCatchUpFrames`; older ones are skipped
 * and counted, and the grid stays put. Lateness (now − deadline) and per-tick cost are kept in
 * fixed rings for percentiles. Stops itself when the last stream leaves.
 *
 * Phases (`phases`, default 1): with P > 1 the grid is P sub-slots per frame and each stream
 * belongs to one phase (the least-populated when it registers), ticked at its phase's sub-slot —
 * every `frameMs` still, on a grid offset by phase·frameMs/P. The work and the UDP sends of one
 * frame are spread over the 20 ms instead of leaving in one burst: with 1,000 calls a single pass
 * holds the event loop for milliseconds, during which received packets wait and every call's send
 * lands in the kernel at once (measured in bench/media: docs/media-rtp.md "Pauses").
 */
import { FRAME_MS } from './frames.js';
import type { Clock, TimerHandle } from '../time/index.js';

export interface PlayoutStream {
  /** Called once per frame; `deadlineMs` is the frame's slot on the shared timeline (clock ms). */
  tick(deadlineMs: number): void;
}

export interface SchedulerOptions {
  frameMs?: number; // default 20
  earlyWakeMs?: number; // default 2
  toleranceMs?: number; // may tick this much before the deadline; default 1
  maxCatchUpFrames?: number; // default 3
  /** Sub-slots per frame over which streams are spread (default 1: all streams in one pass). */
  phases?: number;
  onStreamError?: (err: unknown) => void;
  /** Every tick's deadline, lateness and cost (ms), for a pause timeline (gateway/pause-trace.ts); unset in production. */
  onTick?: (deadlineMs: number, latenessMs: number, costMs: number) => void;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface SchedulerStats {
  streams: number;
  ticks: number;
  catchUpTicks: number;
  skippedFrames: number;
  streamErrors: number;
  latenessMs: Percentiles;
  tickCostMs: Percentiles;
}

const RING = 4096;

class SampleRing {
  private readonly buf = new Float64Array(RING);
  private n = 0;
  add(x: number): void {
    this.buf[this.n % RING] = x;
    this.n++;
  }
  percentiles(): Percentiles {
    const len = Math.min(this.n, RING);
    if (len === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const s = this.buf.slice(0, len).sort();
    const at = (q: number) => s[Math.min(len - 1, Math.floor(q * len))]!;
    return { count: this.n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[len - 1]! };
  }
}

export class PlayoutScheduler {
  private readonly clock: Clock;
  private readonly frameMs: number;
  private readonly earlyWakeMs: number;
  private readonly toleranceMs: number;
  private readonly maxCatchUp: number;
  private readonly onStreamError?: (err: unknown) => void;
  private readonly onTick?: (deadlineMs: number, latenessMs: number, costMs: number) => void;

  /** Streams per phase; copy-on-write, so a tick iterates a stable array. */
  private phaseStreams: (readonly PlayoutStream[])[];
  private readonly phases: number;
  /** Grid spacing: frameMs / phases. */
  private readonly slotMs: number;
  private count = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  private generation = 0; // invalidates wake-ups scheduled before a stop()
  private startMs = 0;
  private n = 0; // index of the next deadline

  private ticks = 0;
  private catchUpTicks = 0;
  private skippedFrames = 0;
  private streamErrors = 0;
  private readonly lateness = new SampleRing();
  private readonly cost = new SampleRing();

  constructor(clock: Clock, opts: SchedulerOptions = {}) {
    this.clock = clock;
    this.frameMs = opts.frameMs ?? FRAME_MS;
    this.earlyWakeMs = opts.earlyWakeMs ?? 2;
    this.toleranceMs = opts.toleranceMs ?? 1;
    this.phases = Math.max(1, Math.floor(opts.phases ?? 1));
    this.slotMs = this.frameMs / this.phases;
    this.maxCatchUp = Math.max(1, opts.maxCatchUpFrames ?? 3) * this.phases;
    this.onStreamError = opts.onStreamError;
    this.onTick = opts.onTick;
    this.phaseStreams = Array.from({ length: this.phases }, () => []);
  }

  /** Add a stream (to the least-populated phase); the first one starts the clock. Returns its unregister function. */
  register(stream: PlayoutStream): () => void {
    let phase = 0;
    for (let p = 1; p < this.phases; p++) if (this.phaseStreams[p]!.length < this.phaseStreams[phase]!.length) phase = p;
    this.phaseStreams[phase] = [...this.phaseStreams[phase]!, stream];
    this.count++;
    if (!this.running) this.start();
    return () => this.unregister(stream);
  }

  unregister(stream: PlayoutStream): void {
    for (let p = 0; p < this.phases; p++) {
      const list = this.phaseStreams[p]!;
      if (!list.includes(stream)) continue;
      this.phaseStreams[p] = list.filter((s) => s !== stream);
      this.count--;
      break;
    }
    if (this.count === 0) this.stop();
  }

  get size(): number {
    return this.count;
  }

  /** The deadline the next tick will carry (clock ms), or NaN when stopped. */
  get nextDeadline(): number {
    return this.running ? this.deadline(this.n) : NaN;
  }

  stats(): SchedulerStats {
    return {
      streams: this.count,
      ticks: this.ticks,
      catchUpTicks: this.catchUpTicks,
      skippedFrames: this.skippedFrames,
      streamErrors: this.streamErrors,
      latenessMs: this.lateness.percentiles(),
      tickCostMs: this.cost.percentiles(),
    };
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.running = false;
    this.generation++;
  }

  private start(): void {
    this.running = true;
    this.generation++;
    this.startMs = this.clock.now();
    this.n = 0;
    const gen = this.generation;
    this.clock.setImmediate(() => this.wake(gen)); // first frame goes out at once
  }

  private deadline(n: number): number {
    return this.startMs + n * this.slotMs;
  }

  private arm(gen: number): void {
    const wait = this.deadline(this.n) - this.clock.now();
    const ahead = wait > this.earlyWakeMs + this.toleranceMs ? wait - this.earlyWakeMs : wait;
    // Ref'd: while calls are up, pacing must keep the process alive (and unref'd timers were seen
    // firing late beside ref'd ones on Node 20). The timer stops when the last stream leaves.
    this.timer = this.clock.setTimeout(() => this.wake(gen), Math.max(0, ahead), { ref: true });
  }

  private wake(gen: number): void {
    if (gen !== this.generation) return;
    this.timer = undefined;
    const now = this.clock.now();
    let d = this.deadline(this.n);
    if (now < d - this.toleranceMs) {
      this.arm(gen); // woke too early: sleep the remainder
      return;
    }
    // How many deadlines are due? Skip the ones beyond the catch-up budget.
    const due = Math.floor((now + this.toleranceMs - d) / this.slotMs) + 1;
    if (due > this.maxCatchUp) {
      this.skippedFrames += due - this.maxCatchUp;
      this.n += due - this.maxCatchUp;
      d = this.deadline(this.n);
    }
    this.tickAt(d, now);
    // With phases, the sub-slots that fell due meanwhile (a stall, a GC) run now, in this callback,
    // up to one frame's worth (each stream at most once): yielding first would put them behind
    // every socket that became readable during the stall — at 1,000 calls that backlog kept the
    // next several sub-slots late one after another (bench/media --trace, docs/media-rtp.md
    // "Pauses"). A single pass (phases 1) is one sub-slot per frame, so nothing changes there.
    for (let ran = 1; ran < this.phases && this.running && gen === this.generation; ran++) {
      const t = this.clock.now();
      if (t + this.toleranceMs < this.deadline(this.n)) break;
      this.tickAt(this.deadline(this.n), t);
    }
    if (!this.running || gen !== this.generation) return;
    // Frames still due beyond that (a stall longer than a frame) are caught up one per turn, so socket I/O interleaves.
    if (this.clock.now() + this.toleranceMs >= this.deadline(this.n)) this.clock.setImmediate(() => this.wake(gen));
    else this.arm(gen);
  }

  /** Tick the sub-slot of deadline `d` (the next one, `n`), woken at `now`. */
  private tickAt(d: number, now: number): void {
    if (now - d >= this.frameMs) this.catchUpTicks++;
    this.lateness.add(now - d);
    const cost = this.runTick(d, this.phaseStreams[this.n % this.phases]!);
    this.onTick?.(d, now - d, cost);
    this.n++;
  }

  /** Runs one pass; returns its cost (ms). */
  private runTick(deadline: number, streams: readonly PlayoutStream[]): number {
    const t0 = this.clock.now();
    for (let i = 0; i < streams.length; i++) {
      try {
        streams[i]!.tick(deadline);
      } catch (err) {
        this.streamErrors++;
        this.onStreamError?.(err);
      }
    }
    this.ticks++;
    const cost = this.clock.now() - t0;
    this.cost.add(cost);
    return cost;
  }
}
