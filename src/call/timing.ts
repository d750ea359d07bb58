/**
 * Waiting on the call layer's one Clock: a deadline as an AbortSignal and a cancellable pause. The
 * call layer never arms a Node timer itself (`AbortSignal.timeout` included), so tests drive every
 * deadline of a call with `FakeClock`.
 */
import type { Clock } from '../time/index.js';

export interface Deadline {
  readonly signal: AbortSignal;
  /** The work answered in time: drop the timer (the signal still follows `outer`: a stream that answered can still be stopped). */
  clear(): void;
  /** The work is over: drop the timer and stop following `outer`. */
  dispose(): void;
}

/** A signal that aborts after `ms` on `clock` (a `TimeoutError`, as `AbortSignal.timeout` does) or when `outer` aborts. */
export function deadline(clock: Clock, ms: number, outer?: AbortSignal): Deadline {
  const ac = new AbortController();
  // Holds the listener on `outer` (the call's signal, which outlives every turn): `dispose` takes it
  // off, else each finished turn would leave one on the call's signal until the call ended.
  const attached = new AbortController();
  const timer = clock.setTimeout(() => ac.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  const clear = () => clock.clearTimeout(timer);
  const dispose = () => (clear(), attached.abort());
  // The timer is dropped as soon as either side fires, so a finished turn leaves nothing armed.
  ac.signal.addEventListener('abort', dispose, { once: true });
  if (outer) {
    if (outer.aborted) ac.abort(outer.reason);
    else outer.addEventListener('abort', () => ac.abort(outer.reason), { once: true, signal: attached.signal });
  }
  return { signal: ac.signal, clear, dispose };
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (never rejects). */
export function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
