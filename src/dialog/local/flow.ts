/**
 * The local flow file: its YAML schema (zod), and `compileFlow`, which validates it completely at
 * load time so a running call never meets a broken flow. Errors name the path in the file
 * (`states.card.collect.filled.next: no state "mian"`). Compilation tokenises every example phrase
 * once, substitutes `{{variable}}` in action parameters and validates each action with the same
 * `parseAction` the remote providers use.
 *
 * A flow is: variables, a `welcome` response, global `intents` (example phrases, optional DTMF key,
 * a response), `states` (which intents are listened for, an optional slot to `collect` from DTMF or
 * speech, state-level `noInput`/`fallback`), and flow-level `fallback`, `noInput` and `transferFailed`.
 * A response says text, runs actions, sets context variables and moves to the `next` state.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseAction, type ActionCommand } from '../actions.js';
import { tokens } from './matcher.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscore, not starting with a digit');

const responseSchema = z.strictObject({
  /** Utterances, spoken in order; `{{name}}` inserts a variable or slot; filters: `{{card|last4|spaced}}`. */
  say: z.union([z.string(), z.array(z.string())]).optional(),
  /** Action commands (IBM Voice Gateway names); `{{variable}}` allowed in string parameters. */
  actions: z.array(z.strictObject({ command: z.string(), parameters: z.record(z.string(), z.unknown()).optional() })).default([]),
  /** Context variables to set (e.g. `vgwPostResponseTimeoutCount`). */
  set: z.record(z.string(), z.unknown()).optional(),
  /** State to move to; default: stay (for a filled slot: the start state). */
  next: z.string().optional(),
  /** Turns the call's sensitive switch on (this step asks for something secret) or off: `hgActSensitive`, run first. */
  sensitive: z.boolean().optional(),
});
export type FlowResponseSource = z.infer<typeof responseSchema>;

const intentSchema = z.strictObject({
  examples: z.array(z.string().min(1)).min(1),
  /** Keypad shortcut: pressing this key selects the intent. */
  dtmf: z.string().regex(/^[0-9*#]$/, 'one key: 0-9, * or #').optional(),
  respond: responseSchema,
});

const slotSchema = z.strictObject({
  name: identifier,
  /** Where the value may come from: keyed digits, spoken digits, or both. */
  from: z.array(z.enum(['dtmf', 'speech'])).min(1).default(['dtmf', 'speech']),
  /** Regular expression the whole value must match (digits only; a trailing # is removed first). */
  pattern: z.string().default('^\\d+$'),
  /** Extra check: `luhn` for card numbers. */
  check: z.enum(['luhn']).optional(),
  filled: responseSchema,
  invalid: responseSchema,
});

const stateSchema = z.strictObject({
  /** Intents listened for in this state; default: all. */
  intents: z.array(z.string()).optional(),
  collect: slotSchema.optional(),
  noInput: responseSchema.optional(),
  fallback: responseSchema.optional(),
});

export const flowSchema = z.strictObject({
  version: z.literal(1).default(1),
  name: z.string().min(1),
  /** Minimum intent score (0..1). */
  threshold: z.number().min(0).max(1).default(0.5),
  variables: z.record(identifier, z.string()).default({}),
  start: z.string(),
  welcome: responseSchema,
  intents: z.record(identifier, intentSchema),
  states: z.record(identifier, stateSchema),
  fallback: responseSchema,
  noInput: z.strictObject({
    /** Reprompts before `final`. */
    max: z.number().int().min(0).max(10).default(2),
    reprompt: responseSchema,
    final: responseSchema,
  }),
  transferFailed: responseSchema.optional(),
});
export type FlowSource = z.infer<typeof flowSchema>;

// ---- compiled form -------------------------------------------------------------------------

export interface FlowResponse {
  say: string[];
  actions: ActionCommand[];
  set: Record<string, unknown>;
  next?: string;
}

export interface FlowIntent {
  name: string;
  phrases: string[];
  examples: string[][];
  dtmf?: string;
  respond: FlowResponse;
}

export interface FlowSlot {
  name: string;
  fromDtmf: boolean;
  fromSpeech: boolean;
  pattern: RegExp;
  luhn: boolean;
  filled: FlowResponse;
  invalid: FlowResponse;
}

export interface FlowState {
  name: string;
  intents: FlowIntent[];
  collect?: FlowSlot;
  noInput?: FlowResponse;
  fallback?: FlowResponse;
}

export interface Flow {
  name: string;
  threshold: number;
  variables: Record<string, string>;
  start: string;
  welcome: FlowResponse;
  states: Map<string, FlowState>;
  fallback: FlowResponse;
  noInput: { max: number; reprompt: FlowResponse; final: FlowResponse };
  transferFailed?: FlowResponse;
}

export type FlowResult = { ok: true; flow: Flow } | { ok: false; error: string };

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*((?:\|\s*[a-z0-9]+\s*)*)\}\}/g;
export const TEMPLATE_FILTERS = ['last4', 'spaced'] as const;

function filtersOf(chain: string | undefined): string[] {
  return (chain ?? '').split('|').map((f) => f.trim()).filter(Boolean);
}

/** Fill `{{name}}` / `{{name|filter|filter}}` from `values`; unknown names render empty. */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(TEMPLATE, (_m, name: string, chain?: string) => {
    let v = Object.hasOwn(values, name) ? values[name]! : '';
    for (const f of filtersOf(chain)) {
      if (f === 'last4') v = v.slice(-4);
      else if (f === 'spaced') v = v.split('').join(' ');
    }
    return v;
  });
}

function fmtPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.') || '(root)';
}

/** Parse and compile a YAML flow; `overrides` replace the flow's own `variables`. */
export function loadFlow(yamlText: string, overrides: Record<string, string> = {}, thresholdOverride?: number): FlowResult {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (e) {
    return { ok: false, error: `flow is not valid YAML: ${(e as Error).message.split('\n')[0]}` };
  }
  const parsed = flowSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: parsed.error.issues.map((i) => `${fmtPath(i.path)}: ${i.message}`).join('; ') };
  }
  return compileFlow(parsed.data, overrides, thresholdOverride);
}

export function compileFlow(src: FlowSource, overrides: Record<string, string> = {}, thresholdOverride?: number): FlowResult {
  const errors: string[] = [];
  const variables = { ...src.variables, ...overrides };
  const stateNames = new Set(Object.keys(src.states));
  const slotNames = new Set(Object.values(src.states).flatMap((s) => (s.collect ? [s.collect.name] : [])));
  if (!stateNames.has(src.start)) errors.push(`start: no state "${src.start}"`);

  const compileResponse = (r: FlowResponseSource, path: string): FlowResponse => {
    const say = r.say === undefined ? [] : typeof r.say === 'string' ? [r.say] : r.say;
    say.forEach((line, i) => {
      for (const m of line.matchAll(TEMPLATE)) {
        const [, name, chain] = m;
        if (!Object.hasOwn(variables, name!) && !slotNames.has(name!)) errors.push(`${path}.say.${i}: unknown variable or slot "${name}"`);
        for (const f of filtersOf(chain)) {
          if (!(TEMPLATE_FILTERS as readonly string[]).includes(f)) errors.push(`${path}.say.${i}: unknown filter "${f}"`);
        }
      }
    });
    const actions: ActionCommand[] = [];
    if (r.sensitive !== undefined) actions.push({ command: 'hgActSensitive', parameters: { on: r.sensitive } });
    r.actions.forEach((a, i) => {
      const substituted = substitute(a, variables, (name) => errors.push(`${path}.actions.${i}: unknown variable "${name}" (action parameters may use flow variables only)`));
      const res = parseAction(substituted, i);
      if (res.ok) {
        actions.push(res.action);
        for (const w of res.warnings) errors.push(`${path}.actions.${i}: ${w}`);
      } else errors.push(`${path}.actions.${i}: ${res.error.message}`);
    });
    if (r.next !== undefined && !stateNames.has(r.next)) errors.push(`${path}.next: no state "${r.next}"`);
    return { say, actions, set: r.set ?? {}, ...(r.next !== undefined ? { next: r.next } : {}) };
  };

  const intents = new Map<string, FlowIntent>();
  const dtmfKeys = new Map<string, string>();
  for (const [name, it] of Object.entries(src.intents)) {
    const examples = it.examples.map((e) => tokens(e));
    it.examples.forEach((e, i) => {
      if (!examples[i]!.length) errors.push(`intents.${name}.examples.${i}: "${e}" has no words to match`);
    });
    if (it.dtmf) {
      const other = dtmfKeys.get(it.dtmf);
      if (other) errors.push(`intents.${name}.dtmf: key ${it.dtmf} already selects intent "${other}"`);
      dtmfKeys.set(it.dtmf, name);
    }
    intents.set(name, { name, phrases: it.examples, examples, ...(it.dtmf ? { dtmf: it.dtmf } : {}), respond: compileResponse(it.respond, `intents.${name}.respond`) });
  }

  const states = new Map<string, FlowState>();
  for (const [name, st] of Object.entries(src.states)) {
    const path = `states.${name}`;
    const listened: FlowIntent[] = [];
    if (st.intents) {
      st.intents.forEach((n, i) => {
        const it = intents.get(n);
        if (it) listened.push(it);
        else errors.push(`${path}.intents.${i}: no intent "${n}"`);
      });
    } else listened.push(...intents.values());
    let collect: FlowSlot | undefined;
    if (st.collect) {
      let pattern: RegExp | undefined;
      try {
        pattern = new RegExp(st.collect.pattern);
      } catch (e) {
        errors.push(`${path}.collect.pattern: ${(e as Error).message}`);
      }
      collect = {
        name: st.collect.name,
        fromDtmf: st.collect.from.includes('dtmf'),
        fromSpeech: st.collect.from.includes('speech'),
        pattern: pattern ?? /^$/,
        luhn: st.collect.check === 'luhn',
        filled: compileResponse(st.collect.filled, `${path}.collect.filled`),
        invalid: compileResponse(st.collect.invalid, `${path}.collect.invalid`),
      };
    }
    states.set(name, {
      name,
      intents: listened,
      ...(collect ? { collect } : {}),
      ...(st.noInput ? { noInput: compileResponse(st.noInput, `${path}.noInput`) } : {}),
      ...(st.fallback ? { fallback: compileResponse(st.fallback, `${path}.fallback`) } : {}),
    });
  }

  const flow: Flow = {
    name: src.name,
    threshold: thresholdOverride ?? src.threshold,
    variables,
    start: src.start,
    welcome: compileResponse(src.welcome, 'welcome'),
    states,
    fallback: compileResponse(src.fallback, 'fallback'),
    noInput: { max: src.noInput.max, reprompt: compileResponse(src.noInput.reprompt, 'noInput.reprompt'), final: compileResponse(src.noInput.final, 'noInput.final') },
    ...(src.transferFailed ? { transferFailed: compileResponse(src.transferFailed, 'transferFailed') } : {}),
  };
  return errors.length ? { ok: false, error: errors.join('; ') } : { ok: true, flow };
}

/** Replace `{{var}}` in every string inside an action (deeply). */
function substitute(value: unknown, variables: Record<string, string>, unknown: (name: string) => void): unknown {
  if (typeof value === 'string') {
    return value.replace(TEMPLATE, (_m, name: string) => {
      if (!Object.hasOwn(variables, name)) {
        unknown(name);
        return '';
      }
      return variables[name]!;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, variables, unknown));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, variables, unknown);
    return out;
  }
  return value;
}

/** Luhn checksum (card numbers). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (d < 0 || d > 9) return false;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Phrases the recogniser should expect in `state` (for a JSGF grammar). */
export function expectedPhrases(flow: Flow, state: string): string[] {
  const st = flow.states.get(state);
  if (!st) return [];
  return [...new Set(st.intents.flatMap((i) => i.phrases))];
}
