/**
 * A recognition turn for engines that decode a whole utterance (PocketSphinx, OpenAI-compatible
 * transcription): frames are buffered (bounded by `maxSamples`, oldest audio dropped) and the
 * utterance goes to `recognise` at `end()`. `result` settles exactly once; `cancel()` settles it
 * with an error and drops the audio.
 */
import type { SttOutcome, SttStream } from './types.js';

/** A turn that buffers its audio and hands it to `recognise` at `end()`. */
export class BufferedTurn implements SttStream {
  readonly result: Promise<SttOutcome>;
  private settle!: (o: SttOutcome) => void;
  private frames: Int16Array[] = [];
  private samples = 0;
  private state: 'open' | 'ended' | 'settled' = 'open';

  constructor(private readonly maxSamples: number, private readonly recognise: (audio: Int16Array) => Promise<SttOutcome>) {
    this.result = new Promise((resolve) => (this.settle = resolve));
  }

  push(frame: Int16Array): void {
    if (this.state !== 'open') return;
    this.frames.push(frame.slice());
    this.samples += frame.length;
    while (this.frames.length > 1 && this.samples - this.frames[0]!.length >= this.maxSamples) this.samples -= this.frames.shift()!.length;
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    const audio = new Int16Array(this.samples);
    let off = 0;
    for (const f of this.frames) {
      audio.set(f, off);
      off += f.length;
    }
    this.frames = [];
    void this.recognise(audio).then((o) => this.finish(o), (e: Error) => this.finish({ ok: false, error: e.message }));
  }

  cancel(): void {
    this.frames = [];
    this.finish({ ok: false, error: 'cancelled' });
  }

  onInterim(): void {
    // Buffered engines give no interim results.
  }

  private finish(o: SttOutcome): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.settle(o);
  }
}
