/**
 * Fillers for the slots of harmless templates (`{money}`, `{time-spoken}`, `{n:1-999}`, ...): the
 * numbers of ordinary call-centre talk that a redactor must leave alone. None produces 7 or more
 * digits in a row — those are redacted on sight by design (fail closed), so they are not harmless.
 */
import { DIGIT_WORDS, MONTHS, Rng, numberWords, ordinalSuffix, ordinalWords, spokenDigits, twoDigitWords, yearWords } from './values.js';

type Slot = (rng: Rng, arg: string | undefined) => string;

function range(arg: string | undefined, lo: number, hi: number): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(arg ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [lo, hi];
}
const thousands = (n: number): string => n.toLocaleString('en-US');

export const SLOTS: Record<string, Slot> = {
  money: (rng) => {
    const n = rng.pick([rng.int(1, 99), rng.int(100, 999), rng.int(1000, 25000)]);
    const cents = String(rng.int(0, 99)).padStart(2, '0');
    return rng.pick([
      `$${thousands(n)}`, `$${n}.${cents}`, `£${n}`, `€${n}.${cents}`, `${n} dollars`, `${thousands(n)}.00 dollars`,
      `${n} euros`, `${n} pounds`, `$${thousands(n)}.${cents}`, `${n} bucks`, `£${thousands(n)}.${cents}`, `usd ${n}`,
    ]);
  },
  'money-spoken': (rng) => {
    const n = rng.pick([rng.int(2, 99), rng.int(100, 999), rng.int(1000, 9000)]);
    return rng.pick([
      `${numberWords(n, true)} quid`, `${numberWords(n)} dollars`, `${numberWords(n, true)} euros`, `a hundred bucks`,
      `${numberWords(rng.int(2, 90))} pounds ${twoDigitWords(rng.int(10, 99))}`, `${numberWords(rng.int(1, 20))} dollars and ${twoDigitWords(rng.int(10, 99))} cents`,
      `${twoDigitWords(rng.int(10, 99))} cents`, `${numberWords(n, true)} pounds`, `${twoDigitWords(rng.int(2, 99))} ninety nine`,
    ]);
  },
  time: (rng) => {
    const h = rng.int(1, 12);
    const m = rng.pick(['00', '15', '30', '45', String(rng.int(10, 59))]);
    return rng.pick([`${h} ${m}`, `${h}:${m}`, `${rng.int(0, 23)}:${m}`, `${h} pm`, `${h} am`, `${h}:${m} pm`, `${h}.${m}`, `${h} ${m} am`]);
  },
  'time-spoken': (rng) => {
    const h = rng.int(1, 12);
    return rng.pick([
      `half past ${numberWords(h)}`, `quarter to ${numberWords(h)}`, `quarter past ${numberWords(h)}`, `${numberWords(h)} thirty`, `noon`,
      `${numberWords(h)} o'clock`, `twenty past ${numberWords(h)}`, `${numberWords(h)} forty five`, `${numberWords(h)} in the morning`, `ten to ${numberWords(h)}`,
    ]);
  },
  year: (rng) => String(rng.int(1985, 2029)),
  'year-spoken': (rng) => { const y = rng.int(1985, 2029); return y >= 2010 ? `twenty ${twoDigitWords(y % 100)}` : yearWords(rng, y); },
  date: (rng) => {
    const y = rng.int(2025, 2028);
    const m = rng.int(1, 12);
    const d = rng.int(1, 28);
    const p = (x: number): string => String(x).padStart(2, '0');
    return rng.pick([`${p(d)}/${p(m)}/${y}`, `${m}/${d}/${y}`, `${y}-${p(m)}-${p(d)}`, `${p(d)}.${p(m)}.${y}`, `${m}/${d}`, `${MONTHS[m - 1]} ${ordinalSuffix(d)}`, `the ${ordinalSuffix(d)}`, `${MONTHS[m - 1]} ${d}`]);
  },
  'date-spoken': (rng) => {
    const m = rng.int(1, 12);
    const d = rng.int(1, 28);
    return rng.pick([`the ${ordinalWords(d)} of ${MONTHS[m - 1]}`, `${MONTHS[m - 1]} ${ordinalWords(d)}`, `${rng.pick(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'])} the ${ordinalWords(d)}`, `${MONTHS[m - 1]} the ${ordinalWords(d)}`]);
  },
  qty: (rng) => rng.pick([
    `${rng.int(1, 9)}.${rng.int(1, 9)} kilos`, `${rng.int(1, 9) * 100} grams`, `${rng.int(1, 60)} litres`, `${rng.int(1, 40)} metres`, `${numberWords(rng.int(2, 12))} feet`,
    `${rng.int(1, 999)} megabytes`, `${rng.int(1, 500)} gigs`, `${rng.int(20, 300)} square metres`, `${rng.int(1, 400)} miles`, `${numberWords(rng.int(2, 90))} kilometres`, `${rng.int(1, 30)} pounds of flour`,
  ]),
  count: (rng) => rng.pick([
    `${rng.int(2, 40)} items`, `${numberWords(rng.int(2, 20))} boxes`, `${rng.int(2, 60)} people`, `${numberWords(rng.int(2, 5))} kids`, `${rng.int(2, 12)} bags`, `${numberWords(rng.int(2, 48))} cans`, `${rng.int(2, 9)} parcels`,
  ]),
  dur: (rng) => rng.pick([
    `${rng.int(5, 59)} minutes`, `${numberWords(rng.int(2, 9))} weeks`, `${rng.int(2, 72)} hours`, `${numberWords(rng.int(2, 30))} days`, `${rng.int(2, 18)} months`, `an hour and a half`, `${numberWords(rng.int(2, 30))} years`,
  ]),
  pct: (rng) => rng.pick([`${rng.int(1, 99)} percent`, `${rng.int(1, 99)}%`, `${numberWords(rng.int(1, 9))} point ${DIGIT_WORDS[rng.int(1, 9)]} percent`, `${rng.int(0, 9)}.${rng.int(1, 9)}%`, `${numberWords(rng.int(5, 60))} per cent`]),
  age: (rng) => { const a = rng.int(5, 95); return rng.chance(0.5) ? String(a) : numberWords(a); },
  n: (rng, arg) => { const [lo, hi] = range(arg, 1, 999); return String(rng.int(lo, hi)); },
  w: (rng, arg) => { const [lo, hi] = range(arg, 1, 99); return numberWords(rng.int(lo, hi)); },
  d: (rng, arg) => { const k = Math.min(6, Number(arg ?? 4)); return String(rng.int(1, 9)) + rng.digits(k - 1); },
  sd: (rng, arg) => { const k = Math.min(6, Number(arg ?? 3)); return spokenDigits(rng, String(rng.int(1, 9)) + rng.digits(k - 1)); },
  ver: (rng) => rng.pick([`${rng.int(1, 20)}.${rng.int(0, 9)}.${rng.int(0, 20)}`, `${rng.int(10, 18)}.${rng.int(0, 6)}`, `version ${rng.int(2, 12)}`, `${numberWords(rng.int(2, 17))} point ${DIGIT_WORDS[rng.int(0, 9)]}`]),
  score: (rng) => { const a = rng.int(0, 5); const b = rng.int(0, 5); return rng.pick([`${a} ${b}`, `${a}-${b}`, `${numberWords(a).replace('zero', 'nil')} ${numberWords(b).replace('zero', 'nil')}`, `${numberWords(a).replace('zero', 'nil')} all`, `${rng.int(10, 35)} ${rng.int(3, 30)}`]); },
  ord: (rng, arg) => { const [lo, hi] = range(arg, 1, 20); return ordinalWords(rng.int(lo, hi)); },
  ords: (rng, arg) => { const [lo, hi] = range(arg, 1, 20); return ordinalSuffix(rng.int(lo, hi)); },
  airline: (rng) => rng.pick(['ba', 'ua', 'lh', 'ei', 'aa', 'dl', 'fr', 'af', 'kl', 'u2']),
  letter: (rng) => rng.pick('abcdefghjk'.split('')),
};
