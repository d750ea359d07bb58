/** What a call's recording is made of, as the call layer hands it to storage (call/call-recording.ts → service.ts). */

export type ConsentMode = 'none' | 'announce' | 'explicit';

/**
 * `not-required` (consent none), `announced` (announcement played in full), `agreed` (the caller
 * pressed the key or said the phrase), `announcement-cut` (barge-in, a prompt failure), `refused`
 * (no agreement in time, or another key), `caller-hung-up` (before consent), `pending`.
 */
export type ConsentOutcome = 'not-required' | 'announced' | 'agreed' | 'announcement-cut' | 'refused' | 'caller-hung-up' | 'pending';

export type PauseReason = 'sensitive' | 'dialog' | 'admin';

export interface RecordingPause {
  /** Offsets into the recording (ms). */
  fromMs: number;
  toMs?: number;
  reasons: PauseReason[];
}

export interface RecordedAudio {
  id: string;
  wav: Uint8Array;
  durationMs: number;
  channels: 'mono' | 'stereo';
  pauses: RecordingPause[];
  consent: ConsentMode;
  outcome: ConsentOutcome;
}

