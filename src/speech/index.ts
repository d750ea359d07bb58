/** Public surface of the speech module: the seams, engines, cache, settings and factory. */
export * from './types.js';
export { PocketSphinxStt, type PocketSphinxSttOptions, type PocketSphinxStats } from './pocketsphinx/stt.js';
export { buildGrammar, normaliseWords, GrammarCache, type BuiltGrammar } from './pocketsphinx/jsgf.js';
export { FliteTts, FLITE_VOICES } from './flite/tts.js';
export { WatsonStt, type WatsonSttOptions } from './remote/watson-stt.js';
export { WatsonTts, type WatsonTtsOptions } from './remote/watson-tts.js';
export { OpenAiStt, type OpenAiSttOptions } from './remote/openai-stt.js';
export { OpenAiTts, type OpenAiTtsOptions } from './remote/openai-tts.js';
export { DeepgramStt, type DeepgramSttOptions } from './remote/deepgram-stt.js';
export { ElevenLabsTts, type ElevenLabsTtsOptions } from './remote/elevenlabs-tts.js';
export { CartesiaTts, type CartesiaTtsOptions } from './remote/cartesia-tts.js';
export type { WatsonAuth } from './remote/watson-auth.js';
export { TtsCache, ttsCacheKey, type TtsCacheOptions, type TtsCacheStats } from './tts-cache.js';
export { CachedTts } from './cached-tts.js';
export { speechConfigSchema, sttConfigSchema, ttsConfigSchema, ttsCacheConfigSchema, bargeInConfigSchema, DEFAULT_BACKCHANNELS, type SpeechConfig, type BargeInConfig } from './config.js';
export { createStt, createTts, createTtsCache } from './factory.js';
export { isSsml, joinUtterances, ssmlToPieces, spokenForm, escapeXml } from './ssml.js';
