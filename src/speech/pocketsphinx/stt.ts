/**
 * The embedded speech-to-text engine: PocketSphinx behind a pool of warm decoder processes.
 *
 * A turn buffers the caller's 8 kHz frames; at `end()` the utterance is upsampled to 16 kHz
 * (windowed-sinc low-pass, see ../audio/resample.ts) and decoded by a free worker, with the
 * turn's JSGF grammar when the dialog gave phrases, else the general language model. The
 * buffer-then-decode design keeps a worker busy only for the decode (tens of ms with a grammar),
 * not for the whole time a caller talks, so a small pool serves many calls. Interim results
 * are not produced by this engine. Confidence is the decoder's posterior probability of the
 * best hypothesis; alternatives come from its n-best list.
 */
import { debianEnUsModel, decoderArgs, type PocketSphinxModel } from './model.js';
import { buildPsHelper } from './helper-build.js';
import { loadDictionaryWords } from './dictionary.js';
import { GrammarCache, normaliseWords } from './jsgf.js';
import { DecoderPool, type Timers } from './worker-pool.js';
import { upsample8kTo16k } from '../audio/resample.js';
import { BufferedTurn } from '../buffered-turn.js';
import type { Stt, SttAlternative, SttOutcome, SttResult, SttStream, SttTurnSettings } from '../types.js';

export interface PocketSphinxSttOptions {
  model?: PocketSphinxModel;
  /** Worker processes. Default 2. */
  poolSize?: number;
  /** Prebuilt helper binary; otherwise built from ps-helper.c into `helperCacheDir`. */
  helperPath?: string;
  helperCacheDir?: string;
  /** Longest utterance kept, in seconds (older audio is dropped). Default 60. */
  maxUtteranceSec?: number;
  jobTimeoutMs?: number;
  timers?: Timers;
}

export interface PocketSphinxStats {
  loadMs: number[];
  restarts: number;
  grammarCacheHits: number;
  grammarCacheMisses: number;
}

export class PocketSphinxStt implements Stt {
  readonly engine = 'pocketsphinx';
  readonly local = true;
  /** A grammar decode of a short utterance takes tens of ms on a warm worker. */
  readonly cheapPartials = true;
  private readonly grammars = new GrammarCache();

  private constructor(
    private readonly pool: DecoderPool,
    private readonly model: PocketSphinxModel,
    private readonly maxSamples: number,
  ) {}

  /** Builds the helper if needed, starts the pool and waits for the models to load. */
  static async create(opts: PocketSphinxSttOptions = {}): Promise<{ ok: true; stt: PocketSphinxStt } | { ok: false; error: string }> {
    const model = opts.model ?? debianEnUsModel();
    let helperPath = opts.helperPath;
    if (!helperPath) {
      const built = await buildPsHelper(opts.helperCacheDir ? { cacheDir: opts.helperCacheDir } : {});
      if (!built.ok) return built;
      helperPath = built.path;
    }
    const pool = new DecoderPool({
      helperPath,
      args: decoderArgs(model),
      size: opts.poolSize ?? 2,
      ...(opts.jobTimeoutMs !== undefined ? { jobTimeoutMs: opts.jobTimeoutMs } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
    });
    const started = await pool.start();
    if (!started.ok) {
      await pool.close();
      return started;
    }
    return { ok: true, stt: new PocketSphinxStt(pool, model, Math.round((opts.maxUtteranceSec ?? 60) * 8000)) };
  }

  stats(): PocketSphinxStats {
    return { loadMs: [...this.pool.loadTimesMs], restarts: this.pool.restarts, grammarCacheHits: this.grammars.hits, grammarCacheMisses: this.grammars.misses };
  }

  startTurn(settings: SttTurnSettings = {}): SttStream {
    return new BufferedTurn(this.maxSamples, (audio) => this.recognise(audio, settings));
  }

  /** Recognise one whole 8 kHz utterance (what a turn does at `end()`). */
  async recognise(audio8k: Int16Array, settings: SttTurnSettings = {}): Promise<SttOutcome> {
    if (settings.language && !/^en(-|$)/i.test(settings.language)) {
      return { ok: false, error: `language ${settings.language} not available in the embedded recogniser (en-US only)` };
    }
    let grammar: { name: string; jsgf: string } | undefined;
    let phraseByWords: ReadonlyMap<string, string> | undefined;
    if (settings.grammar && settings.grammar.phrases.length > 0) {
      const dict = await loadDictionaryWords(this.model.dict);
      const built = this.grammars.get(settings.grammar.phrases, dict);
      if (built.ok) {
        grammar = { name: built.grammar.name, jsgf: built.grammar.jsgf };
        phraseByWords = built.grammar.phraseByWords;
      }
      // No usable phrase: fall back to the general language model rather than fail the turn.
    }
    const maxAlternatives = settings.maxAlternatives ?? 3;
    const t0 = performance.now();
    const out = await this.pool.decode({ audio16k: upsample8kTo16k(audio8k), nbest: maxAlternatives, ...(grammar ? { grammar } : {}) });
    if (!out.ok) return out;
    const { reply } = out;
    const transcript = reply.hyp;
    const confidence = transcript ? clamp01(reply.posterior) : 0;
    // The n-best list carries scores, not posteriors: only the best transcript gets a confidence.
    const alternatives: SttAlternative[] = [{ transcript, confidence }];
    for (const alt of reply.nbest) {
      if (alternatives.length >= maxAlternatives) break;
      if (alt.hyp && !alternatives.some((a) => a.transcript === alt.hyp)) alternatives.push({ transcript: alt.hyp });
    }
    const result: SttResult = { transcript, confidence, alternatives, final: true, latencyMs: performance.now() - t0 };
    if (transcript && reply.frames > 0) result.acousticFitPerFrame = reply.score / reply.frames;
    if (transcript) result.wordsMs = reply.wordFrames * 10;
    const matched = phraseByWords?.get(normaliseWords(transcript).join(' '));
    if (matched !== undefined) result.matchedPhrase = matched;
    return { ok: true, result };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}
