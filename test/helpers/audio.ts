/** Audio comparison for end-to-end tests: best normalised cross-correlation over a lag range. */
export function bestCorrelation(reference: Int16Array, received: Int16Array, maxLag = 4000): { corr: number; lag: number } {
  let best = { corr: -1, lag: 0 };
  const n = reference.length;
  for (let lag = 0; lag <= maxLag && lag + n <= received.length + n / 10; lag += 1) {
    let sxy = 0, sxx = 0, syy = 0;
    const m = Math.min(n, received.length - lag);
    if (m < n * 0.9) break;
    for (let i = 0; i < m; i++) {
      const x = reference[i]!, y = received[i + lag]!;
      sxy += x * y; sxx += x * x; syy += y * y;
    }
    const c = sxx && syy ? sxy / Math.sqrt(sxx * syy) : 0;
    if (c > best.corr) best = { corr: c, lag };
  }
  return best;
}

export function percentileOf(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** 50 ms: long enough that a match is not a coincidence of one pitch period, short enough that a 20 ms shift costs little. */
export const PIECE_SAMPLES = 400;

/**
 * Piecewise correlation: the reference cut into `chunk`-sample pieces, each matched at its best
 * lag near the previous piece's. An adaptive jitter buffer may drop or insert a frame to change
 * its depth, which shifts the rest of the signal by 20 ms; this measures whether every piece of
 * the audio came back, not whether the timeline stayed rigid. Returns the energy-weighted mean.
 * A piece that holds such a shift matches only in part, so short pieces (`PIECE_SAMPLES`) let one
 * shift cost one piece in sixty rather than one in sixteen: on a loaded machine the far end's
 * buffer moves more often, and the echo tests are about the bits, not the timeline. The first
 * lag is found on half a second whatever the piece size (a piece may open on silence).
 */
export function piecewiseCorrelation(reference: Int16Array, received: Int16Array, chunk = 4000, searchLag = 1600): { mean: number; pieces: number[] } {
  let lag = bestCorrelation(reference.subarray(0, Math.max(chunk, 4000)), received, 8000).lag;
  let weighted = 0;
  let total = 0;
  const pieces: number[] = [];
  for (let start = 0; start + chunk <= reference.length; start += chunk) {
    const ref = reference.subarray(start, start + chunk);
    let energy = 0;
    for (const x of ref) energy += x * x;
    if (energy === 0) continue;
    let best = matchPiece(ref, energy, start, received, lag, searchLag);
    // A pause in the audio (a test that plays in two parts, a far end that resumes late) moves the
    // rest by more than a jitter buffer's step: look wider before calling the piece lost, and keep
    // following the last lag a piece really matched at, not where a lost piece happened to peak.
    if (best.corr < WIDE_SEARCH_BELOW) {
      const wide = matchPiece(ref, energy, start, received, lag, WIDE_SEARCH_LAG);
      if (wide.corr > best.corr) best = wide;
    }
    if (best.corr >= WIDE_SEARCH_BELOW) lag = best.lag;
    if (energy > chunk * 100 * 100) pieces.push(best.corr);
    weighted += best.corr * energy;
    total += energy;
  }
  return { mean: total ? weighted / total : 0, pieces };
}

/** Below this a piece did not come back where it was looked for. */
const WIDE_SEARCH_BELOW = 0.9;
/** One second either side. */
const WIDE_SEARCH_LAG = 8000;

function matchPiece(ref: Int16Array, energy: number, start: number, received: Int16Array, around: number, searchLag: number): { corr: number; lag: number } {
  let best = { corr: -1, lag: around };
  for (let l = Math.max(-start, around - searchLag); l <= around + searchLag; l += 1) {
    const off = start + l;
    if (off < 0 || off + ref.length > received.length) continue;
    let sxy = 0, syy = 0;
    for (let i = 0; i < ref.length; i++) {
      const y = received[off + i]!;
      sxy += ref[i]! * y;
      syy += y * y;
    }
    const c = syy ? sxy / Math.sqrt(energy * syy) : 0;
    if (c > best.corr) best = { corr: c, lag: l };
  }
  return best;
}
