/**
 * The DTMF event every source reports in the same shape (RFC 4733 telephone-events, SIP INFO),
 * and the digit ↔ RFC 4733 event-code mapping.
 *
 * Owns: vocabulary only. `call/` consumes `DtmfEvent` without caring where a digit came from.
 */

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

export type DtmfSource = 'rfc4733' | 'sip-info';

export interface DtmfEvent {
  digit: DtmfDigit;
  /** How long the key was held, ms (as reported by the sender). */
  durationMs: number;
  /** Power level in −dBm0 (0–63; larger is quieter). `null` when the source does not say (SIP INFO). */
  volume: number | null;
  source: DtmfSource;
}

const DIGITS: readonly DtmfDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

/** RFC 4733 §3.2 event code (0–15) → digit, or `null` for other events (flash, tones, ...). */
export function digitFromEventCode(code: number): DtmfDigit | null {
  return code >= 0 && code < 16 ? DIGITS[code]! : null;
}

/** Digit → RFC 4733 event code. Accepts lower-case a–d. */
export function eventCodeFromDigit(digit: string): number | null {
  const i = DIGITS.indexOf(digit.toUpperCase() as DtmfDigit);
  return i < 0 ? null : i;
}

export function isDtmfDigit(s: string): s is DtmfDigit {
  return (DIGITS as readonly string[]).includes(s);
}
