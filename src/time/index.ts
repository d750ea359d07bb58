/** The public surface of `src/time/`: other modules import from here, never from its files. */
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
