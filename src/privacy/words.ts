/**
 * Per-word facts, computed once per distinct word and cached: the token kind and a bit set of what
 * the word can be (number word, month, street suffix, cue word, name cue, ...). Tokenization pays
 * one map lookup per word, and each detector runs only when the utterance holds a word it needs,
 * which keeps the common case (an utterance with no PII) to a single pass.
 */
import {
  COMMON_WORDS, CONCEPTS, DIRECTIONS, IBAN_LENGTHS, MONTHS, ORDINAL_WORDS, QUANTITY_NOUNS, REPEAT_WORDS, STREET_SUFFIXES,
  TEEN_WORDS, TENS_WORDS, UNIT_WORDS,
} from './lexicon.js';

export const K_OTHER = 0;
export const K_DIGITS = 1; // "4111", "617-496-6867", "+44", "05/31", "303.286.9594"
export const K_NUMWORD = 2; // "four", "oh", "forty", "hundred", "double"
export const K_ORDINAL = 3; // "3rd", "third"
export const K_LETTER = 4; // a single letter
export const K_ALNUM = 5; // letters and digits mixed: "221b", "ie29", "3m02"
export const K_WORD = 6; // letters (with ' or -)

export const F_NUMWORD = 1 << 0;
export const F_MONTH = 1 << 1;
export const F_SUFFIX = 1 << 2;
export const F_COMMON = 1 << 3;
export const F_CUE = 1 << 4;
export const F_NAMECUE = 1 << 5;
export const F_AT = 1 << 6;
export const F_QUANTITY = 1 << 7;
export const F_COUNTRY = 1 << 8; // a two-letter IBAN country code
export const F_DIRECTION = 1 << 9;
/** Scan-level only (createScan): two single letters in a row somewhere — something is spelled out. */
export const F_SPELLED = 1 << 10;
/** A word that speaks of a sensitive thing (lexicon CONCEPTS): concept evidence is worth looking for. */
export const F_CONCEPT = 1 << 11;

/** Words the cue pass looks at (cues.ts); kept here so the pass can be skipped when none occurs. */
export const CUE_WORDS: ReadonlySet<string> = new Set([
  'number', 'numbers', 'no', 'num', '#', 'nr', 'digits', 'id', 'identifier', 'i.d', 'code', 'codes', 'cvv', 'cvc', 'cvv2',
  'cvc2', 'csc', 'cvn', 'cid', 'two', 'expires', 'expiry', 'expiration', 'exp', 'expire', 'expiring', 'expired', "expiry's",
  'thru', 'through', 'until', 'pin', 'passcode', 'pincode', "pin's", 'ssn', 'social', "social's", 'security', 'routing',
  'aba', 'account', 'acct', 'iban', 'phone', 'cell', 'mobile', 'telephone', 'landline', 'cellphone', 'fax', 'at', 'on',
  'charge', 'bill', 'card', 'visa', 'mastercard', 'amex', 'creditcard', 'debitcard', 'birth', 'born', 'dob', 'birthday',
  'birthdate', 'd.o.b', 'email', 'e-mail', 'address', 'zip', 'zipcode', 'postcode', 'postal', 'mrn', 'member',
  'subscriber', 'policy', 'medicare', 'medicaid', 'passport', 'license', 'licence', 'to',
  // negative cues
  'flight', 'order', 'option', 'press', 'extension', 'ext', 'room', 'gate', 'seat', 'terminal', 'platform', 'route', 'bus',
  'train', 'ticket', 'invoice', 'confirmation', 'reference', 'tracking', 'case', 'model', 'version', 'item', 'page',
  'chapter', 'step', 'level', 'floor', 'table', 'channel', 'episode', 'season', 'question', 'aisle', 'row', 'store',
  'branch', 'batch', 'lot', 'sku', 'booking', 'reservation', 'claim', 'incident', 'plan', 'package', 'parcel',
  'shipment', 'transaction', 'receipt', 'voucher', 'promo', 'coupon', 'iphone', 'galaxy', 'pixel', 'windows', 'covid',
  'hotel', 'highway', 'interstate', 'zone', 'year', 'since', 'till',
]);

const NAME_CUE_WORDS = new Set([
  'name', "name's", 'names', 'surname', 'lastname', 'firstname', 'holder', 'cardholder', 'policyholder', 'this', "i'm",
  'am', 'me', 'mr', 'mrs', 'ms', 'mister', 'missus', 'miss', 'dr', 'doctor', 'professor', 'prof', 'spelled', 'spelt',
  "it's", 'hello', 'hi', 'hey',
  'husband', 'wife', 'son', 'daughter', 'mother', 'mum', 'mom', 'father', 'dad', 'partner', 'brother', 'sister', 'landlord',
  'landlady', 'tenant', 'boss', 'colleague', 'friend', 'grandson', 'granddaughter', 'grandmother', 'grandfather', 'nan', 'grandma',
  'grandpa', 'niece', 'nephew', 'uncle', 'aunt', 'auntie', 'carer', 'caregiver', 'patient', 'neighbour', 'neighbor', 'fiance',
  'fiancee', 'girlfriend', 'boyfriend', 'assistant', 'secretary', 'employer', 'child', 'kid', 'stepson', 'stepdaughter',
]);

export interface WordInfo {
  kind: number;
  flags: number;
}

function isNumberWord(w: string): boolean {
  return UNIT_WORDS.has(w) || TEEN_WORDS.has(w) || TENS_WORDS.has(w) || REPEAT_WORDS.has(w) || w === 'hundred' || w === 'thousand';
}

/** Kind of a word no lexicon knows, by one pass over its characters. */
function kindOf(w: string): number {
  let letters = 0;
  let digits = 0;
  let other = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 97 && c <= 122) letters++;
    else if (c >= 48 && c <= 57) digits++;
    else if (c >= 0xc0 && c <= 0x24f) letters++;
    else if ((c === 39 || c === 45 || c === 0x2019) && i > 0) other++;
    else return K_OTHER;
  }
  if (digits === 0) return letters === 1 && other === 0 && w.length === 1 && w.charCodeAt(0) <= 122 ? K_LETTER : K_WORD;
  if (other > 0) return K_OTHER;
  if (letters === 2 && digits === w.length - 2) {
    const suffix = w.slice(-2);
    if (suffix === 'st' || suffix === 'nd' || suffix === 'rd' || suffix === 'th') return K_ORDINAL;
  }
  return K_ALNUM;
}

function computeInfo(w: string): WordInfo {
  let kind: number;
  let flags = 0;
  if (isNumberWord(w)) { kind = K_NUMWORD; flags |= F_NUMWORD; }
  else if (ORDINAL_WORDS.has(w)) kind = K_ORDINAL;
  else kind = kindOf(w);
  if (MONTHS.has(w)) flags |= F_MONTH;
  if (STREET_SUFFIXES.has(w)) flags |= F_SUFFIX;
  if (COMMON_WORDS.has(w)) flags |= F_COMMON;
  if (CUE_WORDS.has(w)) flags |= F_CUE;
  if (NAME_CUE_WORDS.has(w)) flags |= F_NAMECUE;
  if (w === 'at' || w === 'at-sign') flags |= F_AT;
  if (QUANTITY_NOUNS.has(w)) flags |= F_QUANTITY;
  if (w.length === 2 && IBAN_LENGTHS.has(w.toUpperCase())) flags |= F_COUNTRY;
  if (DIRECTIONS.has(w)) flags |= F_DIRECTION;
  if (CONCEPTS.has(w)) flags |= F_CONCEPT;
  return { kind, flags };
}

/** Every word some list knows, computed once at load. Other words carry no flags. */
const KNOWN = new Map<string, WordInfo>();
for (const list of [UNIT_WORDS.keys(), TEEN_WORDS.keys(), TENS_WORDS.keys(), REPEAT_WORDS.keys(), ['hundred', 'thousand'], ORDINAL_WORDS.keys(),
  MONTHS.keys(), STREET_SUFFIXES, COMMON_WORDS, CUE_WORDS, NAME_CUE_WORDS, CONCEPTS.keys(), ['at', 'at-sign'], QUANTITY_NOUNS, DIRECTIONS,
  [...IBAN_LENGTHS.keys()].map((c) => c.toLowerCase())]) {
  for (const w of list) if (!KNOWN.has(w)) KNOWN.set(w, computeInfo(w));
}
const KIND_INFO: WordInfo[] = [0, 1, 2, 3, 4, 5, 6].map((kind) => ({ kind, flags: 0 }));

export function wordInfo(w: string): WordInfo {
  return KNOWN.get(w) ?? KIND_INFO[kindOf(w)]!;
}

/**
 * `wordInfo` of `text.slice(s, e)` without making the string: an open-addressing table keyed by a
 * hash the tokenizer computes over the characters, compared in place. The tokenizer looks up every
 * word of every utterance; V8's Map would hash each freshly sliced string again, which made this
 * the costliest single step of detection.
 */
export function wordInfoAt(text: string, s: number, e: number): WordInfo {
  let h = 0;
  for (let i = s; i < e; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  const len = e - s;
  for (let slot = h & TABLE_MASK; ; slot = (slot + 1) & TABLE_MASK) {
    const w = TABLE_WORDS[slot];
    if (w === undefined) break;
    if (TABLE_HASH[slot] === h && w.length === len && text.startsWith(w, s)) return TABLE_INFO[slot]!;
  }
  return KIND_INFO[kindOfAt(text, s, e)]!;
}

const TABLE_SIZE = 4096;
const TABLE_MASK = TABLE_SIZE - 1;
const TABLE_WORDS: (string | undefined)[] = new Array(TABLE_SIZE);
const TABLE_HASH = new Int32Array(TABLE_SIZE);
const TABLE_INFO: (WordInfo | undefined)[] = new Array(TABLE_SIZE);
for (const [w, info] of KNOWN) {
  let h = 0;
  for (let i = 0; i < w.length; i++) h = (Math.imul(h, 31) + w.charCodeAt(i)) | 0;
  let slot = h & TABLE_MASK;
  while (TABLE_WORDS[slot] !== undefined) slot = (slot + 1) & TABLE_MASK;
  TABLE_WORDS[slot] = w;
  TABLE_HASH[slot] = h;
  TABLE_INFO[slot] = info;
}
if (KNOWN.size * 2 > TABLE_SIZE) throw new Error('word table too small for the lexicon');

/** `kindOf` over text[s, e). */
function kindOfAt(text: string, s: number, e: number): number {
  let letters = 0;
  let digits = 0;
  let other = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) letters++;
    else if (c >= 48 && c <= 57) digits++;
    else if (c >= 0xc0 && c <= 0x24f) letters++;
    else if ((c === 39 || c === 45 || c === 0x2019) && i > s) other++;
    else return K_OTHER;
  }
  const len = e - s;
  if (digits === 0) return letters === 1 && other === 0 && len === 1 && text.charCodeAt(s) <= 122 ? K_LETTER : K_WORD;
  if (other > 0) return K_OTHER;
  if (letters === 2 && digits === len - 2) {
    const a = text.charCodeAt(e - 2);
    const b = text.charCodeAt(e - 1);
    if ((a === 115 && b === 116) || (a === 110 && b === 100) || (a === 114 && b === 100) || (a === 116 && b === 104)) return K_ORDINAL; // st nd rd th
  }
  return K_ALNUM;
}
