/**
 * CallEvents: what a call emits on the gateway's event bus. Consumers (event forwarding,
 * training capture, metrics, tests) subscribe; none of them is called by the call directly, and
 * every consumer that sends data out of the process passes it through the privacy gate first.
 * Payloads here are raw (they may hold caller data): they never go to logs as they are.
 */
import type { DtmfEvent } from '../media/index.js';
import type { TurnPrivacy } from '../privacy/index.js';
import type { SensitiveInterval, SensitiveReason } from './sensitive-state.js';
import type { RecordingSummary } from './recording-control.js';

interface Base {
  callId: string;
  accountId: string;
  applicationId: string;
  region: string;
  time: number;
  /** Set on every event of a call this gateway placed (POST /v1/calls); absent on inbound calls. */
  direction?: 'outbound';
}

export interface CallStartedEvent extends Base {
  type: 'call.started';
  from: string;
  to: string;
  requestUri: string;
  transport: string;
}

/** An outbound call's progress: trying, ringing, answered, or how it failed (busy, no-answer, failed, cancelled). */
export interface CallProgressEvent extends Base {
  type: 'call.progress';
  state: 'trying' | 'ringing' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'cancelled';
  sipStatus?: number;
}

/** A media stream to a bot (application `mode: stream`, or a dialog action) connected, dropped, muted or ended. */
export interface StreamCallEvent extends Base {
  type: 'stream.started' | 'stream.stopped' | 'stream.reconnecting';
  streamSid: string;
  /** The bot's URL without query or credentials. */
  url: string;
  format: string;
  reason?: string;
}

export interface DtmfCallEvent extends Base {
  type: 'dtmf';
  /** Empty while the sensitive switch is on (`sensitive: true`): the key is counted, never reported. */
  digit: string;
  sensitive?: boolean;
  durationMs: number;
  source: DtmfEvent['source'];
}

export interface MediaStatsSnapshot {
  codec?: string;
  packetsReceived: number;
  packetsSent: number;
  lost: number;
  jitterMs: number;
  mos: number;
  malformed: number;
  framesDecoded: number;
  framesConcealed: number;
  framesSent: number;
  jitterBuffer?: { late: number; dropped: number; duplicate: number; underruns: number; resets: number; depthMs: number };
}

export interface CallEndedEvent extends Base {
  type: 'call.ended';
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  endReason: string;
  media?: MediaStatsSnapshot;
  /** `vgwActAddCustomCDRData` fields the dialog added (raw: the privacy gate decides what leaves). */
  customCdr?: Record<string, unknown>;
  /** An outbound call that was not answered: the final SIP status (486, 487, 503 …). */
  sipStatus?: number;
  /** When the sensitive switch was on and why (never what was said). */
  sensitive?: SensitiveInterval[];
  /** The call's recording: consent outcome, pauses, whether anything was stored. */
  recording?: RecordingSummary;
}

/** The sensitive switch turned on or off (sensitive-state.ts); `reasons` say why, nothing of what was said. */
export interface SensitiveChangedEvent extends Base {
  type: 'sensitive.changed';
  on: boolean;
  reasons: SensitiveReason[];
}

export interface TurnCompletedEvent extends Base {
  type: 'turn.completed';
  turn: number;
  endpointingMs?: number;
  sttMs?: number;
  dialogMs?: number;
  ttsFirstAudioMs?: number;
  totalToFirstAudioMs?: number;
  responses?: number;
  /** Set when the dialog failed this turn (`timeout`, `bad-response`, ...). */
  error?: string;
  /** How the caller's input of this turn is gated (what was expected, digits continuing a run). */
  privacy?: TurnPrivacy;
}

export interface TranscriptionCallEvent extends Base {
  type: 'transcription';
  turn: number;
  /** `[SENSITIVE]` while the sensitive switch is on (`sensitive` holds the counts). */
  transcript: string;
  sensitive?: { words: number };
  confidence: number;
  alternatives: { transcript: string; confidence?: number }[];
  /** How this utterance is gated (what the agent asked for, digits continuing a run): see CallPrivacy. */
  privacy?: TurnPrivacy;
}

export interface TransferCallEvent extends Base {
  type: 'transfer.started' | 'transfer.completed' | 'transfer.failed';
  target?: string;
  method?: string;
  result?: string;
  reason?: string;
}

/**
 * One caller turn as the agent took it (raw: speech as recognised, keys as pressed) with how it was
 * gated. Only the privacy receipt ledger reads it, to count what each destination got; it never
 * leaves the process.
 */
export interface CallerInputEvent extends Base {
  type: 'caller.input';
  text?: string;
  dtmf?: string;
  privacy: TurnPrivacy;
}

export type CallEvent = CallerInputEvent | SensitiveChangedEvent | CallStartedEvent | CallProgressEvent | StreamCallEvent | DtmfCallEvent | CallEndedEvent | TurnCompletedEvent | TranscriptionCallEvent | TransferCallEvent;
