/**
 * Per-application speech settings (zod): which engine recognises and which speaks, with
 * credentials, model, voice, the provider's no-training signal (`learningOptOut`, on by
 * default) and `allowInsecure` (off by default: remote engines must use https). Composed into
 * the application schema by `config/`; `factory.ts` turns a parsed value into engines.
 */
import { z } from 'zod';

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
  /** Near-end speech that pauses the prompt (ms); the true-interruption latency is about this plus ~50 ms. */
  minSpeechMs: z.number().int().min(40, 'minSpeechMs must be at least 40').max(1000).default(200),
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
  backchannelMaxMs: z.number().int().min(200).max(5000).default(1000),
  /** A paused prompt resumes if no words came within this time and the caller is not speaking (ms). */
  resumeAfterMs: z.number().int().min(200).max(10_000).default(2500),
});

export const speechConfigSchema = z.object({
  stt: sttConfigSchema.default({ engine: 'embedded', poolSize: 2 }),
  tts: ttsConfigSchema.default({ engine: 'embedded', voice: 'slt' }),
  ttsCache: ttsCacheConfigSchema.default({ enabled: true, maxBytes: 32 * 1024 * 1024, timeToLiveSec: 24 * 3600, diskMaxBytes: 256 * 1024 * 1024 }),
  endpointing: endpointingConfigSchema.prefault({}),
  bargeIn: bargeInConfigSchema.prefault({}),
});

export type SttConfig = z.infer<typeof sttConfigSchema>;
export type TtsConfig = z.infer<typeof ttsConfigSchema>;
export type TtsCacheConfig = z.infer<typeof ttsCacheConfigSchema>;
export type SpeechConfig = z.infer<typeof speechConfigSchema>;
export type BargeInConfig = z.infer<typeof bargeInConfigSchema>;
