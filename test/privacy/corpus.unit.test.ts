// The phrase-family corpus (test/privacy/corpus/): structure only — labels are exact substrings,
// keep strings survive in the text, each type has enough families with about a third held out,
// generation is deterministic, and the generated values are real (check digits, numbering plans).
// Detector quality is not asserted here; bench/redact.ts reports it per split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { abaValid, ibanValid, luhnValid } from '../../src/privacy/checksums.js';
import { PII_TYPES } from '../../src/privacy/types.js';
import { SPLITS, generateCorpus, loadFamilies, validateFamilies, type FamilyFile } from './corpus/generate.js';
import { Rng, makeValue } from './corpus/values.js';

/** `NUMBER` is the fail-closed fallback, never a label. */
const LABELLED_TYPES = PII_TYPES.filter((t) => t !== 'NUMBER');
const MAIN_TYPES: readonly string[] = LABELLED_TYPES.filter((t) => t !== 'NAME' && t !== 'ADDRESS');
const corpora = Object.fromEntries(SPLITS.map((s) => [s, generateCorpus({ seed: 42, split: s, cases: 4000 })]));

test('every labelled value is an exact substring of its text and every keep string is in its text', () => {
  for (const split of SPLITS) {
    for (const c of corpora[split]!) {
      for (const p of c.pii) {
        assert.ok(c.text.includes(p.value), `${c.id} ${p.type} "${p.value}" not in "${c.text}"`);
        assert.ok(p.form.length > 0, `${c.id}: a label without its form`);
      }
      for (const k of c.keep) {
        assert.ok(c.text.includes(k), `${c.id} keep "${k}" not in "${c.text}"`);
        // 7+ digits in a row are redacted on sight by design, so they cannot be a harmless example
        assert.doesNotMatch(k, /\d{7,}/, `${c.id} keep "${k}" holds a long digit run`);
      }
      assert.ok(c.pii.every((p) => p.value.trim() === p.value && p.value.length > 0), `${c.id}: a label with outer spaces`);
    }
  }
});

test('each type has at least 8 families (names and addresses 4), about a third of them held out', () => {
  const tuned = loadFamilies('tuned');
  const heldout = loadFamilies('heldout');
  const count = (f: FamilyFile, t: string): number => f.pii[t]?.length ?? 0;
  for (const t of LABELLED_TYPES) {
    const total = count(tuned, t) + count(heldout, t);
    assert.ok(total >= (MAIN_TYPES.includes(t) ? 8 : 4), `${t}: ${total} families`);
    const share = count(heldout, t) / total;
    assert.ok(share >= 0.25 && share <= 0.4, `${t}: held-out share ${share}`);
  }
  const h = heldout.harmless.length / (heldout.harmless.length + tuned.harmless.length);
  assert.ok(tuned.harmless.length + heldout.harmless.length >= 24 && h >= 0.25 && h <= 0.4, `harmless held-out share ${h}`);
});

test('family names are unique across both splits and every family has 3-8 templates', () => {
  const seen = new Map<string, string>();
  for (const split of SPLITS) {
    const f = loadFamilies(split);
    for (const fam of [...Object.values(f.pii).flat(), ...f.harmless]) {
      assert.ok(!seen.has(fam.family), `${fam.family} in ${split} and ${seen.get(fam.family)}`);
      seen.set(fam.family, split);
      assert.ok(fam.templates.length >= 3 && fam.templates.length <= 8, `${fam.family}: ${fam.templates.length} templates`);
      assert.ok(typeof fam.idea === 'string' && fam.idea.length > 0, `${fam.family}: no idea`);
    }
  }
});

test('a split only ever draws from its own families, and a corpus covers all of them', () => {
  for (const split of SPLITS) {
    const f = loadFamilies(split);
    const own = new Set([...Object.values(f.pii).flat(), ...f.harmless].map((x) => x.family));
    const used = new Set<string>();
    for (const c of corpora[split]!) {
      assert.equal(c.split, split);
      assert.ok(own.has(c.family), `${c.id}: family ${c.family} is not in ${split}`);
      for (const p of c.parts) { assert.ok(own.has(p.family), `${c.id}: part family ${p.family}`); used.add(p.family); }
      for (const p of c.pii) assert.ok(own.has(p.family));
      if (c.prompt !== undefined) assert.equal(c.parts.length, 1, `${c.id}: an answer to a prompt stands alone`);
    }
    assert.deepEqual([...own].filter((x) => !used.has(x)), [], `${split}: families never drawn`);
    assert.equal(new Set(corpora[split]!.map((c) => c.id)).size, corpora[split]!.length);
  }
});

test('generation is deterministic for a seed and differs across seeds', () => {
  assert.deepEqual(generateCorpus({ seed: 42, split: 'tuned', cases: 300 }), corpora['tuned']!.slice(0, 300));
  assert.deepEqual(generateCorpus({ seed: 42, split: 'heldout', cases: 300 }), corpora['heldout']!.slice(0, 300));
  assert.notDeepEqual(generateCorpus({ seed: 43, split: 'tuned', cases: 300 }).map((c) => c.text), corpora['tuned']!.slice(0, 300).map((c) => c.text));
});

test('the PII share follows piiShare and mixed utterances occur', () => {
  const c = generateCorpus({ seed: 5, split: 'tuned', cases: 3000, piiShare: 0.38 });
  const share = c.filter((x) => x.pii.length > 0).length / c.length;
  assert.ok(Math.abs(share - 0.38) < 0.04, `share ${share}`);
  assert.ok(c.some((x) => new Set(x.pii.map((p) => p.family)).size === 2), 'two PII values in one utterance');
  assert.ok(c.some((x) => x.pii.length > 0 && x.keep.length > 0), 'PII and harmless talk in one utterance');
});

test('values are real: Luhn cards, mod-97 IBANs, ABA routing numbers, valid phone numbers, birth years 1930-2008', () => {
  const rng = new Rng(9);
  for (let i = 0; i < 300; i++) {
    const card = makeValue(rng, 'CREDIT_DEBIT_NUMBER', ['digits']).text;
    assert.ok(luhnValid(card) && card.length >= 14 && card.length <= 16, card);
    const iban = makeValue(rng, 'IBAN', ['compact']).text;
    assert.ok(ibanValid(iban), iban);
    const aba = makeValue(rng, 'BANK_ROUTING', ['digits']).text;
    assert.ok(abaValid(aba), aba);
    const phone = makeValue(rng, 'PHONE', ['plus']).text;
    assert.ok(isValidPhoneNumber(phone.replace(/ /g, '')), phone);
    const year = Number(makeValue(rng, 'DATE_OF_BIRTH', ['iso']).text.slice(0, 4));
    assert.ok(year >= 1930 && year <= 2008, String(year));
    const ssn = makeValue(rng, 'SSN', ['dashed']).text;
    assert.match(ssn, /^(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/);
  }
});

test('a malformed family is refused with an error naming it', () => {
  const bad = (pii: FamilyFile['pii'], harmless: FamilyFile['harmless'] = []): FamilyFile => ({ split: 'tuned', pii, harmless });
  assert.throws(() => validateFamilies(bad({ PIN: [{ family: 'pin-x', idea: 'x', templates: ['my pin', 'pin {v}', 'the pin {v}'] }] })), /tuned\/PIN\/pin-x: template without \{v\}/);
  assert.throws(() => validateFamilies(bad({ PIN: [{ family: 'pin-y', idea: 'x', templates: ['{v}', '{v} ok'] }] })), /pin-y: needs 3-8 templates/);
  assert.throws(() => validateFamilies(bad({ PIN: [{ family: 'pin-z', idea: 'x', forms: ['morse'], templates: ['{v}', '{v} ok', 'ok {v}'] }] })), /pin-z: unknown form morse/);
  assert.throws(() => validateFamilies(bad({}, [{ family: 'h', idea: 'x', templates: ['at {time}', '[[{time}]]', '[[{nope}]]'] }])), /harmless\/h: harmless template without a \[\[keep\]\] span/);
  assert.throws(() => validateFamilies(bad({}, [{ family: 'h2', idea: 'x', templates: ['[[{time}]]', '[[{time}]]', '[[{nope}]]'] }])), /unknown slot \{nope\}/);
});
