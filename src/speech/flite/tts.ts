/**
 * The embedded text-to-speech engine: flite (Debian `flite`), chosen over eSpeak NG because
 * the embedded recogniser understands flite's voices and not eSpeak's (see bench/stt-accuracy.ts
 * and docs/speech.md): the gateway's own prompts and test calls stay machine-checkable.
 *
 * Text (or minimal SSML) is split into sentences. Each goes to the shared pool of warm flite
 * helpers (shared-pool.ts, flite-helper.c), which streams its audio while synthesising — the
 * first 50 ms of a sentence leave after about a third of its synthesis time, with no process start
 * per sentence — and the next sentence starts when this one's synthesis is done, while it is still
 * being yielded. Until the pool is up (the first sentences after start), or where it cannot be
 * built, each sentence runs the `flite` command instead (flite-cli.ts: the whole sentence, then
 * its audio). Audio is 8 kHz, yielded in chunks of at most `chunkMs`.
 */
import { spokenForm, ssmlToPieces, textToPieces, type SpeechPiece, type TextPiece } from '../ssml.js';
import type { Tts, TtsRequest } from '../types.js';
import { FliteCommand } from './flite-cli.js';
import type { FlitePool } from './flite-pool.js';
import { acquireFlitePool, type FlitePoolHandle } from './shared-pool.js';
import { SentenceAudio } from './sentence-audio.js';

export const FLITE_VOICES = ['slt', 'kal', 'kal16', 'awb', 'rms'] as const;

export interface FliteTtsOptions {
  voice?: string;
  binary?: string;
  /** Size of yielded chunks in ms of audio. Default 200 ms. */
  chunkMs?: number;
  /** Per-sentence deadline. Default 15 s. */
  timeoutMs?: number;
  /** Use the warm helper pool when it can be built. Default true; false: the `flite` command per sentence. */
  warm?: boolean;
}

export class FliteTts implements Tts {
  readonly engine = 'flite';
  readonly voice: string;
  private readonly chunkSamples: number;
  private readonly command: FliteCommand;
  private readonly warmWanted: boolean;
  private pool?: FlitePoolHandle;

  constructor(opts: FliteTtsOptions = {}) {
    this.voice = opts.voice ?? 'slt';
    this.chunkSamples = Math.max(80, Math.round(((opts.chunkMs ?? 200) * 8000) / 1000));
    this.command = new FliteCommand(opts.binary ?? 'flite', opts.timeoutMs ?? 15_000);
    this.warmWanted = opts.warm ?? true;
  }

  /** Start the warm helpers now (the first synthesis otherwise does); true when they are in use. */
  async start(): Promise<boolean> {
    if (!this.warmWanted) return false;
    this.pool ??= acquireFlitePool();
    return (await this.pool.pool) !== undefined;
  }

  async warmUp(): Promise<void> {
    await this.start();
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const voice = request.voice ?? this.voice;
    if (!(FLITE_VOICES as readonly string[]).includes(voice)) throw new Error('invalid flite voice name'); // flite silently falls back to its default voice
    if (this.warmWanted && !this.pool) void this.start();
    const pool = this.pool?.up;
    const pieces = request.ssml ? ssmlToPieces(request.text) : textToPieces(request.text);
    const audios = pieces.map(() => new SentenceAudio());
    let started = 0;
    let reading = 0;
    // One piece synthesises at a time, at most one ahead of the one being yielded: the first
    // piece's audio does not share the CPU with the second's.
    const startMore = (): void => {
      while (started < pieces.length && started <= reading + 1 && (started === 0 || audios[started - 1]!.done)) {
        const i = started++;
        void this.render(pieces[i]!, voice, audios[i]!, pool, request.signal).then(startMore);
      }
    };
    startMore();
    for (; reading < pieces.length; reading++, startMore()) {
      for await (const audio of audios[reading]!.read()) {
        if (request.signal?.aborted) throw new Error('synthesis aborted');
        for (let off = 0; off < audio.length; off += this.chunkSamples) yield audio.subarray(off, Math.min(audio.length, off + this.chunkSamples));
      }
      if (request.signal?.aborted) throw new Error('synthesis aborted');
    }
  }

  /** One piece into `out`: a break as silence, text through the pool (streamed) or the command. */
  private async render(p: SpeechPiece, voice: string, out: SentenceAudio, pool: FlitePool | undefined, signal?: AbortSignal): Promise<void> {
    try {
      if (p.kind === 'break') return out.finish(undefined, new Int16Array(Math.round((p.ms * 8000) / 1000)));
      if (!pool) return out.finish(undefined, await this.renderPiece(p, voice, signal));
      const r = await pool.synthesize({ text: p.text, voice, stretch: p.stretch ?? 1, signal, onAudio: (a) => out.push(withGain(a, p.gain)) });
      out.finish(r.ok ? undefined : new Error(r.error));
    } catch (e) {
      out.finish(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** SSML is interpreted here (tags are never spoken): the cache keys on the interpretation. */
  cacheText(request: TtsRequest): string {
    return spokenForm(request.text, request.ssml);
  }

  /** One text piece with its prosody through the `flite` command: rate through flite's duration stretch, volume as a gain. */
  private async renderPiece(p: TextPiece, voice: string, signal?: AbortSignal): Promise<Int16Array> {
    return withGain(await this.renderSentence(p.text, voice, signal, p.stretch), p.gain);
  }

  /** One sentence → PCM16 8 kHz, through the `flite` command (the reference the warm path is tested against). */
  renderSentence(text: string, voice: string, signal?: AbortSignal, stretch?: number): Promise<Int16Array> {
    return this.command.render(text, voice, signal, stretch);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await Promise.all([pool?.release(), this.command.close()]);
  }
}

/** Volume as a gain (SSML prosody volume), in place. */
function withGain(audio: Int16Array, gain: number | undefined): Int16Array {
  if (gain === undefined) return audio;
  for (let i = 0; i < audio.length; i++) audio[i] = Math.max(-32768, Math.min(32767, Math.round(audio[i]! * gain)));
  return audio;
}
