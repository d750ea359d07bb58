/**
 * Per-application privacy policy and the one gate every outbound record passes through.
 *
 * A policy says, for each destination (`logs`, `events`, `training`, `dialog`, `ttsCache`,
 * `recording`) and each field of a record (`transcript`, `audio`, `dtmf`, `from`, `to`, `context`),
 * whether the field is sent as is (`allow`), left out (`drop`) or rewritten (`{ redact: mode }`).
 * Defaults: nothing raw leaves (see DEFAULT_PRIVACY_POLICY and docs/privacy.md).
 *
 * `applyPolicy(destination, record, policy, ctx)` is pure apart from the call's TokenVault (token
 * mode adds entries to it): same input, same output; it never mutates the record.
 */
import { z } from 'zod';
import type { DetectionContext, Entity, RedactionMode } from './types.js';
import { detect } from './detect.js';
import { applyRedaction } from './redact.js';
import type { TokenVault } from './vault.js';
import { normalizeE164, obfuscatePhone, phonePseudonym } from './phone.js';
import { RedactionTally } from './redaction-tally.js';

export const DESTINATIONS = ['logs', 'events', 'training', 'dialog', 'ttsCache', 'recording', 'stream'] as const;
export type Destination = (typeof DESTINATIONS)[number];

const redactionModeSchema = z.enum(['mask', 'partial', 'token', 'drop']);

/** transcript, dtmf, context: allow | drop | { redact: mask|partial|token|drop } | dropIfPii. */
export const textRuleSchema = z.union([
  z.literal('allow'),
  z.literal('drop'),
  /** Pass the text unchanged when it holds no PII, otherwise drop the whole record (TTS cache). */
  z.literal('dropIfPii'),
  z.object({ redact: redactionModeSchema }).strict(),
]);
/** from, to: allow | drop | { redact: obfuscate (last 4 digits removed) | mask | pseudonym (keyed HMAC) }. */
export const phoneRuleSchema = z.union([
  z.literal('allow'),
  z.literal('drop'),
  z.object({ redact: z.enum(['obfuscate', 'mask', 'pseudonym']) }).strict(),
]);
/** audio cannot be redacted by text position: allow | drop. */
export const audioRuleSchema = z.enum(['allow', 'drop']);

/**
 * Digit runs no detector could type (`NUMBER`: 7+ digits that are no known identifier and no harmless
 * quantity — an order or booking reference, most of the time): `redact` (the default, fail closed)
 * or `allow` for a destination that needs them (a dialog that looks orders up). Typed PII is redacted
 * either way.
 */
export const unexplainedNumbersRuleSchema = z.enum(['redact', 'allow']);

export const destinationPolicySchema = z
  .object({
    transcript: textRuleSchema,
    audio: audioRuleSchema,
    dtmf: textRuleSchema,
    from: phoneRuleSchema,
    to: phoneRuleSchema,
    context: textRuleSchema,
    unexplainedNumbers: unexplainedNumbersRuleSchema,
  })
  .strict();

export type TextRule = z.infer<typeof textRuleSchema>;
export type PhoneRule = z.infer<typeof phoneRuleSchema>;
export type DestinationPolicy = z.infer<typeof destinationPolicySchema>;
export type PrivacyPolicy = Record<Destination, DestinationPolicy>;

const MASK = { redact: 'mask' } as const;
const TOKEN = { redact: 'token' } as const;
const OBFUSCATE = { redact: 'obfuscate' } as const;

/**
 * Nothing raw leaves. The dialog destination gets tokens (`[CREDIT_DEBIT_NUMBER_1]`): it can follow
 * the conversation and refer to values, and the gateway restores them before speaking, but an
 * external dialog or LLM never receives the value itself.
 */
export const DEFAULT_PRIVACY_POLICY: PrivacyPolicy = {
  logs: { transcript: MASK, audio: 'drop', dtmf: MASK, from: OBFUSCATE, to: OBFUSCATE, context: MASK, unexplainedNumbers: 'redact' },
  events: { transcript: MASK, audio: 'drop', dtmf: MASK, from: OBFUSCATE, to: OBFUSCATE, context: MASK, unexplainedNumbers: 'redact' },
  training: { transcript: MASK, audio: 'drop', dtmf: 'drop', from: OBFUSCATE, to: OBFUSCATE, context: MASK, unexplainedNumbers: 'redact' },
  // `to` is the operator's own line on an inbound call (how an SOE routes): it passes as is.
  dialog: { transcript: TOKEN, audio: 'drop', dtmf: TOKEN, from: OBFUSCATE, to: 'allow', context: TOKEN, unexplainedNumbers: 'redact' },
  ttsCache: { transcript: 'dropIfPii', audio: 'allow', dtmf: 'drop', from: 'drop', to: 'drop', context: 'drop', unexplainedNumbers: 'redact' },
  recording: { transcript: 'drop', audio: 'drop', dtmf: 'drop', from: 'drop', to: 'drop', context: 'drop', unexplainedNumbers: 'redact' },
  // A bot taking the call's audio over a media stream (docs/stream.md). Audio goes only where the
  // application says `stream: { audio: allow }` (a stream application without it fails at start);
  // key presses only with `dtmf: allow`; numbers in `start` are obfuscated, custom parameters masked.
  stream: { transcript: 'drop', audio: 'drop', dtmf: 'drop', from: OBFUSCATE, to: OBFUSCATE, context: MASK, unexplainedNumbers: 'redact' },
};

/** What an application writes: any destination and field may be left out and then takes the default. */
export const privacyPolicySchema = z
  .object(Object.fromEntries(DESTINATIONS.map((d) => [d, destinationPolicySchema.partial().optional()])) as Record<Destination, z.ZodOptional<ReturnType<typeof destinationPolicySchema.partial>>>)
  .strict();
export type PrivacyPolicyInput = z.input<typeof privacyPolicySchema>;

/** Validates an application's policy and fills in the defaults. Errors name the field's path. */
export function parsePrivacyPolicy(input: unknown): { ok: true; policy: PrivacyPolicy } | { ok: false; error: string } {
  const r = privacyPolicySchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { ok: false, error: `${issue.path.join('.') || '(policy)'}: ${issue.message}` };
  }
  const policy = {} as PrivacyPolicy;
  for (const d of DESTINATIONS) policy[d] = { ...DEFAULT_PRIVACY_POLICY[d], ...(r.data[d] ?? {}) } as DestinationPolicy;
  return { ok: true, policy };
}

const parsedPolicies = new WeakMap<object, ReturnType<typeof parsePrivacyPolicy>>();

/**
 * `parsePrivacyPolicy` once per policy object: the per-call readers (receipts, the console's call
 * stories) ask for the policy of the call's application at every call, and a schema validation per
 * call was set-up work repeated for nothing (issue 19, call set-up). Keyed by the object itself:
 * applications are replaced, never edited in place, when settings change, so a new policy is a new
 * key; no policy at all is parsed once. The result is frozen (shared by every caller).
 */
export function parsePrivacyPolicyOnce(input: unknown): ReturnType<typeof parsePrivacyPolicy> {
  // No policy (the usual case): the defaults, parsed once for the process.
  if (input === undefined || input === null) return (noPolicy ??= frozen(parsePrivacyPolicy(input)));
  if (typeof input !== 'object') return parsePrivacyPolicy(input);
  let r = parsedPolicies.get(input);
  if (!r) parsedPolicies.set(input, (r = frozen(parsePrivacyPolicy(input))));
  return r;
}

let noPolicy: ReturnType<typeof parsePrivacyPolicy> | undefined;

function frozen(r: ReturnType<typeof parsePrivacyPolicy>): ReturnType<typeof parsePrivacyPolicy> {
  if (r.ok) {
    for (const d of DESTINATIONS) Object.freeze(r.policy[d]);
    Object.freeze(r.policy);
  }
  return r;
}

/**
 * The record shape sinks hand to the gate. `transcript`: recognised or synthesized text; `audio`:
 * raw audio bytes; `dtmf`: collected digits; `from`/`to`: caller and called numbers or SIP URIs;
 * `context`: dialog context / state variables (any JSON; every string in it is redacted).
 */
export interface PolicyRecord {
  transcript?: string;
  audio?: Uint8Array;
  dtmf?: string;
  from?: string;
  to?: string;
  context?: unknown;
}

/** The gated record. `fromPseudonym`/`toPseudonym` (HMAC-SHA256 hex of the E.164 number) are added when an account secret is given and the field is not dropped. */
export interface GatedRecord extends PolicyRecord {
  fromPseudonym?: string;
  toPseudonym?: string;
}

export interface PolicyContext {
  /** Cross-turn detection context (what the agent asked for). */
  detection?: DetectionContext;
  /** The call's vault; required for token mode (without one, token mode masks). */
  vault?: TokenVault;
  /** Per-account secret for phone pseudonyms. */
  accountSecret?: Buffer;
  /** Country for numbers without a country code (default US). */
  defaultCountry?: string;
  /** Set by `applyPolicy` from the destination's `unexplainedNumbers: allow`. */
  allowUnexplainedNumbers?: boolean;
  /**
   * Who placed the call (default `inbound`): decides which number in a dialog context is the remote
   * party's (the `from` rule) and which is the operator's own line (the `to` rule). On an inbound call
   * the caller is From and the dialled line To/Request-URI; on an outbound call the roles swap.
   */
  direction?: 'inbound' | 'outbound';
  /** Set by `applyPolicy`: the destination's phone rules, for numbers inside a context. */
  phoneRules?: { from: PhoneRule; to: PhoneRule };
}

function redactText(text: string, mode: RedactionMode, ctx: PolicyContext, tally: RedactionTally): string {
  const entities = entitiesFor(text, ctx);
  tally.addEntities(entities);
  return applyRedaction(text, entities, mode, ctx.vault);
}

/** What the destination must not receive: every entity, less `NUMBER` where the policy allows those. */
function entitiesFor(text: string, ctx: PolicyContext): Entity[] {
  const es = detect(text, ctx.detection);
  return ctx.allowUnexplainedNumbers ? es.filter((e) => e.type !== 'NUMBER') : es;
}

/**
 * A single key is a menu choice ("press 5"), not personal data — unless the agent just asked for
 * something personal (`detection.expect`: a PIN keyed one digit per turn, as IBM's single-digit
 * mode collects it) or the caller has been keying digits turn after turn (`continuesDigitRun`,
 * see CallPrivacy). Redacting menu keys would break every SOE menu for no privacy gain.
 */
function isMenuKey(digits: string, ctx: PolicyContext): boolean {
  return /^[0-9*#A-D]$/i.test(digits) && !ctx.detection?.expect && !ctx.detection?.continuesDigitRun;
}

function redactDtmf(digits: string, mode: RedactionMode, ctx: PolicyContext): string | undefined {
  if (digits.length === 0) return digits;
  if (mode !== 'drop' && isMenuKey(digits, ctx)) return digits;
  switch (mode) {
    case 'mask': return '[DTMF]';
    case 'partial': return digits.length >= 8 ? `[DTMF ****${digits.slice(-4)}]` : '[DTMF]';
    case 'token': return ctx.vault ? ctx.vault.tokenize('DTMF', digits) : '[DTMF]';
    case 'drop': return undefined;
  }
}

const CALL_IDENTIFIER_KEYS: ReadonlySet<string> = new Set(['vgwSessionID', 'vgwSIPCallID', 'vgwTenantID']);

/** Context keys that hold the remote party's address (the caller on an inbound call). */
const PARTY_KEY = /^(?:vgwSIPFromURI|vgwTranscriptionSource|vgwPhoneUserPhoneNumber|from|ani|caller)$/i;
/** Context keys that hold the operator's own line (the dialled number on an inbound call). */
const LINE_KEY = /^(?:vgwSIPToURI|vgwSIPRequestURI|to|dnis|callee)$/i;

/** The phone rule for a context key holding an address, by the call's direction; undefined for other keys. */
function addressRule(key: string, ctx: PolicyContext): PhoneRule | undefined {
  const party = PARTY_KEY.test(key);
  const line = !party && LINE_KEY.test(key);
  if (!party && !line) return undefined;
  const rules = ctx.phoneRules ?? { from: OBFUSCATE, to: OBFUSCATE };
  const outbound = ctx.direction === 'outbound';
  return party !== outbound ? rules.from : rules.to;
}

function redactDeep(value: unknown, mode: RedactionMode, ctx: PolicyContext, depth: number, tally: RedactionTally): unknown {
  if (typeof value === 'string') return redactText(value, mode, ctx, tally);
  if (value === null || typeof value !== 'object' || depth > 8) return typeof value === 'object' && value !== null ? '[REDACTED]' : value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, mode, ctx, depth + 1, tally));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // SIP URIs and numbers in state variables are phone metadata: the phone rules apply, and a URI
    // stays a URI (only its user part changes), so code that parses it keeps working.
    const addr = typeof v === 'string' ? addressRule(k, ctx) : undefined;
    if (addr !== undefined) {
      const gated = applyPhoneKeepingForm(v as string, addr, ctx);
      if (gated !== undefined) out[k] = gated;
    }
    // IBM's `metadata.user_id` is the caller's keyed pseudonym (or a random per-call value) set by
    // the gateway: machine-made, meaningless outside the account, and what an SOE echoes back.
    else if (k === 'user_id' && typeof v === 'string' && depth === 1 && /^[0-9a-f-]{32,64}$/.test(v)) out[k] = v;
    // The call's own identifiers (the gateway's session id, the SIP Call-ID) are what every event
    // already carries as `callId`: the dialog needs them verbatim to correlate, and they are
    // machine-made (a hex Call-ID easily holds 13 digits in a row, which the number rule would take).
    else if (typeof v === 'string' && CALL_IDENTIFIER_KEYS.has(k)) out[k] = v;
    else out[k] = redactDeep(v, mode, ctx, depth + 1, tally);
  }
  return out;
}

function userPart(raw: string): string {
  return raw.trim().replace(/^<|>$/g, '').replace(/^(?:sips?|tel):/i, '').replace(/[@;].*$/, '');
}

/**
 * A phone rule applied to an address in whatever form it came: a SIP/SIPS/tel URI keeps its scheme,
 * host and parameters and only its user part is rewritten (`sip:+447700900123@h` →
 * `sip:+44770090XXXX@h`); a bare number is rewritten as `applyPhone` does.
 */
export function applyPhoneKeepingForm(raw: string, rule: PhoneRule, ctx: PolicyContext): string | undefined {
  if (rule === 'allow') return raw;
  if (rule === 'drop') return undefined;
  const m = /^(\s*<?\s*(?:sips?|tel):)([^@;>?]*)(.*)$/is.exec(raw);
  if (!m) return applyPhone(raw, rule, ctx);
  const user = m[2]!;
  if (!user) return raw;
  const e164 = normalizeE164(user, ctx.defaultCountry ?? 'US');
  let replaced: string;
  if (rule.redact === 'obfuscate') {
    // Keep the user part's own form (national, +E.164): only its last four digits go.
    replaced = e164 || /^\+?[\d\s().-]+$/.test(user) ? obfuscatePhone(user.replace(/[\s().-]/g, '')) : 'anonymous';
  } else if (rule.redact === 'mask') replaced = 'anonymous';
  else replaced = ctx.accountSecret ? phonePseudonym(ctx.accountSecret, e164 ?? user) : 'anonymous';
  return `${m[1]}${replaced}${m[3]}`;
}

function obfuscateNumber(raw: string, ctx: PolicyContext): string {
  const user = userPart(raw);
  const e164 = normalizeE164(user, ctx.defaultCountry ?? 'US');
  return obfuscatePhone(e164 ?? user);
}

function applyPhone(raw: string, rule: PhoneRule, ctx: PolicyContext): string | undefined {
  if (rule === 'allow') return raw;
  if (rule === 'drop') return undefined;
  switch (rule.redact) {
    case 'obfuscate': return obfuscateNumber(raw, ctx);
    case 'mask': return '[PHONE]';
    case 'pseudonym': {
      if (!ctx.accountSecret) return '[PHONE]';
      const user = userPart(raw);
      return phonePseudonym(ctx.accountSecret, normalizeE164(user, ctx.defaultCountry ?? 'US') ?? user);
    }
  }
}

function pseudonymOf(raw: string, ctx: PolicyContext): string | undefined {
  if (!ctx.accountSecret) return undefined;
  const user = userPart(raw);
  const e164 = normalizeE164(user, ctx.defaultCountry ?? 'US');
  return e164 ? phonePseudonym(ctx.accountSecret, e164) : undefined;
}

/**
 * Gates one record for one destination. Returns a new record; `{}` when the whole record must not go
 * there. The entity types it redacts (or that made it drop the record) are reported per destination
 * (redaction-tally.ts: `hushgate_redactions_total`); fields a rule drops or rewrites whatever they
 * hold (`drop`, the `from`/`to` phone rules) are not detections and are not counted.
 */
export function applyPolicy(destination: Destination, record: PolicyRecord, policy: PrivacyPolicy, gateCtx: PolicyContext = {}): GatedRecord {
  const tally = new RedactionTally();
  const out = gate(destination, record, policy, gateCtx, tally);
  tally.report(destination);
  return out;
}

function gate(destination: Destination, record: PolicyRecord, policy: PrivacyPolicy, gateCtx: PolicyContext, tally: RedactionTally): GatedRecord {
  const rules = policy[destination];
  const ctx: PolicyContext = { ...gateCtx, phoneRules: { from: rules.from, to: rules.to }, ...(rules.unexplainedNumbers === 'allow' ? { allowUnexplainedNumbers: true } : {}) };
  const out: GatedRecord = {};
  if (record.transcript !== undefined) {
    const rule = rules.transcript;
    if (rule === 'allow') out.transcript = record.transcript;
    else if (rule === 'dropIfPii') {
      const found = entitiesFor(record.transcript, ctx);
      if (found.length > 0) {
        tally.addEntities(found);
        return {};
      }
      out.transcript = record.transcript;
    } else if (rule !== 'drop') {
      out.transcript = redactText(record.transcript, rule.redact, ctx, tally);
    }
  }
  if (record.audio !== undefined && rules.audio === 'allow') out.audio = record.audio;
  if (record.dtmf !== undefined) {
    const rule = rules.dtmf;
    if (rule === 'allow') out.dtmf = record.dtmf;
    else if (rule === 'dropIfPii') {
      if (record.dtmf.length >= 4) {
        tally.add('DTMF');
        return {};
      }
      out.dtmf = record.dtmf;
    } else if (rule !== 'drop') {
      const v = redactDtmf(record.dtmf, rule.redact, ctx);
      if (v !== record.dtmf) tally.add('DTMF');
      if (v !== undefined) out.dtmf = v;
    }
  }
  for (const field of ['from', 'to'] as const) {
    const raw = record[field];
    if (raw === undefined) continue;
    const v = applyPhone(raw, rules[field], ctx);
    if (v === undefined) continue;
    out[field] = v;
    const p = pseudonymOf(raw, ctx);
    if (p !== undefined) out[field === 'from' ? 'fromPseudonym' : 'toPseudonym'] = p;
  }
  if (record.context !== undefined) {
    const rule = rules.context;
    if (rule === 'allow') out.context = record.context;
    else if (rule === 'dropIfPii') {
      const probe = new RedactionTally();
      if (JSON.stringify(redactDeep(record.context, 'mask', { ...ctx, vault: undefined }, 0, probe)) !== JSON.stringify(record.context)) {
        probe.mergeInto(tally);
        return {};
      }
      out.context = record.context;
    } else if (rule !== 'drop' && rule.redact !== 'drop') {
      out.context = redactDeep(record.context, rule.redact, ctx, 0, tally);
    } else if (rule !== 'drop' && rule.redact === 'drop') {
      out.context = redactDeep(record.context, 'drop', ctx, 0, tally);
    }
  }
  return out;
}
