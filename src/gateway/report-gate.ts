/**
 * The privacy gate of event forwarding: an application's privacy policy for the `events`
 * destination as the `EventGate` the outbox runs before every write (invariant I2). Only this file
 * decides what of a report event leaves the call.
 */
import type { EventGate } from '../events/index.js';
import { maskFreeText } from '../events/index.js';
import type { ReportEvent } from '../events/index.js';
import type { DetectionContext } from '../privacy/index.js';
import { applyPhoneKeepingForm, applyPolicy, type PrivacyPolicy, type PolicyContext } from '../privacy/index.js';

/**
 * The application's privacy policy for the `events` destination as an `EventGate`: utterance and
 * dialog text → `transcript` rule, DTMF digits → `dtmf` rule (kept only if the result is still
 * digits; a masked form is recorded as a redaction), caller/callee/transfer target → `from`/`to`
 * rules, custom CDR data → `context` rule for the keys in `customCdrFields` (others dropped).
 * Free text we generate (warnings, errors, action errors) is always masked. Touched paths are
 * listed in `redactions`.
 */
export function policyEventGate(policy: PrivacyPolicy, appCtx: PolicyContext, customCdrFields: readonly string[] = []): EventGate {
  const allowedCustom = new Set(customCdrFields);
  const text = (v: string | undefined, path: string, red: string[], ctx: PolicyContext): string | undefined => {
    if (v === undefined) return undefined;
    const out = applyPolicy('events', { transcript: v }, policy, ctx).transcript;
    if (out !== v) red.push(path);
    return out;
  };
  const phone = (v: string | undefined, field: 'from' | 'to', path: string, red: string[], ctx: PolicyContext): string | undefined => {
    if (v === undefined) return undefined;
    const out = applyPolicy('events', { [field]: v }, policy, ctx)[field];
    if (out !== v) red.push(path);
    return out;
  };
  // A URI keeps its form: only the user part follows the phone rule (IBM consumers parse sip:user@host).
  const uri = (v: string | undefined, field: 'from' | 'to', path: string, red: string[], ctx: PolicyContext): string | undefined => {
    if (v === undefined) return undefined;
    const out = applyPhoneKeepingForm(v, policy.events[field], ctx);
    if (out !== v) red.push(path);
    return out;
  };
  const strip = <T extends object>(o: T): T => {
    for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
    return o;
  };
  return (input: ReportEvent, detection?: DetectionContext): ReportEvent | null => {
    // the call's own context for this event (its numbers, digits across turns) joins the application's
    const ctx = detection ? { ...appCtx, detection } : appCtx;
    const red: string[] = input.redactions ? [...input.redactions] : [];
    const done = <T extends ReportEvent>(e: T): T => (red.length ? { ...e, redactions: red } : e);
    switch (input.type) {
      case 'cdr': {
        const e = { ...input };
        e.caller = phone(e.caller, 'from', 'caller', red, ctx);
        e.callee = phone(e.callee, 'to', 'callee', red, ctx);
        e.sipFromUri = uri(e.sipFromUri, 'from', 'sipFromUri', red, ctx);
        e.sipToUri = uri(e.sipToUri, 'to', 'sipToUri', red, ctx);
        if (e.transfer?.target !== undefined) e.transfer = strip({ ...e.transfer, target: phone(e.transfer.target, 'to', 'transfer.target', red, ctx) });
        e.warnings = e.warnings.map(maskFreeText);
        e.errors = e.errors.map(maskFreeText);
        if (e.customData) {
          const kept: Record<string, string | number | boolean> = {};
          for (const [k, v] of Object.entries(e.customData)) {
            if (!allowedCustom.has(k)) { red.push(`customData.${k}`); continue; }
            if (typeof v !== 'string') { kept[k] = v; continue; }
            const g = applyPolicy('events', { context: v }, policy, ctx).context;
            if (typeof g === 'string') kept[k] = g;
            if (g !== v) red.push(`customData.${k}`);
          }
          e.customData = Object.keys(kept).length ? kept : undefined;
        }
        return done(strip(e));
      }
      case 'turn': {
        const e = { ...input };
        if (e.stt) e.stt = strip({ ...e.stt, text: text(e.stt.text, 'stt.text', red, ctx) });
        e.dialog = {
          ...e.dialog,
          request: strip({ ...e.dialog.request, text: text(e.dialog.request.text, 'dialog.request.text', red, ctx) }),
          response: strip({ ...e.dialog.response, text: text(e.dialog.response.text, 'dialog.response.text', red, ctx) }),
        };
        e.actions = e.actions.map((a) => (a.error === undefined ? a : { ...a, error: maskFreeText(a.error) }));
        return done(e);
      }
      case 'transcription':
        return done(strip({ ...input, text: text(input.text, 'text', red, ctx) }));
      case 'dtmf': {
        if (input.digits === undefined) return input;
        const out = applyPolicy('events', { dtmf: input.digits }, policy, ctx).dtmf;
        if (out === input.digits) return input;
        red.push('digits');
        // The schema keeps digits only; a masked form ("[DTMF]") means "removed".
        return done(strip({ ...input, digits: out !== undefined && /^[0-9A-D*#]*$/.test(out) ? out : undefined }));
      }
      case 'transfer':
        return done(strip({ ...input, target: phone(input.target, 'to', 'target', red, ctx) }));
    }
  };
}
