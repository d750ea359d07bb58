/**
 * Arbitrary-rate → 8 kHz resampling (windowed-sinc interpolation, low-pass at 0.45 × the
 * lower rate) for remote TTS that returns 16, 22.05 or 24 kHz audio. Whole-buffer; the 2:1
 * paths in resample.ts are faster for flite and PocketSphinx.
 */

/** Zero crossings of the filter on each side, in output-rate units (shared with streaming-resample.ts). */
export const RESAMPLE_HALF_WIDTH = 12;

export function resampleTo8k(input: Int16Array, inputRate: number): Int16Array {
  if (inputRate === 8000) return input;
  const ratio = inputRate / 8000;
  const outLen = Math.floor(input.length / ratio);
  const out = new Int16Array(outLen);
  const cutoff = Math.min(1, 8000 / inputRate) * 0.9; // relative to input Nyquist
  const reach = Math.ceil((RESAMPLE_HALF_WIDTH * Math.max(1, ratio)) / 1);
  for (let m = 0; m < outLen; m++) {
    const t = m * ratio;
    const centre = Math.floor(t);
    let acc = 0;
    let norm = 0;
    for (let k = centre - reach + 1; k <= centre + reach; k++) {
      if (k < 0 || k >= input.length) continue;
      const x = (t - k) * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = 0.5 + 0.5 * Math.cos((Math.PI * (t - k)) / reach);
      const h = sinc * w;
      acc += input[k]! * h;
      norm += h;
    }
    const v = norm !== 0 ? acc / norm : 0;
    out[m] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
  }
  return out;
}
