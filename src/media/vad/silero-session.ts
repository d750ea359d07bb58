/**
 * One onnxruntime InferenceSession of a Silero VAD v5/v6 model, run in the calling thread. Used by
 * the inference worker (silero-worker.ts), and directly by bench/vad.ts to compare.
 *
 * onnxruntime-node's `run()` returns a promise but computes synchronously on the thread that calls
 * it (inside a setImmediate), which is why the gateway runs this in a worker and not on the main
 * thread, where the media scheduler paces every call's RTP.
 *
 * One intra-op and one inter-op thread: a window is 288 samples, too small to gain from
 * parallelism, and the machine's cores belong to the calls.
 *
 * Batches: the model takes many streams' windows in one run (input [n, 288], state [2, n, 128]),
 * each row exactly what a run of its own gives (test/media/silero-batch.test.ts). A run's fixed cost
 * is most of a single window's (≈ 190 µs for one window against ≈ 37 µs a window in a batch of 32,
 * bench/vad), so the worker runs every call's windows of a tick together.
 */
import type { InferenceSession } from 'onnxruntime-node';

/** Model geometry at 8 kHz (Silero v5/v6): 256-sample windows, each preceded by the previous window's last 32 samples. */
export const SILERO_WINDOW = 256;
export const SILERO_CONTEXT = 32;
export const SILERO_STATE_SIZE = 2 * 128;

export interface SileroRunner {
  /** One window (context + samples, floats in −1…1) with the stream's recurrent state; the state is not modified. */
  run(input: Float32Array, state: Float32Array): Promise<{ probability: number; state: Float32Array }>;
}

export interface SileroBatchRunner extends SileroRunner {
  /**
   * `n` streams' windows at once: `input` is n rows of (context + samples); `state` is in the model's
   * layout [2][n][128] (packBatchState). Answers each row's probability and the new states, same layout.
   */
  runBatch(input: Float32Array, state: Float32Array, n: number): Promise<{ probabilities: Float32Array; state: Float32Array }>;
}

const HALF = SILERO_STATE_SIZE / 2;

/** Row `i` of a batch of `n`: a stream's state (two 128-float halves) into the model's [2][n][128] layout. */
export function packBatchState(into: Float32Array, i: number, n: number, state: Float32Array): void {
  into.set(state.subarray(0, HALF), i * HALF);
  into.set(state.subarray(HALF, 2 * HALF), (n + i) * HALF);
}

/** Row `i` of a batch's new state, as one stream's state. */
export function unpackBatchState(from: Float32Array, i: number, n: number): Float32Array {
  const out = new Float32Array(SILERO_STATE_SIZE);
  out.set(from.subarray(i * HALF, (i + 1) * HALF), 0);
  out.set(from.subarray((n + i) * HALF, (n + i + 1) * HALF), HALF);
  return out;
}

export async function openSileroSession(path: string): Promise<SileroBatchRunner> {
  // Named imports: the package is CommonJS with `__esModule`, so its `default` differs between loaders.
  const { InferenceSession: Session, Tensor } = await import('onnxruntime-node');
  const session: InferenceSession = await Session.create(path, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  for (const name of ['input', 'state', 'sr']) {
    if (!session.inputNames.includes(name)) throw new Error(`${path} is not a Silero VAD v5/v6 model (no input '${name}')`);
  }
  const sr = new Tensor('int64', BigInt64Array.of(8000n), []);
  const runBatch = async (input: Float32Array, state: Float32Array, n: number) => {
    if (n < 1 || input.length % n !== 0 || state.length !== n * SILERO_STATE_SIZE) throw new Error(`Silero batch of ${n}: ${input.length} samples, ${state.length} state values`);
    const out = await session.run({ input: new Tensor('float32', input, [n, input.length / n]), state: new Tensor('float32', state, [2, n, HALF]), sr });
    return { probabilities: out['output']!.data as Float32Array, state: out['stateN']!.data as Float32Array };
  };
  return {
    runBatch,
    async run(input, state) {
      const out = await runBatch(input, state, 1);
      return { probability: out.probabilities[0]!, state: out.state };
    },
  };
}
