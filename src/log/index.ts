/** The public surface of `src/log/`: other modules import from here, never from its files. */
export { createLogger, setLogScrubber } from './logger.js';
export type { Logger } from './logger.js';
