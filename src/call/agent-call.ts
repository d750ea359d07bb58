/**
 * The call as the voice agent sees it: caller audio and prompts, key presses, the call's identity,
 * and the few things an agent does to a call (emit events, hang up, transfer, send INFO, add CDR
 * data). Narrow on purpose: the agent knows nothing of SIP messages, sockets or SDP, and its unit
 * tests drive it with an in-memory call. `agentCallOf` adapts a live `ActiveCall`.
 */
import type { PauseSnapshot, Utterance } from '../media/index.js';
import type { PlaySource, VadKind } from '../media/index.js';
import { refer, type ReferOutcome } from '../sip/index.js';
import type { Clock } from '../time/index.js';
import type { BargeInConfig } from '../speech/index.js';
import { pino, type Logger } from 'pino';
import { startCallStream } from './stream/behaviour.js';
import { streamsOfCall } from './stream/bot-stream.js';
import type { ActiveCall, CallEndReason } from './active-call.js';
import type { CallAudioPort } from './call-audio-port.js';
import type { CallEvent } from './call-events.js';
import type { SensitiveState } from './sensitive-state.js';
import type { RecordingControl } from './recording-control.js';
import { bargeInDetectorOptionsOf } from './barge-in.js';

export interface AgentMediaEvents {
  utterance: [Utterance];
  /** A decoded caller frame, 160 samples, valid only during the event. */
  frame: [Int16Array, number];
  pause: [PauseSnapshot];
  bargeIn: [number];
  /** An utterance too short to be speech was dropped. */
  discard: [number, number];
  speechStart: [number];
  playbackFinished: ['done' | 'stopped'];
}

export interface AgentMedia {
  on<K extends keyof AgentMediaEvents>(event: K, listener: (...args: AgentMediaEvents[K]) => void): unknown;
  /** Feed the endpointer (off while STT is paused). */
  listening: boolean;
  readonly playing: boolean;
  play(source: PlaySource): void;
  /** Stop playout within one frame. */
  stopPlayback(): void;
  /** Hold the prompt where it is (a possible barge-in being judged) / go on from there. */
  pausePlayback(): void;
  resumePlayback(): void;
  /** The caller is inside an utterance (speaking, or paused for less than the hangover). */
  readonly callerSpeaking: boolean;
  /** End the caller's utterance at this pause once its silence reaches `hangoverMs`; false if the pause is over. */
  endAtPause(id: number, hangoverMs: number): boolean;
  /** RFC 4733 digit; false when no telephone-event was negotiated. */
  sendDtmf(digit: string, durationMs?: number): boolean;
}

export interface TransferRequest {
  target: string;
  headers: [string, string][];
  acceptCodes?: readonly number[];
  signal: AbortSignal;
}

export interface AgentCall {
  readonly callId: string;
  /** The INVITE's From and To header values and Request-URI (the dialog's `vgwSIP*` variables). */
  readonly from: string;
  readonly to: string;
  readonly requestUri: string;
  /** `outbound` when the gateway placed the call; the dialog sees it as `vgwCallDirection`. */
  readonly direction?: 'inbound' | 'outbound';
  /** Variables of the request that placed an outbound call (`vgwCallVariables`). */
  readonly variables?: Record<string, unknown>;
  /** The application reports transcriptions from the start. */
  readonly transcriptionReports: boolean;
  readonly media: AgentMedia;
  /** The call's sensitive switch (shared with the event bus and the recorder). */
  readonly sensitive: SensitiveState;
  /** The call's recording, when its application records. */
  readonly recording?: RecordingControl;
  onDtmf(listener: (digit: string) => void): void;
  onEnded(listener: (reason: string) => void): void;
  emit(event: Record<string, unknown> & { type: CallEvent['type'] }): void;
  hangup(reason?: CallEndReason, headers?: [string, string][]): Promise<void>;
  /** Blind transfer by REFER (src/sip/refer.ts). */
  transfer(r: TransferRequest): Promise<ReferOutcome>;
  /** An in-dialog INFO (vgwActSendSIPInfo, SIP INFO DTMF). */
  sendInfo(opts: { headers?: [string, string][]; body?: string; contentType?: string }): Promise<void>;
  /** Merge `vgwActAddCustomCDRData` fields into the call's CDR. */
  addCustomCdr(data: Record<string, unknown>): void;
  /** Start the application's media stream (`vgwActStartStream`); an error text when it cannot. */
  startStream(parameters: Record<string, string>): string | undefined;
  /** Stop the streams this call has running (`vgwActStopStream`). */
  stopStream(): void;
}

export function agentCallOf(call: ActiveCall, clock: Clock, streamDeps: { log: Logger; defaultCountry: string } = { log: pino({ level: 'silent' }), defaultCountry: 'US' }): AgentCall {
  const s = call.session;
  const req = s.request;
  return {
    callId: call.info.callId,
    from: req.headers.get('From') ?? '',
    to: req.headers.get('To') ?? '',
    requestUri: `${req.uri.scheme}:${req.uri.user ?? ''}@${req.uri.host}`,
    direction: call.direction,
    ...(call.variables ? { variables: call.variables } : {}),
    transcriptionReports: call.route.application.forwarding.transcriptionReports,
    media: agentMediaOf(call.media, call.route.application.speech.bargeIn, call.route.application.speech.vad),
    sensitive: call.sensitive,
    get recording() {
      return call.recording;
    },
    onDtmf: (l) => call.keys.on('dtmf', (e) => l(e.digit)),
    onEnded: (l) => s.once('ended', l),
    emit: (e) => call.emit(e),
    hangup: (reason, headers) => call.hangup(reason, headers),
    transfer: (r) => refer(s, { target: r.target, headers: r.headers, acceptCodes: r.acceptCodes, signal: r.signal, clock }),
    sendInfo: async (o) => {
      await s.sendInDialog('INFO', { headers: o.headers, body: o.body === undefined ? undefined : Buffer.from(o.body), contentType: o.contentType });
    },
    addCustomCdr: (data) => {
      call.info.customCdr = Object.assign(call.info.customCdr ?? {}, data);
    },
    startStream: (parameters) => {
      const cfg = call.route.application.stream;
      if (!cfg) return 'the application has no stream configured';
      if (streamsOfCall(call.info.callId).length) return 'a stream is already running';
      const r = startCallStream(call, { ...cfg, parameters: { ...cfg.parameters, ...parameters } }, { clock, ...streamDeps });
      return 'error' in r ? r.error : undefined;
    },
    stopStream: () => {
      for (const s of streamsOfCall(call.info.callId)) s.stop('stopped');
    },
  };
}

function agentMediaOf(m: CallAudioPort, bargeIn: BargeInConfig, vad: VadKind): AgentMedia {
  m.setBargeIn(bargeInDetectorOptionsOf(bargeIn, vad)); // the application's rule, judged against what this call sends
  return {
    on: (event, listener) => {
      if (event === 'pause') m.endpointer.offerPauses = true; // snapshots only for a listener that judges them
      return m.on(event, listener as never);
    },
    get listening() {
      return m.listening;
    },
    set listening(v: boolean) {
      m.listening = v;
    },
    get playing() {
      return m.playing;
    },
    play: (s) => m.play(s),
    stopPlayback: () => m.stopPlayback(),
    pausePlayback: () => m.pausePlayback(),
    resumePlayback: () => m.resumePlayback(),
    get callerSpeaking() {
      return m.callerSpeaking;
    },
    endAtPause: (id, ms) => m.endAtPause(id, ms),
    sendDtmf: (d, ms) => m.sendDtmf(d, ms),
  };
}
