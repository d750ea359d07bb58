/**
 * A call's DTMF as forwarding reports it: digits gathered into one `dtmf` event until `#`, the
 * next turn or the end of the call (one keypad entry, one event), with the method of the latest
 * digit. Per call; nothing here leaves the call until the report goes through the gate.
 * Keys pressed while the sensitive switch was on arrive without a digit: they are counted, and the
 * entry they belong to is reported with its count only (`redactions: ["digits"]`).
 */
import type { ReportEventInput } from '../events/index.js';
import type { ReportBase } from './report-mapping.js';

export class CallDtmfBuffer {
  #digits = '';
  /** Keys pressed while the sensitive switch was on: counted, never reported. */
  #withheld = 0;
  #method: 'rfc4733' | 'sip-info' = 'rfc4733';

  get pending(): boolean {
    return this.#digits.length + this.#withheld > 0;
  }

  /** Adds a digit (`sensitive`: a key without its digit); true when it closes the entry (`#`), so the caller flushes now. */
  add(digit: string, source: unknown, sensitive = false): boolean {
    if (sensitive) this.#withheld++;
    else this.#digits += digit;
    this.#method = source === 'sip-info' ? 'sip-info' : 'rfc4733';
    return digit === '#';
  }

  /** The gathered digits as a `dtmf` report event (and an empty buffer), or undefined when none. */
  take(base: ReportBase, eventId: string): ReportEventInput | undefined {
    if (!this.pending) return undefined;
    const digits = this.#digits;
    const withheld = this.#withheld;
    this.#digits = '';
    this.#withheld = 0;
    const count = digits.length + withheld;
    const common = { ...base, eventId, schemaVersion: 1 as const, type: 'dtmf' as const, digitCount: count, method: this.#method, collection: count > 1 ? ('collect' as const) : ('single' as const) };
    return withheld ? { ...common, redactions: ['digits'] } : { ...common, digits };
  }
}
