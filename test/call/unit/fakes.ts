/**
 * In-memory stand-ins for what a voice-agent call talks to — the call (signalling, CDR, events),
 * its media, the recogniser, the synthesiser and the dialog — so the turn loop and the action
 * handlers run in milliseconds on a FakeClock, with no sockets and no engines.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { SensitiveState } from '../../../src/call/sensitive-state.js';
import type { RecordingControl } from '../../../src/call/recording-control.js';
import type { AgentCall, AgentMedia, AgentMediaEvents, TransferRequest } from '../../../src/call/agent-call.js';
import type { CallEndReason } from '../../../src/call/active-call.js';
import type { ReferOutcome } from '../../../src/sip/refer.js';
import type { PlaySource } from '../../../src/media/player/index.js';
import type { Stt, SttOutcome, SttStream, SttTurnSettings, Tts, TtsRequest } from '../../../src/speech/types.js';
import { DialogError, type Dialog, type TurnRequest, type TurnResponse } from '../../../src/dialog/types.js';
import type { Utterance } from '../../../src/media/vad/endpointer.js';

export const silentLog = pino({ level: 'silent' });

/** Lets pending promise callbacks and real immediates run (no time passes on the FakeClock). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export class FakeMedia extends EventEmitter<AgentMediaEvents> implements AgentMedia {
  listening = true;
  playing = false;
  /** Finish each prompt as soon as its audio has been read (false: it plays until `finish()` or a stop). */
  autoFinish = true;
  readonly played: PlaySource[] = [];
  readonly dtmfSent: string[] = [];
  /** Whether RFC 4733 telephone-event was negotiated. */
  telephoneEvent = true;
  stops = 0;

  play(source: PlaySource): void {
    this.played.push(source);
    this.playing = true;
    void (async () => {
      if (source.kind === 'stream') for await (const _ of source.chunks);
      if (this.autoFinish && this.playing) {
        if (this.paused) this.finishWhenResumed = true;
        else this.finish();
      }
    })();
  }

  finish(reason: 'done' | 'stopped' = 'done'): void {
    this.playing = false;
    this.emit('playbackFinished', reason);
  }

  stopPlayback(): void {
    this.stops++;
    this.paused = false;
    if (this.playing) this.finish('stopped');
  }

  /** Held by a possible barge-in: still playing, nothing finishes until resumed. */
  paused = false;
  resumes = 0;
  private finishWhenResumed = false;
  /** The endpointer is inside an utterance. */
  callerSpeaking = false;

  pausePlayback(): void {
    if (this.playing) this.paused = true;
  }

  resumePlayback(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumes++;
    if (this.finishWhenResumed) ((this.finishWhenResumed = false), this.finish());
  }

  /** Pauses the agent asked to end the turn at (adaptive endpointing), with their hangovers. */
  readonly endedAtPause: { id: number; hangoverMs: number }[] = [];
  /** The pause still open (the caller has not spoken again). */
  openPause = 0;

  endAtPause(id: number, hangoverMs: number): boolean {
    if (id !== this.openPause) return false;
    this.endedAtPause.push({ id, hangoverMs });
    return true;
  }

  /** The endpointer offers a pause with the utterance so far; returns that snapshot. */
  pause(id: number, endMs: number): Utterance {
    this.openPause = id;
    const u: Utterance = { startMs: endMs - 500, endMs, audioStartMs: endMs - 500, audio: new Int16Array(160 * 25), truncated: false, endedEarly: true };
    this.emit('pause', { id, utterance: u });
    return u;
  }

  sendDtmf(digit: string): boolean {
    if (!this.telephoneEvent) return false;
    this.dtmfSent.push(digit);
    return true;
  }

  utter(endMs: number): void {
    const u: Utterance = { startMs: endMs - 500, endMs, audioStartMs: endMs - 500, audio: new Int16Array(160 * 25), truncated: false };
    this.emit('utterance', u);
  }
}

type Emitted = Record<string, unknown> & { type: string };

export class FakeCall implements AgentCall {
  readonly callId = 'call-1';
  readonly from = '<sip:+447700900123@example.com>;tag=a';
  readonly to = '<sip:agent@gw.example>';
  readonly requestUri = 'sip:agent@gw.example';
  transcriptionReports = true;
  readonly media = new FakeMedia();
  /** The call's sensitive switch, stamped with a counter (no wall clock in unit tests). */
  readonly sensitive = new SensitiveState(() => ++this.#stamp);
  recording?: RecordingControl;
  #stamp = 0;
  readonly events: Emitted[] = [];
  readonly hangups: { reason?: CallEndReason; headers?: [string, string][] }[] = [];
  readonly transfers: TransferRequest[] = [];
  readonly infos: { headers?: [string, string][]; body?: string; contentType?: string }[] = [];
  customCdr: Record<string, unknown> | undefined;
  /** What the next REFER comes to. */
  referOutcome: ReferOutcome = { ok: true, status: 200, reason: '200' };
  #dtmf: ((d: string) => void)[] = [];
  #ended: ((r: string) => void)[] = [];
  ended = false;

  onDtmf(l: (digit: string) => void): void {
    this.#dtmf.push(l);
  }
  onEnded(l: (reason: string) => void): void {
    this.#ended.push(l);
  }
  emit(e: Emitted): void {
    this.events.push(e);
  }
  async hangup(reason?: CallEndReason, headers?: [string, string][]): Promise<void> {
    this.hangups.push({ reason, headers });
    this.end('local-bye');
  }
  async transfer(r: TransferRequest): Promise<ReferOutcome> {
    this.transfers.push(r);
    return this.referOutcome;
  }
  async sendInfo(o: { headers?: [string, string][]; body?: string; contentType?: string }): Promise<void> {
    this.infos.push(o);
  }
  addCustomCdr(data: Record<string, unknown>): void {
    this.customCdr = Object.assign(this.customCdr ?? {}, data);
  }
  readonly streams: (Record<string, string> | 'stop')[] = [];
  /** What `startStream` answers (undefined: started). */
  streamError?: string;
  startStream(parameters: Record<string, string>): string | undefined {
    this.streams.push(parameters);
    return this.streamError;
  }
  stopStream(): void {
    this.streams.push('stop');
  }

  press(digit: string): void {
    for (const l of this.#dtmf) l(digit);
  }
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.#ended) l(reason);
  }
  eventsOf(type: string): Emitted[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** A recogniser that hears the next scripted transcript ('' = nothing recognised). */
export class FakeStt implements Stt {
  readonly engine: string;
  /** Offered pauses to judge (like the warm embedded pool). */
  cheapPartials = false;
  readonly turns: SttTurnSettings[] = [];
  transcripts: string[] = [];
  /** The acoustic fit per frame each turn reports, in order (an embedded recogniser's; undefined: none, as remote engines). */
  fits: Array<number | undefined> = [];
  closed = false;
  constructor(engine = 'fake') {
    this.engine = engine;
  }
  startTurn(settings: SttTurnSettings = {}): SttStream {
    this.turns.push(settings);
    const transcript = this.transcripts.shift() ?? '';
    const fit = this.fits.shift();
    const result: Promise<SttOutcome> = Promise.resolve(
      transcript ? { ok: true, result: { transcript, confidence: 0.9, alternatives: [{ transcript, confidence: 0.9 }], final: true, ...(fit !== undefined ? { acousticFitPerFrame: fit } : {}) } } : { ok: false, error: 'no speech' },
    );
    return { push() {}, end() {}, cancel() {}, onInterim() {}, result };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeTts implements Tts {
  readonly engine = 'fake';
  readonly voice = 'default';
  readonly requests: TtsRequest[] = [];
  async *synthesize(r: TtsRequest): AsyncIterable<Int16Array> {
    this.requests.push(r);
    yield new Int16Array(160);
  }
  async close(): Promise<void> {}
  get spoken(): string[] {
    return this.requests.map((r) => r.text);
  }
}

export type Answer = Partial<TurnResponse> | Error | 'hang';

/** A dialog that answers from a script: one answer per turn (an Error is thrown; 'hang' never answers until aborted). */
export class FakeDialog implements Dialog {
  readonly requests: TurnRequest[] = [];
  readonly answers: Answer[] = [];
  /** Context the dialog keeps (sent back with every answer). */
  context: Record<string, unknown> = {};
  closed = false;
  constructor(...answers: Answer[]) {
    this.answers.push(...answers);
  }
  async turn(req: TurnRequest, signal?: AbortSignal): Promise<TurnResponse> {
    this.requests.push(req);
    const a = this.answers.shift() ?? {};
    if (a instanceof Error) throw a;
    if (a === 'hang') {
      return new Promise((_, reject) => {
        // As the HTTP providers do: an aborted request is a DialogError of kind 'aborted'.
        const fail = () => reject(new DialogError('aborted', 'request aborted'));
        if (signal?.aborted) fail();
        else signal?.addEventListener('abort', fail, { once: true });
      });
    }
    return { text: [], actions: [], warnings: [], ...a, context: { ...this.context, ...req.context, ...a.context } };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  inputs(): string[] {
    return this.requests.map((r) => ('text' in r.input ? r.input.text : `dtmf:${r.input.dtmf}`));
  }
}
