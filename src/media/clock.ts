/**
 * Transitional: src/call/ still imports the frame constants from here while it is rewritten.
 * Media's own clock is gone (the one Clock is `src/time/clock.ts`); import `./frames.js` instead.
 * Delete this file once nothing imports it.
 */
export { SAMPLE_RATE, FRAME_MS, FRAME_SAMPLES } from './frames.js';
