/**
 * The privacy gate every event passes before it is written to the outbox (and therefore before
 * it can leave the gateway). `EventGate` is the seam: the privacy module's policy engine will
 * plug in through the same function type; until then `createDefaultEventGate()` is the
 * conservative built-in default (invariant I2):
 *
 * - caller/utterance text dropped: `turn.stt.text`, `turn.dialog.request.text`,
 *   `turn.dialog.response.text`, `transcription.text`;
 * - DTMF digits dropped (they may be card numbers or PINs), the digit count kept;
 * - phone numbers (`cdr.caller`, `cdr.callee`, `cdr.transfer.target`, `transfer.target`)
 *   obfuscated with `obfuscatePhone` (last four digits → `XXXX`);
 * - free text we generate but that may quote input (`cdr.warnings`, `cdr.errors`, action
 *   errors) has digit runs and e-mail addresses masked;
 * - custom CDR data (`vgwActAddCustomCDRData`) dropped, except keys the application lists in
 *   `forwarding.customCdrFields`; a kept string value still has digit runs and e-mail masked.
 *   Rationale: the dialog can put anything there, including what the caller said; an explicit
 *   per-key allow list is the only safe default.
 *
 * Every path touched is appended to `redactions`. Returning `null` drops the event.
 * The gate runs before the outbox write so raw PII never reaches the outbox file on disk.
 */
import { obfuscatePhone } from '../privacy/index.js';
import { applyPhoneKeepingForm } from '../privacy/index.js';
import type { DetectionContext } from '../privacy/index.js';
import type { ReportEvent } from './schemas.js';

/**
 * `detection` is the call's context for this event (its own numbers, what the agent asked for,
 * digits continuing a run — see CallPrivacy), when the reporter knows it.
 */
export type EventGate = (event: ReportEvent, detection?: DetectionContext) => ReportEvent | null;

export interface DefaultGateOptions {
  /** Custom CDR keys that may be forwarded (values still masked). Default: none. */
  customCdrFields?: readonly string[];
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const DIGIT_RUN = /\+?\d(?:[\s().-]?\d){3,}/g;

/** Masks e-mail addresses and runs of 4+ digits in free text. */
export function maskFreeText(text: string): string {
  return text.replace(EMAIL, '[EMAIL]').replace(DIGIT_RUN, '[NUMBER]');
}

/** `obfuscatePhone` after stripping a URI form (`tel:+1…`, `sip:+1…@host;user=phone`). */
export function obfuscateNumber(raw: string): string {
  return obfuscatePhone(raw.trim().replace(/^(tel:|sips?:)/i, '').replace(/[;@].*$/, ''));
}

/** A URI keeps its form; only its user part is obfuscated (`sip:+1555010XXXX@host`). */
export function obfuscateUri(raw: string): string {
  return applyPhoneKeepingForm(raw, { redact: 'obfuscate' }, {}) ?? '[REDACTED]';
}

export function createDefaultEventGate(opts: DefaultGateOptions = {}): EventGate {
  const allowedCustom = new Set(opts.customCdrFields ?? []);
  return (input) => {
    const redactions: string[] = input.redactions ? [...input.redactions] : [];
    switch (input.type) {
      case 'cdr': {
        const e = { ...input };
        if (e.caller !== undefined) (e.caller = obfuscateNumber(e.caller)), redactions.push('caller');
        if (e.callee !== undefined) (e.callee = obfuscateNumber(e.callee)), redactions.push('callee');
        if (e.sipFromUri !== undefined) (e.sipFromUri = obfuscateUri(e.sipFromUri)), redactions.push('sipFromUri');
        if (e.sipToUri !== undefined) (e.sipToUri = obfuscateUri(e.sipToUri)), redactions.push('sipToUri');
        if (e.transfer?.target !== undefined) {
          e.transfer = { ...e.transfer, target: obfuscateNumber(e.transfer.target) };
          redactions.push('transfer.target');
        }
        e.warnings = e.warnings.map(maskFreeText);
        e.errors = e.errors.map(maskFreeText);
        if (e.customData) {
          const kept: Record<string, string | number | boolean> = {};
          let any = false;
          for (const [k, v] of Object.entries(e.customData)) {
            if (allowedCustom.has(k)) {
              kept[k] = typeof v === 'string' ? maskFreeText(v) : v;
              any = true;
            } else redactions.push(`customData.${k}`);
          }
          if (any) e.customData = kept;
          else delete e.customData;
        }
        return withRedactions(e, redactions);
      }
      case 'turn': {
        const e = { ...input };
        if (e.stt?.text !== undefined) {
          const { text: _t, ...rest } = e.stt;
          e.stt = rest;
          redactions.push('stt.text');
        }
        if (e.dialog.request.text !== undefined || e.dialog.response.text !== undefined) {
          const { text: reqText, ...request } = e.dialog.request;
          const { text: resText, ...response } = e.dialog.response;
          if (reqText !== undefined) redactions.push('dialog.request.text');
          if (resText !== undefined) redactions.push('dialog.response.text');
          e.dialog = { ...e.dialog, request, response };
        }
        e.actions = e.actions.map((a) => (a.error === undefined ? a : { ...a, error: maskFreeText(a.error) }));
        return withRedactions(e, redactions);
      }
      case 'transcription': {
        if (input.text === undefined) return input;
        const { text: _t, ...rest } = input;
        redactions.push('text');
        return withRedactions(rest, redactions);
      }
      case 'dtmf': {
        if (input.digits === undefined) return input;
        const { digits: _d, ...rest } = input;
        redactions.push('digits');
        return withRedactions(rest, redactions);
      }
      case 'transfer': {
        if (input.target === undefined) return input;
        redactions.push('target');
        return withRedactions({ ...input, target: obfuscateNumber(input.target) }, redactions);
      }
    }
  };
}

function withRedactions<T extends ReportEvent>(event: T, redactions: string[]): T {
  if (redactions.length === 0) return event;
  return { ...event, redactions };
}

/** The built-in conservative gate with no custom CDR fields allowed. */
export const defaultEventGate: EventGate = createDefaultEventGate();
