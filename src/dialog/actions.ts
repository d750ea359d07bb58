/**
 * The action-command vocabulary: what a dialog may ask the gateway to do, with IBM Voice Gateway's
 * wire names and parameters so existing dialogs keep working. Owns the zod schema of every
 * command's parameters, the typed `ActionCommand` union the call session switches on, and
 * `parseActions`, the one parse boundary every provider goes through:
 *   - `output.vgwAction` (one command) and `output.vgwActionSequence` (a list run in order);
 *   - command names matched case-insensitively (`vgwActCollectDtmf` == `vgwActCollectDTMF`);
 *   - numbers and booleans also accepted as strings ("4", "true"), as dialogs written for IBM sent them;
 *   - every value that ends up in a SIP header is checked for CR/LF so a dialog cannot inject headers.
 * Invalid commands become error entries naming the command; known-but-unsupported ones
 * (`vgwActSendSMS`, `vgwActSetWVAConfig`) become warnings; unknown parameters are warned about and dropped.
 */
import { z } from 'zod';

// ---- value schemas --------------------------------------------------------------------------

const numericString = /^\s*-?\d+(?:\.\d+)?\s*$/;
/** An integer in [min, max], also given as a numeric string. */
const int = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && numericString.test(v) ? Number(v) : v), z.number().int().min(min).max(max));
/** A boolean, also given as "true"/"false". */
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

const noCrLf = (s: string) => !/[\r\n\0]/.test(s);
/** RFC 3261 token: a header name. */
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'must be a SIP header name (token characters only)');
const headerValue = z.string().max(1024).refine(noCrLf, 'must not contain CR, LF or NUL');
const sipHeaders = z.array(z.object({ name: headerName, value: headerValue })).max(20);
/** A transfer target: sip:/sips: URI or tel: URI, no whitespace or angle brackets. */
export const transferTargetSchema = z
  .string()
  .max(512)
  .regex(/^(?:sips?:[^\s<>"]+|tel:\+?[0-9A-Fa-f*#().\-;=a-zA-Z]+)$/i, 'must be a sip:, sips: or tel: URI');

const dtmfKey = z.string().regex(/^[0-9*#A-Da-d]$/, 'must be one DTMF key: 0-9, *, #, A-D');
const stringList = z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.string()));
const configObject = z.record(z.string(), z.unknown());

const UPDATE_METHODS = ['replace', 'merge', 'replaceOnce', 'mergeOnce'] as const;
const updateMethod = z.preprocess(
  (v) => (typeof v === 'string' ? (UPDATE_METHODS.find((m) => m.toLowerCase() === v.toLowerCase()) ?? v) : v),
  z.enum(UPDATE_METHODS),
);
/**
 * IBM's `vgwActSet*Config` parameters: the provider's own settings (`config`), optionally new
 * service `credentials` (`url`, `apikey` or `username`/`password`), and how they apply
 * (`updateMethod`, default `replace`; see src/call/settings-layers.ts).
 */
// An empty `replace` is meaningful: back to the application's configured settings.
const configParams = z.object({ config: configObject.default({}), credentials: configObject.optional(), updateMethod: updateMethod.default('replace') });
const none = z.object({});

// ---- per-command parameter schemas -------------------------------------------------------------

const collectDtmf = z
  .object({
    /** Key that ends collection (not included in the digits). */
    dtmfTermKey: dtmfKey.optional(),
    /** Exact number of digits to collect. */
    dtmfCount: int(1, 64).optional(),
    dtmfMinCount: int(1, 64).optional(),
    dtmfMaxCount: int(1, 64).optional(),
    /** Longest pause between two digits before collection ends (ms). */
    dtmfInterDigitTimeoutCount: int(100, 60_000).optional(),
    /** Keep speech recognition from ending the collection. */
    dtmfIgnoreSpeech: bool.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.dtmfCount !== undefined && (p.dtmfMinCount !== undefined || p.dtmfMaxCount !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['dtmfCount'], message: 'use either dtmfCount or dtmfMinCount/dtmfMaxCount, not both' });
    }
    if (p.dtmfMinCount !== undefined && p.dtmfMaxCount !== undefined && p.dtmfMinCount > p.dtmfMaxCount) {
      ctx.addIssue({ code: 'custom', path: ['dtmfMinCount'], message: 'must not exceed dtmfMaxCount' });
    }
  });

const transfer = z.object({
  /** Falls back to the `vgwTransferTarget` context variable, then the application's default. */
  transferTarget: transferTargetSchema.optional(),
  /** Extra headers on the REFER (or on the BYE with transferMethod HANGUP). */
  transferHeaders: sipHeaders.optional(),
  /** REFER (default): blind transfer; HANGUP: end the call with the target in a BYE header for the SBC to act on. */
  transferMethod: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['REFER', 'HANGUP'])).optional(),
  /** Header carrying the target in the BYE when transferMethod is HANGUP (default `Transfer-Target`). */
  transferTargetHeader: headerName.optional(),
  /** SIP final responses to the REFER that still count as a successful transfer. */
  acceptTransferRejectCodes: z.array(int(300, 699)).max(20).optional(),
  /** User-to-User data (RFC 7433) sent with the transfer. */
  uuiData: z.string().max(256).refine(noCrLf, 'must not contain CR, LF or NUL').optional(),
});

const sendSipInfo = z
  .object({
    contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+(?:\s*;.*)?$/, 'must be a media type such as application/json').refine(noCrLf, 'must not contain CR, LF or NUL').optional(),
    /** Body of the INFO; an object is sent as JSON. */
    body: z.union([z.string().max(8192), configObject]).optional(),
    headers: sipHeaders.optional(),
  })
  .refine((p) => p.body !== undefined || (p.headers?.length ?? 0) > 0, { message: 'needs a body or at least one header' });

const sendDtmf = z.object({
  /** Digits sent to the far end as RFC 4733 events. */
  digits: z.string().regex(/^[0-9*#A-Da-d]{1,64}$/, 'must be 1-64 DTMF keys: 0-9, *, #, A-D'),
  /** Length of each tone (ms). */
  durationMs: int(40, 2000).optional(),
  /** Silence between tones (ms). */
  gapMs: int(40, 2000).optional(),
});

export const ACTION_PARAMETER_SCHEMAS = {
  vgwActPlayText: z.object({ text: stringList.optional() }),
  vgwActPlayUrl: z.object({ url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }) }),
  vgwActHangup: none,
  vgwActTransfer: transfer,
  vgwActCollectDTMF: collectDtmf,
  vgwActPauseDTMF: none,
  vgwActUnPauseDTMF: none,
  vgwActExcludeFromTTSCache: none,
  vgwActSetSTTConfig: configParams,
  vgwActSetTTSConfig: configParams,
  vgwActSetConversationConfig: configParams,
  vgwActPauseSTT: none,
  vgwActUnPauseSTT: none,
  vgwActDisableSTTDuringPlayback: none,
  vgwActEnableSTTDuringPlayback: none,
  vgwActEnableSpeechBargeIn: none,
  vgwActDisableSpeechBargeIn: none,
  vgwActEnableDTMFBargeIn: none,
  vgwActDisableDTMFBargeIn: none,
  vgwActForceNoInputTurn: none,
  vgwActSendSIPInfo: sendSipInfo,
  vgwActSendDTMF: sendDtmf,
  vgwActEnableTranscriptionReport: none,
  vgwActDisableTranscriptionReport: none,
  /** The parameters object itself is the custom data merged into the call's CDR. */
  vgwActAddCustomCDRData: configObject.refine((o) => Object.keys(o).length > 0, 'must hold at least one field'),
  /** Hushgate's sensitive switch (docs/dialog-contract.md): `on: true` until `on: false`. */
  hgActSensitive: z.object({ on: bool }),
  /** Pause and resume the call's recording (IBM's naming pattern); the paused span is silence, marked. */
  vgwActPauseRecording: none,
  vgwActResumeRecording: none,
  /**
   * Start the application's configured media stream (`stream` in its settings) mid-call; the dialog
   * cannot choose where the audio goes, only add custom parameters for the bot's `start`.
   */
  vgwActStartStream: z.object({ parameters: z.record(z.string().max(64), z.string().max(500)).optional() }),
  vgwActStopStream: none,
} as const;

export type ActionName = keyof typeof ACTION_PARAMETER_SCHEMAS;
export type ActionCommand = {
  [K in ActionName]: { command: K; parameters: z.output<(typeof ACTION_PARAMETER_SCHEMAS)[K]> };
}[ActionName];
/** The command with name `K`, e.g. `ActionOf<'vgwActTransfer'>`. */
export type ActionOf<K extends ActionName> = Extract<ActionCommand, { command: K }>;

export const ACTION_NAMES = Object.keys(ACTION_PARAMETER_SCHEMAS) as ActionName[];

/** IBM commands Hushgate recognises but does not carry out; answered with a warning, never silently dropped. */
export const UNSUPPORTED_ACTIONS = ['vgwActSendSMS', 'vgwActSetWVAConfig'] as const;

const byLowerName = new Map<string, ActionName>(ACTION_NAMES.map((n) => [n.toLowerCase(), n]));
const unsupportedByLowerName = new Map<string, string>(UNSUPPORTED_ACTIONS.map((n) => [n.toLowerCase(), n]));

/** Canonical spelling of a command name, or undefined if it is not in the vocabulary. */
export function canonicalActionName(name: string): ActionName | undefined {
  return byLowerName.get(name.toLowerCase());
}

// ---- parsing ---------------------------------------------------------------------------------

export interface ActionIssue {
  /** Position in the combined list (vgwAction first, then vgwActionSequence). */
  index: number;
  /** The command as the dialog wrote it, when there was one. */
  command?: string;
  message: string;
}

export interface ParsedActions {
  actions: ActionCommand[];
  errors: ActionIssue[];
  warnings: string[];
}

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse one `{command, parameters}` object. */
export function parseAction(raw: unknown, index = 0): { ok: true; action: ActionCommand; warnings: string[] } | { ok: false; error: ActionIssue; unsupported?: boolean } {
  if (!isRecord(raw)) return { ok: false, error: { index, message: 'an action must be an object with a "command" field' } };
  const written = raw['command'];
  if (typeof written !== 'string' || !written) return { ok: false, error: { index, message: 'an action must have a "command" string' } };
  const name = canonicalActionName(written);
  if (!name) {
    const unsupported = unsupportedByLowerName.get(written.toLowerCase());
    if (unsupported) return { ok: false, unsupported: true, error: { index, command: written, message: `${unsupported} is not supported by Hushgate; ignored` } };
    return { ok: false, error: { index, command: written, message: `unknown action command "${written}"` } };
  }
  const params = raw['parameters'] ?? {};
  if (!isRecord(params)) return { ok: false, error: { index, command: written, message: `${name}: "parameters" must be an object` } };
  const schema = ACTION_PARAMETER_SCHEMAS[name];
  const result = schema.safeParse(params);
  if (!result.success) return { ok: false, error: { index, command: written, message: `${name}: ${zodMessage(result.error)}` } };
  const warnings: string[] = [];
  if (name !== 'vgwActAddCustomCDRData') {
    const known = knownParameterNames(name);
    const unknown = Object.keys(params).filter((k) => !known.has(k));
    if (unknown.length) warnings.push(`${name}: ignored unknown parameter(s) ${unknown.join(', ')}`);
  }
  return { ok: true, action: { command: name, parameters: result.data } as ActionCommand, warnings };
}

const knownNamesCache = new Map<ActionName, Set<string>>();
function knownParameterNames(name: ActionName): Set<string> {
  let known = knownNamesCache.get(name);
  if (!known) {
    // zod 4 refinements keep the object schema, so `.shape` lists the declared parameters
    const shape = (ACTION_PARAMETER_SCHEMAS[name] as unknown as { shape?: Record<string, unknown> }).shape;
    known = new Set(shape ? Object.keys(shape) : []);
    knownNamesCache.set(name, known);
  }
  return known;
}

/**
 * Read the action commands out of a dialog's `output` object: `vgwAction` then `vgwActionSequence`.
 * Never throws; anything wrong is an error entry and the rest still run.
 */
export function parseActions(output: unknown): ParsedActions {
  const result: ParsedActions = { actions: [], errors: [], warnings: [] };
  if (!isRecord(output)) return result;
  const raw: unknown[] = [];
  const single = output['vgwAction'];
  const sequence = output['vgwActionSequence'];
  if (single !== undefined && single !== null) raw.push(single);
  if (sequence !== undefined && sequence !== null) {
    if (Array.isArray(sequence)) raw.push(...sequence);
    else result.errors.push({ index: raw.length, message: 'vgwActionSequence must be an array of actions' });
  }
  if (single != null && Array.isArray(sequence) && sequence.length) result.warnings.push('both vgwAction and vgwActionSequence given; vgwAction runs first');
  raw.forEach((item, i) => {
    const parsed = parseAction(item, i);
    if (parsed.ok) {
      result.actions.push(parsed.action);
      result.warnings.push(...parsed.warnings);
    } else if (parsed.unsupported) {
      result.warnings.push(parsed.error.message);
    } else {
      result.errors.push(parsed.error);
    }
  });
  return result;
}

/** One line per issue, for warnings and logs (holds command names and schema messages only, no caller data). */
export function describeIssue(issue: ActionIssue): string {
  return `action #${issue.index}: ${issue.message}`;
}
