/**
 * IBM Watson Speech to Text over its WebSocket interface (`/v1/recognize`).
 *
 * A turn opens the socket at once (so the handshake overlaps the caller's speech), sends the
 * `start` message (`audio/mulaw;rate=8000`, interim results on), streams each pushed 8 kHz
 * frame as μ-law bytes (buffered until the socket is open), and sends `stop` at `end()`.
 * Watson answers with `{"state":"listening"}`, then `results` (interim and final, indexed by
 * `result_index`), then `listening` again once the audio is processed: that second
 * `listening` settles the turn with the final results joined. Interim results reach
 * `onInterim`. Sends `X-Watson-Learning-Opt-Out: true` unless the application opts in.
 * Hints become Watson `keywords`; grammar phrases are sent as keywords too (Watson grammars
 * need a custom language model, which is out of scope).
 */
import WebSocket from 'ws';
import { mulawEncode } from '../audio/mulaw.js';
import { checkEndpoint, joinUrl, speechTarget, type EndpointSecurity } from './endpoint.js';
import { trustedCas, type HttpTarget } from '../../http/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../time/index.js';
import { WatsonAuthenticator, type WatsonAuth } from './watson-auth.js';
import type { Stt, SttAlternative, SttOutcome, SttResult, SttStream, SttTurnSettings } from '../types.js';

export interface WatsonSttOptions extends EndpointSecurity {
  /** Service URL, e.g. https://api.us-south.speech-to-text.watson.cloud.ibm.com/instances/ID */
  url: string;
  auth: WatsonAuth;
  /** Default model. Default `en-US_Telephony`. */
  model?: string;
  /** Send `X-Watson-Learning-Opt-Out: true`. Default true. */
  learningOptOut?: boolean;
  smartFormatting?: boolean;
  /** Default recognition parameters (Watson's names); a turn's `engineOptions` override them. */
  options?: Record<string, unknown>;
  /** Seconds of silence after which Watson closes the session. Default 30. */
  inactivityTimeoutSec?: number;
  /** Overall deadline from `end()` to the final result. Default 15 s. */
  resultTimeoutMs?: number;
  /** Token expiry, the result deadline and latency (default the system clock). */
  clock?: Clock;
}

interface WatsonResult {
  alternatives?: { transcript?: string; confidence?: number }[];
  final?: boolean;
}

const MODEL_BY_LANGUAGE: Record<string, string> = { 'en-us': 'en-US_Telephony', 'en-gb': 'en-GB_Telephony', 'de-de': 'de-DE_Telephony', 'fr-fr': 'fr-FR_Telephony', 'es-es': 'es-ES_Telephony' };

/** `/v1/recognize` query parameters a dialog may set through `vgwActSetSTTConfig`. */
export const WATSON_QUERY_OPTIONS = ['model', 'customization_id', 'acoustic_customization_id', 'base_model_version', 'customization_weight', 'language_customization_id'] as const;
/** Start-message fields the gateway owns (the audio format and the protocol itself). */
const RESERVED_START_FIELDS = new Set(['action', 'content-type', 'interim_results']);

function startMessageOptions(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!RESERVED_START_FIELDS.has(k) && !(WATSON_QUERY_OPTIONS as readonly string[]).includes(k)) out[k] = v;
  return out;
}

export class WatsonStt implements Stt {
  readonly engine = 'watson';
  private readonly authenticator: WatsonAuthenticator;
  /** Carries the IAM exchange; the recognize session itself is a WebSocket with the same CA. */
  private readonly http: HttpTarget;
  private readonly clock: Clock;

  constructor(private readonly opts: WatsonSttOptions) {
    this.http = speechTarget(opts, 15_000);
    this.clock = opts.clock ?? systemClock;
    this.authenticator = new WatsonAuthenticator(opts.auth, this.http, this.clock);
  }

  startTurn(settings: SttTurnSettings = {}): SttStream {
    const withDefaults = this.opts.options ? { ...settings, engineOptions: { ...this.opts.options, ...settings.engineOptions } } : settings;
    return new WatsonTurn(this.opts, this.authenticator, withDefaults, this.clock);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

class WatsonTurn implements SttStream {
  readonly result: Promise<SttOutcome>;
  private settle!: (o: SttOutcome) => void;
  private settled = false;
  private ws: WebSocket | undefined;
  private pending: Buffer[] = [];
  private open = false;
  private ended = false;
  private listeningCount = 0;
  private readonly finals = new Map<number, WatsonResult>();
  private interim: WatsonResult | undefined;
  private readonly listeners: ((r: SttResult) => void)[] = [];
  private timer: TimerHandle | undefined;
  private readonly t0: number;
  private endedAt = 0;

  constructor(
    private readonly opts: WatsonSttOptions,
    auth: WatsonAuthenticator,
    private readonly settings: SttTurnSettings,
    private readonly clock: Clock,
  ) {
    this.t0 = clock.now();
    this.result = new Promise((resolve) => (this.settle = resolve));
    void this.connect(auth);
  }

  private async connect(auth: WatsonAuthenticator): Promise<void> {
    const endpoint = checkEndpoint(this.opts.url, this.opts);
    if (!endpoint.ok) return this.finish(endpoint);
    const header = await auth.header();
    if (!header.ok) return this.finish(header);
    if (this.settled) return;
    const lang = this.settings.language?.toLowerCase();
    const o = this.settings.engineOptions ?? {};
    const model = (typeof o['model'] === 'string' && o['model']) || ((lang && MODEL_BY_LANGUAGE[lang]) ?? this.opts.model ?? 'en-US_Telephony');
    // Watson takes these as query parameters of /v1/recognize; the rest of a dialog's `config` goes in the start message.
    const query: Record<string, string> = { model };
    for (const k of WATSON_QUERY_OPTIONS) if (typeof o[k] === 'string' || typeof o[k] === 'number') query[k] = String(o[k]);
    const url = joinUrl(endpoint.url, '/v1/recognize', query);
    url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
    const headers: Record<string, string> = { Authorization: header.value };
    if (this.opts.learningOptOut !== false) headers['X-Watson-Learning-Opt-Out'] = 'true';
    const ca = trustedCas(this.opts.ca);
    const ws = new WebSocket(url, { headers, handshakeTimeout: 10_000, ...(ca ? { ca } : {}) });
    this.ws = ws;
    ws.on('open', () => {
      const keywords = [...(this.settings.hints ?? []), ...(this.settings.grammar?.phrases ?? [])].slice(0, 1000);
      ws.send(
        JSON.stringify({
          action: 'start',
          'content-type': 'audio/mulaw;rate=8000',
          interim_results: true,
          inactivity_timeout: this.opts.inactivityTimeoutSec ?? 30,
          smart_formatting: this.opts.smartFormatting ?? false,
          max_alternatives: Math.max(1, this.settings.maxAlternatives ?? 3),
          ...(keywords.length ? { keywords, keywords_threshold: 0.5 } : {}),
          ...startMessageOptions(o),
        }),
      );
      this.open = true;
      for (const b of this.pending) ws.send(b);
      this.pending = [];
      if (this.ended) ws.send(JSON.stringify({ action: 'stop' }));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onMessage(data.toString());
    });
    ws.on('error', (e) => this.finish({ ok: false, error: `watson socket: ${e.message}` }));
    ws.on('unexpected-response', (_req, res) => this.finish({ ok: false, error: `watson handshake: HTTP ${res.statusCode ?? 0}` }));
    ws.on('close', () => {
      if (!this.settled) this.finish(this.ended && this.finals.size > 0 ? this.finalOutcome() : { ok: false, error: 'watson closed the session before the final result' });
    });
  }

  private onMessage(text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof msg['error'] === 'string') return this.finish({ ok: false, error: 'watson reported an error' });
    if (msg['state'] === 'listening') {
      this.listeningCount++;
      // The second "listening" follows the stop: every result has been sent.
      if (this.ended && this.listeningCount >= 2) this.finish(this.finalOutcome());
      return;
    }
    const results = msg['results'];
    const index = typeof msg['result_index'] === 'number' ? msg['result_index'] : 0;
    if (!Array.isArray(results)) return;
    results.forEach((r: WatsonResult, i: number) => {
      if (r.final) {
        this.finals.set(index + i, r);
        this.interim = undefined;
      } else this.interim = r;
    });
    if (this.interim) {
      const interim = this.combine(false);
      for (const l of this.listeners) l(interim);
    }
  }

  private combine(final: boolean): SttResult {
    const parts = [...this.finals.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
    if (!final && this.interim) parts.push(this.interim);
    const best = parts.map((r) => r.alternatives?.[0]?.transcript?.trim() ?? '').filter(Boolean);
    const confidences = parts.map((r) => r.alternatives?.[0]?.confidence).filter((c): c is number => typeof c === 'number');
    const transcript = best.join(' ');
    const confidence = confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : 0;
    const alternatives: SttAlternative[] = [{ transcript, confidence }];
    // With a single segment, Watson's own alternatives are the turn's alternatives.
    if (parts.length === 1) {
      for (const alt of parts[0]!.alternatives?.slice(1) ?? []) {
        if (alt.transcript) alternatives.push({ transcript: alt.transcript.trim(), ...(typeof alt.confidence === 'number' ? { confidence: alt.confidence } : {}) });
      }
    }
    return { transcript, confidence, alternatives, final };
  }

  private finalOutcome(): SttOutcome {
    const result = this.combine(true);
    result.latencyMs = this.clock.now() - (this.endedAt || this.t0);
    return { ok: true, result };
  }

  push(frame: Int16Array): void {
    if (this.ended || this.settled) return;
    const bytes = mulawEncode(frame);
    if (this.open && this.ws) this.ws.send(bytes);
    else this.pending.push(bytes);
  }

  end(): void {
    if (this.ended || this.settled) return;
    this.ended = true;
    this.endedAt = this.clock.now();
    if (this.open && this.ws) this.ws.send(JSON.stringify({ action: 'stop' }));
    this.timer = this.clock.setTimeout(() => this.finish({ ok: false, error: 'watson result timed out' }), this.opts.resultTimeoutMs ?? 15_000, { ref: true });
  }

  cancel(): void {
    this.finish({ ok: false, error: 'cancelled' });
  }

  onInterim(listener: (result: SttResult) => void): void {
    this.listeners.push(listener);
  }

  private finish(o: SttOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.clock.clearTimeout(this.timer);
    this.pending = [];
    const ws = this.ws;
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
    }
    this.settle(o);
  }
}
