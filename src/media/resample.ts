/**
 * Sample-rate conversion for PCM16: a rational polyphase resampler with a Kaiser-windowed sinc
 * low-pass (not decimation — speech recognition on 8 kHz audio suffers badly from aliasing), plus
 * channel downmix. Works one-shot (`resample`) or streaming (`Resampler.process` / `flush`) with
 * identical output, so TTS chunks can be converted as they arrive.
 *
 * Output sample n sits at input time n·M/L exactly (no delay in index terms): streaming simply
 * holds back the last `halfTaps` input samples until more input or `flush()` arrives.
 */
import { SAMPLE_RATE } from './frames.js';

export interface ResamplerOptions {
  /** Zero crossings of the sinc on each side (filter length ≈ 2·zc/cutoff). Default 24. */
  zeroCrossings?: number;
  /** Cutoff as a fraction of the lower Nyquist frequency. Default 0.9 (3.6 kHz for 8 kHz output). */
  rolloff?: number;
  /** Kaiser window β. Default 8.6 (≈ 80 dB stop-band). */
  kaiserBeta?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  private readonly up: number; // L
  private readonly down: number; // M
  private readonly half: number; // H: input samples each side of the output instant
  private readonly taps: Float32Array; // L phases × 2H taps
  private hist: Float32Array; // input samples from absolute index histStart
  private histStart: number;
  private inCount = 0; // real input samples received
  private outCount = 0; // output samples produced
  private flushed = false;

  constructor(inRate: number, outRate: number, opts: ResamplerOptions = {}) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError('Resampler: rates must be positive integers');
    }
    this.inRate = inRate;
    this.outRate = outRate;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    const zc = opts.zeroCrossings ?? 24;
    const cutoff = Math.min(1, this.up / this.down) * (opts.rolloff ?? 0.9); // fraction of input Nyquist
    const beta = opts.kaiserBeta ?? 8.6;
    this.half = Math.ceil(zc / cutoff);
    const width = 2 * this.half;
    this.taps = new Float32Array(this.up * width);
    const i0beta = besselI0(beta);
    for (let p = 0; p < this.up; p++) {
      const frac = p / this.up;
      let sum = 0;
      for (let j = 0; j < width; j++) {
        const d = frac + this.half - 1 - j; // output instant minus input instant, in input samples
        const x = cutoff * d;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const r = d / this.half;
        const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0beta;
        const h = cutoff * sinc * w;
        this.taps[p * width + j] = h;
        sum += h;
      }
      for (let j = 0; j < width; j++) this.taps[p * width + j]! /= sum; // unity gain at DC per phase
    }
    this.hist = new Float32Array(this.half); // virtual zeros before the first sample
    this.histStart = -this.half;
  }

  /** Feed input; returns the output samples that are now fully determined. */
  process(input: Int16Array): Int16Array {
    if (this.flushed) throw new Error('Resampler: process() after flush()');
    this.append(input, input.length);
    this.inCount += input.length;
    return this.drain(false);
  }

  /** End of stream: returns the remaining output (total output = ceil(inputs · out/in)). */
  flush(): Int16Array {
    if (this.flushed) return new Int16Array(0);
    this.flushed = true;
    this.append(null, this.half);
    return this.drain(true);
  }

  private append(input: Int16Array | null, n: number): void {
    const next = new Float32Array(this.hist.length + n);
    next.set(this.hist, 0);
    if (input) for (let i = 0; i < n; i++) next[this.hist.length + i] = input[i]!;
    this.hist = next;
  }

  private drain(final: boolean): Int16Array {
    const L = this.up;
    const M = this.down;
    const H = this.half;
    const width = 2 * H;
    const histEnd = this.histStart + this.hist.length; // absolute index one past the last sample
    const totalOut = final ? Math.ceil((this.inCount * L) / M) : Infinity;
    // Largest n with floor(n·M/L) + H < histEnd.
    const lastBase = histEnd - H - 1;
    const maxN = Math.min(totalOut - 1, Math.floor(((lastBase + 1) * L - 1) / M));
    const count = Math.max(0, maxN - this.outCount + 1);
    const out = new Int16Array(count);
    const taps = this.taps;
    const hist = this.hist;
    for (let k = 0; k < count; k++) {
      const n = this.outCount + k;
      const pos = n * M;
      const base = Math.floor(pos / L);
      const phase = pos - base * L;
      const first = base - H + 1 - this.histStart;
      const t0 = phase * width;
      let acc = 0;
      for (let j = 0; j < width; j++) acc += hist[first + j]! * taps[t0 + j]!;
      out[k] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
    }
    this.outCount += count;
    // Drop input no longer needed by the next output.
    const nextBase = Math.floor((this.outCount * M) / L);
    const keepFrom = Math.min(nextBase - H + 1, histEnd) - this.histStart;
    if (keepFrom > 0) {
      this.hist = this.hist.slice(keepFrom);
      this.histStart += keepFrom;
    }
    return out;
  }
}

/** One-shot conversion of a mono PCM16 signal. */
export function resample(input: Int16Array, inRate: number, outRate: number, opts?: ResamplerOptions): Int16Array {
  if (inRate === outRate) return input.slice();
  const r = new Resampler(inRate, outRate, opts);
  const a = r.process(input);
  const b = r.flush();
  const out = new Int16Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Average interleaved channels to mono. */
export function downmixToMono(interleaved: Int16Array, channels: number): Int16Array {
  if (channels === 1) return interleaved;
  const n = Math.floor(interleaved.length / channels);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += interleaved[i * channels + c]!;
    out[i] = Math.round(s / channels);
  }
  return out;
}

/** Any rate, any channel count → 8 kHz mono PCM16 (telephone audio). */
export function toTelephone(interleaved: Int16Array, sampleRate: number, channels: number): Int16Array {
  return resample(downmixToMono(interleaved, channels), sampleRate, SAMPLE_RATE);
}
