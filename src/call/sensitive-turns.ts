/**
 * What the sensitive switch (sensitive-state.ts) means for the voice agent's turns, kept out of the
 * turn loop so it reads in one place:
 * - the gateway turns the switch on by itself when the agent's prompt asks for a card number,
 *   security code, PIN or account number (the expectation `CallPrivacy` reads from the prompt), and
 *   drops that reason when a later prompt asks for something else;
 * - a caller turn taken while on is marked `sensitive` (the dialog gate then sends tokens only,
 *   whatever the policy says) and its words are counted as withheld;
 * - a transcription taken while on reaches the event bus (and so events and training) as
 *   `[SENSITIVE]` with a word count;
 * - audio for a recogniser outside the process is muted while on (silence of the same length).
 */
import type { Utterance } from '../media/index.js';
import type { TurnPrivacy } from '../privacy/index.js';
import type { PiiType } from '../privacy/index.js';
import type { Stt } from '../speech/index.js';
import { SENSITIVE_EXPECTATIONS, SENSITIVE_PLACEHOLDER, wordCount, type SensitiveState } from './sensitive-state.js';

export interface TranscriptionFields {
  transcript: string;
  alternatives: { transcript: string; confidence?: number }[];
  sensitive?: { words: number };
}

/** Each caller turn as gated: for the privacy receipt's counts (src/receipts/ledger.ts). */
export type InputObserver = (input: { text?: string; dtmf?: string }, privacy: TurnPrivacy) => void;

export class SensitiveTurns {
  constructor(
    readonly state: SensitiveState,
    private readonly observe: InputObserver = () => {},
  ) {}

  get on(): boolean {
    return this.state.active;
  }

  /** The agent's prompt was read for what it asks: a secret turns the switch on, anything else drops that reason. */
  agentAsked(expect: PiiType | undefined): void {
    const sensitive = expect !== undefined && SENSITIVE_EXPECTATIONS.has(expect);
    this.state.clearWhere((r) => r.startsWith('expected:') && !(sensitive && r === `expected:${expect}`));
    if (sensitive) this.state.set(`expected:${expect}`);
  }

  /** A caller turn's gating, marked while the switch is on (keys were counted as they were pressed). */
  callerTurn(privacy: TurnPrivacy, input: { text?: string; dtmf?: string }): TurnPrivacy {
    const gated = this.state.active ? { ...privacy, sensitive: true } : privacy;
    if (this.state.active && input.text !== undefined) this.state.withheld(wordCount(input.text), 0);
    this.observe(input, gated);
    return gated;
  }

  /** The transcription event's text: as recognised, or the placeholder with its word count. */
  transcription(transcript: string, alternatives: TranscriptionFields['alternatives'], privacy: TurnPrivacy): TranscriptionFields {
    if (!privacy.sensitive) return { transcript, alternatives };
    return { transcript: SENSITIVE_PLACEHOLDER, alternatives: [], sensitive: { words: wordCount(transcript) } };
  }

  /** The utterance as a recogniser may hear it: muted for a third party while the switch is on. */
  audioFor(stt: Stt, u: Utterance): Utterance {
    if (!this.state.active || stt.local) return u;
    return { ...u, audio: new Int16Array(u.audio.length) };
  }
}
