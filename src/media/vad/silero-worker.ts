/**
 * The Silero inference thread (silero-model.ts starts one per process): opens the session for the
 * model at `workerData.path`, says `ready` (or `failed` with the reason), then answers each
 * `{ id, input, state }` with `{ id, probability, state }`, one window at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSileroSession } from './silero-session.js';

interface Request { id: number; input: Float32Array; state: Float32Array }

const port = parentPort!;
try {
  const session = await openSileroSession((workerData as { path: string }).path);
  port.on('message', (req: Request) => {
    session.run(req.input, req.state).then(
      ({ probability, state }) => {
        const copy = Float32Array.from(state); // the runtime may own the output's memory: send a copy
        port.postMessage({ id: req.id, probability, state: copy }, [copy.buffer]);
      },
      (err: unknown) => port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
