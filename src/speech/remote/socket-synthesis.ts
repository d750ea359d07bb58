/**
 * One utterance synthesised in its own context of a shared WebSocket (context-socket.ts), written
 * once for the streaming TTS adapters (ElevenLabs, Cartesia): attach the context, send the
 * provider's request messages, hand each of the context's messages to the provider's reader (audio
 * bytes, the end, or an error code), decode the audio to 8 kHz PCM and yield it the moment it
 * arrives.
 *
 * - Cancel (`signal`, or a consumer that stops early: barge-in) sends the provider's cancel for this
 *   context only and stops yielding at once; the socket stays for the next utterance.
 * - The socket failing (handshake or drop) before any of this utterance's audio was yielded: one
 *   more try on a fresh socket; after audio, or a second time: the utterance fails with the reason.
 * - A deadline bounds every gap between two messages; a provider that goes silent has its socket
 *   dropped (the next utterance opens a fresh one).
 */
import { mulawDecode } from '../audio/mulaw.js';
import { StreamingResampler } from '../audio/streaming-resample.js';
import { Arrivals } from './arrivals.js';
import { Pcm16Reader } from './pcm16-reader.js';
import { SocketFailure, type ContextSocket } from './context-socket.js';

/** What the provider sends: μ-law at 8 kHz, or PCM16 little-endian at some rate. */
export type SocketAudioFormat = { encoding: 'mulaw' } | { encoding: 'pcm16'; sampleRate: number };

/** A provider message as the adapter reads it. */
export type ProviderMessage = { audio?: Buffer; final?: boolean; error?: string };

export interface ContextSynthesis {
  /** Names the provider in errors. */
  provider: string;
  /** A fresh context id per try (a provider may not reuse one). */
  contextId(): string;
  /** Messages that ask for the utterance in context `id`. */
  requests(id: string): readonly unknown[];
  /** Messages that stop context `id` at once (barge-in). */
  cancel(id: string): readonly unknown[];
  read(message: Record<string, unknown>): ProviderMessage;
  format: SocketAudioFormat;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

class Lost extends Error {
  constructor(readonly failure: Error, readonly retryable: boolean) {
    super(failure.message);
  }
}

export async function* synthesiseInContext(socket: ContextSocket, s: ContextSynthesis): AsyncIterable<Int16Array> {
  let decoder = new SocketAudioDecoder(s.format);
  let yielded = false;
  for (let attempt = 0; ; attempt++) {
    try {
      decoder = new SocketAudioDecoder(s.format); // a retry starts the audio afresh
      for await (const bytes of contextAudio(socket, s)) {
        const pcm = decoder.push(bytes);
        if (!pcm.length) continue;
        yielded = true;
        yield pcm;
      }
      break;
    } catch (e) {
      const failure = e instanceof Lost ? e : e instanceof SocketFailure ? new Lost(e, e.retryable) : undefined;
      if (!failure) throw e;
      if (attempt > 0 || yielded || !failure.retryable || s.signal?.aborted) throw failure.failure;
    }
  }
  const tail = decoder.flush();
  if (tail.length) yield tail;
}

/** The raw audio bytes of one try: context attached, requests sent, detached however it ends. */
async function* contextAudio(socket: ContextSocket, s: ContextSynthesis): AsyncIterable<Buffer> {
  if (s.signal?.aborted) throw new Error('synthesis aborted');
  const id = s.contextId();
  const arrivals = new Arrivals<Buffer>();
  await socket.attach(id, {
    message: (msg) => {
      const r = s.read(msg);
      if (r.error !== undefined) return arrivals.fail(new Error(`${s.provider} reported an error${r.error ? ` (${r.error})` : ''}`));
      if (r.audio?.length) arrivals.put(r.audio);
      if (r.final) arrivals.end();
    },
    lost: (error, retryable) => arrivals.fail(new Lost(error, retryable)),
  }, s.signal);
  let timer: NodeJS.Timeout | undefined;
  // A plain timer rather than the Clock: it bounds real socket I/O, as the HTTP client's does.
  const watchdog = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const e = new Error(`${s.provider} sent nothing for ${s.timeoutMs} ms`);
      arrivals.fail(e);
      socket.terminate(e);
    }, s.timeoutMs);
    timer.unref();
  };
  const onAbort = (): void => arrivals.fail(new Error('synthesis aborted'));
  s.signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    watchdog();
    await untilAborted(socket.open(), s.signal); // barge-in during a handshake stops at once too
    for (const m of s.requests(id)) socket.send(m);
    for (;;) {
      const bytes = await arrivals.next();
      if (s.signal?.aborted) throw new Error('synthesis aborted');
      if (bytes === undefined) break;
      watchdog();
      yield bytes;
    }
    finished = true;
  } finally {
    clearTimeout(timer);
    s.signal?.removeEventListener('abort', onAbort);
    // Stopped before the provider's end (barge-in, error, consumer gone): stop this context only.
    if (!finished) for (const m of s.cancel(id)) socket.send(m);
    socket.detach(id);
  }
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('synthesis aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A provider's error code, only if it looks like one (its message may echo the request's text: never kept). */
export function providerErrorCode(...candidates: unknown[]): string {
  for (const c of candidates) {
    if (typeof c === 'number' && Number.isInteger(c)) return String(c);
    if (typeof c === 'string' && /^[a-z][a-z0-9_]{0,39}$/.test(c)) return c;
  }
  return '';
}

/** μ-law or PCM16 (any rate) bytes → 8 kHz PCM, across message boundaries. */
class SocketAudioDecoder {
  private readonly pcm = new Pcm16Reader();
  private readonly resampler: StreamingResampler | undefined;

  constructor(private readonly format: SocketAudioFormat) {
    this.resampler = format.encoding === 'pcm16' ? new StreamingResampler(format.sampleRate) : undefined;
  }

  push(bytes: Buffer): Int16Array {
    return this.resampler ? this.resampler.push(this.pcm.push(bytes)) : mulawDecode(bytes);
  }

  flush(): Int16Array {
    return this.resampler ? this.resampler.flush() : new Int16Array(0);
  }
}
