/**
 * Periodicity of the last 40 ms of caller audio: the peak of the normalised autocorrelation at a
 * pitch lag (60–400 Hz), taken past the correlation's first dip. Voiced speech (vowels, "mm",
 * "uh-huh") scores about 0.5–0.95; white, pink and brown noise, clicks and most coughs stay low —
 * low-pass noise correlates strongly at short lags but falls steadily, with no dip-then-peak.
 * The energy VAD cannot tell a noise burst from speech; barge-in asks this too. About 35 k
 * multiply-adds, computed only on frames that are speech candidates while a prompt plays.
 */
import { FRAME_SAMPLES, SAMPLE_RATE } from '../frames.js';

const MIN_LAG = Math.floor(SAMPLE_RATE / 400); // 20
const MAX_LAG = Math.floor(SAMPLE_RATE / 60); // 133

export class VoicingMeter {
  private readonly win = new Float64Array(FRAME_SAMPLES * 2);
  private readonly energy = new Float64Array(FRAME_SAMPLES * 2 + 1); // prefix sums of x²

  /** Push one 20 ms frame (cheap: a copy). */
  push(frame: Int16Array): void {
    const w = this.win;
    w.copyWithin(0, FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) w[FRAME_SAMPLES + i] = frame[i] ?? 0;
  }

  /** Periodicity (0…1) of the last two frames pushed; the costly part, asked only when needed. */
  periodicity(): number {
    const w = this.win;
    const n = w.length;
    const e = this.energy;
    e[0] = 0;
    for (let i = 0; i < n; i++) e[i + 1] = e[i]! + w[i]! * w[i]!;
    let dipped = false;
    let prev = 1;
    let best = 0;
    for (let lag = 2; lag <= MAX_LAG; lag++) {
      let acc = 0;
      const m = n - lag;
      for (let i = 0; i < m; i++) acc += w[i]! * w[i + lag]!;
      const norm = Math.sqrt(e[m]! * (e[n]! - e[lag]!));
      const r = norm > 0 ? acc / norm : 0;
      if (!dipped) {
        if (r > prev && prev < 0.5) dipped = true; // the first rise after a fall below 0.5: past the dip
        prev = r;
        if (!dipped) continue;
      }
      if (lag >= MIN_LAG && r > best) best = r;
    }
    return best;
  }
}
