/**
 * The call's recording as the rest of the call layer sees it: consent, pause and resume (by the
 * dialog, the admin API or the sensitive switch), and the summary the call record and the privacy
 * receipt carry. The implementation is call-recording.ts; storage is src/recordings/.
 */

import type { ConsentMode, ConsentOutcome, PauseReason, RecordingPause } from '../recordings/index.js';

export type { ConsentMode, ConsentOutcome, PauseReason, RecordingPause };

export interface RecordingSummary {
  consent: ConsentMode;
  outcome: ConsentOutcome;
  /** Audio was captured (consent obtained) and handed to storage. */
  recorded: boolean;
  recordingId?: string;
  durationMs?: number;
  pauses: RecordingPause[];
  /** Storage failed (kind only): the recording is lost, the call went on. */
  error?: string;
}

export interface RecordingConsentSettings {
  mode: ConsentMode;
  /** What is played before recording starts (announce, explicit). */
  announcement?: string;
  /** explicit: the key that agrees (default `1`). */
  key: string;
  /** explicit: a phrase that agrees when heard (lower case words, e.g. "yes"). */
  phrase?: string;
  /** explicit: how long the caller has to agree after the announcement. */
  timeoutMs: number;
}

export interface RecordingControl {
  readonly consent: RecordingConsentSettings;
  /** Consent obtained (or not required): capture starts now. */
  start(outcome: ConsentOutcome): void;
  /** Consent not obtained: nothing is ever captured for this call. */
  refuse(outcome: ConsentOutcome): void;
  readonly paused: boolean;
  pause(reason: PauseReason): void;
  resume(reason: PauseReason): void;
  summary(): RecordingSummary;
  /** The call ended: capture stops, what was captured is stored. */
  finish(): void;
}
