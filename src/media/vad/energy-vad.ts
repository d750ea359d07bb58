/**
 * Frame-level voice activity: is this 20 ms PCM16 frame speech? Energy in dBFS against an
 * adaptive noise floor, with hysteresis (a higher margin to enter speech than to stay in it) and
 * an absolute floor below which nothing is speech.
 *
 * The noise floor is a minimum-statistics estimate: the lowest frame energy seen over a sliding
 * window (~3 s, kept as block minima so it costs O(1) per frame). It falls at once when the line
 * gets quieter and rises within the window when steady noise gets louder (a fan, a car), even in
 * the middle of speech — speech always has quieter frames between syllables, stationary noise
 * does not. No spectral or zero-crossing test: on 8 kHz telephone audio it added little over the
 * margin and hysteresis in our recorded-speech tests (see docs/media-flow.md).
 */

export interface VadOptions {
  /** Margin above the noise floor to enter speech (dB). Default 12. */
  startMarginDb?: number;
  /** Margin above the noise floor to stay in speech (dB). Default 8. */
  continueMarginDb?: number;
  /** Frames quieter than this (dBFS) are never speech. Default -55. */
  minSpeechDbfs?: number;
  /** The noise floor never goes below this (dBFS); keeps digital silence from making every click speech. Default -70. */
  noiseFloorMinDbfs?: number;
  /** Frames per block and blocks per window of the minimum tracker. Default 15 × 10 (3 s). */
  blockFrames?: number;
  windowBlocks?: number;
}

/** Mean energy of a PCM16 frame in dBFS (a full-scale square wave is 0 dBFS). */
export function frameEnergyDbfs(frame: Int16Array): number {
  let acc = 0;
  for (let i = 0; i < frame.length; i++) {
    const s = frame[i]!;
    acc += s * s;
  }
  return 10 * Math.log10(acc / (frame.length || 1) / (32768 * 32768) + 1e-13);
}

export class EnergyVad {
  private readonly startMargin: number;
  private readonly continueMargin: number;
  private readonly minSpeech: number;
  private readonly noiseMin: number;
  private readonly blockFrames: number;
  private readonly blockMins: Float64Array;
  private blockIndex = 0;
  private framesInBlock = 0;
  private started = false;
  /** Energy of the last frame (dBFS). */
  energyDb = -130;
  /** Current noise floor estimate (dBFS). */
  noiseDb = -70;

  constructor(opts: VadOptions = {}) {
    this.startMargin = opts.startMarginDb ?? 12;
    this.continueMargin = opts.continueMarginDb ?? 8;
    this.minSpeech = opts.minSpeechDbfs ?? -55;
    this.noiseMin = opts.noiseFloorMinDbfs ?? -70;
    this.blockFrames = opts.blockFrames ?? 15;
    this.blockMins = new Float64Array(opts.windowBlocks ?? 10).fill(Infinity);
  }

  /** Classify one frame. `inSpeech` selects the (lower) continue margin. */
  isSpeech(frame: Int16Array, inSpeech: boolean): boolean {
    const e = frameEnergyDbfs(frame);
    this.energyDb = e;
    this.track(e);
    const margin = inSpeech ? this.continueMargin : this.startMargin;
    return e > this.minSpeech && e > this.noiseDb + margin;
  }

  reset(): void {
    this.blockMins.fill(Infinity);
    this.blockIndex = 0;
    this.framesInBlock = 0;
    this.started = false;
    this.noiseDb = this.noiseMin;
  }

  private track(e: number): void {
    const mins = this.blockMins;
    if (e < mins[this.blockIndex]!) mins[this.blockIndex] = e;
    if (++this.framesInBlock >= this.blockFrames) {
      this.framesInBlock = 0;
      this.blockIndex = (this.blockIndex + 1) % mins.length;
      mins[this.blockIndex] = Infinity; // the oldest block leaves the window
      this.started = true;
    }
    let m = Infinity;
    for (let i = 0; i < mins.length; i++) if (mins[i]! < m) m = mins[i]!;
    // Before the first block completes, the current block's minimum is all we know; cap it at
    // -50 dBFS so a stream that starts with speech (a prompt played at answer) is still heard,
    // while steady line noise up to about -40 dBFS still stays below the start margin.
    const early = Math.min(m !== Infinity ? m : e, -50);
    this.noiseDb = Math.max(this.noiseMin, this.started ? m : early);
  }
}
