/**
 * IBM Watson Text to Speech over HTTP (`POST /v1/synthesize`). Asks for `audio/basic`
 * (μ-law, 8 kHz: smallest on the wire, no resampling) or `audio/l16;rate=8000` and decodes the
 * chunked response as it streams, so the first chunk plays while the rest is in flight.
 * Plain text is XML-escaped (Watson reads every request as SSML); SSML passes through.
 * Sends `X-Watson-Learning-Opt-Out: true` unless the application opts in.
 */
import { mulawDecode } from '../audio/mulaw.js';
import { checkEndpoint, describeFailure, joinUrl, readSome, speechTarget, type EndpointSecurity } from './endpoint.js';
import type { HttpTarget } from '../../http/index.js';
import type { Clock } from '../../time/index.js';
import { WatsonAuthenticator, type WatsonAuth } from './watson-auth.js';
import type { Tts, TtsRequest } from '../types.js';

export interface WatsonTtsOptions extends EndpointSecurity {
  url: string;
  auth: WatsonAuth;
  /** Default `en-US_AllisonV3Voice`. */
  voice?: string;
  /** `basic` = audio/basic (μ-law), `l16` = audio/l16;rate=8000 little-endian. Default basic. */
  format?: 'basic' | 'l16';
  learningOptOut?: boolean;
  /** Extra `/v1/synthesize` query parameters (`customization_id`, …). */
  options?: Record<string, string | number | boolean>;
  timeoutMs?: number;
  /** IAM token expiry (default the system clock). */
  clock?: Clock;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export class WatsonTts implements Tts {
  readonly engine = 'watson';
  readonly voice: string;
  private readonly authenticator: WatsonAuthenticator;
  private readonly http: HttpTarget;

  constructor(private readonly opts: WatsonTtsOptions) {
    this.voice = opts.voice ?? 'en-US_AllisonV3Voice';
    this.http = speechTarget(opts, opts.timeoutMs ?? 15_000);
    this.authenticator = new WatsonAuthenticator(opts.auth, this.http, opts.clock);
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const endpoint = checkEndpoint(this.opts.url, this.opts);
    if (!endpoint.ok) throw new Error(endpoint.error);
    const auth = await this.authenticator.header();
    if (!auth.ok) throw new Error(auth.error);
    const l16 = this.opts.format === 'l16';
    const headers: Record<string, string> = {
      authorization: auth.value,
      accept: l16 ? 'audio/l16;rate=8000;endianness=little-endian' : 'audio/basic',
      'content-type': 'application/json',
    };
    if (this.opts.learningOptOut !== false) headers['x-watson-learning-opt-out'] = 'true';
    const text = request.ssml ? request.text : escapeXml(request.text);
    // Streamed: the first chunk plays while the rest is in flight.
    const sent = await this.http.stream({
      url: joinUrl(endpoint.url, '/v1/synthesize', { ...Object.fromEntries(Object.entries(this.opts.options ?? {}).map(([k, v]) => [k, String(v)])), voice: request.voice ?? this.voice }),
      method: 'POST',
      headers,
      body: JSON.stringify({ text }),
      signal: request.signal,
    });
    if (!sent.ok) throw new Error(`watson synthesize failed: ${sent.error.message}`);
    const res = sent.value;
    if (res.status !== 200) {
      const body = await readSome(res.body);
      throw new Error(`watson synthesize failed: ${describeFailure({ status: res.status, text: () => body })}`);
    }
    let carry: Buffer | undefined;
    for await (const chunk of res.body) {
      if (!l16) {
        if (chunk.length) yield mulawDecode(chunk);
        continue;
      }
      const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
      const even = bytes.length & ~1;
      carry = even < bytes.length ? bytes.subarray(even) : undefined;
      if (even === 0) continue;
      const out = new Int16Array(even >> 1);
      for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
      yield out;
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
