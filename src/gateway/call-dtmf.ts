/**
 * A call's DTMF as forwarding reports it: digits gathered into one `dtmf` event until `#`, the
 * next turn or the end of the call (one keypad entry, one event), with the method of the latest
 * digit. Per call; nothing here leaves the call until the report goes through the gate.
 */
import type { ReportEventInput } from '../events/index.js';
import type { ReportBase } from './report-mapping.js';

export class CallDtmfBuffer {
  #digits = '';
  #method: 'rfc4733' | 'sip-info' = 'rfc4733';

  get pending(): boolean {
    return this.#digits.length > 0;
  }

  /** Adds a digit; true when it closes the entry (`#`), so the caller flushes now. */
  add(digit: string, source: unknown): boolean {
    this.#digits += digit;
    this.#method = source === 'sip-info' ? 'sip-info' : 'rfc4733';
    return digit === '#';
  }

  /** The gathered digits as a `dtmf` report event (and an empty buffer), or undefined when none. */
  take(base: ReportBase, eventId: string): ReportEventInput | undefined {
    if (!this.#digits) return undefined;
    const digits = this.#digits;
    this.#digits = '';
    return { ...base, eventId, schemaVersion: 1, type: 'dtmf', digits, digitCount: digits.length, method: this.#method, collection: digits.length > 1 ? 'collect' : 'single' };
  }
}
