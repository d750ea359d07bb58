/**
 * Per-application speech settings (zod): which engine recognises and which speaks, with
 * credentials, model, voice, the provider's no-training signal (`learningOptOut`, on by
 * default; Deepgram's `mip_opt_out` and ElevenLabs' `enable_logging=false`, always) and
 * `allowInsecure` (off by default: remote engines must use https/wss). Composed into the
 * application schema by `config/`; `factory.ts` turns a parsed value into engines.
 */
import { z } from 'zod';
import { VAD_KINDS } from '../media/index.js';

const security = {
  allowInsecure: z.boolean().default(false),
  /** PEM of extra trusted CAs for a private deployment. */
  ca: z.string().optional(),
};

const watsonAuth = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('iam'), apiKey: z.string().min(1), iamUrl: z.string().url().optional() }),
  z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }),
  z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
]);

const watsonOptions = z.record(z.string().regex(/^[a-z_]+$/, 'a Watson parameter name'), z.union([z.string(), z.number(), z.boolean()]));

/** Provider parameters passed through by name (`numerals`, `profanity_filter`, …); the adapters keep the ones they own. */
const providerOptions = z.record(z.string().regex(/^[a-z_]+$/, 'a parameter name (lower case, underscores)'), z.union([z.string(), z.number(), z.boolean()]));

export const sttConfigSchema = z.discriminatedUnion('engine', [
  z.object({
    engine: z.literal('embedded'),
    poolSize: z.number().int().min(1).max(32).default(2),
    modelDir: z.string().optional(),
    helperPath: z.string().optional(),
  }),
  z.object({
    engine: z.literal('watson'),
    url: z.string().url(),
    auth: watsonAuth,
    model: z.string().default('en-US_Telephony'),
    learningOptOut: z.boolean().default(true),
    smartFormatting: z.boolean().default(false),
    inactivityTimeoutSec: z.number().int().min(-1).max(3600).default(30),
    /**
     * Default recognition parameters, as Watson names them (IBM Voice Gateway's `stt.config`):
     * `language_customization_id`, `acoustic_customization_id`, `customization_weight`,
     * `profanity_filter`, `grammar_name`, … A dialog's `vgwActSetSTTConfig` overrides them per turn.
     */
    options: watsonOptions.optional(),
    ...security,
  }),
  z.object({
    engine: z.literal('openai'),
    url: z.string().url(),
    apiKey: z.string().optional(),
    model: z.string().default('whisper-1'),
    ...security,
  }),
  z.object({
    engine: z.literal('deepgram'),
    /** Deepgram's live API; a regional endpoint (`wss://api.eu.deepgram.com`) or a self-hosted one. */
    url: z.string().url().default('wss://api.deepgram.com'),
    apiKey: z.string().min(1),
    model: z.string().default('nova-3'),
    language: z.string().default('en-US'),
    encoding: z.enum(['mulaw', 'linear16']).default('mulaw'),
    /** Silence (ms) after which Deepgram marks speech_final, or false. */
    endpointingMs: z.union([z.number().int().min(10).max(10_000), z.literal(false)]).default(300),
    smartFormat: z.boolean().default(false),
    /** Entities Deepgram redacts from the transcripts it returns. */
    redact: z.array(z.enum(['pci', 'pii', 'numbers', 'ssn'])).default([]),
    /** `mip_opt_out=true` (not retained, not used for training) is always sent: only `true` is accepted here. */
    mipOptOut: z.literal(true, { error: 'mipOptOut cannot be turned off: Deepgram sessions are always opted out of model improvement (no retention)' }).default(true),
    options: providerOptions.optional(),
    ...security,
  }),
]);

export const ttsConfigSchema = z.discriminatedUnion('engine', [
  z.object({ engine: z.literal('embedded'), voice: z.enum(['slt', 'kal', 'kal16', 'awb', 'rms']).default('slt') }),
  z.object({
    engine: z.literal('watson'),
    url: z.string().url(),
    auth: watsonAuth,
    voice: z.string().default('en-US_AllisonV3Voice'),
    format: z.enum(['basic', 'l16']).default('basic'),
    learningOptOut: z.boolean().default(true),
    /** Extra `/v1/synthesize` query parameters (IBM's `tts.config`): `customization_id`, `rate_percentage`, … */
    options: watsonOptions.optional(),
    ...security,
  }),
  z.object({
    engine: z.literal('openai'),
    url: z.string().url(),
    apiKey: z.string().optional(),
    model: z.string().default('tts-1'),
    voice: z.string().default('alloy'),
    responseFormat: z.enum(['wav', 'pcm']).default('wav'),
    ...security,
  }),
  z.object({
    engine: z.literal('elevenlabs'),
    url: z.string().url().default('wss://api.elevenlabs.io'),
    apiKey: z.string().min(1),
    /** A voice id (the default is ElevenLabs' premade "Rachel"). */
    voice: z.string().min(1).default('21m00Tcm4TlvDq8ikWAM'),
    model: z.string().default('eleven_flash_v2_5'),
    /** `ulaw_8000`: the line's own format, no resampling; `pcm_16000`: resampled to 8 kHz as it streams. */
    outputFormat: z.enum(['ulaw_8000', 'pcm_16000']).default('ulaw_8000'),
    voiceSettings: z
      .object({
        stability: z.number().min(0).max(1).optional(),
        similarityBoost: z.number().min(0).max(1).optional(),
        style: z.number().min(0).max(1).optional(),
        useSpeakerBoost: z.boolean().optional(),
        speed: z.number().min(0.7).max(1.2).optional(),
      })
      .optional(),
    /** `enable_logging=false` (zero retention) is always sent: only `false` is accepted here. */
    enableLogging: z.literal(false, { error: 'enableLogging cannot be turned on: ElevenLabs sessions always ask for zero retention' }).default(false),
    ...security,
  }),
  z.object({
    engine: z.literal('cartesia'),
    url: z.string().url().default('wss://api.cartesia.ai'),
    apiKey: z.string().min(1),
    /** A voice id (Cartesia's voices are UUIDs). */
    voice: z.string().min(1),
    model: z.string().default('sonic-2'),
    language: z.string().default('en'),
    /** `pcm_mulaw`: 8 kHz, the line's own format; `pcm_s16le` at `sampleRate`, resampled as it streams. */
    encoding: z.enum(['pcm_mulaw', 'pcm_s16le']).default('pcm_mulaw'),
    sampleRate: z.union([z.literal(8000), z.literal(16000), z.literal(22050), z.literal(24000), z.literal(44100)]).default(16000),
    /** The `Cartesia-Version` the adapter was written against. */
    version: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD').default('2025-04-16'),
    ...security,
  }),
]);

export const ttsCacheConfigSchema = z.object({
  enabled: z.boolean().default(true),
  maxBytes: z.number().int().min(0).default(32 * 1024 * 1024),
  /** Default `cacheTimeToLive` in seconds; vgwActSetTTSConfig may override per utterance. */
  timeToLiveSec: z.number().int().min(0).default(24 * 3600),
  /** Optional disk tier (files 0600 named by hash). */
  diskDir: z.string().optional(),
  diskMaxBytes: z.number().int().min(0).default(256 * 1024 * 1024),
});

/**
 * Adaptive endpointing (docs/call.md): at a pause of 160 ms the embedded recogniser decodes the
 * utterance so far; a complete answer to what the dialog expects ends the turn after
 * `shortHangoverMs` of silence instead of the fixed 800 ms.
 */
export const endpointingConfigSchema = z.object({
  adaptive: z.boolean().default(true),
  /** Silence that ends a turn judged complete; between the 160 ms pause probe and the 800 ms fixed hangover. */
  shortHangoverMs: z.number().int().min(160, 'shortHangoverMs must be at least 160 (the pause probe)').max(800, 'shortHangoverMs must not exceed 800 (the fixed hangover)').default(240),
});

/** Short acknowledgements a caller makes while the agent speaks, per language (normalised lowercase). */
export const DEFAULT_BACKCHANNELS: Record<string, readonly string[]> = {
  en: ['mm-hmm', 'mhm', 'mm', 'hmm', 'uh-huh', 'uh huh', 'yeah', 'yep', 'okay', 'ok', 'right', 'alright', 'sure', 'i see', 'got it', 'uh', 'um', 'oh'],
  de: ['mhm', 'hm', 'ja', 'genau', 'okay', 'ok', 'aha', 'stimmt'],
  fr: ['mhm', 'hm', 'oui', 'ouais', "d'accord", 'ok', 'okay', 'ah bon'],
  es: ['mhm', 'ajá', 'sí', 'vale', 'claro', 'ok', 'okay', 'ya'],
};

/**
 * Barge-in that means it (docs/call.md "Barge-in"): what counts as the caller interrupting a
 * prompt, and what happens then. The media side (minimum speech, voicing, echo test) decides when
 * playout pauses; the call side recognises the interrupting words and either resumes the prompt
 * (nothing, or a backchannel) or stops it and takes the utterance as the turn.
 */
export const bargeInConfigSchema = z.object({
  /**
   * Near-end speech that pauses the prompt (ms); the true-interruption latency is about this plus
   * ~50–80 ms. Unset: per VAD (call/barge-in.ts DEFAULT_MIN_SPEECH_MS) — 120 with the energy VAD
   * (pause p95 262–282 ms in bench/barge-in; 160 gave 321–341), 100 with Silero, whose decision lags
   * a 32 ms window (p95 301–302 ms at 120, 242 at 100, with no more false pauses).
   */
  minSpeechMs: z.number().int().min(40, 'minSpeechMs must be at least 40').max(1000).optional(),
  /** Pauses between words that do not end it (ms). */
  maxGapMs: z.number().int().min(0).max(400).default(200),
  /** Voiced (periodic) speech it must contain (ms): noise bursts and clicks have none. 0: no voicing test. */
  minVoicedMs: z.number().int().min(0).max(1000).default(80),
  echo: z
    .object({
      /** Off: every speech frame heard during a prompt is the caller (no speakerphone echo test). */
      enabled: z.boolean().default(true),
      /** Longest round trip of our audio back to us, network and jitter buffer included (ms). */
      maxDelayMs: z.number().int().min(40).max(600, 'echo.maxDelayMs must not exceed 600 (the sent-frame history)').default(400),
      /** Least echo return loss assumed (dB; Geigel's 6). */
      minErlDb: z.number().min(0).max(30).default(6),
      /** How far under the learnt echo return loss the caller must be heard (dB). */
      marginDb: z.number().min(0).max(20).default(6),
      /**
       * Cancel the echo (an NLMS canceller on what the call sent, media/vad/echo-canceller.ts) so the
       * caller is heard under it; false: the energy test alone. Costs ~0.2 ms of CPU per 20 ms while a prompt plays.
       */
      cancel: z.boolean().default(true),
    })
    .prefault({}),
  /**
   * Pause the prompt on an interruption and resume it when the words turn out to be nothing or a
   * backchannel (LiveKit Agents' false-interruption resume). Off: an interruption stops the prompt at once.
   */
  resumeFalseInterruptions: z.boolean().default(true),
  /** Language of the default backchannel list. */
  language: z.string().default('en'),
  /** Words that acknowledge rather than interrupt; default: the language's list. */
  backchannels: z.array(z.string().min(1)).optional(),
  /**
   * Speech longer than this is an interruption whatever its words (ms of speech): a backchannel is
   * short, and a long utterance the grammar cannot hold is still the caller talking over the agent.
   */
  backchannelMaxMs: z.number().int().min(200).max(5000).default(1500),
  /** A paused prompt resumes if no words came within this time and the caller is not speaking (ms). */
  resumeAfterMs: z.number().int().min(200).max(10_000).default(2500),
});

export const speechConfigSchema = z.object({
  stt: sttConfigSchema.default({ engine: 'embedded', poolSize: 2 }),
  tts: ttsConfigSchema.default({ engine: 'embedded', voice: 'slt' }),
  ttsCache: ttsCacheConfigSchema.default({ enabled: true, maxBytes: 32 * 1024 * 1024, timeToLiveSec: 24 * 3600, diskMaxBytes: 256 * 1024 * 1024 }),
  endpointing: endpointingConfigSchema.prefault({}),
  bargeIn: bargeInConfigSchema.prefault({}),
  /**
   * Which voice activity detector hears the caller (docs/media-flow.md "VAD"): `energy` (energy over
   * an adaptive noise floor; under 1 µs of CPU a frame) or `silero` (the Silero neural VAD on
   * onnxruntime-node; ignores steady noise and clicks, not babble; 50–135 µs of CPU per 20 ms frame
   * not below −55 dBFS, in a worker thread; nothing for quieter ones). The gateway loads the model at start and refuses
   * to start if it cannot.
   */
  vad: z.enum(VAD_KINDS).default('energy'),
});

export type SttConfig = z.infer<typeof sttConfigSchema>;
export type TtsConfig = z.infer<typeof ttsConfigSchema>;
export type TtsCacheConfig = z.infer<typeof ttsCacheConfigSchema>;
export type SpeechConfig = z.infer<typeof speechConfigSchema>;
export type BargeInConfig = z.infer<typeof bargeInConfigSchema>;
