/**
 * The original generated corpus of bench/redact (kept so `throughputMBps` stays comparable across
 * runs): lower-case call transcripts, PII in about a third of the utterances in a few spoken and
 * written formats, the rest ordinary call-centre talk full of non-PII numbers. Deterministic.
 */
import type { LabelledCase } from '../../src/privacy/evaluate.js';
import { ibanValid, luhnValid } from '../../src/privacy/checksums.js';

// ---------- deterministic generator ----------
let seed = 0x5eed1234;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const digit = (): string => String(Math.floor(rand() * 10));
const digits = (n: number): string => Array.from({ length: n }, digit).join('');
const chance = (p: number): boolean => rand() < p;

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
function spoken(ds: string): string {
  const out: string[] = [];
  for (let i = 0; i < ds.length; i++) {
    const d = Number(ds[i]);
    if (i + 1 < ds.length && ds[i] === ds[i + 1] && chance(0.3)) {
      out.push('double', d === 0 && chance(0.5) ? 'oh' : DIGIT_WORDS[d]!);
      i++;
      continue;
    }
    out.push(d === 0 && chance(0.5) ? 'oh' : DIGIT_WORDS[d]!);
  }
  return out.join(' ');
}
function group(ds: string, sizes: number[], sep: string): string {
  const parts: string[] = [];
  let i = 0;
  for (const s of sizes) { parts.push(ds.slice(i, i + s)); i += s; }
  if (i < ds.length) parts.push(ds.slice(i));
  return parts.filter((p) => p.length > 0).join(sep);
}
function luhnComplete(prefix: string, length: number): string {
  let body = prefix + digits(length - prefix.length - 1);
  for (let c = 0; c < 10; c++) if (luhnValid(body + c)) return body + c;
  body = '';
  return luhnComplete(prefix, length);
}

const FIRST = ['james', 'maria', 'wei', 'fatima', 'olga', 'diego', 'aisha', 'lukas', 'priya', 'kwame', 'sofia', 'hiroshi', 'emma', 'noah', 'grace', 'omar', 'ingrid', 'tom', 'chen', 'yuki', 'pierre', 'amara', 'mateo', 'zara', 'liam', 'nadia'];
const LAST = ['smith', 'garcia', 'okafor', 'kowalski', 'nguyen', 'haddad', 'lindqvist', 'murphy', 'rossi', 'patel', 'tanaka', 'fischer', 'dubois', 'mensah', 'alvarez', 'connor', 'schmidt', 'obrien', 'novak', 'ivanova', 'mcallister', 'van der berg'];
const STREETS = ['baker', 'oak', 'maple', 'harbor', 'station', 'high', 'cedar', 'elm', 'pine', 'washington', 'church', 'mill', 'king', 'queen', 'park', 'lake', 'sunset', 'river', 'evergreen', 'willow', 'chestnut'];
const SUFFIXES = ['street', 'road', 'avenue', 'boulevard', 'lane', 'drive', 'court', 'terrace', 'place', 'way', 'st', 'ave'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const ORD = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth', 'twentieth'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
function twoDigitWords(n: number): string {
  if (n < 10) return DIGIT_WORDS[n]!;
  if (n < 20) return TEENS[n - 10]!;
  return TENS[Math.floor(n / 10)]! + (n % 10 ? ' ' + DIGIT_WORDS[n % 10] : '');
}
function ordinalWords(n: number): string {
  if (n <= 20) return ORD[n - 1]!;
  if (n === 30) return 'thirtieth';
  return TENS[Math.floor(n / 10)]! + ' ' + ORD[(n % 10) - 1]!;
}
function yearWords(y: number): string {
  if (y >= 2000 && y < 2010) return 'two thousand' + (y % 10 ? (chance(0.5) ? ' and ' : ' ') + DIGIT_WORDS[y % 10] : '');
  const hi = Math.floor(y / 100);
  const lo = y % 100;
  return twoDigitWords(hi) + ' ' + (lo === 0 ? 'hundred' : lo < 10 ? 'oh ' + DIGIT_WORDS[lo] : twoDigitWords(lo));
}
function iban(): string {
  const [cc, bban] = pick([
    ['DE', () => digits(18)], ['GB', () => pick(['WEST', 'NWBK', 'BARC', 'LOYD']) + digits(14)], ['FR', () => digits(23)],
    ['NL', () => pick(['ABNA', 'INGB', 'RABO']) + digits(10)], ['ES', () => digits(20)], ['IE', () => pick(['AIBK', 'BOFI']) + digits(14)],
  ] as const);
  const b = bban();
  for (let c = 2; c < 99; c++) {
    const s = cc + String(c).padStart(2, '0') + b;
    if (ibanValid(s)) return s;
  }
  return iban();
}

type Gen = () => { type: string; value: string; phrase: (v: string) => string };
const FILL_BEFORE = ['', '', '', 'yeah ', 'um ', 'okay so ', 'sure ', 'and ', 'right ', 'yes '];
const FILL_AFTER = ['', '', '', ' thanks', ' please', ' okay', ' thank you', ' is that right'];

const GENERATORS: Gen[] = [
  () => {
    const amex = chance(0.2);
    const n = amex ? luhnComplete(pick(['34', '37']), 15) : luhnComplete(pick(['4', '51', '52', '55']), 16);
    const f = rand();
    const value = f < 0.25 ? n : f < 0.45 ? group(n, amex ? [4, 6, 5] : [4, 4, 4, 4], ' ') : f < 0.55 ? group(n, amex ? [4, 6, 5] : [4, 4, 4, 4], '-') : spoken(n);
    return { type: 'CREDIT_DEBIT_NUMBER', value, phrase: (v) => pick([`the card number is ${v}`, `my card number is ${v}`, `please charge ${v} for the renewal`, `my credit card is ${v}`, `it's a visa ${v}`, `card number ${v}`, `the long number is ${v}`, `${v} is the card`]) };
  },
  () => {
    const n = digits(3);
    return { type: 'CREDIT_DEBIT_CVV', value: chance(0.5) ? n : spoken(n), phrase: (v) => pick([`the security code is ${v}`, `cvv is ${v}`, `the three digit code on the back is ${v}`, `security code ${v}`]) };
  },
  () => {
    const mm = String(1 + Math.floor(rand() * 12)).padStart(2, '0');
    const yy = String(25 + Math.floor(rand() * 8));
    const f = rand();
    const value = f < 0.25 ? `${mm}/${yy}` : f < 0.45 ? `${mm} ${yy}` : f < 0.75 ? spoken(mm + yy) : `${MONTH_NAMES[Number(mm) - 1]} twenty ${twoDigitWords(Number(yy))}`;
    return { type: 'CREDIT_DEBIT_EXPIRY', value, phrase: (v) => pick([`it expires ${v}`, `the expiry date is ${v}`, `expiration ${v}`, `expiry is ${v}`, `valid thru ${v}`]) };
  },
  () => {
    const n = digits(4);
    return { type: 'PIN', value: chance(0.3) ? n.split('').join(' ') : chance(0.3) ? n : spoken(n), phrase: (v) => pick([`my pin is ${v}`, `the pin number is ${v}`, `my pin code is ${v}`]) };
  },
  () => {
    const n = String(100 + Math.floor(rand() * 565)) + String(10 + Math.floor(rand() * 89)) + String(1000 + Math.floor(rand() * 8999));
    const f = rand();
    const value = f < 0.35 ? group(n, [3, 2, 4], '-') : f < 0.55 ? group(n, [3, 2, 4], ' ') : spoken(n);
    return { type: 'SSN', value, phrase: (v) => pick([`my social security number is ${v}`, `my social is ${v}`, `ssn ${v}`, `the social security number is ${v}`]) };
  },
  () => {
    const n = digits(8 + Math.floor(rand() * 5));
    return { type: 'BANK_ACCOUNT_NUMBER', value: chance(0.7) ? n : spoken(n), phrase: (v) => pick([`my account number is ${v}`, `the checking account number is ${v}`, `account number ${v}`]) };
  },
  () => {
    const n = pick(['021000021', '011000015', '026009593', '121000358', '111000025', '322271627']);
    return { type: 'BANK_ROUTING', value: chance(0.7) ? n : spoken(n), phrase: (v) => pick([`the routing number is ${v}`, `routing ${v}`]) };
  },
  () => {
    const i = iban();
    const value = chance(0.5) ? i.replace(/(.{4})/g, '$1 ').trim() : chance(0.5) ? i : i.toLowerCase().replace(/(.{4})/g, '$1 ').trim();
    return { type: 'IBAN', value, phrase: (v) => pick([`my iban is ${v}`, `the iban is ${v}`, `pay it into ${v}`]) };
  },
  () => {
    const area = pick(['212', '646', '303', '415', '617', '206', '512', '773', '312', '202', '718', '404']);
    const ex = String(2 + Math.floor(rand() * 8)) + digits(2);
    const line = digits(4);
    const f = rand();
    const uk = chance(0.2);
    const value = uk ? pick([`07700 900${digits(3)}`, `+44 20 7946 ${digits(4)}`, `+44 7700 900${digits(3)}`, spoken('07700900' + digits(3))])
      : f < 0.15 ? `(${area}) ${ex}-${line}` : f < 0.3 ? `${area}-${ex}-${line}` : f < 0.4 ? `${area}.${ex}.${line}` : f < 0.5 ? `+1 ${area} ${ex} ${line}` : f < 0.6 ? `${area}${ex}${line}` : spoken(area + ex + line);
    return { type: 'PHONE', value, phrase: (v) => pick([`my number is ${v}`, `you can reach me at ${v} if the line drops`, `my phone number is ${v}`, `call me back on ${v}`, `my cell is ${v}`, `the best number is ${v}`, `text me at ${v}`]) };
  },
  () => {
    const first = pick(FIRST);
    const last = pick(LAST).replace(/ /g, '');
    const dom = pick(['gmail', 'yahoo', 'outlook', 'proton', 'acme-corp', 'hotmail']);
    const tld = pick(['com', 'com', 'fr', 'co dot uk', 'org', 'me']);
    const written = chance(0.4);
    const local = pick([`${first} dot ${last}`, `${first}${last}`, `${first[0]}${last}${Math.floor(rand() * 99)}`, `${first} underscore ${last}`]);
    const value = written ? `${local.replace(/ dot /g, '.').replace(/ underscore /g, '_')}@${dom}.${tld.replace(/ dot /g, '.')}` : `${local} at ${dom} dot ${tld}`;
    return { type: 'EMAIL', value, phrase: (v) => pick([`send the receipt to ${v} please`, `my email is ${v}`, `my email address is ${v}`, `it's ${v}`]) };
  },
  () => {
    const y = 1940 + Math.floor(rand() * 66);
    const m = 1 + Math.floor(rand() * 12);
    const d = 1 + Math.floor(rand() * 28);
    const f = rand();
    const value = f < 0.2 ? `${MONTH_NAMES[m - 1]} ${d} ${y}` : f < 0.35 ? `${d} ${MONTH_NAMES[m - 1]} ${y}` : f < 0.5 ? `${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}/${y}`
      : f < 0.75 ? `${MONTH_NAMES[m - 1]} ${ordinalWords(d)} ${yearWords(y)}` : `the ${ordinalWords(d)} of ${MONTH_NAMES[m - 1]} ${yearWords(y)}`;
    return { type: 'DATE_OF_BIRTH', value, phrase: (v) => pick([`my date of birth is ${v}`, `i was born on ${v}`, `dob ${v}`, `my birthday is ${v}`]) };
  },
  () => {
    const num = String(1 + Math.floor(rand() * 9899));
    const house = chance(0.7) ? num : chance(0.5) ? spoken(num) : twoDigitWords(Math.floor(rand() * 99) + 1);
    const value = `${house} ${pick(STREETS)} ${chance(0.15) ? pick(STREETS) + ' ' : ''}${pick(SUFFIXES)}${chance(0.15) ? ' apartment ' + digits(1) + pick(['', 'b']) : ''}`;
    return { type: 'ADDRESS', value, phrase: (v) => pick([`I live at ${v} in springfield`, `my address is ${v}`, `send it to ${v}`, `we moved to ${v} last year`, `the billing address is ${v}`]) };
  },
  () => {
    const value = `${pick(FIRST)} ${pick(LAST)}`;
    return { type: 'NAME', value, phrase: (v) => pick([`hi my name is ${v}`, `my name is ${v}`, `this is ${v} calling`, `the account holder is ${v}`, `hello this is ${v}`, `the name on the card is ${v}`, `my full name is ${v}`]) };
  },
  () => {
    const value = chance(0.5) ? `${pick(['xjh', 'abc', 'w', 'zk'])}${digits(8)}` : `${pick(['xjh', 'abc', 'w', 'zk'])} ${digits(3)} ${digits(3)} ${digits(3)}`;
    return { type: 'HEALTH_PLAN_ID', value, phrase: (v) => pick([`my member id is ${v}`, `the policy number is ${v}`, `my insurance id is ${v}`]) };
  },
  () => {
    const n = digits(8);
    return { type: 'MEDICAL_RECORD_NUMBER', value: chance(0.6) ? n : spoken(n), phrase: (v) => pick([`my medical record number is ${v}`, `mrn ${v}`, `the patient id is ${v}`]) };
  },
];

/** Non-PII utterances; every string in `keep` must survive. */
const PLAIN: (() => { text: string; keep: string[] })[] = [
  () => { const k = `${10 + Math.floor(rand() * 990)} dollars`; return { text: `i would like to ask about ${k} on my bill`, keep: [k] }; },
  () => { const k = `flight ${pick(['ba', 'ua', 'lh', ''])}${Math.floor(rand() * 999)}`.replace('  ', ' '); return { text: `my ${k} was cancelled`, keep: [k] }; },
  () => { const k = `order number ${digits(6)}`; return { text: `i am calling about ${k} it never arrived`, keep: [k] }; },
  () => { const k = `${1 + Math.floor(rand() * 11)} ${pick(['am', 'pm'])}`; return { text: `can someone call me tomorrow at ${k}`, keep: [k] }; },
  () => { const k = `about ${5 + Math.floor(rand() * 55)} minutes`; return { text: `i have been on hold for ${k} now`, keep: [k] }; },
  () => { const k = `${2 + Math.floor(rand() * 20)} ${pick(['items', 'pizzas', 'tickets', 'bags'])}`; return { text: `i ordered ${k} but only got half`, keep: [k] }; },
  () => { const k = `option ${1 + Math.floor(rand() * 9)}`; return { text: `i pressed ${k} and got disconnected`, keep: [k] }; },
  () => { const k = `in ${1990 + Math.floor(rand() * 35)}`; return { text: `i opened the account ${k} i think`, keep: [k] }; },
  () => { const k = `${twoDigitWords(2 + Math.floor(rand() * 90))} dollars a month`; return { text: `the plan costs ${k} right`, keep: [k] }; },
  () => { const k = `${MONTH_NAMES[Math.floor(rand() * 12)]} ${1 + Math.floor(rand() * 28)}`; return { text: `my appointment is on ${k} at 3 pm`, keep: [k, '3 pm'] }; },
  () => { const k = `${(rand() * 500).toFixed(2)}`; return { text: `why was i charged ${k} twice`, keep: [k] }; },
  () => ({ text: pick(['okay thank you so much for your help today', 'no that is all goodbye', 'can you tell me why my bill went up this month', 'i want to cancel my subscription', 'the internet keeps dropping every evening', 'yes that is correct', 'hello i\'m calling about my order', 'this is great thanks', 'could you repeat that please', 'i would like to speak to a manager']), keep: [] }),
  () => { const k = `room ${100 + Math.floor(rand() * 900)}`; return { text: `i stayed in ${k} last week`, keep: [k] }; },
  () => { const k = `${1 + Math.floor(rand() * 9)} years`; return { text: `i have been a customer for ${k}`, keep: [k] }; },
];

export function utterance(): LabelledCase {
  if (chance(0.62)) {
    const p = pick(PLAIN)();
    return { text: p.text, pii: [], keep: p.keep };
  }
  const n = chance(0.75) ? 1 : 2;
  const parts: string[] = [];
  const pii: { type: string; value: string }[] = [];
  const keep: string[] = [];
  if (chance(0.3)) { const p = pick(PLAIN)(); parts.push(p.text); keep.push(...p.keep); }
  for (let i = 0; i < n; i++) {
    const g = pick(GENERATORS)();
    parts.push(g.phrase(g.value));
    pii.push({ type: g.type, value: g.value });
  }
  return { text: pick(FILL_BEFORE) + parts.join(' ') + pick(FILL_AFTER), pii, keep };
}


/** Utterances until `targetBytes` of text, with their total size. */
export function generatedCorpus(targetBytes: number): { corpus: LabelledCase[]; bytes: number } {
  const corpus: LabelledCase[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const u = utterance();
    corpus.push(u);
    bytes += Buffer.byteLength(u.text) + 1;
  }
  return { corpus, bytes };
}
