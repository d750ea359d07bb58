/**
 * Per-word facts, computed once per distinct word and cached: the token kind and a bit set of what
 * the word can be (number word, month, street suffix, cue word, name cue, ...). Tokenization pays
 * one map lookup per word, and each detector runs only when the utterance holds a word it needs,
 * which keeps the common case (an utterance with no PII) to a single pass.
 */
import {
  COMMON_WORDS, DIRECTIONS, IBAN_LENGTHS, MONTHS, ORDINAL_WORDS, QUANTITY_NOUNS, REPEAT_WORDS, STREET_SUFFIXES,
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

/** Words the cue pass looks at (cues.ts); kept here so the pass can be skipped when none occurs. */
export const CUE_WORDS: ReadonlySet<string> = new Set([
  'number', 'numbers', 'no', 'num', '#', 'nr', 'digits', 'id', 'identifier', 'i.d', 'code', 'codes', 'cvv', 'cvc', 'cvv2',
  'cvc2', 'csc', 'cvn', 'cid', 'expires', 'expiry', 'expiration', 'exp', 'expire', 'expiring', 'expired', "expiry's",
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
  return { kind, flags };
}

/** Every word some list knows, computed once at load. Other words carry no flags. */
const KNOWN = new Map<string, WordInfo>();
for (const list of [UNIT_WORDS.keys(), TEEN_WORDS.keys(), TENS_WORDS.keys(), REPEAT_WORDS.keys(), ['hundred', 'thousand'], ORDINAL_WORDS.keys(),
  MONTHS.keys(), STREET_SUFFIXES, COMMON_WORDS, CUE_WORDS, NAME_CUE_WORDS, ['at', 'at-sign'], QUANTITY_NOUNS, DIRECTIONS,
  [...IBAN_LENGTHS.keys()].map((c) => c.toLowerCase())]) {
  for (const w of list) if (!KNOWN.has(w)) KNOWN.set(w, computeInfo(w));
}
const KIND_INFO: WordInfo[] = [0, 1, 2, 3, 4, 5, 6].map((kind) => ({ kind, flags: 0 }));

export function wordInfo(w: string): WordInfo {
  return KNOWN.get(w) ?? KIND_INFO[kindOf(w)]!;
}
