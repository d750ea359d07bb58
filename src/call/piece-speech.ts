/**
 * A reply spoken piece by piece (a streamed LLM answer): each piece goes to TTS the moment it is
 * added — not when the piece before it has finished playing — and `audio()` yields the pieces'
 * audio in order, as one stream the player starts on with the first chunk of the first piece.
 *
 *   add("Sure,")  ─▶ tts.synthesize ─▶ chunks buffered ┐
 *   add("your balance is …") ─▶ tts.synthesize ─▶ …    ├─▶ audio(): piece 1's chunks, then piece 2's …
 *   end()  (no more pieces: audio() finishes)          ┘
 *
 * The signal (barge-in or hang-up) cancels every synthesis in flight and ends `audio()`.
 *
 * Later pieces start synthesising once the first piece's first chunk is out (or that piece ended):
 * the reply's first audio, what the caller waits for, does not share the CPU with the rest of the
 * reply (a second piece can arrive while an embedded engine is still on the first).
 */
import type { Tts } from '../speech/index.js';
import type { Clock } from '../time/index.js';
import type { FirstAudio, SpeakOptions } from './speaker.js';

interface Piece {
  chunks: Int16Array[];
  done: boolean;
  error?: unknown;
}

export class PieceSpeech {
  readonly #pieces: Piece[] = [];
  #ended = false;
  #wake?: () => void;
  /** Settles when the first piece's first chunk has arrived, or that piece ended. */
  #firstOut?: Promise<void>;
  #markFirstOut?: () => void;

  constructor(
    private readonly tts: Tts,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    /** Filled in when the first chunk of the first piece leaves for the player. */
    private readonly first?: FirstAudio,
  ) {
    signal.addEventListener('abort', () => this.#notify(), { once: true });
  }

  /** Start synthesising a piece now; its audio follows the pieces added before it. */
  add(text: string, opts: SpeakOptions): void {
    if (this.#ended || this.signal.aborted) return;
    const piece: Piece = { chunks: [], done: false };
    this.#pieces.push(piece);
    const started = this.clock.now();
    const isFirst = this.#pieces.length === 1;
    if (isFirst) this.#firstOut = new Promise((resolve) => (this.#markFirstOut = resolve));
    const after = isFirst ? undefined : this.#firstOut;
    void (async () => {
      try {
        if (after) await after;
        if (this.signal.aborted) return;
        for await (const chunk of this.tts.synthesize({ text, voice: opts.voice, noCache: opts.noCache, cacheTimeToLiveSec: opts.cacheTimeToLiveSec, signal: this.signal })) {
          if (isFirst && this.first && this.first.timings.ttsFirstAudioMs === undefined) this.first.timings.ttsFirstAudioMs = Math.round(this.clock.now() - started);
          if (isFirst) this.#markFirstOut?.();
          piece.chunks.push(chunk);
          this.#notify();
          if (this.signal.aborted) break;
        }
      } catch (e) {
        piece.error = e;
      } finally {
        piece.done = true;
        if (isFirst) this.#markFirstOut?.();
        this.#notify();
      }
    })();
  }

  /** No more pieces: `audio()` ends after the last one. */
  end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** The pieces' audio in order, as it is synthesised. A piece whose synthesis failed ends the stream with its error. */
  async *audio(): AsyncGenerator<Int16Array> {
    let firstOut = true;
    for (let i = 0; ; i++) {
      while (!this.signal.aborted && i >= this.#pieces.length && !this.#ended) await this.#changed();
      if (this.signal.aborted || i >= this.#pieces.length) return;
      const piece = this.#pieces[i]!;
      for (let c = 0; ; ) {
        while (!this.signal.aborted && c >= piece.chunks.length && !piece.done) await this.#changed();
        if (this.signal.aborted) return;
        if (c < piece.chunks.length) {
          if (firstOut && this.first) this.first.timings.totalToFirstAudioMs = Math.round(this.clock.now() - this.first.trigger);
          firstOut = false;
          yield piece.chunks[c++]!;
          continue;
        }
        if (piece.error) throw piece.error;
        break;
      }
      piece.chunks.length = 0; // played: let the memory go
    }
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => {
      const prev = this.#wake;
      this.#wake = () => {
        prev?.();
        resolve();
      };
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
