/**
 * The labelled PII corpus built from phrase families (see "Measuring generalisation" in
 * docs/privacy.md). `families-tuned.json` holds the ways of talking the detector may be tuned on,
 * `families-heldout.json` the ones kept aside to measure how far that tuning generalises. A case
 * is one caller utterance: fillers, one or two PII values and/or a harmless phrase, with every PII
 * value labelled as the exact substring that holds it and every harmless span as a keep string.
 *
 * Template syntax: `{v}` the value; `{v0}` a second value of the same type said first (a
 * correction — also PII); `{v1}` `{v2}` the value's two halves (split across sentences);
 * `{len}` the value's length in words ("three"); `[[...]]` a span that must survive verbatim;
 * any other `{slot}` / `{slot:arg}` is a harmless filler from `slots.ts`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LabelledCase } from '../../../src/privacy/evaluate.js';
import { expectationFromPrompt } from '../../../src/privacy/expectation.js';
import { Rng, knownForms, makeValue, numberWords, type Value } from './values.js';
import { SLOTS } from './slots.js';

export type Split = 'tuned' | 'heldout';
export const SPLITS: readonly Split[] = ['tuned', 'heldout'];

export interface PiiFamily { family: string; idea: string; templates: string[]; forms?: string[]; prompts?: string[] }
export interface HarmlessFamily { family: string; idea: string; templates: string[] }
export interface FamilyFile { split: Split; pii: Record<string, PiiFamily[]>; harmless: HarmlessFamily[] }

export interface Label { type: string; value: string; form: string }
export interface CorpusPart { family: string; type?: string; pii: Label[]; keep: string[] }
export interface CorpusCase extends LabelledCase {
  id: string;
  /** The first part's family (the PII one when there is one). */
  family: string;
  split: Split;
  /** What the agent asked just before (families answering a question); `ctx` is derived from it. */
  prompt?: string;
  /** Each family used in the utterance with its own labels, for per-family scores. */
  parts: CorpusPart[];
  pii: (Label & { family: string })[];
}

export interface GenerateOptions {
  seed: number;
  split: Split;
  cases: number;
  /** Share of utterances carrying PII (the rest are harmless talk). Default 0.55. */
  piiShare?: number;
}

const TOKEN = /\[\[|\]\]|\{([a-z0-9-]+)(?::([^}]*))?\}/g;
const VALUE_SLOTS = new Set(['v', 'v0', 'v1', 'v2', 'len']);

const loaded = new Map<Split, FamilyFile>();
/** Reads and checks one split's family file. */
export function loadFamilies(split: Split): FamilyFile {
  const cached = loaded.get(split);
  if (cached) return cached;
  const path = fileURLToPath(new URL(`./families-${split}.json`, import.meta.url));
  const file = JSON.parse(readFileSync(path, 'utf8')) as FamilyFile;
  if (file.split !== split) throw new Error(`${path}: split is ${file.split}, expected ${split}`);
  validateFamilies(file);
  loaded.set(split, file);
  return file;
}

/** Throws an error naming the split, type and family of the first malformed family. */
export function validateFamilies(file: FamilyFile): void {
  const split = file.split;
  if (typeof file.pii !== 'object' || file.pii === null || !Array.isArray(file.harmless)) throw new Error(`${split}: needs "pii" (by type) and "harmless"`);
  for (const [type, families] of Object.entries(file.pii)) {
    if (knownForms(type).size === 0) throw new Error(`${split}: no value generator for type ${type}`);
    for (const f of families) {
      checkTemplates(`${split}/${type}/${f.family}`, f.templates, true);
      for (const form of f.forms ?? []) if (!knownForms(type).has(form)) throw new Error(`${split}/${type}/${f.family}: unknown form ${form}`);
      if (f.prompts !== undefined && (!Array.isArray(f.prompts) || f.prompts.length === 0)) throw new Error(`${split}/${type}/${f.family}: empty prompts`);
    }
  }
  for (const f of file.harmless) checkTemplates(`${split}/harmless/${f.family}`, f.templates, false);
}

function checkTemplates(where: string, templates: string[], pii: boolean): void {
  if (!Array.isArray(templates) || templates.length < 3 || templates.length > 8) throw new Error(`${where}: needs 3-8 templates`);
  for (const t of templates) {
    const slots = [...t.matchAll(TOKEN)].map((m) => m[1]).filter((s): s is string => s !== undefined);
    for (const s of slots) if (!VALUE_SLOTS.has(s) && !(s in SLOTS)) throw new Error(`${where}: unknown slot {${s}} in "${t}"`);
    const hasValue = slots.includes('v') || (slots.includes('v1') && slots.includes('v2'));
    if (pii && !hasValue) throw new Error(`${where}: template without {v} or {v1}+{v2}: "${t}"`);
    if (!pii && slots.some((s) => VALUE_SLOTS.has(s))) throw new Error(`${where}: harmless template with a value slot: "${t}"`);
    if (!pii && !t.includes('[[')) throw new Error(`${where}: harmless template without a [[keep]] span: "${t}"`);
    if ((t.match(/\[\[/g) ?? []).length !== (t.match(/\]\]/g) ?? []).length) throw new Error(`${where}: unbalanced [[ ]] in "${t}"`);
  }
}

/** Fills one template: the text, its PII labels (exact substrings) and its keep strings. */
function expand(rng: Rng, template: string, type: string | undefined, forms: readonly string[] | undefined): { text: string; pii: Label[]; keep: string[] } {
  let value: Value | undefined;
  let first: Value | undefined;
  const formOf = (): string[] | undefined => forms as string[] | undefined;
  const main = (): Value => (value ??= makeValue(rng, type!, formOf()));
  let out = '';
  let keepAt = -1;
  const pii: Label[] = [];
  const keep: string[] = [];
  let last = 0;
  for (const m of template.matchAll(TOKEN)) {
    out += template.slice(last, m.index);
    last = m.index! + m[0].length;
    if (m[0] === '[[') { keepAt = out.length; continue; }
    if (m[0] === ']]') { keep.push(out.slice(keepAt)); keepAt = -1; continue; }
    const slot = m[1]!;
    let s: string;
    if (slot === 'v') { s = main().text; pii.push({ type: type!, value: s, form: main().form! }); }
    else if (slot === 'v0') { first ??= makeValue(rng, type!, formOf()); s = first.text; pii.push({ type: type!, value: s, form: first.form! }); }
    else if (slot === 'v1' || slot === 'v2') {
      const h = main().halves;
      if (!h) throw new Error(`${type} values cannot be split in halves ("${template}")`);
      s = slot === 'v1' ? h[0] : h[1];
      pii.push({ type: type!, value: s, form: main().form! });
    } else if (slot === 'len') s = numberWords(main().len);
    else s = SLOTS[slot]!(rng, m[2]);
    out += s;
  }
  out += template.slice(last);
  return { text: out, pii, keep };
}

const FILL_BEFORE = ['', '', '', '', 'um ', 'yeah so ', 'okay ', 'uh ', 'right so ', 'sure ', 'yes ', 'so ', 'okay um ', 'yeah '];
const FILL_AFTER = ['', '', '', '', ' thanks', ' is that right', ' okay', ' thank you', ' please', ' did you get that', ' yeah', ' cheers'];
// never a bare space: "... nine four" + "four of us live here" would be ambiguous even to a person
const JOIN = [' and ', ' also ', '. ', ' oh and ', ' and then ', ', ', '. '];

/** `cases` labelled utterances from one split's families, the same for the same seed. */
export function generateCorpus(opts: GenerateOptions): CorpusCase[] {
  const file = loadFamilies(opts.split);
  const rng = new Rng(opts.seed ^ (opts.split === 'tuned' ? 0x7a11ed : 0x4e1d07));
  const piiShare = opts.piiShare ?? 0.55;
  const types = Object.keys(file.pii).filter((t) => file.pii[t]!.length > 0);
  const piiPart = (): { part: CorpusPart; prompt?: string; text: string } => {
    const type = rng.pick(types);
    const fam = rng.pick(file.pii[type]!);
    const e = expand(rng, rng.pick(fam.templates), type, fam.forms);
    return { part: { family: fam.family, type, pii: e.pii, keep: e.keep }, prompt: fam.prompts ? rng.pick(fam.prompts) : undefined, text: e.text };
  };
  const harmlessPart = (): { part: CorpusPart; text: string } => {
    const fam = rng.pick(file.harmless);
    const e = expand(rng, rng.pick(fam.templates), undefined, undefined);
    return { part: { family: fam.family, pii: [], keep: e.keep }, text: e.text };
  };
  const out: CorpusCase[] = [];
  for (let i = 0; i < opts.cases; i++) {
    const segments: { part: CorpusPart; text: string }[] = [];
    let prompt: string | undefined;
    if (rng.chance(piiShare)) {
      const p = piiPart();
      segments.push(p);
      prompt = p.prompt;
      // an answer to the agent's question stands alone; otherwise sometimes a second value or harmless talk
      if (prompt === undefined) {
        if (rng.chance(0.25)) {
          let q = piiPart();
          for (let k = 0; k < 5 && q.prompt !== undefined; k++) q = piiPart();
          if (q.prompt === undefined) segments.push(q);
        }
        if (rng.chance(0.3)) {
          const h = harmlessPart();
          if (rng.chance(0.5)) segments.unshift(h); else segments.push(h);
        }
      }
    } else {
      segments.push(harmlessPart());
      if (rng.chance(0.2)) segments.push(harmlessPart());
    }
    let text = segments[0]!.text;
    for (const s of segments.slice(1)) text += rng.pick(JOIN) + s.text;
    text = rng.pick(FILL_BEFORE) + text + rng.pick(FILL_AFTER);
    const parts = segments.map((s) => s.part);
    const primary = parts.find((p) => p.type !== undefined) ?? parts[0]!;
    const expect = prompt === undefined ? undefined : expectationFromPrompt(prompt);
    out.push({
      id: `${opts.split}-${opts.seed}-${i}`,
      text,
      pii: parts.flatMap((p) => p.pii.map((v) => ({ ...v, family: p.family }))),
      keep: parts.flatMap((p) => p.keep),
      family: primary.family,
      split: opts.split,
      parts,
      ...(prompt !== undefined ? { prompt } : {}),
      ...(expect !== undefined ? { ctx: { expect } } : {}),
    });
  }
  return out;
}
