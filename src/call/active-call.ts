/**
 * A call the gateway has answered, as applications' behaviours (hold, loopback, agent), the admin
 * API and event consumers see it: its record (`CallInfo`, the CDR's source), its route, its
 * signalling and its audio.
 */
import { EventEmitter } from 'node:events';
import type { InviteServerSession, EndReason } from '../sip/index.js';
import type { NegotiatedAudio } from '../sdp/index.js';
import type { Route } from '../tenancy/index.js';
import type { DtmfEvent } from '../media/index.js';
import type { CallAudio } from './call-audio.js';
import type { CallEvent, MediaStatsSnapshot } from './call-events.js';
import type { SensitiveState } from './sensitive-state.js';
import type { RecordingControl } from './recording-control.js';

export type CallEndReason = EndReason | 'max-duration' | 'hold-complete' | 'no-sdp-answer' | 'sdp-answer-refused';

export interface CallInfo {
  callId: string;
  accountId: string;
  applicationId: string;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  /**
   * `no-sdp-answer`: we offered in the 200 (late offer) and the ACK brought no answer;
   * `sdp-answer-refused`: the ACK's answer was unusable or dropped what the application requires (SRTP).
   */
  endReason?: CallEndReason;
  audio?: NegotiatedAudio;
  media?: MediaStatsSnapshot;
  /** Custom CDR data added by the dialog (`vgwActAddCustomCDRData`). */
  customCdr?: Record<string, unknown>;
}

/** Key presses of a call from every source: RFC 4733 events and SIP INFO bodies, parsed once. */
export type CallKeys = EventEmitter<{ dtmf: [DtmfEvent] }>;

export interface ActiveCall {
  readonly info: CallInfo;
  readonly route: Route;
  readonly session: InviteServerSession;
  readonly media: CallAudio;
  readonly keys: CallKeys;
  /** The call's sensitive switch (sensitive-state.ts): everything that sends caller data out reads it. */
  readonly sensitive: SensitiveState;
  /** The call's recording, when its application records (pause/resume, consent). */
  recording?: RecordingControl;
  /** Directory relative paths in the application's settings (greeting) resolve against. */
  readonly baseDir?: string;
  /** Emit a CallEvent for this call (stamped with its ids). */
  emit(event: Record<string, unknown> & { type: CallEvent['type'] }): void;
  /** Hang up from our side (BYE, with `headers` if given); the reason goes into the CDR. */
  hangup(reason?: CallEndReason, headers?: [string, string][]): Promise<void>;
}

/** What an application does once the call is answered (hold, loopback, agent). */
export type CallBehaviour = (call: ActiveCall) => void;
