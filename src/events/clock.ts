/**
 * Time, injected. The delivery worker, backoff and IAM token cache read time and set timers
 * only through a `Clock`, so tests can drive them without waiting.
 */
export interface Clock {
  now(): number; // epoch ms
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
