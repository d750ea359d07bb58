/**
 * `MediaWorkerPool` (main thread): starts the media workers (config `media.workers`), places each
 * new call on the worker with the fewest calls, and routes the workers' control messages to the
 * calls' `WorkerMediaHandle`s.
 *
 * Ports: the range is cut into one disjoint slice per worker, so each worker binds from its own
 * PortPool and no port bookkeeping crosses threads (a slice exhausted while another has room
 * answers "no port" for that call; the least-loaded placement keeps the slices evenly used).
 *
 * A worker that dies (an exception escaping its event loop, out of memory, `terminate`) takes its
 * sockets with it: every call on it gets `failed('media-worker-exit')` at once, the pool stops
 * placing calls on it and starts a replacement, so the gateway goes on with the other calls.
 * A worker that hangs (its loop stuck: no CPU report for `hangMs`, default 5 s, where one comes
 * every second) is terminated, which ends it the same way.
 */
import { Worker } from 'node:worker_threads';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { createCallRings, type CallRings } from './frame-ring.js';
import type { FromWorker, NegotiatedStream, ToWorker, WorkerCallStats, WorkerInit } from './protocol.js';
import type { DtmfEvent } from '../dtmf/event.js';
import type { SdesKeyPair, SrtpBackendChoice } from '../srtp/index.js';

export interface MediaWorkerPoolOptions {
  /** Worker threads; 'auto' = one per core, less one for the main thread (at least 1). */
  workers: number | 'auto';
  host: string;
  portMin: number;
  portMax: number;
  srtpBackend: SrtpBackendChoice;
  /** Which sources a call's RTP may come from (config media.latching). */
  sources?: 'signalled' | 'any';
  phases?: number;
  statsIntervalMs?: number;
  /** A started worker silent this long is taken as hung and terminated (default 5000 ms). */
  hangMs?: number;
  /** Told when a worker dies (the pool has already failed its calls and started a replacement). */
  onWorkerExit?: (info: { worker: number; calls: number; error?: Error; code: number }) => void;
}

/** What a WorkerMediaHandle reports to its owner (WorkerCallAudio). */
export interface WorkerMediaEvents {
  dtmf: [DtmfEvent];
  dtmfStart: [string];
  /** The worker holding this call's media is gone: the call has no audio any more. */
  failed: [string];
}

/** One call's media on a worker, seen from the main thread. */
export class WorkerMediaHandle extends EventEmitter<WorkerMediaEvents> {
  /** The final stats from close (with the RTCP detail the shared block leaves out). */
  private finalStats: WorkerCallStats | undefined;
  private closing: Promise<WorkerCallStats | undefined> | undefined;
  private closedResolve: ((s: WorkerCallStats | undefined) => void) | undefined;
  dead = false;

  constructor(
    readonly id: number,
    readonly localPort: number,
    readonly rings: CallRings,
    private readonly slot: WorkerSlot,
  ) {
    super();
  }

  configure(stream: NegotiatedStream): void {
    this.send({ op: 'configure', id: this.id, stream });
  }

  setSrtp(keys: SdesKeyPair | null): void {
    this.send({ op: 'srtp', id: this.id, keys });
  }

  setLoopback(on: boolean): void {
    this.send({ op: 'loopback', id: this.id, on });
  }

  sendDtmf(digit: string, durationMs: number): void {
    this.send({ op: 'dtmf', id: this.id, digit, durationMs });
  }

  /** Release the call's sockets on the worker; resolves with its final stats (undefined if the worker died). */
  close(): Promise<WorkerCallStats | undefined> {
    if (this.closing) return this.closing;
    if (this.dead) return (this.closing = Promise.resolve(this.latestStats));
    this.closing = new Promise((res) => (this.closedResolve = res));
    this.send({ op: 'close', id: this.id });
    return this.closing;
  }

  /** The call's counters now: the final ones after close, else the worker's last write (≤ 100 ms old). */
  get latestStats(): WorkerCallStats | undefined {
    return this.finalStats ?? this.rings.stats.read();
  }

  /** @internal the worker's answer to close, or its death. */
  settle(stats: WorkerCallStats | undefined): void {
    if (stats) this.finalStats = stats;
    this.slot.calls.delete(this.id);
    this.closedResolve?.(this.latestStats);
    this.closedResolve = undefined;
  }

  private send(m: ToWorker): void {
    if (!this.dead) this.slot.worker.postMessage(m);
  }
}

interface WorkerSlot {
  index: number;
  worker: Worker;
  init: WorkerInit;
  calls: Map<number, WorkerMediaHandle>;
  opening: Map<number, { rings: CallRings; resolve: (h: WorkerMediaHandle | undefined) => void }>;
  ready: Promise<void>;
  /** The worker posted 'ready' (its modules loaded). */
  started: boolean;
  alive: boolean;
  /** The worker thread's CPU time (ms) at its last stats message. */
  cpuMs: number;
  /** When the worker was last heard from (performance.now()). */
  lastHeard: number;
}

/** Running from source under tsx (tests, benches) rather than from dist/. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './media-worker.ts' : './media-worker.js', import.meta.url);

/**
 * Node 20 does not apply the parent's `--import tsx` loader to a worker's entry module, so from
 * source the worker starts with a two-line bootstrap that registers tsx first (dist/ needs none).
 */
function spawnWorker(workerData: WorkerInit): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { workerData });
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(ENTRY.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export function resolveWorkerCount(workers: number | 'auto', cores = availableParallelism()): number {
  if (workers === 'auto') return Math.max(1, cores - 1);
  return workers;
}

export class MediaWorkerPool {
  private readonly slots: WorkerSlot[] = [];
  private nextId = 1;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly opts: MediaWorkerPoolOptions) {
    const n = resolveWorkerCount(opts.workers);
    const pairs = Math.floor((opts.portMax - opts.portMin + 1) / 2);
    const per = Math.floor(pairs / n);
    if (per < 1) throw new RangeError(`media.workers: ${n} workers need at least ${n} RTP port pairs`);
    for (let i = 0; i < n; i++) {
      const min = opts.portMin + (opts.portMin % 2) + i * per * 2;
      const init: WorkerInit = { host: opts.host, portMin: min, portMax: min + per * 2 - 1, srtpBackend: opts.srtpBackend, phases: opts.phases ?? 1, statsIntervalMs: opts.statsIntervalMs, sources: opts.sources ?? 'signalled' };
      this.slots.push(this.start(i, init));
    }
    const hangMs = opts.hangMs ?? 5000;
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const s of this.slots) if (s.alive && s.started && now - s.lastHeard > hangMs) void s.worker.terminate();
    }, Math.min(1000, hangMs));
    this.watchdog.unref();
  }

  get size(): number {
    return this.slots.length;
  }

  /** Calls per worker (index order). */
  get load(): number[] {
    return this.slots.map((s) => s.calls.size + s.opening.size);
  }

  /** Each worker thread's CPU time in ms, as of its last stats message. */
  get cpuMs(): number[] {
    return this.slots.map((s) => s.cpuMs);
  }

  /** Resolves once every worker has started (its modules loaded). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** Open a call's RTP session on the least-loaded worker; undefined when its port slice is exhausted. */
  async open(): Promise<WorkerMediaHandle | undefined> {
    if (this.closed) return undefined;
    const slot = this.slots.filter((s) => s.alive).sort((a, b) => a.calls.size + a.opening.size - (b.calls.size + b.opening.size))[0];
    if (!slot) return undefined;
    if (!(await slot.ready.then(() => true, () => false))) return undefined;
    const id = this.nextId++;
    const rings = createCallRings();
    return new Promise((resolve) => {
      slot.opening.set(id, { rings, resolve });
      slot.worker.postMessage({ op: 'open', id, buffer: rings.buffer } satisfies ToWorker);
    });
  }

  /** Test hook: make worker `i` throw from its event loop, or (`hang`) spin forever. */
  crashWorker(i: number, how: 'throw' | 'hang' = 'throw'): void {
    this.slots[i]?.worker.postMessage({ op: 'crash', how } satisfies ToWorker);
  }

  /** Close every call (2 s at most: a stuck worker must not hold up shutdown), then end the threads. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    const closes = Promise.all(this.slots.flatMap((s) => [...s.calls.values()].map((h) => h.close())));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closes, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private start(index: number, init: WorkerInit): WorkerSlot {
    const worker = spawnWorker(init);
    let markReady!: () => void;
    let failStart!: (e: Error) => void;
    const slot: WorkerSlot = { index, worker, init, calls: new Map(), opening: new Map(), ready: new Promise((res, rej) => ((markReady = res), (failStart = rej))), started: false, alive: true, cpuMs: 0, lastHeard: performance.now() };
    slot.ready.catch(() => undefined); // observed by ready()/open(); never an unhandled rejection
    worker.on('message', (m: FromWorker) => {
      slot.lastHeard = performance.now();
      if (m.op === 'ready') slot.started = true;
      this.onMessage(slot, m, markReady);
    });
    let error: Error | undefined;
    worker.on('error', (e) => (error = e));
    worker.on('exit', (code) => {
      // A worker that never started (bad build, missing module) fails start-up; it is not restarted in a loop.
      if (!slot.started) failStart(new Error(`media worker ${index} did not start: ${error?.message ?? `exit code ${code}`}`));
      this.onExit(slot, code, error);
    });
    return slot;
  }

  private onMessage(slot: WorkerSlot, m: FromWorker, markReady: () => void): void {
    switch (m.op) {
      case 'ready':
        return markReady();
      case 'opened': {
        const o = slot.opening.get(m.id);
        if (!o) return;
        slot.opening.delete(m.id);
        const h = new WorkerMediaHandle(m.id, m.port, o.rings, slot);
        slot.calls.set(m.id, h);
        return o.resolve(h);
      }
      case 'openFailed': {
        const o = slot.opening.get(m.id);
        slot.opening.delete(m.id);
        return o?.resolve(undefined);
      }
      case 'dtmf':
        return void slot.calls.get(m.id)?.emit('dtmf', m.event);
      case 'dtmfStart':
        return void slot.calls.get(m.id)?.emit('dtmfStart', m.digit);
      case 'stats':
        slot.cpuMs = m.cpuMs;
        return;
      case 'closed':
        return slot.calls.get(m.id)?.settle(m.stats);
    }
  }

  private onExit(slot: WorkerSlot, code: number, error: Error | undefined): void {
    slot.alive = false;
    const calls = [...slot.calls.values()];
    for (const o of slot.opening.values()) o.resolve(undefined);
    slot.opening.clear();
    for (const h of calls) {
      h.dead = true;
      h.settle(undefined);
      h.emit('failed', 'media-worker-exit');
    }
    if (this.closed || !slot.started) return;
    this.opts.onWorkerExit?.({ worker: slot.index, calls: calls.length, code, ...(error ? { error } : {}) });
    // A replacement takes the same port slice: the dead thread's sockets closed with it.
    this.slots[slot.index] = this.start(slot.index, slot.init);
  }
}
