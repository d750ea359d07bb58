/**
 * Deepgram live speech to text over its WebSocket API (`/v1/listen`).
 *
 * A turn opens the socket at `startTurn` (the handshake overlaps the caller's speech) with the
 * audio format and recognition settings as query parameters (`encoding=mulaw|linear16`,
 * `sample_rate=8000`, `channels=1`, `model`, `language`, `interim_results`, `endpointing`,
 * `smart_format`, `keyterm` for Nova-3 / `keywords` for older models) and
 * `Authorization: Token <key>`. Each pushed frame goes out as one binary message as soon as the
 * socket is open (frames pushed before are held, in order). Deepgram answers with `Results`
 * messages: `is_final: false` ones are interim hypotheses, `is_final: true` ones are finished
 * segments; after each, the running hypothesis (segments so far + the interim, `final: false`,
 * `endOfSpeech` when Deepgram marked `speech_final`) goes to `onInterim`: adaptive endpointing's
 * input (call/early-end.ts). At `end()` the adapter sends `{"type":"Finalize"}` (flush what is
 * buffered) then `{"type":"CloseStream"}`; the turn settles with the segments joined on the
 * first of: a `from_finalize` result, the closing `Metadata`, a normal close.
 *
 * Privacy: every session carries `mip_opt_out=true` (opted out of Deepgram's Model Improvement
 * Program: the audio and transcript are not retained). Neither the application nor a dialog can
 * turn it off; `redact` can only add redaction. The engine is a third party (`local` unset): the
 * call layer mutes its audio while the sensitive switch is on.
 */
import type WebSocket from 'ws';
import { mulawEncode } from '../audio/mulaw.js';
import { pcm16ToBytes } from '../audio/wav.js';
import { closeCode, openSocket, socketUrl, type SocketQuery } from './websocket.js';
import type { EndpointSecurity } from './endpoint.js';
import { systemClock, type Clock, type TimerHandle } from '../../time/index.js';
import type { Stt, SttAlternative, SttOutcome, SttResult, SttStream, SttTurnSettings } from '../types.js';

export const DEEPGRAM_URL = 'wss://api.deepgram.com';

export type DeepgramRedaction = 'pci' | 'pii' | 'numbers' | 'ssn';

export interface DeepgramSttOptions extends EndpointSecurity {
  /** Default `wss://api.deepgram.com` (a regional or self-hosted endpoint, or a test server). */
  url?: string;
  apiKey: string;
  /** Default `nova-3`. */
  model?: string;
  /** Default `en-US`; a turn's `language` overrides it. */
  language?: string;
  /** Wire format: `mulaw` (default: what the line carries, half the bytes) or `linear16`. */
  encoding?: 'mulaw' | 'linear16';
  /** Silence (ms) after which Deepgram marks `speech_final`, or false. Default 300. */
  endpointingMs?: number | false;
  smartFormat?: boolean;
  /** Entities Deepgram redacts in the transcript it returns (more private; none by default). */
  redact?: readonly DeepgramRedaction[];
  /** Default recognition parameters as Deepgram names them; a turn's `engineOptions` override them. */
  options?: Record<string, string | number | boolean>;
  /** A `KeepAlive` goes out after this long without audio (Deepgram closes an idle stream after 10 s). Default 4000. */
  keepAliveMs?: number;
  /** From `end()` to the final result. Default 10 s. */
  resultTimeoutMs?: number;
  /** Audio held while the socket opens, at most (seconds). Default 60. */
  maxPendingSec?: number;
  clock?: Clock;
}

/** Query parameters the adapter owns: the audio format, the protocol and the privacy flag. */
const RESERVED = new Set(['encoding', 'sample_rate', 'channels', 'interim_results', 'mip_opt_out', 'multichannel', 'callback', 'callback_method']);

interface DeepgramAlternative {
  transcript?: string;
  confidence?: number;
}

interface DeepgramResults {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  from_finalize?: boolean;
  channel?: { alternatives?: DeepgramAlternative[] };
}

export class DeepgramStt implements Stt {
  readonly engine = 'deepgram';
  /** Decodes while the caller speaks: the call layer streams each frame as it is heard. */
  readonly live = true;
  private readonly clock: Clock;

  constructor(private readonly opts: DeepgramSttOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  startTurn(settings: SttTurnSettings = {}): SttStream {
    return new DeepgramTurn(this.opts, settings, this.clock);
  }

  async close(): Promise<void> {
    // Each turn owns its socket; nothing is shared between turns.
  }
}

/** The session's query: the adapter's fixed parameters, then the configured and per-turn ones. */
export function listenQuery(opts: DeepgramSttOptions, settings: SttTurnSettings): SocketQuery {
  const o: Record<string, unknown> = { ...opts.options, ...settings.engineOptions };
  const model = typeof o['model'] === 'string' && o['model'] ? o['model'] : (opts.model ?? 'nova-3');
  const terms = [...(settings.hints ?? []), ...(settings.grammar?.phrases ?? [])].filter((t) => t.trim()).slice(0, 100);
  const redact = [...(opts.redact ?? []), ...[o['redact']].flat().filter((r): r is string => typeof r === 'string')];
  const query: SocketQuery = {
    encoding: opts.encoding ?? 'mulaw',
    sample_rate: 8000,
    channels: 1,
    model,
    language: settings.language ?? opts.language ?? 'en-US',
    interim_results: true,
    endpointing: opts.endpointingMs === false ? false : (opts.endpointingMs ?? 300),
    smart_format: opts.smartFormat ?? false,
  };
  // Nova-3 takes key terms; older models take keywords (which Nova-3 refuses).
  if (terms.length) query[model.startsWith('nova-3') ? 'keyterm' : 'keywords'] = terms;
  for (const [k, v] of Object.entries(o)) {
    if (RESERVED.has(k) || k === 'model' || k === 'redact' || !/^[a-z_]+$/.test(k)) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') query[k] = v;
    else if (Array.isArray(v)) query[k] = v.filter((x): x is string | number => typeof x === 'string' || typeof x === 'number');
  }
  if (redact.length) query['redact'] = [...new Set(redact)];
  // Last, so nothing above can replace it.
  query['mip_opt_out'] = true;
  return query;
}

class DeepgramTurn implements SttStream {
  readonly result: Promise<SttOutcome>;
  private settle!: (o: SttOutcome) => void;
  private settled = false;
  private ws: WebSocket | undefined;
  private open = false;
  private ended = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly finals: DeepgramResults[] = [];
  private readonly listeners: ((r: SttResult) => void)[] = [];
  private resultTimer: TimerHandle | undefined;
  private keepAliveTimer: TimerHandle | undefined;
  private readonly t0: number;
  private endedAt = 0;

  constructor(
    private readonly opts: DeepgramSttOptions,
    private readonly settings: SttTurnSettings,
    private readonly clock: Clock,
  ) {
    this.t0 = clock.now();
    this.result = new Promise((resolve) => (this.settle = resolve));
    this.connect();
  }

  private connect(): void {
    const target = socketUrl(this.opts.url ?? DEEPGRAM_URL, '/v1/listen', listenQuery(this.opts, this.settings), this.opts);
    if (!target.ok) return this.finish(target);
    const ws = openSocket(target.url, { Authorization: `Token ${this.opts.apiKey}` }, this.opts);
    this.ws = ws;
    ws.on('open', () => {
      if (this.settled) return;
      this.open = true;
      for (const b of this.pending) ws.send(b);
      this.pending = [];
      this.pendingBytes = 0;
      if (this.ended) this.sendEnd();
      else this.armKeepAlive();
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('unexpected-response', (_req, res) => {
      // Deepgram explains a refused handshake in `dg-error`; only the status is kept (no server text).
      this.finish({ ok: false, error: `deepgram handshake: HTTP ${res.statusCode ?? 0}` });
      res.resume();
    });
    ws.on('error', (e) => this.finish({ ok: false, error: `deepgram socket: ${e.message}` }));
    ws.on('close', (code, reason) => {
      if (this.settled) return;
      if (this.ended && code === 1000) this.finish(this.finalOutcome());
      else this.finish({ ok: false, error: `deepgram closed the stream ${this.ended ? 'before the final result' : 'mid-utterance'} (${closeCode(code, reason)})` });
    });
  }

  private onMessage(text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (msg['type']) {
      case 'Results': {
        const r = msg as unknown as DeepgramResults;
        if (r.is_final) this.finals.push(r);
        if (this.ended && r.from_finalize) return this.finish(this.finalOutcome());
        if (this.ended) return;
        // The running hypothesis (finished segments + this one), interim or a segment just finished;
        // `speech_final`: Deepgram's own endpointer heard the caller stop after these words.
        const running = r.is_final ? this.combine() : this.combine(r);
        running.final = false;
        if (r.speech_final === true) running.endOfSpeech = true;
        for (const l of this.listeners) l(running);
        return;
      }
      case 'Metadata':
        // Follows CloseStream: everything has been sent.
        if (this.ended) this.finish(this.finalOutcome());
        return;
      case 'Error': {
        const code = [msg['err_code'], msg['variant']].find((c) => typeof c === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(c));
        return this.finish({ ok: false, error: `deepgram reported an error${code ? ` (${String(code)})` : ''}` });
      }
      default:
        // SpeechStarted; UtteranceEnd needs utterance_end_ms ≥ 1000, longer than the gateway's own hangover: unused.
        return;
    }
  }

  /** Finished segments, then the running hypothesis: the turn so far. */
  private combine(interim?: DeepgramResults): SttResult {
    const parts = interim ? [...this.finals, interim] : this.finals;
    const best = parts.map((r) => r.channel?.alternatives?.[0]).filter((a): a is DeepgramAlternative => !!a?.transcript?.trim());
    const transcript = best.map((a) => a.transcript!.trim()).join(' ');
    const scored = best.map((a) => a.confidence).filter((c): c is number => typeof c === 'number');
    const confidence = scored.length ? scored.reduce((a, b) => a + b, 0) / scored.length : 0;
    const alternatives: SttAlternative[] = [{ transcript, confidence }];
    // One segment: Deepgram's own alternatives are the turn's alternatives.
    if (best.length === 1 && parts.length === 1) {
      for (const alt of parts[0]!.channel?.alternatives?.slice(1, Math.max(1, this.settings.maxAlternatives ?? 3)) ?? []) {
        if (alt.transcript?.trim()) alternatives.push({ transcript: alt.transcript.trim(), ...(typeof alt.confidence === 'number' ? { confidence: alt.confidence } : {}) });
      }
    }
    return { transcript, confidence, alternatives, final: !interim };
  }

  private finalOutcome(): SttOutcome {
    const result = this.combine();
    result.latencyMs = this.clock.now() - (this.endedAt || this.t0);
    return { ok: true, result };
  }

  push(frame: Int16Array): void {
    if (this.ended || this.settled) return;
    const bytes = (this.opts.encoding ?? 'mulaw') === 'mulaw' ? mulawEncode(frame) : pcm16ToBytes(frame);
    if (this.open && this.ws) {
      this.ws.send(bytes);
      this.armKeepAlive();
      return;
    }
    const cap = (this.opts.maxPendingSec ?? 60) * 8000 * ((this.opts.encoding ?? 'mulaw') === 'mulaw' ? 1 : 2);
    if (this.pendingBytes + bytes.length > cap) return this.finish({ ok: false, error: 'deepgram did not open the stream before the held audio limit' });
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
  }

  end(): void {
    if (this.ended || this.settled) return;
    this.ended = true;
    this.endedAt = this.clock.now();
    if (this.open) this.sendEnd();
    this.resultTimer = this.clock.setTimeout(() => this.finish({ ok: false, error: 'deepgram result timed out' }), this.opts.resultTimeoutMs ?? 10_000, { ref: true });
  }

  private sendEnd(): void {
    this.clock.clearTimeout(this.keepAliveTimer);
    this.ws?.send(JSON.stringify({ type: 'Finalize' }));
    this.ws?.send(JSON.stringify({ type: 'CloseStream' }));
  }

  /** Deepgram closes a stream that hears nothing for 10 s; a turn held open without audio says it is alive. */
  private armKeepAlive(): void {
    this.clock.clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = this.clock.setTimeout(() => {
      if (this.settled || this.ended || !this.open) return;
      this.ws?.send(JSON.stringify({ type: 'KeepAlive' }));
      this.armKeepAlive();
    }, this.opts.keepAliveMs ?? 4000);
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
    this.clock.clearTimeout(this.resultTimer);
    this.clock.clearTimeout(this.keepAliveTimer);
    this.pending = [];
    const ws = this.ws;
    // The socket goes at once: a cancelled turn's audio stops leaving, a finished one holds nothing open.
    if (ws && ws.readyState === ws.OPEN) ws.close(1000);
    else if (ws && ws.readyState === ws.CONNECTING) ws.terminate();
    this.settle(o);
  }
}
