/**
 * `resampleTo8k` (resample-any.ts) for audio that arrives in pieces: a remote TTS's body resampled
 * as it streams, so the first chunk plays before the last one has been received. Same filter, same
 * arithmetic: the concatenated output equals the whole-buffer result sample for sample (tested).
 * An output sample is produced once every input sample its filter reaches has arrived; `flush()`
 * produces the tail the whole-buffer version computes with the missing neighbours left out.
 */
import { RESAMPLE_HALF_WIDTH } from './resample-any.js';

export class StreamingResampler {
  private readonly ratio: number;
  private readonly cutoff: number;
  private readonly reach: number;
  /** Input samples not yet needed by any output, starting at absolute index `base`. */
  private buf = new Int16Array(0);
  private base = 0;
  private received = 0;
  private nextOut = 0;

  constructor(private readonly inputRate: number) {
    this.ratio = inputRate / 8000;
    this.cutoff = Math.min(1, 8000 / inputRate) * 0.9;
    this.reach = Math.ceil(RESAMPLE_HALF_WIDTH * Math.max(1, this.ratio));
  }

  /** The 8 kHz samples `chunk` completes (possibly none). */
  push(chunk: Int16Array): Int16Array {
    if (this.inputRate === 8000) return chunk;
    const joined = new Int16Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    this.received += chunk.length;
    // Output m needs input up to floor(m·ratio) + reach.
    let end = this.nextOut;
    while (Math.floor(end * this.ratio) + this.reach < this.received) end++;
    return this.produce(end, this.received);
  }

  /** The remaining samples once the input has ended. */
  flush(): Int16Array {
    if (this.inputRate === 8000) return new Int16Array(0);
    return this.produce(Math.floor(this.received / this.ratio), this.received);
  }

  private produce(end: number, total: number): Int16Array {
    const count = Math.max(0, end - this.nextOut);
    const out = new Int16Array(count);
    const { ratio, cutoff, reach, buf, base } = this;
    for (let j = 0; j < count; j++) {
      const t = (this.nextOut + j) * ratio;
      const centre = Math.floor(t);
      let acc = 0;
      let norm = 0;
      for (let k = centre - reach + 1; k <= centre + reach; k++) {
        if (k < 0 || k >= total) continue;
        const x = (t - k) * cutoff;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const w = 0.5 + 0.5 * Math.cos((Math.PI * (t - k)) / reach);
        const h = sinc * w;
        acc += buf[k - base]! * h;
        norm += h;
      }
      const v = norm !== 0 ? acc / norm : 0;
      out[j] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
    }
    this.nextOut = end;
    // Keep only what the next output can reach.
    const keepFrom = Math.max(0, Math.floor(this.nextOut * ratio) - reach + 1);
    if (keepFrom > base) {
      this.buf = this.buf.slice(Math.min(this.buf.length, keepFrom - base));
      this.base = Math.min(keepFrom, base + buf.length);
    }
    return out;
  }
}
