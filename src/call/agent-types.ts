/** What a voice-agent call is built from, and what it measures per turn. */
import type { Logger } from 'pino';
import type { Dialog } from '../dialog/index.js';
import type { GatewayTurnState } from '../dialog/index.js';
import type { BargeInConfig, Stt, Tts } from '../speech/index.js';
import type { PrivacyPolicy } from '../privacy/index.js';
import type { TurnPrivacy } from '../privacy/index.js';
import type { Clock } from '../time/index.js';
import type { ServiceBuilder } from './call-services.js';
import type { EarlyEndSettings } from './early-end.js';

export interface AgentDeps {
  dialog: Dialog;
  /** The dialog runs outside the process (webhook, Watson, LLM): the privacy gate applies. */
  remoteDialog: boolean;
  stt: Stt;
  tts: Tts;
  policy: PrivacyPolicy;
  defaultCountry: string;
  log: Logger;
  /** Turn timing observer (metrics). */
  onTurnTimings?: (t: TurnTimings) => void;
  /** Builds the engines and dialogs a dialog switches to mid-call (`vgwActSet*Config` with credentials or a new target). */
  services?: ServiceBuilder;
  clock?: Clock;
  /** What happens when the caller interrupts a prompt (speech.bargeIn; barge-in.ts). Default: pause, resume after a backchannel, English list. */
  bargeIn?: BargeInConfig;
  /** Adaptive endpointing (early-end.ts); default on with a 240 ms short hangover. */
  endpointing?: EarlyEndSettings;
  /** Per-call context IBM Voice Gateway sent that the call itself does not know (tenant, caller pseudonym, chosen INVITE headers). */
  identity?: CallIdentity;
}

/** What fills `vgwTenantID`, `context.metadata.user_id` and `vgwSIPCustomInviteHeaders`. */
export interface CallIdentity {
  tenantId?: string;
  userId?: string;
  customInviteHeaders?: Record<string, string>;
}

export interface TurnTimings {
  turn: number;
  /** Caller stopped speaking → endpointer declared the utterance over (the hangover). */
  endpointingMs?: number;
  sttMs?: number;
  dialogMs: number;
  /** TTS request → first audio chunk. */
  ttsFirstAudioMs?: number;
  /** End of caller speech (or DTMF/no-input trigger) → first reply frame handed to the player. */
  totalToFirstAudioMs?: number;
  cacheHit?: boolean;
}

export interface TurnOptions {
  isFirst?: boolean;
  /** When the input became final (clock.now() timeline). */
  trigger?: number;
  endpointingMs?: number;
  sttMs?: number;
  state?: Partial<GatewayTurnState>;
  privacy?: TurnPrivacy;
}
