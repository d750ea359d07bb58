/**
 * A `Tts` that consults a `TtsCache` before its engine. A cache hit replays the stored audio
 * in chunks; a miss streams the engine's chunks through unchanged (no added latency) and
 * stores the whole utterance only when synthesis completed and the cache admits the text.
 * Requests flagged `noCache` or excluded by the privacy hook bypass the cache entirely: they
 * are neither looked up nor stored.
 */
import type { TtsCache } from './tts-cache.js';
import type { Tts, TtsRequest } from './types.js';

export class CachedTts implements Tts {
  readonly engine: string;
  readonly voice: string;

  constructor(private readonly inner: Tts, readonly cache: TtsCache, private readonly chunkSamples = 1600) {
    this.engine = inner.engine;
    this.voice = inner.voice;
  }

  async warmUp(): Promise<void> {
    await this.inner.warmUp?.();
  }

  /** The engine's per-call adapter behind the same cache (closing it leaves the cache open). */
  forCall(): Tts {
    const inner = this.inner.forCall?.();
    return inner ? new CachedTts(inner, this.cache, this.chunkSamples) : this;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    if (!this.cache.admit(request.text, request.noCache)) {
      yield* this.inner.synthesize(request);
      return;
    }
    // Keyed by what is synthesised: a plain-text engine's interpretation of SSML, an SSML engine's document.
    const keyText = this.inner.cacheText?.(request) ?? request.text;
    const key = this.cache.keyFor(this.engine, request.voice ?? this.voice, keyText, this.inner.cacheText ? {} : { ssml: request.ssml === true });
    const cached = await this.cache.get(key);
    if (cached) {
      for (let off = 0; off < cached.length; off += this.chunkSamples) yield cached.subarray(off, Math.min(cached.length, off + this.chunkSamples));
      return;
    }
    const chunks: Int16Array[] = [];
    let total = 0;
    for await (const chunk of this.inner.synthesize(request)) {
      chunks.push(chunk.slice());
      total += chunk.length;
      yield chunk;
    }
    if (request.signal?.aborted) return;
    const whole = new Int16Array(total);
    let off = 0;
    for (const c of chunks) {
      whole.set(c, off);
      off += c.length;
    }
    await this.cache.set(key, whole, request.cacheTimeToLiveSec);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
