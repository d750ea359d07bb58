/**
 * `SensitiveState`: the per-call sensitive switch. One object per call, shared by everything that
 * sends the caller's words or audio somewhere — the turn loop (dialog tokens, TTS cache), the event
 * bus (transcripts and keys as `[SENSITIVE]`), the recorder (silence, marked as a pause) and any
 * stream to a third party (muted) — so turning it on or off takes effect everywhere at once.
 *
 * Who turns it on, and why, is kept as a set of reasons: the dialog (`hgActSensitive`, which a local
 * flow step marked sensitive becomes) or the gateway itself when the agent asks for a card number,
 * security code, PIN or account number (`expected:<TYPE>`). The switch is on while any reason holds:
 * a prompt that moves on drops its own `expected:` reason but not the dialog's. The dialog's
 * `hgActSensitive {on:false}` ends them all at once (the dialog says the secret part is over).
 *
 * Events (`change`) and the intervals carry when and why, never what was said: the counts of words
 * and digits that were withheld are all that is kept of the input.
 */
import { EventEmitter } from 'node:events';
import type { PiiType } from '../privacy/index.js';

/** What the gateway turns the switch on for by itself: the dialog expects one of these. */
export const SENSITIVE_EXPECTATIONS: ReadonlySet<PiiType> = new Set<PiiType>(['CREDIT_DEBIT_NUMBER', 'CREDIT_DEBIT_CVV', 'PIN', 'BANK_ACCOUNT_NUMBER']);

/** The text that stands for withheld caller input in logs, events, training and caches. */
export const SENSITIVE_PLACEHOLDER = '[SENSITIVE]';

/** `dialog`: `hgActSensitive` (also a local flow's `sensitive: true` step); `expected:<TYPE>`: the prompt asked for a secret. */
export type SensitiveReason = 'dialog' | `expected:${PiiType}`;

export interface SensitiveInterval {
  /** Epoch ms. */
  from: number;
  to?: number;
  reasons: SensitiveReason[];
  /** Caller words and DTMF keys withheld while on. */
  words: number;
  digits: number;
}

export interface SensitiveChange {
  on: boolean;
  reasons: SensitiveReason[];
  at: number;
}

export class SensitiveState extends EventEmitter<{ change: [SensitiveChange] }> {
  readonly #reasons = new Set<SensitiveReason>();
  readonly #intervals: SensitiveInterval[] = [];

  constructor(private readonly epochMs: () => number) {
    super();
  }

  /** The switch is on (any reason holds). */
  get active(): boolean {
    return this.#reasons.size > 0;
  }

  get reasons(): SensitiveReason[] {
    return [...this.#reasons];
  }

  /** Adds a reason; the switch turns on if it was off. */
  set(reason: SensitiveReason): void {
    if (this.#reasons.has(reason)) return;
    const was = this.active;
    this.#reasons.add(reason);
    if (!was) this.#intervals.push({ from: this.epochMs(), reasons: [reason], words: 0, digits: 0 });
    else this.#current()!.reasons.push(reason);
    if (!was) this.emit('change', { on: true, reasons: this.reasons, at: this.epochMs() });
  }

  /** Removes a reason; the switch turns off when none is left. */
  clear(reason: SensitiveReason): void {
    if (!this.#reasons.delete(reason) || this.active) return;
    this.#close();
  }

  /** Removes every reason of one kind (`expected:` ones when the expectation moves on). */
  clearWhere(match: (r: SensitiveReason) => boolean): void {
    for (const r of [...this.#reasons]) if (match(r)) this.#reasons.delete(r);
    if (!this.active && this.#current()) this.#close();
  }

  /** Everything off at once (the call ended, or the dialog's `hgActSensitive {on:false}` with `all`). */
  clearAll(): void {
    if (!this.active) return;
    this.#reasons.clear();
    this.#close();
  }

  /** Counts caller input withheld while on (words of a transcript, keys pressed). */
  withheld(words: number, digits: number): void {
    const cur = this.#current();
    if (!cur) return;
    cur.words += words;
    cur.digits += digits;
  }

  /** The intervals so far (copies; the open one has no `to`). */
  intervals(): SensitiveInterval[] {
    return this.#intervals.map((i) => ({ ...i, reasons: [...i.reasons] }));
  }

  #current(): SensitiveInterval | undefined {
    const last = this.#intervals.at(-1);
    return last && last.to === undefined ? last : undefined;
  }

  #close(): void {
    const cur = this.#current();
    if (cur) cur.to = this.epochMs();
    this.emit('change', { on: false, reasons: [], at: this.epochMs() });
  }
}

/** Words in a transcript (what a withheld utterance is counted as). */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
