/**
 * A pool of warm `ps-helper` processes, so recognition never runs on the event loop and never
 * pays the model load (≈0.5 s) per utterance. Jobs queue FIFO and go to the first idle worker;
 * each worker remembers which grammars it has loaded (LRU, unloading the oldest) so a repeated
 * grammar costs nothing. A worker that crashes or overruns its job deadline is killed and
 * replaced; its job fails with an error value. The clock is injectable for the deadline timers.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface DecodeJob {
  /** PCM16 16 kHz mono. */
  audio16k: Int16Array;
  grammar?: { name: string; jsgf: string };
  nbest: number;
}

export interface DecodeReply {
  hyp: string;
  score: number;
  posterior: number;
  frames: number;
  /** 10 ms frames covered by the hypothesis' words (fillers and silences excluded). */
  wordFrames: number;
  nbest: { hyp: string; score: number }[];
  decodeMs: number;
}

export type DecodeOutcome = { ok: true; reply: DecodeReply } | { ok: false; error: string };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface WorkerPoolOptions {
  helperPath: string;
  args: string[];
  size: number;
  /** Per-job deadline (decode + grammar load). Default 30 s. */
  jobTimeoutMs?: number;
  /** Grammars kept loaded per worker. Default 32. */
  grammarsPerWorker?: number;
  timers?: Timers;
}

interface Pending {
  job: DecodeJob;
  resolve: (o: DecodeOutcome) => void;
}

class Worker {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly ready: Promise<{ ok: true; loadMs: number } | { ok: false; error: string }>;
  busy = false;
  dead = false;
  private buffer = '';
  private waiters: ((line: string | undefined) => void)[] = [];
  private readonly grammars: string[] = [];

  constructor(helperPath: string, args: string[], private readonly grammarCap: number) {
    this.proc = spawn(helperPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => this.onData(chunk));
    this.proc.stderr.resume(); // decoder chatter is discarded (it can echo nothing of the caller)
    this.proc.stdin.on('error', () => undefined);
    this.proc.on('error', () => this.onExit());
    this.proc.on('exit', () => this.onExit());
    this.ready = this.nextLine().then((line) => {
      const msg = line ? safeJson(line) : undefined;
      if (msg && msg['ready'] === true) return { ok: true as const, loadMs: Number(msg['loadMs']) };
      return { ok: false as const, error: msg && typeof msg['error'] === 'string' ? msg['error'] : 'decoder did not start' };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const w = this.waiters.shift();
      if (w) w(line);
    }
  }

  private onExit(): void {
    if (this.dead) return;
    this.dead = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private nextLine(): Promise<string | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async request(header: string, body?: Uint8Array): Promise<Record<string, unknown> | undefined> {
    const reply = this.nextLine();
    this.proc.stdin.write(header);
    if (body && body.length) this.proc.stdin.write(body);
    const line = await reply;
    return line === undefined ? undefined : safeJson(line);
  }

  async run(job: DecodeJob): Promise<DecodeOutcome> {
    let search = '-';
    if (job.grammar) {
      search = job.grammar.name;
      const idx = this.grammars.indexOf(search);
      if (idx >= 0) {
        this.grammars.splice(idx, 1);
      } else {
        const text = Buffer.from(job.grammar.jsgf, 'utf8');
        const r = await this.request(`G ${search} ${text.length}\n`, text);
        if (!r) return { ok: false, error: 'decoder exited' };
        if (r['ok'] !== true) return { ok: false, error: `grammar: ${String(r['error'])}` };
        if (this.grammars.length >= this.grammarCap) {
          const old = this.grammars.shift()!;
          const u = await this.request(`U ${old}\n`);
          if (!u) return { ok: false, error: 'decoder exited' };
        }
      }
      this.grammars.push(search);
    }
    const a = job.audio16k;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const r = await this.request(`D ${search} ${a.length} ${Math.max(0, Math.min(8, job.nbest))}\n`, bytes);
    if (!r) return { ok: false, error: 'decoder exited' };
    if (r['ok'] !== true) return { ok: false, error: String(r['error']) };
    return {
      ok: true,
      reply: {
        hyp: String(r['hyp'] ?? ''),
        score: Number(r['score']),
        posterior: Number(r['posterior']),
        frames: Number(r['frames']),
        wordFrames: Number(r['wordFrames'] ?? 0),
        nbest: Array.isArray(r['nbest']) ? (r['nbest'] as { hyp: string; score: number }[]) : [],
        decodeMs: Number(r['decodeMs']),
      },
    };
  }

  kill(): void {
    this.onExit();
    this.proc.kill('SIGKILL');
  }
}

function safeJson(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class DecoderPool {
  private readonly workers: Worker[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;
  private readonly timers: Timers;
  /** Model load time of each worker start, in ms (as reported by the helper). */
  readonly loadTimesMs: number[] = [];
  restarts = 0;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  /** Starts the workers and waits for their models to load. */
  async start(): Promise<{ ok: true; loadMs: number[] } | { ok: false; error: string }> {
    for (let i = 0; i < this.opts.size; i++) this.workers.push(this.spawnWorker());
    const ready = await Promise.all(this.workers.map((w) => w.ready));
    const bad = ready.find((r) => !r.ok);
    if (bad && !bad.ok) return { ok: false, error: bad.error };
    return { ok: true, loadMs: [...this.loadTimesMs] };
  }

  private spawnWorker(): Worker {
    const w = new Worker(this.opts.helperPath, this.opts.args, this.opts.grammarsPerWorker ?? 32);
    w.proc.once('exit', () => {
      // An idle worker that dies is replaced here; a busy one is replaced by runOn.
      if (!w.busy) this.replace(w);
    });
    void w.ready.then((r) => {
      if (r.ok) this.loadTimesMs.push(r.loadMs);
      this.pump();
    });
    return w;
  }

  decode(job: DecodeJob): Promise<DecodeOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'decoder pool closed' });
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  get queued(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const idx = this.workers.findIndex((w) => !w.busy && !w.dead);
      if (idx < 0) return;
      const worker = this.workers[idx]!;
      const pending = this.queue.shift()!;
      worker.busy = true;
      void this.runOn(worker, pending);
    }
  }

  private async runOn(worker: Worker, pending: Pending): Promise<void> {
    let timedOut = false;
    const timer = this.timers.setTimeout(() => {
      timedOut = true;
      worker.kill();
    }, this.opts.jobTimeoutMs ?? 30_000);
    const ready = await worker.ready;
    const outcome: DecodeOutcome = ready.ok ? await worker.run(pending.job) : { ok: false, error: ready.error };
    this.timers.clearTimeout(timer);
    worker.busy = false;
    if (worker.dead) {
      this.replace(worker);
      pending.resolve(timedOut ? { ok: false, error: 'decode timed out' } : outcome.ok ? { ok: false, error: 'decoder exited' } : outcome);
    } else {
      pending.resolve(outcome);
    }
    this.pump();
  }

  private replace(worker: Worker): void {
    const idx = this.workers.indexOf(worker);
    if (idx < 0 || this.closed) return;
    this.restarts++;
    this.workers[idx] = this.spawnWorker();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve({ ok: false, error: 'decoder pool closed' });
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
            w.proc.once('exit', () => resolve());
            w.proc.stdin.end();
            const t = setTimeout(() => w.proc.kill('SIGKILL'), 2000);
            w.proc.once('exit', () => clearTimeout(t));
          }),
      ),
    );
  }
}
