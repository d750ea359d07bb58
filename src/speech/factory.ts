/**
 * Turns parsed speech settings (config.ts) into engines. The embedded recogniser is costly to
 * start (one warm process per pool slot), so callers create it once per gateway and share it
 * between applications that use `embedded`; remote adapters are cheap and per application.
 */
import { FliteTts } from './flite/tts.js';
import { PocketSphinxStt } from './pocketsphinx/stt.js';
import { debianEnUsModel } from './pocketsphinx/model.js';
import { WatsonStt } from './remote/watson-stt.js';
import { WatsonTts } from './remote/watson-tts.js';
import { OpenAiStt } from './remote/openai-stt.js';
import { OpenAiTts } from './remote/openai-tts.js';
import { DeepgramStt } from './remote/deepgram-stt.js';
import { ElevenLabsTts } from './remote/elevenlabs-tts.js';
import { CartesiaTts } from './remote/cartesia-tts.js';
import { TtsCache } from './tts-cache.js';
import { CachedTts } from './cached-tts.js';
import type { SttConfig, TtsCacheConfig, TtsConfig } from './config.js';
import type { Stt, Tts } from './types.js';

export async function createStt(config: SttConfig): Promise<{ ok: true; stt: Stt } | { ok: false; error: string }> {
  switch (config.engine) {
    case 'embedded': {
      const created = await PocketSphinxStt.create({
        poolSize: config.poolSize,
        ...(config.modelDir ? { model: debianEnUsModel(config.modelDir) } : {}),
        ...(config.helperPath ? { helperPath: config.helperPath } : {}),
      });
      return created.ok ? { ok: true, stt: created.stt } : created;
    }
    case 'watson':
      return {
        ok: true,
        stt: new WatsonStt({
          url: config.url,
          auth: config.auth,
          model: config.model,
          learningOptOut: config.learningOptOut,
          smartFormatting: config.smartFormatting,
          inactivityTimeoutSec: config.inactivityTimeoutSec,
          ...(config.options ? { options: config.options } : {}),
          allowInsecure: config.allowInsecure,
          ...(config.ca ? { ca: config.ca } : {}),
        }),
      };
    case 'openai':
      return {
        ok: true,
        stt: new OpenAiStt({ url: config.url, model: config.model, allowInsecure: config.allowInsecure, ...(config.apiKey ? { apiKey: config.apiKey } : {}), ...(config.ca ? { ca: config.ca } : {}) }),
      };
    case 'deepgram':
      return {
        ok: true,
        stt: new DeepgramStt({
          url: config.url,
          apiKey: config.apiKey,
          model: config.model,
          language: config.language,
          encoding: config.encoding,
          endpointingMs: config.endpointingMs,
          smartFormat: config.smartFormat,
          redact: config.redact,
          ...(config.options ? { options: config.options } : {}),
          allowInsecure: config.allowInsecure,
          ...(config.ca ? { ca: config.ca } : {}),
        }),
      };
  }
}

export function createTts(config: TtsConfig, cache?: TtsCache): Tts {
  let tts: Tts;
  switch (config.engine) {
    case 'embedded':
      tts = new FliteTts({ voice: config.voice });
      break;
    case 'watson':
      tts = new WatsonTts({
        url: config.url,
        auth: config.auth,
        voice: config.voice,
        format: config.format,
        learningOptOut: config.learningOptOut,
        ...(config.options ? { options: config.options } : {}),
        allowInsecure: config.allowInsecure,
        ...(config.ca ? { ca: config.ca } : {}),
      });
      break;
    case 'openai':
      tts = new OpenAiTts({
        url: config.url,
        model: config.model,
        voice: config.voice,
        responseFormat: config.responseFormat,
        allowInsecure: config.allowInsecure,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        ...(config.ca ? { ca: config.ca } : {}),
      });
      break;
    case 'elevenlabs':
      tts = new ElevenLabsTts({
        url: config.url,
        apiKey: config.apiKey,
        voice: config.voice,
        model: config.model,
        outputFormat: config.outputFormat,
        ...(config.voiceSettings ? { voiceSettings: config.voiceSettings } : {}),
        allowInsecure: config.allowInsecure,
        ...(config.ca ? { ca: config.ca } : {}),
      });
      break;
    case 'cartesia':
      tts = new CartesiaTts({
        url: config.url,
        apiKey: config.apiKey,
        voice: config.voice,
        model: config.model,
        language: config.language,
        encoding: config.encoding,
        sampleRate: config.sampleRate,
        version: config.version,
        allowInsecure: config.allowInsecure,
        ...(config.ca ? { ca: config.ca } : {}),
      });
      break;
  }
  return cache ? new CachedTts(tts, cache) : tts;
}

export function createTtsCache(config: TtsCacheConfig, exclude?: (text: string) => boolean, keySecret?: Buffer): TtsCache | undefined {
  if (!config.enabled) return undefined;
  return new TtsCache({
    ...(keySecret ? { keySecret } : {}),
    maxBytes: config.maxBytes,
    defaultTtlSec: config.timeToLiveSec,
    diskMaxBytes: config.diskMaxBytes,
    ...(config.diskDir ? { diskDir: config.diskDir } : {}),
    ...(exclude ? { exclude } : {}),
  });
}
