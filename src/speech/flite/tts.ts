/**
 * The embedded text-to-speech engine: flite (Debian `flite`), chosen over eSpeak NG because
 * the embedded recogniser understands flite's voices and not eSpeak's (see bench/stt-accuracy.ts
 * and docs/speech.md): the gateway's own prompts and test calls stay machine-checkable.
 *
 * Text (or minimal SSML) is split into sentences; each is synthesised by its own short-lived
 * flite process (no model load: voices are compiled in, ≈20–80 ms a sentence), the next one
 * while the current one is being yielded, so the first chunk is out after one sentence. Text
 * reaches flite through a file in a private temporary directory (mode 0700, file 0600, removed
 * at once), never on the command line (other local users can read argv); flite's output goes
 * the same way (it hangs writing to a pipe and cannot read Node's stdin socket). Audio is
 * resampled to 8 kHz and yielded in chunks of `chunkMs`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downsample16kTo8k } from '../audio/resample.js';
import { parseWav } from '../audio/wav.js';
import { spokenForm, ssmlToPieces, textToPieces, type SpeechPiece, type TextPiece } from '../ssml.js';
import type { Tts, TtsRequest } from '../types.js';

export const FLITE_VOICES = ['slt', 'kal', 'kal16', 'awb', 'rms'] as const;

export interface FliteTtsOptions {
  voice?: string;
  binary?: string;
  /** Size of yielded chunks in ms of audio. Default 200 ms. */
  chunkMs?: number;
  /** Per-sentence deadline. Default 15 s. */
  timeoutMs?: number;
}

export class FliteTts implements Tts {
  readonly engine = 'flite';
  readonly voice: string;
  private readonly binary: string;
  private readonly chunkSamples: number;
  private readonly timeoutMs: number;
  private workDir: Promise<string> | undefined;
  private seq = 0;

  constructor(opts: FliteTtsOptions = {}) {
    this.voice = opts.voice ?? 'slt';
    this.binary = opts.binary ?? 'flite';
    this.chunkSamples = Math.max(80, Math.round(((opts.chunkMs ?? 200) * 8000) / 1000));
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  private dir(): Promise<string> {
    this.workDir ??= mkdtemp(join(tmpdir(), 'hushgate-flite-')); // mkdtemp creates mode 0700
    return this.workDir;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const voice = request.voice ?? this.voice;
    if (!(FLITE_VOICES as readonly string[]).includes(voice)) throw new Error('invalid flite voice name'); // flite silently falls back to its default voice
    const pieces = request.ssml ? ssmlToPieces(request.text) : textToPieces(request.text);
    const render = (p: SpeechPiece): Promise<Int16Array> =>
      p.kind === 'break' ? Promise.resolve(new Int16Array(Math.round((p.ms * 8000) / 1000))) : this.renderPiece(p, voice, request.signal);
    let next = pieces.length > 0 ? render(pieces[0]!) : undefined;
    for (let i = 0; i < pieces.length; i++) {
      const current = next!;
      next = i + 1 < pieces.length ? render(pieces[i + 1]!) : undefined;
      next?.catch(() => undefined); // surfaced when awaited
      const audio = await current;
      if (request.signal?.aborted) throw new Error('synthesis aborted');
      for (let off = 0; off < audio.length; off += this.chunkSamples) yield audio.subarray(off, Math.min(audio.length, off + this.chunkSamples));
    }
  }

  /** SSML is interpreted here (tags are never spoken): the cache keys on the interpretation. */
  cacheText(request: TtsRequest): string {
    return spokenForm(request.text, request.ssml);
  }

  /** One text piece with its prosody: rate through flite's duration stretch, volume as a gain. */
  private async renderPiece(p: TextPiece, voice: string, signal?: AbortSignal): Promise<Int16Array> {
    const audio = await this.renderSentence(p.text, voice, signal, p.stretch);
    if (p.gain === undefined) return audio;
    for (let i = 0; i < audio.length; i++) audio[i] = Math.max(-32768, Math.min(32767, Math.round(audio[i]! * p.gain)));
    return audio;
  }

  /** One sentence → PCM16 8 kHz. */
  async renderSentence(text: string, voice: string, signal?: AbortSignal, stretch?: number): Promise<Int16Array> {
    const dir = await this.dir();
    const base = join(dir, `s${process.pid}-${++this.seq}`);
    const out = `${base}.wav`;
    const input = `${base}.txt`;
    try {
      await writeFile(input, text + '\n', { mode: 0o600 });
      await new Promise<void>((resolve, reject) => {
        const rate = stretch !== undefined && stretch !== 1 ? ['--setf', `duration_stretch=${stretch.toFixed(3)}`] : [];
        const proc = spawn(this.binary, ['-voice', voice, ...rate, '-f', input, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        proc.stderr.setEncoding('utf8');
        proc.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-300)));
        const timer = setTimeout(() => proc.kill('SIGKILL'), this.timeoutMs);
        const onAbort = (): void => void proc.kill('SIGKILL');
        signal?.addEventListener('abort', onAbort, { once: true });
        proc.on('error', (e) => reject(e));
        proc.on('close', (code, sig) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (code === 0) resolve();
          else reject(new Error(`flite failed (${sig ?? code})${/voice/i.test(stderr) ? ': unknown voice' : ''}`));
        });
      });
      const wav = parseWav(await readFile(out));
      if (!wav.ok) throw new Error(`flite output: ${wav.error}`);
      if (wav.sampleRate === 8000) return wav.samples;
      if (wav.sampleRate === 16000) return downsample16kTo8k(wav.samples);
      throw new Error(`flite output at unsupported rate ${wav.sampleRate}`);
    } finally {
      await Promise.all([rm(out, { force: true }), rm(input, { force: true })]);
    }
  }

  async close(): Promise<void> {
    if (this.workDir) await rm(await this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
  }
}
