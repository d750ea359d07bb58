/**
 * The broad notion of a cue. `cues.ts` recognises a value's *name* right before or after it ("my
 * pin is", "... is my cell"). Callers mostly do not name what they read out: they describe it by
 * where it is printed ("the three digits on the back", "the date on the front"), by its length
 * ("the short number", "all sixteen digits"), by what it is for ("for the rental it's ...", "pay it
 * into ..."), or answer their own question ("what's on the back? 737"). `conceptEvidence` weighs
 * every word of the value's sentence (and of the question just before it) by the entity types it
 * speaks of, adds the length the caller announced when it matches, and returns the type with the
 * most evidence — a score, not a phrase list, so phrasings nobody listed still count.
 *
 * Data and one pass over at most a dozen words; no allocation beyond the score table.
 */
import { PII_TYPES, type PiiType } from './types.js';
import type { CueType } from './cues.js';
import type { Scan } from './tokens.js';
import { K_DIGITS, K_NUMWORD, questionBefore, sentenceBreakBefore } from './tokens.js';
import { C, CONCEPTS, UNIT_WORDS, TEEN_WORDS, TENS_WORDS, type Weights } from './lexicon.js';

/** A type the evidence points to; `NUMBER` for "part of a value dictated in pieces". */
export type ConceptType = PiiType;

/** Types a value of exactly n digits most often is, when the caller announces the length. */
const LENGTH_TYPES: ReadonlyMap<number, Weights> = new Map<number, Weights>([
  [3, [C('CREDIT_DEBIT_CVV', 3)]],
  [4, [C('PIN', 2), C('CREDIT_DEBIT_CVV', 1), C('CREDIT_DEBIT_EXPIRY', 1)]],
  [6, [C('PIN', 2), C('BANK_ROUTING', 2)]],
  [8, [C('BANK_ACCOUNT_NUMBER', 2)]],
  [9, [C('SSN', 2), C('BANK_ROUTING', 2)]],
  [10, [C('PHONE', 2), C('BANK_ACCOUNT_NUMBER', 1)]],
  [11, [C('PHONE', 2), C('BANK_ACCOUNT_NUMBER', 1)]],
  [15, [C('CREDIT_DEBIT_NUMBER', 3)]],
  [16, [C('CREDIT_DEBIT_NUMBER', 3)]],
]);
const ANY_LENGTH: Weights = [C('NUMBER', 2)];

function lengthTypes(n: number): Weights {
  return LENGTH_TYPES.get(n) ?? ANY_LENGTH;
}

const LENGTH_WORDS: ReadonlySet<string> = new Set(['digit', 'digits', 'numbers', 'number', 'figures', 'characters', 'long']);

/** The length a number word or written number announces ("three", "3", "sixteen", "3-digit"). */
function smallNumber(w: string): number | undefined {
  const u = UNIT_WORDS.get(w) ?? TEEN_WORDS.get(w) ?? TENS_WORDS.get(w);
  if (u !== undefined && w !== 'oh' && w !== 'o') return u;
  const m = /^(\d{1,2})(?:-digits?)?$/.exec(w) ?? /^([a-z]+)-digits?$/.exec(w);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isNaN(v) ? UNIT_WORDS.get(m[1]!) ?? TEEN_WORDS.get(m[1]!) : v;
}

/** Words that change what a neighbour means ("call me back": a phone, not the back of a card). */
function adjusted(scan: Scan, k: number, w: string): Weights | undefined {
  const p1 = scan.tokens[k - 1]?.w;
  if (w === 'back' && (p1 === 'me' || p1 === 'call' || p1 === 'ring' || p1 === 'get' || p1 === 'come' || p1 === 'go' || p1 === 'text' || p1 === 'bring' || p1 === 'be')) return [C('PHONE', 1)];
  if (w === 'security' && (p1 === 'social' || scan.tokens[k + 1]?.w === 'number' && p1 === 'social')) return [C('SSN', 4)];
  if (w === 'security' && (scan.tokens[k + 1]?.w === 'deposit' || scan.tokens[k + 1]?.w === 'question' || scan.tokens[k + 1]?.w === 'guard')) return undefined;
  if (w === 'date' && p1 === 'end') return [C('CREDIT_DEBIT_EXPIRY', 2)];
  if ((w === 'first' || w === 'last' || w === 'second') && (scan.tokens[k + 1]?.w === 'name' || scan.tokens[k + 1]?.w === 'floor' || scan.tokens[k + 1]?.w === 'time')) return undefined;
  return CONCEPTS.get(w);
}

export interface ConceptHit {
  type: ConceptType;
  score: number;
  /** The caller announced this many digits ("the three digits"). */
  announcedLength?: number;
}

/** Words that start another clause: the evidence of a value stays on its side of them. */
const CLAUSE_WORDS: ReadonlySet<string> = new Set(['also', 'but', 'plus', 'or', 'whereas', 'while']);

const TYPE_INDEX: ReadonlyMap<PiiType, number> = new Map(PII_TYPES.map((t, i) => [t, i]));
const SCORES = new Float64Array(PII_TYPES.length);

const MAX_BEFORE = 9;
const MAX_AFTER = 6;

/**
 * The evidence for what the run [from, to] of `digits` digits is, from the words of its sentence
 * (and of the question right before it when the run opens its sentence): the type with most
 * evidence among those `accept` allows (e.g. the ones the value's length fits). Undefined when no
 * word speaks of anything sensitive.
 */
export function conceptEvidence(
  scan: Scan,
  cues: readonly (CueType | undefined)[],
  from: number,
  to: number,
  digits: number,
  accept: (type: ConceptType, digits: number) => boolean = () => true,
): ConceptHit | undefined {
  const tokens = scan.tokens;
  // one score per type, reused (no allocation): this runs for every value nothing else explained
  SCORES.fill(0);
  state.any = false;
  state.announced = -1;
  // before: this sentence, then the question it answers
  let sentenceStart = true;
  for (let k = from - 1, steps = 0; k >= 0 && steps < MAX_BEFORE; k--, steps++) {
    if (sentenceBreakBefore(scan, k + 1) && !(sentenceStart && questionBefore(scan, k + 1))) break;
    if (!look(scan, cues, k, from - k, false)) break;
    if (k < from - 2) sentenceStart = false;
  }
  for (let j = to + 1; j < tokens.length && j <= to + MAX_AFTER; j++) {
    if (sentenceBreakBefore(scan, j) || !look(scan, cues, j, j - to, true)) break;
  }
  if (state.announced === digits) add(lengthTypes(digits), 1);
  if (!state.any) return undefined;
  let best: ConceptType | undefined;
  let bestScore = 0;
  for (let i = 0; i < PII_TYPES.length; i++) {
    const sc = SCORES[i]!;
    if (sc === 0 || sc < bestScore) continue;
    const t = PII_TYPES[i]!;
    if (!accept(t, digits)) continue;
    if (sc > bestScore || t !== 'NUMBER') { best = t; bestScore = sc; }
  }
  if (best === undefined) return undefined;
  return { type: best, score: bestScore, ...(state.announced >= 0 ? { announcedLength: state.announced } : {}) };
}

/** Scratch state of the current `conceptEvidence` call (single-threaded, never re-entered). */
const state = { any: false, announced: -1 };

function add(ws: Weights | undefined, distance: number): void {
  if (!ws) return;
  const f = distance <= 4 ? 1 : 0.7;
  for (let i = 0; i < ws.length; i++) {
    const [t, w] = ws[i]!;
    SCORES[TYPE_INDEX.get(t)!] += w * f;
  }
  state.any = true;
}

const DIGITS_SUFFIX_RE = /^(?:[a-z]+|\d{1,2})-digits?$/;

/** Weighs token k; false when the window stops there (another value, an entity, another clause). */
function look(scan: Scan, cues: readonly (CueType | undefined)[], k: number, distance: number, after: boolean): boolean {
  if (scan.taken[k] || cues[k] === 'NEGATIVE') return false;
  const t = scan.tokens[k]!;
  const w = t.w;
  if (CLAUSE_WORDS.has(w) || (after && w === 'and')) return false;
  const numeric = t.kind === K_NUMWORD || t.kind === K_DIGITS;
  if (numeric || (w.length > 6 && DIGITS_SUFFIX_RE.test(w))) {
    const n = smallNumber(w);
    // "three digits", "the 4 numbers", "three little numbers": the length of the value, not a value
    if (n !== undefined && (LENGTH_WORDS.has(scan.tokens[k + 1]?.w ?? '') || LENGTH_WORDS.has(scan.tokens[k + 2]?.w ?? '') || !numeric)) {
      if (state.announced < 0) state.announced = n;
      return true;
    }
    if (numeric) return false;
  }
  add(adjusted(scan, k, w), distance);
  return true;
}
