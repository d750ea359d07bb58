/**
 * One media stream between a call and a bot over a WebSocket (`ws`): the caller's audio out, one
 * message per 20 ms frame, and the bot's audio back into the call through `BotPlayout` (paced by
 * the call's tick, `clear` at once, `mark` acknowledged when played). Key presses go out as `dtmf`
 * when the privacy policy lets digits reach the stream. A socket that drops (anything but a normal
 * close by the bot) is reconnected with doubling back-off on the Clock, `connected` and `start`
 * sent again with the same `streamSid`; the call goes on meanwhile.
 *
 * `muted` is the per-call hook of the sensitive switch: while set the bot hears silence (timing
 * kept) and gets no key presses. Streams of a live call are listed by `streamsOfCall`.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { applyPolicy, type PrivacyPolicy } from '../../privacy/index.js';
import { Resampler } from '../../media/index.js';
import type { DtmfEvent } from '../../media/index.js';
import type { Clock, TimerHandle } from '../../time/index.js';
import type { StreamConfig } from '../../tenancy/index.js';
import { BotPlayout } from './playout.js';
import { l16Bytes, parseBotMessage, rateOf, ulawFrame, wire } from './wire.js';

/** What a stream needs of the call. */
export interface StreamedCall {
  readonly callId: string;
  /** The call's From and To (numbers reach the bot through the privacy gate). */
  readonly from: string;
  readonly to: string;
  readonly media: {
    on(event: 'frame', l: (frame: Int16Array, deadlineMs: number) => void): unknown;
    off(event: 'frame', l: (frame: Int16Array, deadlineMs: number) => void): unknown;
    feed?: { next(): Int16Array | undefined };
  };
  readonly keys: { on(event: 'dtmf', l: (e: DtmfEvent) => void): unknown; off(event: 'dtmf', l: (e: DtmfEvent) => void): unknown };
  emit(event: Record<string, unknown> & { type: 'stream.started' | 'stream.stopped' | 'stream.reconnecting' }): void;
}

export type StreamStopReason = 'stopped' | 'call-ended' | 'bot-closed' | 'reconnect-failed';

const live = new Map<string, Set<BotStream>>();

/** The streams of a live call (the sensitive switch sets `muted` on each). */
export function streamsOfCall(callId: string): readonly BotStream[] {
  return [...(live.get(callId) ?? [])];
}

const SILENCE = new Int16Array(160);

export class BotStream extends EventEmitter<{ stopped: [StreamStopReason] }> {
  /** The sensitive switch: the bot hears silence and gets no key presses while set. */
  muted = false;
  readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  state: 'connecting' | 'open' | 'reconnecting' | 'stopped' = 'connecting';
  #ws?: WebSocket;
  #seq = 0;
  #chunk = 0;
  #attempts = 0;
  #retry?: TimerHandle;
  #everOpen = false;
  readonly #playout = new BotPlayout((name) => this.#send(wire.mark(++this.#seq, this.streamSid, name)));
  readonly #up?: Resampler;
  readonly #down?: Resampler;
  readonly #safeUrl: string;
  readonly #parameters: Record<string, unknown>;

  constructor(
    private readonly call: StreamedCall,
    private readonly cfg: StreamConfig,
    private readonly policy: PrivacyPolicy,
    private readonly o: { clock: Clock; log: Logger; defaultCountry: string; variables?: Record<string, unknown> },
  ) {
    super();
    const u = new URL(cfg.url);
    this.#safeUrl = `${u.protocol}//${u.host}${u.pathname}`;
    if (rateOf(cfg.format) === 16000) {
      this.#up = new Resampler(8000, 16000);
      this.#down = new Resampler(16000, 8000);
    }
    // Custom parameters pass the gate like a dialog context; numbers are obfuscated as everywhere.
    const gated = applyPolicy('stream', { from: call.from, to: call.to, context: { ...(o.variables ?? {}), ...cfg.parameters } }, policy, { defaultCountry: o.defaultCountry });
    this.#parameters = { ...(gated.context as Record<string, unknown> | undefined), ...(gated.from ? { from: gated.from } : {}), ...(gated.to ? { to: gated.to } : {}) };
  }

  start(): void {
    let set = live.get(this.call.callId);
    if (!set) live.set(this.call.callId, (set = new Set()));
    set.add(this);
    this.call.media.feed = this.#playout;
    this.call.media.on('frame', this.#onFrame);
    this.call.keys.on('dtmf', this.#onDtmf);
    this.#connect();
  }

  stop(reason: StreamStopReason = 'stopped'): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.o.clock.clearTimeout(this.#retry);
    this.#send(wire.stop(++this.#seq, this.streamSid, this.call.callId));
    this.#ws?.close(1000);
    if (this.call.media.feed === this.#playout) this.call.media.feed = undefined;
    this.call.media.off('frame', this.#onFrame);
    this.call.keys.off('dtmf', this.#onDtmf);
    live.get(this.call.callId)?.delete(this);
    if (!live.get(this.call.callId)?.size) live.delete(this.call.callId);
    this.call.emit({ type: 'stream.stopped', streamSid: this.streamSid, url: this.#safeUrl, format: this.cfg.format, reason });
    this.emit('stopped', reason);
  }

  #connect(): void {
    const ws = new WebSocket(this.cfg.url, { handshakeTimeout: 5000, maxPayload: 1 << 20 });
    this.#ws = ws;
    ws.on('open', () => {
      if (this.state === 'stopped') return void ws.close(1000);
      this.state = 'open';
      this.#attempts = 0;
      this.#send(wire.connected());
      this.#send(wire.start(++this.#seq, this.streamSid, this.call.callId, this.cfg.format, this.#parameters));
      if (!this.#everOpen) this.call.emit({ type: 'stream.started', streamSid: this.streamSid, url: this.#safeUrl, format: this.cfg.format });
      this.#everOpen = true;
    });
    ws.on('message', (data, isBinary) => this.#onMessage(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data as ArrayBuffer)]), isBinary));
    ws.on('error', (e) => this.o.log.warn({ url: this.#safeUrl, error: e.message }, 'media stream socket error'));
    ws.on('close', (code) => {
      if (ws !== this.#ws || this.state === 'stopped') return;
      if (code === 1000 && this.#everOpen && this.state === 'open') return this.stop('bot-closed');
      this.#reconnect(code);
    });
  }

  #reconnect(code: number): void {
    const r = this.cfg.reconnect;
    if (this.#attempts >= r.maxAttempts) {
      this.o.log.warn({ url: this.#safeUrl, attempts: this.#attempts }, 'media stream gave up reconnecting');
      return this.stop('reconnect-failed');
    }
    const delay = Math.min(r.maxDelayMs, r.initialDelayMs * 2 ** this.#attempts);
    this.#attempts++;
    this.state = 'reconnecting';
    this.o.log.info({ url: this.#safeUrl, code, attempt: this.#attempts, delayMs: delay }, 'media stream dropped; reconnecting');
    this.call.emit({ type: 'stream.reconnecting', streamSid: this.streamSid, url: this.#safeUrl, format: this.cfg.format, reason: `closed ${code}` });
    this.#retry = this.o.clock.setTimeout(() => this.state !== 'stopped' && this.#connect(), delay);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const m = parseBotMessage(data, isBinary, this.cfg.format);
    if (m.kind === 'media') this.#playout.push(m.rate === 16000 && this.#down ? this.#down.process(m.samples) : m.samples);
    else if (m.kind === 'mark') this.#playout.mark(m.name);
    else if (m.kind === 'clear') this.#playout.clear();
    else this.o.log.debug({ why: m.why }, 'media stream message ignored');
  }

  readonly #onFrame = (frame: Int16Array): void => {
    if (this.state !== 'open') return;
    const pcm = this.muted ? SILENCE : frame;
    const chunk = ++this.#chunk;
    if (this.cfg.format === 'twilio') this.#send(wire.media(++this.#seq, this.streamSid, chunk, (chunk - 1) * 20, ulawFrame(pcm)));
    else this.#ws!.send(l16Bytes(this.#up ? this.#up.process(pcm) : pcm), { binary: true });
  };

  readonly #onDtmf = (e: DtmfEvent): void => {
    if (this.muted || this.state !== 'open') return;
    if (applyPolicy('stream', { dtmf: e.digit }, this.policy).dtmf !== e.digit) return;
    this.#send(wire.dtmf(++this.#seq, this.streamSid, e.digit));
  };

  #send(msg: object): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
  }
}
