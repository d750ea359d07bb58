/**
 * The PCM frame every media piece agrees on: telephone audio is 8 kHz mono PCM16 in 20 ms frames
 * of 160 samples. (Time itself — the clock and its timers — is `src/time/clock.ts`.)
 */
export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
