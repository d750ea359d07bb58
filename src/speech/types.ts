/**
 * The speech seams: `Stt` (streaming speech to text) and `Tts` (text or SSML to audio).
 *
 * Owns the contract every engine implements — the embedded PocketSphinx/flite defaults and the
 * remote adapters (Watson, OpenAI-compatible) — so `call/` can swap engines per application.
 * Audio at these seams is always PCM16 mono 8 kHz (`Int16Array`): what the media layer
 * decodes from G.711 and what the paced player sends. Engines convert internally.
 */

/** Sample rate of all audio crossing the speech interfaces. */
export const SPEECH_SAMPLE_RATE = 8000;

/** Per-turn recognition settings, decided by the dialog for the turn about to be heard. */
export interface SttTurnSettings {
  /** Expected phrases: engines that support grammars recognise only these (much more accurate). */
  grammar?: { phrases: string[] };
  /** Words or phrases likely to be said: a bias, not a restriction (prompt / keywords). */
  hints?: string[];
  /** BCP-47 language tag, e.g. `en-US`. Engines that cannot honour it say so in the error. */
  language?: string;
  /** Number of alternatives wanted (best first). Default 3. */
  maxAlternatives?: number;
  /**
   * The provider's own recognition parameters for this turn, as a dialog set them with
   * `vgwActSetSTTConfig` (`config`): e.g. Watson's `model`, `customization_id`, `smart_formatting`,
   * `profanity_filter`; an OpenAI-compatible server's `model`, `language`, `prompt`. Each adapter
   * takes the ones its API has (docs/dialog-contract.md lists them).
   */
  engineOptions?: Record<string, unknown>;
}

export interface SttAlternative {
  transcript: string;
  /** 0..1 where the engine gives one; otherwise undefined. */
  confidence?: number;
}

export interface SttResult {
  /** Best transcript (alternatives[0].transcript). */
  transcript: string;
  /** 0..1 confidence of the best transcript (engine's posterior or its own score). */
  confidence: number;
  /** Best first; includes the best transcript. */
  alternatives: SttAlternative[];
  /** false for interim (partial) results, true for the turn's final result. */
  final: boolean;
  /** When a grammar was used: the original phrase the transcript matched, if any. */
  matchedPhrase?: string;
  /** Engine-side processing time for the final result, in ms. */
  latencyMs?: number;
  /**
   * How well the audio fits the transcript, per frame (PocketSphinx: the path's acoustic score ÷
   * frames; higher is better). A grammar forces out-of-grammar speech onto some phrase with a
   * posterior near 1; the fit is what tells the two apart.
   */
  acousticFitPerFrame?: number;
  /** Time the transcript's words cover in the audio (ms; silences and fillers excluded), where the engine segments. */
  wordsMs?: number;
  /** Interim results only: the engine's own endpointer says the caller stopped after these words (Deepgram `speech_final`). */
  endOfSpeech?: boolean;
}

export type SttOutcome = { ok: true; result: SttResult } | { ok: false; error: string };

/**
 * One turn of recognition. Push 8 kHz PCM16 frames as they arrive (typically 20 ms = 160
 * samples), then `end()` when the endpointer says the caller stopped. `result` settles once,
 * with the final result or an error; it never rejects. Interim results, where the engine gives
 * them, arrive through `onInterim` before that.
 */
export interface SttStream {
  push(frame: Int16Array): void;
  end(): void;
  /** Abandon the turn (barge-in, hang-up): frees engine resources, `result` settles with an error. */
  cancel(): void;
  onInterim(listener: (result: SttResult) => void): void;
  readonly result: Promise<SttOutcome>;
}

export interface Stt {
  readonly engine: string;
  /** Runs inside the gateway: audio given to it leaves no process. Unset means a third party (muted while sensitive). */
  readonly local?: boolean;
  /**
   * Recognising a partial utterance is cheap (a warm local decoder, no per-request bill): adaptive
   * endpointing may ask for one at each pause in the caller's speech.
   */
  readonly cheapPartials?: boolean;
  /**
   * Recognises as the audio arrives (a streaming service): the call layer opens the turn's stream at
   * the caller's speech onset and pushes frames live (call/live-recognition.ts), instead of pushing the
   * whole utterance once the endpointer has cut it.
   */
  readonly live?: boolean;
  startTurn(settings?: SttTurnSettings): SttStream;
  close(): Promise<void>;
}

/** One synthesis request. `text` is plain text unless `ssml` is true. */
export interface TtsRequest {
  text: string;
  ssml?: boolean;
  voice?: string;
  /** Set for utterances flagged with `vgwActExcludeFromTTSCache`: never cached. */
  noCache?: boolean;
  /** Cache time-to-live for this utterance in seconds (`cacheTimeToLive` of vgwActSetTTSConfig). */
  cacheTimeToLiveSec?: number;
  signal?: AbortSignal;
}

/**
 * Text to speech. `synthesize` yields PCM16 8 kHz chunks; the first chunk is produced as early as
 * the engine allows so playout can start while the rest is synthesised. Errors are thrown from
 * the iterator (an engine failure mid-utterance is exceptional, not input).
 */
export interface Tts {
  readonly engine: string;
  /** Default voice; part of the cache key. */
  readonly voice: string;
  synthesize(request: TtsRequest): AsyncIterable<Int16Array>;
  /**
   * What the engine actually synthesises for a request, in a stable form (the TTS cache key's text):
   * a plain-text engine interprets SSML itself, so `<prosody rate="-9%">Hi</prosody>` and
   * `<speak><prosody rate="-9%">Hi</prosody></speak>` are the same audio. Default: the request text.
   */
  cacheText?(request: TtsRequest): string;
  /** Start what the first synthesis would otherwise wait for (flite's warm helpers); called at gateway start. */
  warmUp?(): Promise<void>;
  /**
   * The engine for one call, where it holds a connection worth keeping across the call's utterances
   * (the WebSocket TTS adapters: one socket per call). The call closes it when it ends; the engine
   * itself stays open for other calls.
   */
  forCall?(): Tts;
  close(): Promise<void>;
}
