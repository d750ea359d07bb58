/**
 * Per-application speech settings (zod): which engine recognises and which speaks, with
 * credentials, model, voice, the provider's no-training signal (`learningOptOut`, on by
 * default) and `allowInsecure` (off by default: remote engines must use https). Composed into
 * the application schema by `config/`; `factory.ts` turns a parsed value into engines.
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

export const speechConfigSchema = z.object({
  stt: sttConfigSchema.default({ engine: 'embedded', poolSize: 2 }),
  tts: ttsConfigSchema.default({ engine: 'embedded', voice: 'slt' }),
  ttsCache: ttsCacheConfigSchema.default({ enabled: true, maxBytes: 32 * 1024 * 1024, timeToLiveSec: 24 * 3600, diskMaxBytes: 256 * 1024 * 1024 }),
  endpointing: endpointingConfigSchema.prefault({}),
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
