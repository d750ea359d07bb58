/**
 * 8 kHz ↔ 16 kHz resampling for the speech engines (PocketSphinx's model is 16 kHz, flite
 * writes 16 kHz). Private to `speech/` so it stays independent of `media/`; to be deduplicated
 * with `src/media/resample.ts` later.
 *
 * Both directions use one windowed-sinc low-pass (Blackman, 47 taps at 16 kHz, cutoff 3.8 kHz):
 * upsampling inserts zeros and filters out the spectral image (no sample duplication);
 * downsampling filters before dropping every other sample (no aliasing). Linear phase, the
 * 23-sample group delay is compensated so the output lines up with the input.
 */

const TAPS = 47;
const DELAY = (TAPS - 1) / 2;
const CUTOFF = 3800 / 16000; // cycles per sample at 16 kHz

function designLowPass(): Float64Array {
  const h = new Float64Array(TAPS);
  let sum = 0;
  for (let n = 0; n < TAPS; n++) {
    const m = n - DELAY;
    const sinc = m === 0 ? 2 * CUTOFF : Math.sin(2 * Math.PI * CUTOFF * m) / (Math.PI * m);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (TAPS - 1));
    h[n] = sinc * w;
    sum += h[n]!;
  }
  for (let n = 0; n < TAPS; n++) h[n] = h[n]! / sum; // unity gain at DC
  return h;
}

const LOW_PASS = designLowPass();

function clip16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}

/** 8 kHz → 16 kHz. Output has exactly twice the input's length. */
export function upsample8kTo16k(input: Int16Array): Int16Array {
  const n = input.length;
  const out = new Int16Array(n * 2);
  const h = LOW_PASS;
  for (let j = 0; j < out.length; j++) {
    // y[j] = 2 * Σ_i x[i] · h[j + D − 2i], over taps in range
    const t = j + DELAY;
    let iMin = Math.ceil((t - (TAPS - 1)) / 2);
    let iMax = Math.floor(t / 2);
    if (iMin < 0) iMin = 0;
    if (iMax > n - 1) iMax = n - 1;
    let acc = 0;
    for (let i = iMin; i <= iMax; i++) acc += input[i]! * h[t - 2 * i]!;
    out[j] = clip16(2 * acc);
  }
  return out;
}

/** 16 kHz → 8 kHz. Output has floor(length / 2) samples. */
export function downsample16kTo8k(input: Int16Array): Int16Array {
  const n = input.length;
  const out = new Int16Array(n >> 1);
  const h = LOW_PASS;
  for (let m = 0; m < out.length; m++) {
    const centre = 2 * m;
    let acc = 0;
    const kMin = Math.max(0, centre + DELAY - (n - 1));
    const kMax = Math.min(TAPS - 1, centre + DELAY);
    for (let k = kMin; k <= kMax; k++) acc += h[k]! * input[centre + DELAY - k]!;
    out[m] = clip16(acc);
  }
  return out;
}
