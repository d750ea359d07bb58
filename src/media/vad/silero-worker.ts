/**
 * The Silero inference thread (silero-model.ts starts one per process): opens the session for the
 * model at `workerData.path`, says `ready` (or `failed` with the reason), then answers each
 * batch `{ id, n, input, state }` (n streams' windows, state in the model's [2][n][128] layout) with
 * `{ id, probabilities, state }`, one batch at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSileroSession } from './silero-session.js';

interface Request { id: number; n: number; input: Float32Array; state: Float32Array }

const port = parentPort!;
try {
  const session = await openSileroSession((workerData as { path: string }).path);
  port.on('message', (req: Request) => {
    session.runBatch(req.input, req.state, req.n).then(
      ({ probabilities, state }) => {
        // The runtime may own the outputs' memory: send copies.
        const [p, s] = [Float32Array.from(probabilities), Float32Array.from(state)];
        port.postMessage({ id: req.id, probabilities: p, state: s }, [p.buffer, s.buffer]);
      },
      (err: unknown) => port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
