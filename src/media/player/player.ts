/**
 * One call's outbound audio: a queue of sources played one 20 ms frame per scheduler tick into a
 * sink. Owns queueing, talkspurt markers, streaming-source buffering, stop/barge-in, and the
 * `playing` flag the endpointer reads for barge-in. It does not encode or packetize: PCM frames
 * go to the sink as Int16Array, pre-encoded frames as the caller gave them (Uint8Array).
 *
 * Timing contract: `tick(deadline)` is called by the shared PlayoutScheduler. A tick emits at most
 * one frame. Ticks with nothing to play (queue empty, a URL still loading, a TTS stream that has
 * not produced the next 20 ms yet) emit nothing, and the next frame carries `marker = true`.
 * `stop()` is synchronous: the queue is flushed, loads and streams are cancelled, and the very
 * next tick emits nothing. Frames handed to the sink are valid only during the call (copy to keep).
 *
 * `pause()` holds playout where it is (a possible barge-in being judged): ticks emit nothing, the
 * position, the queue and streaming sources are kept (a stream keeps buffering up to its limit),
 * `playing` stays true and nothing finishes; `resume()` goes on from the same sample, starting a new
 * talkspurt. `stop()` while paused flushes as usual.
 *
 * Events: `started` (first frame of a play run), `finished` ({ reason: 'done' | 'stopped' };
 * 'done' fires on the tick after the last frame, when the audio has actually ended),
 * `sourceError` ({ kind, error }) for a source that could not be loaded (it is skipped).
 */
import { EventEmitter } from 'node:events';
import { FRAME_SAMPLES, SAMPLE_RATE } from '../frames.js';
import type { PlayoutStream } from '../scheduler.js';
import { Resampler } from '../resample.js';
import { loadUrl, loadWavFile, wavToTelephone, type FetchLimits, type LoadResult } from './sources.js';

export type PlayerFrame = Int16Array | Uint8Array;
export type PlayerSink = (frame: PlayerFrame, marker: boolean, deadlineMs: number) => void;

export type PlaySource =
  | { kind: 'pcm'; samples: Int16Array } // 8 kHz mono
  | { kind: 'encoded'; frames: readonly Uint8Array[] } // one opaque 20 ms payload per frame
  | { kind: 'wav'; bytes: Uint8Array }
  | { kind: 'wavFile'; path: string }
  | { kind: 'url'; url: string }
  | { kind: 'stream'; chunks: AsyncIterable<Int16Array>; sampleRate?: number };

export interface PlayerOptions {
  fetch?: FetchLimits;
  maxWavFileBytes?: number;
  /** A streaming source stops pulling chunks while this much audio is buffered. Default 10 s. */
  maxStreamBufferMs?: number;
}

export type FinishReason = 'done' | 'stopped';

interface Entry {
  kind: PlaySource['kind'];
  state: 'ready' | 'loading' | 'failed';
  pcm?: Int16Array;
  pos: number;
  encoded?: readonly Uint8Array[];
  stream?: StreamFifo;
  cancel?: () => void;
}

/** FIFO of PCM samples filled by an async iterable, with back-pressure. */
class StreamFifo {
  private chunks: Int16Array[] = [];
  private head = 0; // read position in chunks[0]
  available = 0;
  done = false;
  private wake: (() => void) | undefined;
  private cancelled = false;
  private iterator: AsyncIterator<Int16Array> | undefined;

  constructor(
    src: AsyncIterable<Int16Array>,
    rate: number,
    private readonly maxBuffered: number,
    onError: (e: string) => void,
  ) {
    void this.pump(src, rate).catch(() => onError('stream: source failed'));
  }

  private async pump(src: AsyncIterable<Int16Array>, rate: number): Promise<void> {
    const rs = rate === SAMPLE_RATE ? undefined : new Resampler(rate, SAMPLE_RATE);
    this.iterator = src[Symbol.asyncIterator]();
    try {
      for (;;) {
        if (this.cancelled) return;
        const { done, value } = await this.iterator.next();
        if (this.cancelled) return;
        if (done) break;
        this.add(rs ? rs.process(value) : value.slice());
        while (this.available > this.maxBuffered && !this.cancelled) await new Promise<void>((r) => (this.wake = r));
      }
      if (rs) this.add(rs.flush());
    } finally {
      this.done = true;
    }
  }

  private add(x: Int16Array): void {
    if (x.length === 0) return;
    this.chunks.push(x);
    this.available += x.length;
  }

  /** Copy `out.length` samples (zero-padding at the end of the stream). */
  read(out: Int16Array): void {
    let i = 0;
    while (i < out.length && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const n = Math.min(out.length - i, c.length - this.head);
      out.set(c.subarray(this.head, this.head + n), i);
      i += n;
      this.head += n;
      this.available -= n;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    out.fill(0, i);
    if (this.wake && this.available <= this.maxBuffered) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
  }

  cancel(): void {
    this.cancelled = true;
    this.chunks = [];
    this.available = 0;
    this.wake?.();
    void this.iterator?.return?.().catch(() => undefined);
  }
}

export class Player extends EventEmitter implements PlayoutStream {
  private readonly sink: PlayerSink;
  private readonly opts: PlayerOptions;
  private queue: Entry[] = [];
  private isPlaying = false;
  private isPaused = false;
  /**
   * A source failed while nothing was playing (a prompt URL that cannot be fetched): whoever waits
   * for the end of playback must still hear `finished`, or a turn that plays it waits forever.
   */
  private failedWhileIdle = false;
  private marker = true;
  private readonly scratch = new Int16Array(FRAME_SAMPLES);

  constructor(sink: PlayerSink, opts: PlayerOptions = {}) {
    super();
    this.sink = sink;
    this.opts = opts;
  }

  /** True from the first frame of a play run until it finishes or is stopped. */
  get playing(): boolean {
    return this.isPlaying;
  }

  /** Held by `pause()`: still playing (nothing finished), but no frame goes out. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** Hold playout where it is; the next tick emits nothing. No effect when nothing plays. */
  pause(): void {
    if (this.isPlaying) this.isPaused = true;
  }

  /** Go on from where `pause()` held it. */
  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.marker = true;
  }

  /** Sources queued or playing (including ones still loading). */
  get queued(): number {
    return this.queue.length;
  }

  enqueue(source: PlaySource): void {
    const e: Entry = { kind: source.kind, state: 'ready', pos: 0 };
    switch (source.kind) {
      case 'pcm':
        e.pcm = source.samples;
        break;
      case 'encoded':
        e.encoded = source.frames;
        break;
      case 'wav':
        this.settle(e, wavToTelephone(source.bytes));
        break;
      case 'wavFile':
        this.load(e, loadWavFile(source.path, this.opts.maxWavFileBytes));
        break;
      case 'url': {
        const ac = new AbortController();
        e.cancel = () => ac.abort();
        this.load(e, loadUrl(source.url, this.opts.fetch ?? {}, ac.signal));
        break;
      }
      case 'stream': {
        const maxBuffered = ((this.opts.maxStreamBufferMs ?? 10_000) * SAMPLE_RATE) / 1000;
        e.stream = new StreamFifo(source.chunks, source.sampleRate ?? SAMPLE_RATE, maxBuffered, (error) =>
          this.emit('sourceError', { kind: 'stream', error }),
        );
        e.cancel = () => e.stream!.cancel();
        break;
      }
    }
    this.queue.push(e);
  }

  /** Flush everything (barge-in or hang-up). The next tick emits nothing. */
  stop(): void {
    for (const e of this.queue) e.cancel?.();
    this.queue = [];
    this.marker = true;
    this.isPaused = false;
    if (this.isPlaying) {
      this.isPlaying = false;
      this.emit('finished', { reason: 'stopped' satisfies FinishReason });
    }
  }

  tick(deadlineMs: number): void {
    if (this.isPaused) return;
    const frame = this.nextFrame();
    if (frame) {
      if (!this.isPlaying) {
        this.isPlaying = true;
        this.emit('started');
      }
      const m = this.marker;
      this.marker = false;
      this.sink(frame, m, deadlineMs);
      return;
    }
    this.marker = true;
    if (this.queue.length === 0 && (this.isPlaying || this.failedWhileIdle)) {
      this.isPlaying = false;
      this.failedWhileIdle = false;
      this.emit('finished', { reason: 'done' satisfies FinishReason });
    }
  }

  private nextFrame(): PlayerFrame | undefined {
    while (this.queue.length > 0) {
      const e = this.queue[0]!;
      if (e.state === 'loading') return undefined;
      if (e.state === 'ready') {
        if (e.pcm) {
          const rest = e.pcm.length - e.pos;
          if (rest > 0) {
            let frame: Int16Array;
            if (rest >= FRAME_SAMPLES) frame = e.pcm.subarray(e.pos, e.pos + FRAME_SAMPLES);
            else {
              frame = this.scratch;
              frame.set(e.pcm.subarray(e.pos));
              frame.fill(0, rest);
            }
            e.pos += FRAME_SAMPLES;
            if (e.pos >= e.pcm.length) this.queue.shift();
            return frame;
          }
        } else if (e.encoded) {
          if (e.pos < e.encoded.length) {
            const frame = e.encoded[e.pos++]!;
            if (e.pos >= e.encoded.length) this.queue.shift();
            return frame;
          }
        } else if (e.stream) {
          const s = e.stream;
          if (s.available >= FRAME_SAMPLES || (s.done && s.available > 0)) {
            s.read(this.scratch);
            return this.scratch;
          }
          if (!s.done) return undefined; // TTS has not produced the next 20 ms yet
        }
      }
      this.queue.shift(); // exhausted or failed
    }
    return undefined;
  }

  private load(e: Entry, p: Promise<LoadResult>): void {
    e.state = 'loading';
    void p.then((r) => {
      if (!this.queue.includes(e)) return; // stopped meanwhile
      this.settle(e, r);
      this.emit('sourceReady', { kind: e.kind });
    });
  }

  private settle(e: Entry, r: LoadResult): void {
    if (r.ok) {
      e.pcm = r.pcm;
      e.state = 'ready';
    } else {
      e.state = 'failed';
      if (!this.isPlaying) this.failedWhileIdle = true;
      this.emit('sourceError', { kind: e.kind, error: r.error });
    }
  }
}
