/**
 * What the bot sends, played at the pace of the call: a queue of 20 ms frames (8 kHz) with the
 * bot's marks between them. The call's 20 ms tick takes one frame (`next`); a mark is acknowledged
 * when every frame queued before it has been played; `clear` empties the queue at once (barge-in)
 * and acknowledges the marks it removed, as Twilio does.
 */
import { FRAME_SAMPLES } from '../../media/index.js';

type Item = { frame: Int16Array } | { mark: string };

export class BotPlayout {
  #items: Item[] = [];
  #partial = new Int16Array(FRAME_SAMPLES);
  #partialLen = 0;
  /** Most audio held (frames); past it the oldest is dropped (a bot sending faster than real time). */
  constructor(
    private readonly onMark: (name: string) => void,
    private readonly maxFrames = 50 * 60,
  ) {}

  get queuedFrames(): number {
    return this.#items.filter((i) => 'frame' in i).length;
  }

  push(samples: Int16Array): void {
    let i = 0;
    while (i < samples.length) {
      const n = Math.min(FRAME_SAMPLES - this.#partialLen, samples.length - i);
      this.#partial.set(samples.subarray(i, i + n), this.#partialLen);
      this.#partialLen += n;
      i += n;
      if (this.#partialLen === FRAME_SAMPLES) {
        this.#items.push({ frame: this.#partial });
        this.#partial = new Int16Array(FRAME_SAMPLES);
        this.#partialLen = 0;
      }
    }
    while (this.queuedFrames > this.maxFrames) {
      const idx = this.#items.findIndex((x) => 'frame' in x);
      this.#items.splice(idx, 1);
    }
  }

  mark(name: string): void {
    this.#flushPartial();
    this.#items.push({ mark: name });
  }

  /** Barge-in: nothing more is played; marks still queued are acknowledged now. */
  clear(): void {
    const marks = this.#items.filter((x): x is { mark: string } => 'mark' in x);
    this.#items = [];
    this.#partialLen = 0;
    for (const m of marks) this.onMark(m.mark);
  }

  /** The next frame to play (one per 20 ms tick); marks reached on the way are acknowledged. */
  next(): Int16Array | undefined {
    this.#ackLeadingMarks();
    const head = this.#items.shift();
    if (!head) return undefined;
    const frame = (head as { frame: Int16Array }).frame;
    // A mark right behind the last frame is acknowledged on the tick that plays that frame.
    this.#ackLeadingMarks();
    return frame;
  }

  #ackLeadingMarks(): void {
    while (this.#items.length && 'mark' in this.#items[0]!) this.onMark((this.#items.shift() as { mark: string }).mark);
  }

  /** A short tail before a mark is padded with silence so the mark follows all of the audio. */
  #flushPartial(): void {
    if (!this.#partialLen) return;
    this.#partial.fill(0, this.#partialLen);
    this.#items.push({ frame: this.#partial });
    this.#partial = new Int16Array(FRAME_SAMPLES);
    this.#partialLen = 0;
  }
}
