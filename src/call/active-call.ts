/**
 * A call the gateway has answered, as applications' behaviours (hold, loopback, agent), the admin
 * API and event consumers see it: its record (`CallInfo`, the CDR's source), its route, its
 * signalling and its audio.
 */
import { EventEmitter } from 'node:events';
import type { EndReason, SipRequest } from '../sip/index.js';
import type { SipResponse } from '../sip/index.js';
import type { NegotiatedAudio } from '../sdp/index.js';
import type { Route } from '../tenancy/index.js';
import type { DtmfEvent } from '../media/index.js';
import type { CallAudioPort } from './call-audio-port.js';
import type { CallEvent, MediaStatsSnapshot } from './call-events.js';
import type { SensitiveState } from './sensitive-state.js';
import type { RecordingControl } from './recording-control.js';

/** `busy`, `no-answer`, `failed`: an outbound call the far end did not answer (the SIP status is on its events). */
export type CallEndReason = EndReason | 'max-duration' | 'hold-complete' | 'no-sdp-answer' | 'sdp-answer-refused' | 'busy' | 'no-answer' | 'failed' | 'media-failed';

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

/**
 * The signalling of a call as behaviours see it, whichever side placed it: an `InviteServerSession`
 * (inbound) or the outbound adapter over an `InviteClientSession` (outbound-session.ts).
 */
export interface CallSession {
  readonly state: string;
  /** The INVITE that made the call: the caller's for inbound calls, ours for outbound ones. */
  readonly request: SipRequest;
  /** The From user part (our caller ID on outbound calls); PII. */
  readonly callerUser: string | undefined;
  readonly dialog?: { readonly localHeader: string };
  once(event: 'ended', listener: (reason: EndReason) => void): unknown;
  on(event: 'info', listener: (req: SipRequest) => void): unknown;
  off(event: 'info', listener: (req: SipRequest) => void): unknown;
  sendInDialog(method: string, opts?: { headers?: [string, string][]; body?: Buffer; contentType?: string }): Promise<SipResponse | undefined>;
  bye(reason?: EndReason, headers?: [string, string][]): Promise<unknown>;
}

/** Key presses of a call from every source: RFC 4733 events and SIP INFO bodies, parsed once. */
export type CallKeys = EventEmitter<{ dtmf: [DtmfEvent] }>;

export interface ActiveCall {
  readonly info: CallInfo;
  readonly route: Route;
  readonly session: CallSession;
  /** Who placed the call: the caller (`inbound`) or this gateway through a trunk (`outbound`). */
  readonly direction: 'inbound' | 'outbound';
  readonly media: CallAudioPort;
  readonly keys: CallKeys;
  /** The call's sensitive switch (sensitive-state.ts): everything that sends caller data out reads it. */
  readonly sensitive: SensitiveState;
  /** The call's recording, when its application records (pause/resume, consent). */
  recording?: RecordingControl;
  /** Directory relative paths in the application's settings (greeting) resolve against. */
  readonly baseDir?: string;
  /** Variables the request that placed an outbound call gave for the application's dialog. */
  readonly variables?: Record<string, unknown>;
  /** Emit a CallEvent for this call (stamped with its ids). */
  emit(event: Record<string, unknown> & { type: CallEvent['type'] }): void;
  /** Hang up from our side (BYE, with `headers` if given); the reason goes into the CDR. */
  hangup(reason?: CallEndReason, headers?: [string, string][]): Promise<void>;
}

/** What an application does once the call is answered (hold, loopback, agent). */
export type CallBehaviour = (call: ActiveCall) => void;
