/**
 * Optional call recording (off unless the call composes one — recording is caller data and only
 * the call's privacy policy may ask for it). Writes a stereo PCM16 WAV, left = caller, right =
 * agent, aligned on the playout scheduler's timeline: each frame is filed by its deadline
 * (frame index = round((deadline − origin) / 20 ms)), a small window absorbs the two sides
 * arriving in either order, and a side with nothing for a frame gets silence.
 *
 * `pause()`/`resume()` OMIT the paused span: the file holds no samples for it (it is shorter than
 * the call), so nothing said during a pause — card numbers, say — is in the file even as silence
 * padding that could reveal timing. Memory is bounded: the window plus one write chunk (1 s); if
 * the disk falls behind by more than `maxBacklogBytes`, chunks are dropped and counted. The WAV
 * header is written with zero sizes at open and patched at `close()`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE } from './frames.js';
import { wavHeader } from './wav.js';

export interface RecorderOptions {
  /** Frames of slack for the two sides to arrive (default 10 = 200 ms). */
  windowFrames?: number;
  /** Write backlog above which chunks are dropped (default 1 MiB). */
  maxBacklogBytes?: number;
  /** Timeline origin (ms); default: the first deadline seen. */
  originMs?: number;
}

export interface RecorderStats {
  framesWritten: number;
  lateFrames: number;
  droppedFrames: number;
  pausedFrames: number;
}

export type CloseResult = { ok: true; durationMs: number; bytes: number; stats: RecorderStats } | { ok: false; error: string };

const CHUNK_FRAMES = 50; // 1 s per write
const FRAME_BYTES = FRAME_SAMPLES * 4; // stereo PCM16

export class CallRecorder {
  private readonly out: WriteStream;
  private readonly path: string;
  private readonly window: number;
  private readonly maxBacklog: number;
  private origin: number | undefined;
  private readonly left: Int16Array; // window × 160, ring by frame index
  private readonly right: Int16Array;
  private readonly has: Uint8Array; // bit 1 = left, bit 2 = right
  private next = 0; // next output frame index to write
  private highest = -1;
  private chunk = new Uint8Array(CHUNK_FRAMES * FRAME_BYTES);
  private chunkFrames = 0;
  private dataBytes = 0;
  private pausedAt: number | undefined; // timeline index where the pause began
  private omitted = 0; // frames removed by pauses so far
  private lastDeadline = NaN;
  private resumedAt = -Infinity;
  private closed = false;
  private error: string | undefined;
  private readonly s: RecorderStats = { framesWritten: 0, lateFrames: 0, droppedFrames: 0, pausedFrames: 0 };

  private constructor(path: string, out: WriteStream, opts: RecorderOptions) {
    this.path = path;
    this.out = out;
    this.window = Math.max(2, opts.windowFrames ?? 10);
    this.maxBacklog = opts.maxBacklogBytes ?? 1024 * 1024;
    this.origin = opts.originMs;
    this.left = new Int16Array(this.window * FRAME_SAMPLES);
    this.right = new Int16Array(this.window * FRAME_SAMPLES);
    this.has = new Uint8Array(this.window);
    out.on('error', (e: NodeJS.ErrnoException) => (this.error = `recorder: write failed (${e.code ?? 'error'})`));
  }

  /** Create the file and write a provisional header. */
  static async open(path: string, opts: RecorderOptions = {}): Promise<{ ok: true; recorder: CallRecorder } | { ok: false; error: string }> {
    const out = createWriteStream(path, { flags: 'wx' });
    try {
      await new Promise<void>((resolve, reject) => {
        out.once('open', () => resolve());
        out.once('error', reject);
      });
    } catch (err) {
      return { ok: false, error: `recorder: cannot create file (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    out.write(wavHeader(0, SAMPLE_RATE, 2));
    return { ok: true, recorder: new CallRecorder(path, out, opts) };
  }

  get stats(): RecorderStats {
    return { ...this.s };
  }

  /** Bytes handed to the file and not yet written (what `maxBacklogBytes` bounds). */
  get backlogBytes(): number {
    return this.out.writableLength;
  }

  /** Caller audio for the frame slot `deadlineMs` (left channel). */
  caller(frame: Int16Array, deadlineMs: number): void {
    this.put(frame, deadlineMs, 1);
  }

  /** Agent audio for the frame slot `deadlineMs` (right channel). */
  agent(frame: Int16Array, deadlineMs: number): void {
    this.put(frame, deadlineMs, 2);
  }

  /** Stop recording from `atMs` (default: the slot after the last one seen). Nothing of the span is kept. */
  pause(atMs?: number): void {
    if (this.pausedAt !== undefined || this.closed) return;
    this.pausedAt = atMs !== undefined ? this.index(atMs) : Number.isNaN(this.lastDeadline) ? 0 : this.index(this.lastDeadline) + 1;
  }

  resume(atMs?: number): void {
    if (this.pausedAt === undefined) return;
    const at = atMs !== undefined ? this.index(atMs) : Number.isNaN(this.lastDeadline) ? this.pausedAt : this.index(this.lastDeadline) + 1;
    const span = Math.max(0, at - this.pausedAt);
    // Everything before the pause must be out before indices shift.
    this.flushTo(this.pausedAt - this.omitted);
    this.omitted += span;
    this.s.pausedFrames += span;
    this.resumedAt = at;
    this.pausedAt = undefined;
  }

  /** Flush, patch the header, close the file. */
  async close(): Promise<CloseResult> {
    if (this.closed) return { ok: false, error: 'recorder: already closed' };
    this.closed = true;
    this.flushTo(this.highest + 1);
    this.writeChunk();
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
    if (this.error) return { ok: false, error: this.error };
    try {
      const fh = await open(this.path, 'r+');
      await fh.write(wavHeader(this.dataBytes, SAMPLE_RATE, 2), 0, 44, 0);
      await fh.close();
    } catch (err) {
      return { ok: false, error: `recorder: cannot finalize header (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    return { ok: true, durationMs: (this.dataBytes / FRAME_BYTES) * FRAME_MS, bytes: 44 + this.dataBytes, stats: this.stats };
  }

  private index(deadlineMs: number): number {
    if (this.origin === undefined) this.origin = deadlineMs;
    return Math.round((deadlineMs - this.origin) / FRAME_MS);
  }

  private put(frame: Int16Array, deadlineMs: number, side: 1 | 2): void {
    if (this.closed) return;
    this.lastDeadline = deadlineMs;
    const k = this.index(deadlineMs);
    if (this.pausedAt !== undefined && k >= this.pausedAt) return;
    if (k < this.resumedAt) {
      this.s.lateFrames++; // belongs before a resume: that part of the file is already written
      return;
    }
    const out = k - this.omitted;
    if (out < this.next) {
      this.s.lateFrames++;
      return;
    }
    if (out >= this.next + this.window) this.flushTo(out - this.window + 1);
    const slot = out % this.window;
    const dst = side === 1 ? this.left : this.right;
    dst.set(frame.subarray(0, FRAME_SAMPLES), slot * FRAME_SAMPLES);
    if (frame.length < FRAME_SAMPLES) dst.fill(0, slot * FRAME_SAMPLES + frame.length, (slot + 1) * FRAME_SAMPLES);
    this.has[slot]! |= side;
    if (out > this.highest) this.highest = out;
  }

  /** Write every frame with output index < `end`, silence for missing sides. */
  private flushTo(end: number): void {
    while (this.next < end) {
      const slot = this.next % this.window;
      const base = this.chunkFrames * FRAME_BYTES;
      const v = new DataView(this.chunk.buffer, base, FRAME_BYTES);
      const h = this.has[slot]!;
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        v.setInt16(i * 4, h & 1 ? this.left[slot * FRAME_SAMPLES + i]! : 0, true);
        v.setInt16(i * 4 + 2, h & 2 ? this.right[slot * FRAME_SAMPLES + i]! : 0, true);
      }
      this.has[slot] = 0;
      this.next++;
      if (++this.chunkFrames === CHUNK_FRAMES) this.writeChunk();
    }
  }

  private writeChunk(): void {
    if (this.chunkFrames === 0) return;
    const bytes = this.chunkFrames * FRAME_BYTES;
    if (this.out.writableLength + bytes > this.maxBacklog) {
      this.s.droppedFrames += this.chunkFrames; // disk too slow: keep memory bounded
    } else {
      this.out.write(this.chunk.subarray(0, bytes));
      this.chunk = new Uint8Array(CHUNK_FRAMES * FRAME_BYTES); // the stream holds the old one until written
      this.dataBytes += bytes;
      this.s.framesWritten += this.chunkFrames;
    }
    this.chunkFrames = 0;
  }
}
