/**
 * Value generators for the labelled PII corpus: realistic values of each type (check digits valid,
 * numbering plans respected) and the many ways a caller's words reach a transcript — digits, groups,
 * spoken digit words with "oh" / "double" / "triple", pairs ("forty one"), written and spoken mixed,
 * hesitations inside the value, letter by letter. Everything draws from a seeded `Rng`, so a corpus is
 * reproducible. Check digits are computed here, independently of `src/privacy/checksums.ts`, so a bug
 * there cannot make the yardstick agree with the detector.
 */
import { isValidPhoneNumber } from 'libphonenumber-js';

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed | 0; }
  /** mulberry32: small, fast, good enough for test data. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]!; }
  chance(p: number): boolean { return this.next() < p; }
  digits(n: number): string { let s = ''; for (let i = 0; i < n; i++) s += String(this.int(0, 9)); return s; }
}

// ---------- number words ----------
export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORD = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth', 'twentieth'];
export const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTHS_SHORT = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sept', 'oct', 'nov', 'dec'];

export function twoDigitWords(n: number): string {
  if (n < 10) return DIGIT_WORDS[n]!;
  if (n < 20) return TEENS[n - 10]!;
  return TENS[Math.floor(n / 10)]! + (n % 10 ? ' ' + DIGIT_WORDS[n % 10] : '');
}
/** 0..999999 as words; `and` after hundreds the British way when asked. */
export function numberWords(n: number, and = false): string {
  if (n < 100) return twoDigitWords(n);
  if (n < 1000) {
    const rest = n % 100;
    return DIGIT_WORDS[Math.floor(n / 100)] + ' hundred' + (rest ? (and ? ' and ' : ' ') + twoDigitWords(rest) : '');
  }
  const rest = n % 1000;
  return numberWords(Math.floor(n / 1000), and) + ' thousand' + (rest ? (rest < 100 && and ? ' and ' : ' ') + numberWords(rest, and) : '');
}
export function ordinalWords(n: number): string {
  if (n <= 20) return ORD[n - 1]!;
  if (n % 10 === 0) return TENS[n / 10]!.replace(/y$/, 'ieth');
  return TENS[Math.floor(n / 10)]! + ' ' + ORD[(n % 10) - 1]!;
}
export function ordinalSuffix(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${s}`;
}
export function yearWords(rng: Rng, y: number): string {
  if (y >= 2000 && y < 2010) return 'two thousand' + (y % 10 ? (rng.chance(0.5) ? ' and ' : ' ') + DIGIT_WORDS[y % 10] : '');
  const hi = Math.floor(y / 100);
  const lo = y % 100;
  return twoDigitWords(hi) + ' ' + (lo === 0 ? 'hundred' : lo < 10 ? 'oh ' + DIGIT_WORDS[lo] : twoDigitWords(lo));
}

// ---------- digit strings in spoken forms ----------
const HESITATIONS = ['uh', 'um', 'uh', 'um', 'er', 'erm', 'uhh', 'hmm'];

/** Digit words, "oh" or "zero" for 0 (one choice per value, as people are consistent), sometimes "double"/"triple". */
export function spokenDigits(rng: Rng, ds: string, zero = rng.pick(['oh', 'zero', 'oh'])): string {
  const out: string[] = [];
  const word = (d: number): string => (d === 0 ? zero : DIGIT_WORDS[d]!);
  for (let i = 0; i < ds.length; i++) {
    const d = Number(ds[i]);
    if (i + 2 < ds.length && ds[i + 1] === ds[i] && ds[i + 2] === ds[i] && rng.chance(0.4)) { out.push('triple', word(d)); i += 2; continue; }
    if (i + 1 < ds.length && ds[i + 1] === ds[i] && rng.chance(0.4)) { out.push('double', word(d)); i++; continue; }
    out.push(word(d));
  }
  return out.join(' ');
}
/** "41 11 05" → "forty one eleven oh five"; an odd digit left over is said alone. */
export function pairWords(rng: Rng, ds: string): string {
  const out: string[] = [];
  const zero = rng.pick(['oh', 'zero']);
  let i = 0;
  if (ds.length % 2 === 1) { out.push(ds[0] === '0' ? zero : DIGIT_WORDS[Number(ds[0])]!); i = 1; }
  for (; i < ds.length; i += 2) {
    const p = ds.slice(i, i + 2);
    if (p === '00') out.push(rng.chance(0.5) ? 'double ' + zero : 'hundred');
    else if (p[0] === '0') out.push(zero + ' ' + DIGIT_WORDS[Number(p[1])]);
    else out.push(twoDigitWords(Number(p)));
  }
  return out.join(' ').replace(/^hundred/, zero + ' ' + zero);
}
/** Splits `ds` into consecutive pieces of the given sizes (the remainder becomes one more piece). */
export function split(ds: string, sizes: readonly number[]): string[] {
  const parts: string[] = [];
  let i = 0;
  for (const s of sizes) { if (i >= ds.length) break; parts.push(ds.slice(i, i + s)); i += s; }
  if (i < ds.length) parts.push(ds.slice(i));
  return parts;
}

export const DIGIT_FORMS = ['digits', 'grouped', 'dashed', 'dotted', 'spoken', 'pairs', 'mixed', 'hesitant', 'spaced', 'words'] as const;
export type DigitForm = (typeof DIGIT_FORMS)[number];

/** One digit string in one form; `groups` are the sizes people pause at (4-4-4-4, 3-2-4, ...). */
export function renderDigits(rng: Rng, ds: string, groups: readonly number[], form: DigitForm): string {
  const parts = split(ds, groups);
  switch (form) {
    case 'digits': return ds;
    case 'grouped': return parts.join(' ');
    case 'dashed': return parts.join('-');
    case 'dotted': return parts.join('.');
    case 'spaced': return ds.split('').join(' ');
    case 'spoken': return spokenDigits(rng, ds);
    case 'pairs': return parts.map((p) => pairWords(rng, p)).join(' ');
    case 'words': {
      // short values said as a number: "four hundred and twelve", "twelve thirty four"
      if (ds[0] === '0' || ds.length > 4) return pairWords(rng, ds);
      if (ds.length === 3 && rng.chance(0.6)) return numberWords(Number(ds), rng.chance(0.5));
      return pairWords(rng, ds);
    }
    case 'mixed': {
      if (parts.length < 2) return rng.chance(0.5) ? ds.slice(0, 1) + ' ' + spokenDigits(rng, ds.slice(1)) : spokenDigits(rng, ds.slice(0, -1)) + ' ' + ds.slice(-1);
      const zero = rng.pick(['oh', 'zero']);
      const spokenAt = rng.int(0, parts.length - 1);
      const writtenAt = (spokenAt + rng.int(1, parts.length - 1)) % parts.length;
      return parts.map((p, i) => (i === spokenAt ? spokenDigits(rng, p, zero) : i === writtenAt ? p : rng.chance(0.5) ? p : spokenDigits(rng, p, zero))).join(' ');
    }
    case 'hesitant': {
      const written = rng.chance(0.25);
      const zero = rng.pick(['oh', 'zero']);
      const words = parts.map((p) => (written ? p : spokenDigits(rng, p, zero)));
      if (words.length < 2) {
        const w = spokenDigits(rng, ds, zero).split(' ');
        const at = rng.int(1, w.length - 1);
        return [...w.slice(0, at), rng.pick(HESITATIONS), ...w.slice(at)].join(' ');
      }
      const at = rng.int(1, words.length - 1);
      return [...words.slice(0, at), rng.pick(HESITATIONS), ...words.slice(at)].join(' ');
    }
  }
}

/** A value in two halves at the group boundary nearest the middle ("the first eight are ... and then ..."). */
function digitHalves(rng: Rng, ds: string, groups: readonly number[], form: DigitForm): [string, string] {
  const parts = split(ds, groups);
  let best = 1;
  let acc = 0;
  let bestDist = Infinity;
  for (let i = 0; i < parts.length - 1; i++) {
    acc += parts[i]!.length;
    if (Math.abs(acc - ds.length / 2) < bestDist) { bestDist = Math.abs(acc - ds.length / 2); best = i + 1; }
  }
  const cut = parts.slice(0, best).join('').length || Math.ceil(ds.length / 2);
  const f: DigitForm = form === 'hesitant' || form === 'mixed' ? 'spoken' : form;
  return [renderDigits(rng, ds.slice(0, cut), groups, f), renderDigits(rng, ds.slice(cut), split(ds.slice(cut), groups.slice(best)).map((p) => p.length), f)];
}

// ---------- letters ----------
const NATO: Record<string, string> = { a: 'alpha', b: 'bravo', c: 'charlie', d: 'delta', e: 'echo', f: 'foxtrot', g: 'golf', h: 'hotel', i: 'india', j: 'juliet', k: 'kilo', l: 'lima', m: 'mike', n: 'november', o: 'oscar', p: 'papa', q: 'quebec', r: 'romeo', s: 'sierra', t: 'tango', u: 'uniform', v: 'victor', w: 'whiskey', x: 'x-ray', y: 'yankee', z: 'zulu' };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const letters = (rng: Rng, n: number, from = LETTERS): string => Array.from({ length: n }, () => rng.pick(from.split(''))).join('');

export const ALNUM_FORMS = ['compact', 'upper', 'grouped', 'dashed', 'spelled', 'mixed', 'phonetic', 'hesitant'] as const;
export type AlnumForm = (typeof ALNUM_FORMS)[number];

/** An identifier of letters and digits ("xjh123456789", "1EG4-TE5-MK72") in one form. */
export function renderAlnum(rng: Rng, s: string, groups: readonly number[], form: AlnumForm): string {
  const lower = s.toLowerCase();
  const zero = rng.pick(['oh', 'zero']);
  const charWord = (c: string): string => (/\d/.test(c) ? (c === '0' ? zero : DIGIT_WORDS[Number(c)]!) : c);
  switch (form) {
    case 'compact': return lower;
    case 'upper': return s.toUpperCase();
    case 'grouped': return split(lower, groups).join(' ');
    case 'dashed': return split(s.toUpperCase(), groups).join('-');
    case 'spelled': return lower.split('').map(charWord).join(' ');
    case 'mixed': return (lower.match(/[a-z]+|\d+/g) ?? []).map((run) => (/\d/.test(run) ? run : run.split('').join(' '))).join(' ');
    case 'phonetic': {
      // "c for charlie" on the letters, digits said plainly
      return lower.split('').map((c) => (/\d/.test(c) ? charWord(c) : `${c} ${rng.pick(['for', 'as in'])} ${NATO[c]}`)).join(' ');
    }
    case 'hesitant': {
      const w = lower.split('').map(charWord);
      const at = rng.int(1, Math.max(1, w.length - 1));
      return [...w.slice(0, at), rng.pick(HESITATIONS), ...w.slice(at)].join(' ');
    }
  }
}

// ---------- check digits (independent of src/) ----------
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
export function luhnOk(ds: string): boolean { return luhnCheckDigit(ds.slice(0, -1)) === ds.slice(-1); }

function mod97(s: string): number {
  let rem = 0;
  for (const c of s.toUpperCase()) {
    const v = /\d/.test(c) ? c : String(c.charCodeAt(0) - 55);
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem;
}
export function ibanOk(iban: string): boolean { return mod97(iban.slice(4) + iban.slice(0, 4)) === 1; }
export function abaOk(ds: string): boolean {
  const d = ds.split('').map(Number);
  return d.length === 9 && (3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + d[2]! + d[5]! + d[8]!) % 10 === 0;
}

// ---------- the values ----------
/** A rendered value: the exact text, its length in digits/characters (for "{len}"), and halves for split families. */
export interface Value { text: string; len: number; halves?: [string, string]; /** the form drawn (set by `makeValue`) */ form?: string }
interface ValueSpec { forms: readonly string[]; make(rng: Rng, form: string): Value }

function digitValue(rng: Rng, ds: string, groups: readonly number[], form: string): Value {
  const f = form as DigitForm;
  return { text: renderDigits(rng, ds, groups, f), len: ds.length, halves: digitHalves(rng, ds, groups, f) };
}
function alnumValue(rng: Rng, s: string, groups: readonly number[], form: string): Value {
  const f = form as AlnumForm;
  const parts = split(s, groups);
  const cut = parts.slice(0, Math.max(1, Math.floor(parts.length / 2))).join('').length;
  return { text: renderAlnum(rng, s, groups, f), len: s.length, halves: [renderAlnum(rng, s.slice(0, cut), [cut], f === 'hesitant' ? 'spelled' : f), renderAlnum(rng, s.slice(cut), split(s.slice(cut), groups.slice(1)).map((p) => p.length), f === 'hesitant' ? 'spelled' : f)] };
}

function cardNumber(rng: Rng): { ds: string; groups: number[] } {
  const brand = rng.pick(['visa', 'visa', 'visa', 'mastercard', 'mastercard', 'mastercard2', 'amex', 'discover', 'diners']);
  const [prefix, length, groups] =
    brand === 'visa' ? ['4', 16, [4, 4, 4, 4]]
      : brand === 'mastercard' ? [String(rng.int(51, 55)), 16, [4, 4, 4, 4]]
        : brand === 'mastercard2' ? [String(rng.int(2221, 2720)), 16, [4, 4, 4, 4]]
          : brand === 'amex' ? [rng.pick(['34', '37']), 15, [4, 6, 5]]
            : brand === 'discover' ? [rng.pick(['6011', '65']), 16, [4, 4, 4, 4]]
              : [rng.pick(['36', '38']), 14, [4, 6, 4]];
  const body = prefix + rng.digits(length - prefix.length - 1);
  return { ds: body + luhnCheckDigit(body), groups: groups as number[] };
}

function ssnDigits(rng: Rng): string {
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  return String(area).padStart(3, '0') + String(rng.int(1, 99)).padStart(2, '0') + String(rng.int(1, 9999)).padStart(4, '0');
}

function abaRouting(rng: Rng): string {
  const first = String(rng.pick([rng.int(1, 12), rng.int(21, 32)])).padStart(2, '0');
  for (;;) {
    const body = first + rng.digits(6);
    for (let c = 0; c < 10; c++) if (abaOk(body + c)) return body + c;
  }
}

const US_AREAS = ['212', '646', '718', '917', '303', '720', '415', '510', '650', '617', '857', '206', '425', '512', '737', '773', '312', '202', '404', '305', '713', '214', '602', '503', '612', '215', '412', '702', '808', '907'];
interface PhoneRaw { national: string; groups: number[]; cc: string; trunk: string; intlGroups: number[] }
function phoneRaw(rng: Rng): PhoneRaw {
  for (let attempt = 0; attempt < 100; attempt++) {
    const kind = rng.pick(['us', 'us', 'us', 'gb-mobile', 'gb-london', 'ie-mobile', 'ie-dublin', 'de-mobile', 'de-berlin', 'fr-mobile', 'fr-paris']);
    let raw: PhoneRaw;
    switch (kind) {
      case 'us': raw = { national: rng.pick(US_AREAS) + String(rng.int(2, 9)) + rng.pick(['0', '1', '2', '3', '4', '6', '7', '8', '9']) + rng.digits(1) + rng.digits(4), groups: [3, 3, 4], cc: '1', trunk: '', intlGroups: [3, 3, 4] }; break;
      case 'gb-mobile': raw = { national: '07' + rng.pick(['4', '5', '7', '8', '9']) + rng.digits(8), groups: [5, 6], cc: '44', trunk: '0', intlGroups: [4, 6] }; break;
      case 'gb-london': raw = { national: '020' + rng.pick(['7', '8', '3']) + rng.digits(7), groups: [3, 4, 4], cc: '44', trunk: '0', intlGroups: [2, 4, 4] }; break;
      case 'ie-mobile': raw = { national: '08' + rng.pick(['3', '5', '6', '7', '9']) + String(rng.int(1, 9)) + rng.digits(6), groups: [3, 3, 4], cc: '353', trunk: '0', intlGroups: [2, 3, 4] }; break;
      case 'ie-dublin': raw = { national: '01' + String(rng.int(2, 9)) + rng.digits(6), groups: [2, 3, 4], cc: '353', trunk: '0', intlGroups: [1, 3, 4] }; break;
      case 'de-mobile': raw = { national: '01' + rng.pick(['51', '52', '60', '62', '70', '71', '72', '76']) + rng.digits(8), groups: [4, 4, 4], cc: '49', trunk: '0', intlGroups: [3, 4, 4] }; break;
      case 'de-berlin': raw = { national: '030' + String(rng.int(2, 9)) + rng.digits(7), groups: [3, 4, 4], cc: '49', trunk: '0', intlGroups: [2, 4, 4] }; break;
      case 'fr-mobile': raw = { national: '0' + rng.pick(['6', '7']) + rng.digits(8), groups: [2, 2, 2, 2, 2], cc: '33', trunk: '0', intlGroups: [1, 2, 2, 2, 2] }; break;
      default: raw = { national: '01' + rng.digits(8), groups: [2, 2, 2, 2, 2], cc: '33', trunk: '0', intlGroups: [1, 2, 2, 2, 2] }; break;
    }
    if (isValidPhoneNumber('+' + raw.cc + raw.national.slice(raw.trunk.length))) return raw;
  }
  throw new Error('phoneRaw: no valid number in 100 attempts');
}
export const PHONE_FORMS = ['national', 'compact', 'dashed', 'dotted', 'parens', 'plus', 'double-zero', 'spoken', 'spoken-plus', 'pairs', 'mixed', 'hesitant'] as const;
function phoneValue(rng: Rng, form: string): Value {
  const p = phoneRaw(rng);
  const sub = p.national.slice(p.trunk.length);
  const intl = p.cc + sub;
  const parts = split(p.national, p.groups);
  const usLead = p.cc === '1' && rng.chance(0.2) ? '1 ' : '';
  const halves = (text: (ds: string, g: number[]) => string): [string, string] => {
    const cut = parts.slice(0, Math.ceil(parts.length / 2)).join('').length;
    return [text(p.national.slice(0, cut), p.groups), text(p.national.slice(cut), split(p.national.slice(cut), p.groups.slice(Math.ceil(parts.length / 2))).map((x) => x.length))];
  };
  let text: string;
  switch (form) {
    case 'national': text = usLead + parts.join(' '); break;
    case 'compact': text = p.national; break;
    case 'dashed': text = usLead.replace(' ', '-') + parts.join('-'); break;
    case 'dotted': text = parts.join('.'); break;
    case 'parens': text = p.cc === '1' ? `(${parts[0]}) ${parts[1]}-${parts[2]}` : parts[0]!.length >= 3 ? `(${parts[0]}) ${parts.slice(1).join(' ')}` : parts.join(' '); break;
    case 'plus': text = `+${p.cc} ${split(sub, p.intlGroups).join(' ')}`; break;
    case 'double-zero': text = `00${p.cc} ${split(sub, p.intlGroups).join(' ')}`; break;
    case 'spoken': text = (usLead ? 'one ' : '') + spokenDigits(rng, p.national); break;
    case 'spoken-plus': text = (rng.chance(0.7) ? 'plus ' + spokenDigits(rng, p.cc) : spokenDigits(rng, '00' + p.cc)) + ' ' + spokenDigits(rng, sub); break;
    case 'pairs': text = renderDigits(rng, p.national, p.groups, 'pairs'); break;
    case 'mixed': text = renderDigits(rng, p.national, p.groups, 'mixed'); break;
    default: text = renderDigits(rng, p.national, p.groups, 'hesitant'); break;
  }
  const writtenForm = ['national', 'compact', 'dashed', 'dotted', 'parens', 'plus', 'double-zero'].includes(form);
  return { text, len: p.national.length, halves: halves((ds, g) => (writtenForm ? split(ds, g).join(' ') : spokenDigits(rng, ds))) };
}

const IBAN_FORMATS: [string, (rng: Rng) => string][] = [
  ['GB', (r) => r.pick(['NWBK', 'BARC', 'LOYD', 'HBUK', 'MIDL', 'WEST']) + r.digits(14)],
  ['IE', (r) => r.pick(['AIBK', 'BOFI', 'IPBS', 'ULSB']) + r.digits(14)],
  ['DE', (r) => r.digits(18)],
  ['FR', (r) => r.digits(23)],
  ['NL', (r) => r.pick(['ABNA', 'INGB', 'RABO', 'TRIO']) + r.digits(10)],
  ['ES', (r) => r.digits(20)],
  ['IT', (r) => r.pick(LETTERS.toUpperCase().split('')) + r.digits(22)],
  ['BE', (r) => r.digits(12)],
];
export const IBAN_FORMS = ['grouped', 'compact', 'lower', 'spelled', 'mixed', 'hesitant'] as const;
function ibanValue(rng: Rng, form: string): Value {
  const [cc, bban] = rng.pick(IBAN_FORMATS);
  const b = bban(rng);
  const check = String(98 - mod97(b + cc + '00')).padStart(2, '0');
  const iban = cc + check + b;
  if (!ibanOk(iban)) throw new Error('iban check digits');
  const groups = Array.from({ length: Math.ceil(iban.length / 4) }, () => 4);
  const parts = split(iban, groups);
  const spell = (s: string): string => renderAlnum(rng, s, [s.length], 'spelled');
  let text: string;
  switch (form) {
    case 'grouped': text = parts.join(' '); break;
    case 'compact': text = iban; break;
    case 'lower': text = parts.join(' ').toLowerCase(); break;
    case 'spelled': text = spell(iban); break;
    case 'mixed': text = (iban.toLowerCase().match(/[a-z]+|\d+/g) ?? []).map((run) => (/\d/.test(run) ? split(run, [4, 4, 4, 4, 4, 4]).join(' ') : run.split('').join(' '))).join(' '); break;
    default: text = [...parts.slice(0, 2), rng.pick(HESITATIONS), ...parts.slice(2)].join(' '); break;
  }
  const cut = parts.slice(0, Math.ceil(parts.length / 2)).join('').length;
  const half = (s: string): string => (form === 'spelled' ? spell(s) : split(s, groups).join(' '));
  return { text, len: iban.length, halves: [half(iban.slice(0, cut)), half(iban.slice(cut))] };
}

export const EXPIRY_FORMS = ['slash', 'space', 'dash', 'slash-long', 'spoken', 'spoken-digits', 'month-name', 'month-year', 'month-of', 'short-month'] as const;
function expiryValue(rng: Rng, form: string): Value {
  const m = rng.int(1, 12);
  const y = rng.int(2025, 2034);
  const mm = String(m).padStart(2, '0');
  const yy = String(y % 100);
  let text: string;
  switch (form) {
    case 'slash': text = `${mm}/${yy}`; break;
    case 'space': text = `${mm} ${yy}`; break;
    case 'dash': text = `${mm}-${yy}`; break;
    case 'slash-long': text = `${rng.chance(0.5) ? mm : m}/${y}`; break;
    case 'spoken': text = `${m < 10 ? rng.pick(['oh ', 'zero ', '']) + DIGIT_WORDS[m] : twoDigitWords(m)} ${twoDigitWords(y % 100)}`; break;
    case 'spoken-digits': text = spokenDigits(rng, mm + yy); break;
    case 'month-name': text = `${MONTHS[m - 1]} ${twoDigitWords(y % 100)}`; break;
    case 'month-year': text = `${MONTHS[m - 1]} ${rng.chance(0.5) ? y : 'twenty ' + twoDigitWords(y % 100)}`; break;
    case 'month-of': text = `${MONTHS[m - 1]} of ${rng.chance(0.5) ? yy : 'twenty ' + twoDigitWords(y % 100)}`; break;
    default: text = `${MONTHS_SHORT[m - 1]} ${yy}`; break;
  }
  return { text, len: 4 };
}

export const DOB_FORMS = ['us-slash', 'uk-slash', 'dash', 'iso', 'dotted', 'short-year', 'month-day-year', 'day-month-year', 'ordinal-digits', 'spoken-us', 'spoken-uk', 'spoken-the', 'spoken-digits'] as const;
function dobValue(rng: Rng, form: string): Value {
  const y = rng.int(1930, 2008);
  const m = rng.int(1, 12);
  const d = rng.int(1, 28);
  const mm = String(m).padStart(2, '0');
  const dd = String(d).padStart(2, '0');
  let text: string;
  switch (form) {
    case 'us-slash': text = `${rng.chance(0.7) ? mm : m}/${rng.chance(0.7) ? dd : d}/${y}`; break;
    case 'uk-slash': text = `${dd}/${mm}/${y}`; break;
    case 'dash': text = `${mm}-${dd}-${y}`; break;
    case 'iso': text = `${y}-${mm}-${dd}`; break;
    case 'dotted': text = `${dd}.${mm}.${y}`; break;
    case 'short-year': text = `${m}/${d}/${String(y % 100).padStart(2, '0')}`; break;
    case 'month-day-year': text = `${MONTHS[m - 1]} ${d} ${y}`; break;
    case 'day-month-year': text = `${d} ${MONTHS[m - 1]} ${y}`; break;
    case 'ordinal-digits': text = `${MONTHS[m - 1]} ${ordinalSuffix(d)} ${y}`; break;
    case 'spoken-us': text = `${MONTHS[m - 1]} ${ordinalWords(d)} ${yearWords(rng, y)}`; break;
    case 'spoken-uk': text = `the ${ordinalWords(d)} of ${MONTHS[m - 1]} ${yearWords(rng, y)}`; break;
    case 'spoken-the': text = `${MONTHS[m - 1]} the ${ordinalWords(d)} ${rng.chance(0.5) ? yearWords(rng, y) : twoDigitWords(y % 100)}`; break;
    default: text = `${spokenDigits(rng, mm)} ${spokenDigits(rng, dd)} ${rng.chance(0.5) ? twoDigitWords(y % 100).replace(/^(zero|one|two|three|four|five|six|seven|eight|nine)$/, 'oh $1') : yearWords(rng, y)}`; break;
  }
  return { text, len: 8 };
}

export const FIRST_NAMES = ['james', 'maria', 'wei', 'fatima', 'olga', 'diego', 'aisha', 'lukas', 'priya', 'kwame', 'sofia', 'hiroshi', 'emma', 'noah', 'grace', 'omar', 'ingrid', 'tom', 'chen', 'yuki', 'pierre', 'amara', 'mateo', 'zara', 'liam', 'nadia', 'siobhan', 'declan', 'agnieszka', 'tunde', 'rosa', 'henrik', 'mei', 'ahmed', 'beatriz', 'connor', 'deepa', 'gustavo', 'hannah', 'ivan'];
export const LAST_NAMES = ['smith', 'garcia', 'okafor', 'kowalski', 'nguyen', 'haddad', 'lindqvist', 'murphy', 'rossi', 'patel', 'tanaka', 'fischer', 'dubois', 'mensah', 'alvarez', 'oconnor', 'schmidt', 'obrien', 'novak', 'ivanova', 'mcallister', 'brennan', 'adeyemi', 'johansson', 'moreau', 'kelly', 'walsh', 'yilmaz', 'santos', 'becker', 'hughes', 'ferreira', 'kim', 'singh', 'thompson'];
export const NAME_FORMS = ['plain', 'capitalized', 'middle-initial', 'last-first', 'spelled-last'] as const;
function nameValue(rng: Rng, form: string): Value {
  const f = rng.pick(FIRST_NAMES);
  const l = rng.pick(LAST_NAMES);
  const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
  let text: string;
  switch (form) {
    case 'plain': text = `${f} ${l}`; break;
    case 'capitalized': text = `${cap(f)} ${cap(l)}`; break;
    case 'middle-initial': text = `${f} ${rng.pick(LETTERS.split(''))} ${l}`; break;
    case 'last-first': text = `${l} ${f}`; break;
    default: text = `${f} ${l} ${l.split('').join(' ')}`; break;
  }
  return { text, len: text.length };
}

const STREETS = ['baker', 'oak', 'maple', 'harbor', 'station', 'high', 'cedar', 'elm', 'pine', 'washington', 'church', 'mill', 'king', 'queen', 'park', 'lake', 'sunset', 'river', 'evergreen', 'willow', 'chestnut', 'main', 'north', 'victoria', 'albert', 'hazel', 'orchard'];
const SUFFIXES = ['street', 'road', 'avenue', 'boulevard', 'lane', 'drive', 'court', 'terrace', 'place', 'way', 'crescent', 'close', 'st', 'ave', 'rd'];
const TOWNS = ['springfield', 'riverside', 'fairview', 'madison', 'georgetown', 'salem', 'bristol', 'leeds', 'galway', 'cork', 'oxford', 'portland'];
export const ADDRESS_FORMS = ['street', 'spoken-number', 'apartment', 'zip', 'uk-postcode', 'unit-first'] as const;
function addressValue(rng: Rng, form: string): Value {
  const n = rng.int(1, rng.chance(0.5) ? 99 : 9899);
  const street = `${rng.pick(STREETS)} ${rng.pick(SUFFIXES)}`;
  let text: string;
  switch (form) {
    case 'street': text = `${n} ${street}`; break;
    case 'spoken-number': text = `${rng.chance(0.5) ? spokenDigits(rng, String(n)) : numberWords(n)} ${street}`; break;
    case 'apartment': text = `${n} ${street} ${rng.pick(['apartment', 'apt', 'unit', 'flat', 'suite'])} ${rng.int(1, 30)}${rng.pick(['', '', 'b', 'c'])}`; break;
    case 'zip': text = `${n} ${street} ${rng.pick(TOWNS)} ${rng.digits(5)}`; break;
    case 'uk-postcode': text = `${n} ${street} ${rng.pick(TOWNS)} ${rng.pick(['sw1a', 'e14', 'ls6', 'bs8', 'm1', 'd02', 'ox2'])} ${rng.int(1, 9)}${letters(rng, 2, 'abdefghjlnpqrstuwxyz')}`; break;
    default: text = `${rng.pick(['apartment', 'unit', 'flat'])} ${rng.int(1, 30)} ${n} ${street}`; break;
  }
  return { text, len: text.length };
}

const EMAIL_DOMAINS = ['gmail', 'yahoo', 'outlook', 'hotmail', 'icloud', 'proton', 'aol', 'acme-corp', 'brightwater', 'eircom'];
const TLDS = ['com', 'com', 'com', 'net', 'org', 'co.uk', 'ie', 'de', 'fr', 'io'];
export const EMAIL_FORMS = ['written', 'spoken', 'spelled', 'mixed', 'at-sign'] as const;
function emailValue(rng: Rng, form: string): Value {
  const f = rng.pick(FIRST_NAMES);
  const l = rng.pick(LAST_NAMES);
  const num = rng.chance(0.3) ? String(rng.int(1, 99)) : '';
  const sep = rng.pick(['.', '.', '_', '', '-']);
  const local = rng.chance(0.2) ? f[0] + l + num : f + sep + l + num;
  const domain = rng.pick(EMAIL_DOMAINS);
  const tld = rng.pick(TLDS);
  const sepWord = (c: string): string => ({ '.': ' dot ', '_': ' underscore ', '-': rng.pick([' dash ', ' hyphen ']) }[c] ?? c);
  const speak = (s: string, spell: boolean): string => s.split(/([._-])/).map((p) => (/^[._-]$/.test(p) ? sepWord(p) : spell ? p.split('').map((c) => (/\d/.test(c) ? DIGIT_WORDS[Number(c)] : c)).join(' ') : p.replace(/\d+/g, (d) => ' ' + twoDigitWords(Number(d))))).join('').replace(/\s+/g, ' ').trim();
  let text: string;
  switch (form) {
    case 'written': text = `${local}@${domain}.${tld}`; if (rng.chance(0.15)) text = text[0]!.toUpperCase() + text.slice(1); break;
    case 'spoken': text = `${speak(local, false)} at ${speak(domain, false)} dot ${speak(tld, false)}`; break;
    case 'spelled': text = `${speak(local, true)} at ${speak(domain, false)} dot ${speak(tld, false)}`; break;
    case 'mixed': text = `${local} at ${domain} dot ${speak(tld, false)}`; break;
    default: text = `${speak(local, false)} at sign ${domain}.${tld}`; break;
  }
  return { text, len: text.length };
}

export const PASSPORT_FORMS = ['compact', 'upper', 'spelled', 'mixed', 'phonetic', 'hesitant', 'digits-spoken'] as const;
function passportValue(rng: Rng, form: string): Value {
  const kind = rng.pick(['us', 'us-letter', 'uk', 'ie', 'de', 'fr']);
  const s = kind === 'us' || kind === 'uk' ? String(rng.int(1, 9)) + rng.digits(8)
    : kind === 'us-letter' ? letters(rng, 1, 'acefghjklmnpqrstuvwxyz') + rng.digits(8)
      : kind === 'ie' ? letters(rng, 2) + rng.digits(7)
        : kind === 'de' ? letters(rng, 1, 'cfghjklmnprtvwxyz') + Array.from({ length: 8 }, () => (rng.chance(0.3) ? letters(rng, 1, 'cfghjklmnprtvwxyz') : rng.digits(1))).join('')
          : rng.digits(2) + letters(rng, 2) + rng.digits(5);
  if (form === 'digits-spoken') return { text: renderAlnum(rng, s, [s.length], 'spelled'), len: s.length, halves: alnumValue(rng, s, [4, 5], 'spelled').halves };
  return alnumValue(rng, s, [s.length <= 9 ? 3 : 4, 3, 3], form);
}

export const DRIVER_FORMS = ['compact', 'upper', 'grouped', 'dashed', 'spelled', 'mixed', 'phonetic', 'hesitant'] as const;
function driverValue(rng: Rng, form: string): Value {
  const kind = rng.pick(['ca', 'ny', 'fl', 'tx', 'uk', 'il', 'wa']);
  const [s, groups]: [string, number[]] =
    kind === 'ca' ? [letters(rng, 1) + rng.digits(7), [1, 7]]
      : kind === 'ny' ? [String(rng.int(1, 9)) + rng.digits(8), [3, 3, 3]]
        : kind === 'fl' ? [letters(rng, 1) + rng.digits(12), [4, 3, 2, 3, 1]]
          : kind === 'tx' ? [String(rng.int(1, 4)) + rng.digits(7), [4, 4]]
            : kind === 'il' ? [letters(rng, 1) + rng.digits(11), [4, 4, 4]]
              : kind === 'wa' ? ['wdl' + Array.from({ length: 9 }, () => (rng.chance(0.5) ? letters(rng, 1) : rng.digits(1))).join(''), [3, 3, 3, 3]]
                : [rng.pick(LAST_NAMES).replace(/[^a-z]/g, '').padEnd(5, '9').slice(0, 5) + rng.digits(6) + letters(rng, 2) + rng.digits(1) + letters(rng, 2), [5, 6, 5]];
  return alnumValue(rng, s, groups, form);
}

function healthPlanValue(rng: Rng, form: string): Value {
  const kind = form === 'nhs' || form === 'nhs-spoken' ? 'nhs' : rng.pick(['member', 'member', 'mbi', 'nhs', 'medicaid']);
  if (kind === 'nhs') {
    // NHS number: 10 digits, mod-11 check digit (a check digit of 10 is never issued)
    for (;;) {
      const body = String(rng.int(4, 9)) + rng.digits(8);
      const sum = body.split('').reduce((a, c, i) => a + Number(c) * (10 - i), 0);
      const check = 11 - (sum % 11);
      if (check === 10) continue;
      const ds = body + String(check === 11 ? 0 : check);
      const written = form === 'nhs' || ['compact', 'upper', 'grouped', 'dashed'].includes(form);
      return digitValue(rng, ds, [3, 3, 4], written ? rng.pick(['grouped', 'grouped', 'digits']) : form === 'hesitant' ? 'hesitant' : 'spoken');
    }
  }
  const s = kind === 'member' ? letters(rng, 3) + rng.digits(9)
    : kind === 'mbi' ? String(rng.int(1, 9)) + letters(rng, 1, 'acdefghjkmnpqrtuvwxy') + (rng.chance(0.5) ? 'e' : rng.digits(1)) + rng.digits(1) + letters(rng, 1, 'acdefghjkmnpqrtuvwxy') + 't' + rng.digits(1) + letters(rng, 2, 'acdefghjkmnpqrtuvwxy') + rng.digits(2)
      : letters(rng, 2) + rng.digits(6) + letters(rng, 1);
  const groups = kind === 'mbi' ? [4, 3, 4] : kind === 'member' ? [3, 3, 3, 3] : [2, 3, 3, 1];
  return alnumValue(rng, s, groups, form);
}

function mrnValue(rng: Rng, form: string): Value {
  if (form === 'alnum' || form === 'alnum-spelled') {
    const s = letters(rng, rng.int(1, 2)) + rng.digits(rng.int(6, 8));
    return alnumValue(rng, s, [s.length - 4, 4], form === 'alnum' ? 'compact' : 'spelled');
  }
  const n = rng.int(7, 10);
  const ds = rng.chance(0.3) ? '00' + rng.digits(n - 2) : String(rng.int(1, 9)) + rng.digits(n - 1);
  return digitValue(rng, ds, n === 10 ? [3, 3, 4] : [4, 4], form);
}

// Form weights (a form listed twice is drawn twice as often): the plain written and spoken forms
// dominate real transcripts; the rarer ones (pairs, mixed, hesitant, spaced, phonetic) appear in
// every type but less often. `perForm` in the bench shows each form's recall on its own.
const SHORT_FORMS = ['digits', 'digits', 'digits', 'spoken', 'spoken', 'spoken', 'spaced', 'words', 'hesitant'] as const;
const LONG_FORMS = ['digits', 'digits', 'grouped', 'grouped', 'dashed', 'spoken', 'spoken', 'spoken', 'pairs', 'mixed', 'hesitant', 'spaced'] as const;

export const VALUE_SPECS: Record<string, ValueSpec> = {
  CREDIT_DEBIT_NUMBER: { forms: ['digits', 'digits', 'grouped', 'grouped', 'grouped', 'dashed', 'spoken', 'spoken', 'spoken', 'pairs', 'mixed', 'hesitant', 'spaced'], make: (rng, form) => { const c = cardNumber(rng); return digitValue(rng, c.ds, c.groups, form); } },
  CREDIT_DEBIT_CVV: { forms: SHORT_FORMS, make: (rng, form) => digitValue(rng, rng.chance(0.85) ? rng.digits(3) : rng.digits(4), [3], form) },
  CREDIT_DEBIT_EXPIRY: { forms: EXPIRY_FORMS, make: expiryValue },
  PIN: { forms: [...SHORT_FORMS, 'pairs'], make: (rng, form) => { const ds = rng.chance(0.8) ? rng.digits(4) : rng.digits(6); return digitValue(rng, ds, ds.length === 4 ? [4] : [3, 3], form); } },
  SSN: { forms: ['dashed', 'dashed', 'dashed', 'grouped', 'digits', 'spoken', 'spoken', 'spoken', 'pairs', 'mixed', 'hesitant'], make: (rng, form) => digitValue(rng, ssnDigits(rng), [3, 2, 4], form) },
  BANK_ACCOUNT_NUMBER: { forms: LONG_FORMS, make: (rng, form) => { const n = rng.pick([8, 8, 9, 10, 11, 12]); const ds = String(rng.int(1, 9)) + rng.digits(n - 1); return digitValue(rng, ds, n === 8 ? [4, 4] : n === 12 ? [4, 4, 4] : [3, 3, 4], form); } },
  BANK_ROUTING: {
    forms: ['digits', 'digits', 'digits', 'spoken', 'spoken', 'spoken', 'pairs', 'hesitant', 'grouped', 'sortcode', 'sortcode-spoken'],
    make: (rng, form) => {
      if (form === 'sortcode') return digitValue(rng, rng.digits(6), [2, 2, 2], rng.pick(['dashed', 'grouped', 'digits']));
      if (form === 'sortcode-spoken') return digitValue(rng, rng.digits(6), [2, 2, 2], rng.pick(['pairs', 'spoken']));
      return digitValue(rng, abaRouting(rng), [3, 3, 3], form);
    },
  },
  PHONE: { forms: ['national', 'national', 'compact', 'dashed', 'dashed', 'dotted', 'parens', 'plus', 'plus', 'double-zero', 'spoken', 'spoken', 'spoken', 'spoken-plus', 'pairs', 'mixed', 'hesitant'], make: phoneValue },
  IBAN: { forms: ['grouped', 'grouped', 'grouped', 'compact', 'lower', 'lower', 'spelled', 'spelled', 'mixed', 'hesitant'], make: ibanValue },
  EMAIL: { forms: EMAIL_FORMS, make: emailValue },
  DATE_OF_BIRTH: { forms: DOB_FORMS, make: dobValue },
  MEDICAL_RECORD_NUMBER: { forms: ['digits', 'digits', 'digits', 'spoken', 'spoken', 'grouped', 'pairs', 'hesitant', 'mixed', 'alnum', 'alnum-spelled'], make: mrnValue },
  HEALTH_PLAN_ID: { forms: ['compact', 'compact', 'upper', 'grouped', 'grouped', 'dashed', 'spelled', 'spelled', 'mixed', 'hesitant', 'nhs', 'nhs-spoken'], make: healthPlanValue },
  PASSPORT_NUMBER: { forms: ['compact', 'compact', 'upper', 'upper', 'spelled', 'spelled', 'mixed', 'phonetic', 'hesitant', 'digits-spoken', 'digits-spoken'], make: passportValue },
  DRIVER_ID: { forms: ['compact', 'compact', 'upper', 'upper', 'grouped', 'dashed', 'spelled', 'spelled', 'mixed', 'phonetic', 'hesitant'], make: driverValue },
  NAME: { forms: ['plain', 'plain', 'plain', 'capitalized', 'middle-initial', 'last-first', 'spelled-last'], make: nameValue },
  ADDRESS: { forms: ADDRESS_FORMS, make: addressValue },
};

/** Draws one value of `type`; `forms` (a family's restriction) defaults to the type's usual spread. */
export function makeValue(rng: Rng, type: string, forms?: readonly string[]): Value {
  const spec = VALUE_SPECS[type];
  if (!spec) throw new Error(`no value generator for type ${type}`);
  const form = rng.pick(forms ?? spec.forms);
  return { ...spec.make(rng, form), form };
}
/** Every form name a family may ask for, per type (checked when families are loaded). */
export function knownForms(type: string): ReadonlySet<string> {
  const spec = VALUE_SPECS[type];
  const extra: Record<string, string[]> = { MEDICAL_RECORD_NUMBER: [...DIGIT_FORMS], HEALTH_PLAN_ID: [...ALNUM_FORMS], CREDIT_DEBIT_NUMBER: [...DIGIT_FORMS], CREDIT_DEBIT_CVV: [...DIGIT_FORMS], PIN: [...DIGIT_FORMS], SSN: [...DIGIT_FORMS], BANK_ACCOUNT_NUMBER: [...DIGIT_FORMS], BANK_ROUTING: [...DIGIT_FORMS] };
  return new Set([...(spec?.forms ?? []), ...(extra[type] ?? [])]);
}
