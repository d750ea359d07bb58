/**
 * A pool of warm `flite-helper` processes (flite-helper.c): each sentence goes to the first idle
 * one, and its audio comes back in pieces while flite is still making it. Jobs queue FIFO. A job
 * whose signal fires while queued is dropped; one already running finishes in its worker with its
 * audio discarded (a sentence takes tens of milliseconds), so the worker's stream stays in step. A
 * worker that dies or overruns the deadline is killed and replaced; its job fails with an error.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface SentenceJob {
  text: string;
  voice: string;
  /** flite's duration stretch (1: the voice's own pace). */
  stretch: number;
  /** 8 kHz PCM as it is made (the array is the caller's to keep). */
  onAudio(samples: Int16Array): void;
  signal?: AbortSignal;
}

export type SentenceOutcome = { ok: true } | { ok: false; error: string };

interface Queued {
  job: SentenceJob;
  resolve(o: SentenceOutcome): void;
}

/** One helper process: a parser for its reply frames (kind byte, u32 LE length, payload). */
class FliteWorker {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly ready: Promise<boolean>;
  busy = false;
  dead = false;
  private buf: Buffer = Buffer.alloc(0);
  private onFrame?: (kind: string, payload: Buffer) => void;
  private markReady!: (ok: boolean) => void;

  constructor(helperPath: string) {
    this.ready = new Promise((r) => (this.markReady = r));
    this.proc = spawn(helperPath, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d: Buffer) => this.onData(d));
    this.proc.stderr.resume(); // flite's warnings carry nothing we keep
    this.proc.stdin.on('error', () => undefined);
    this.proc.on('error', () => this.onExit());
    this.proc.on('exit', () => this.onExit());
    void this.ready.then(() => this.hold(false));
  }

  /**
   * An idle helper does not keep the process alive (a FliteTts nobody closed must not hang a
   * process's exit); one starting or synthesising does, so a caller awaiting its audio gets it.
   */
  private hold(on: boolean): void {
    for (const h of [this.proc, this.proc.stdin, this.proc.stdout, this.proc.stderr] as { ref?(): void; unref?(): void }[]) (on ? h.ref : h.unref)?.call(h);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32LE(1);
      if (this.buf.length < 5 + len) return;
      const kind = String.fromCharCode(this.buf[0]!);
      const payload = this.buf.subarray(5, 5 + len);
      this.buf = this.buf.subarray(5 + len);
      if (kind === 'R') this.markReady(true);
      else this.onFrame?.(kind, payload);
    }
  }

  private onExit(): void {
    this.dead = true;
    this.markReady(false);
    this.onFrame?.('X', Buffer.from('synthesiser exited')); // a job in flight ends with an error, once
  }

  run(job: SentenceJob): Promise<SentenceOutcome> {
    return new Promise((resolve) => {
      if (this.dead) return resolve({ ok: false, error: 'flite: synthesiser exited' });
      this.hold(true);
      this.onFrame = (kind, payload) => {
        if (kind === 'A') {
          // Copy out of the pipe's buffer (it may not be 2-byte aligned, and it is reused).
          const samples = new Int16Array(payload.length >> 1);
          for (let i = 0; i < samples.length; i++) samples[i] = payload.readInt16LE(2 * i);
          if (!job.signal?.aborted) job.onAudio(samples);
          return;
        }
        this.onFrame = undefined;
        this.hold(false);
        resolve(kind === 'E' ? { ok: true } : { ok: false, error: `flite: ${payload.toString('utf8').slice(0, 100)}` });
      };
      const text = Buffer.from(job.text, 'utf8');
      this.proc.stdin.write(`S ${job.voice} ${job.stretch.toFixed(3)} ${text.length}\n`);
      this.proc.stdin.write(text);
    });
  }

  kill(): void {
    this.onExit();
    this.proc.kill('SIGKILL');
  }
}

export interface FlitePoolOptions {
  helperPath: string;
  /** Worker processes. Default 2. */
  size?: number;
  /** Per-sentence deadline. Default 15 s. */
  timeoutMs?: number;
}

export class FlitePool {
  private readonly workers: FliteWorker[] = [];
  private readonly queue: Queued[] = [];
  private closed = false;
  restarts = 0;

  constructor(private readonly opts: FlitePoolOptions) {
    for (let i = 0; i < (opts.size ?? 2); i++) this.workers.push(this.spawnWorker());
  }

  /** True once every worker has started (false if one could not). */
  async ready(): Promise<boolean> {
    return (await Promise.all(this.workers.map((w) => w.ready))).every(Boolean);
  }

  private spawnWorker(): FliteWorker {
    const w = new FliteWorker(this.opts.helperPath);
    w.proc.once('exit', () => {
      if (!w.busy) this.replace(w); // a busy one is replaced by runOn
    });
    void w.ready.then(() => this.pump());
    return w;
  }

  /** Synthesise one sentence; resolves when its last audio has been handed to `onAudio`. */
  synthesize(job: SentenceJob): Promise<SentenceOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'flite pool closed' });
    return new Promise((resolve) => {
      // Aborted while queued: out of the queue at once. The listener goes when the job settles — the
      // signal is often the call's, which lives for every sentence of the call (one left per
      // sentence would pile up on it for the call's life).
      const onAbort = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) (this.queue.splice(i, 1), entry.resolve({ ok: false, error: 'synthesis aborted' }));
      };
      const entry: Queued = { job, resolve: (o) => (job.signal?.removeEventListener('abort', onAbort), resolve(o)) };
      this.queue.push(entry);
      job.signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.workers.find((w) => !w.busy && !w.dead);
      if (!worker) return;
      worker.busy = true;
      void this.runOn(worker, this.queue.shift()!);
    }
  }

  private async runOn(worker: FliteWorker, q: Queued): Promise<void> {
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), worker.kill()), this.opts.timeoutMs ?? 15_000);
    const outcome = (await worker.ready) ? await worker.run(q.job) : { ok: false as const, error: 'flite helper did not start' };
    clearTimeout(timer);
    worker.busy = false;
    if (worker.dead) this.replace(worker);
    q.resolve(timedOut ? { ok: false, error: 'synthesis timed out' } : outcome);
    this.pump();
  }

  private replace(worker: FliteWorker): void {
    const i = this.workers.indexOf(worker);
    if (i < 0 || this.closed) return;
    this.restarts++;
    this.workers[i] = this.spawnWorker();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.resolve({ ok: false, error: 'flite pool closed' });
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
            const t = setTimeout(() => w.proc.kill('SIGKILL'), 2000);
            w.proc.once('exit', () => (clearTimeout(t), resolve()));
            w.proc.stdin.end();
          }),
      ),
    );
  }
}
