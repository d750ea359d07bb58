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

export async function openSileroSession(path: string): Promise<SileroRunner> {
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
  return {
    async run(input, state) {
      const out = await session.run({ input: new Tensor('float32', input, [1, input.length]), state: new Tensor('float32', state, [2, 1, 128]), sr });
      return { probability: (out['output']!.data as Float32Array)[0]!, state: out['stateN']!.data as Float32Array };
    },
  };
}
