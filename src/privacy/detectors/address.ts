/**
 * Street addresses: a house number (written "379", "221b", or spoken "three seven nine",
 * "twenty two"), up to four name words, and a street suffix ("baker street", "harbor boulevard",
 * "fifth avenue"), extended by a direction and an apartment/unit/suite designator. After an
 * address cue ("I live at", "my address is") or when the agent asked for the address, the house
 * number may be missing. A town and ZIP code right after the street join the address. Also UK
 * postcodes ("sw1a 1aa").
 */
import type { DetectionContext } from '../types.js';
import type { Scan } from '../tokens.js';
import { K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_ORDINAL, K_WORD, claimTokens } from '../tokens.js';
import { cueBefore, type CueType } from '../cues.js';
import { COMMON_WORDS, DIRECTIONS, STREET_SUFFIXES, UNIT_DESIGNATORS } from '../lexicon.js';

/** Suffixes that are also everyday words: accepted only after a written house number or an address cue. */
const WEAK_SUFFIXES = new Set(['way', 'close', 'row', 'walk', 'hill', 'heights', 'loop', 'path', 'run', 'view', 'rise', 'green', 'park', 'point', 'ridge', 'crossing', 'landing', 'commons', 'cove', 'place', 'pl', 'dr', 'st', 'square', 'circle', 'plaza', 'terrace', 'court', 'drive', 'grove', 'trail', 'gardens', 'mews', 'via', 'ter', 'sq']);

const HOUSE_NUMBER_RE = /^\d{1,6}[a-z]?$/;
const POSTCODE_OUTWARD_RE = /^[a-z]{1,2}\d[a-z\d]?$/;
const POSTCODE_INWARD_RE = /^\d[abd-hjlnp-uw-z]{2}$/;
const POSTCODE_FULL_RE = /^[a-z]{1,2}\d[a-z\d]?\d[abd-hjlnp-uw-z]{2}$/;

export function detectAddresses(scan: Scan, cues: readonly (CueType | undefined)[], ctx: DetectionContext | undefined): void {
  const tokens = scan.tokens;
  const taken = scan.taken;
  for (let k = 0; k < tokens.length; k++) {
    if (taken[k]) continue;
    const w = tokens[k]!.w;
    if (STREET_SUFFIXES.has(w)) {
      const end = streetAt(scan, cues, ctx, k);
      if (end !== undefined) k = end;
      continue;
    }
    if (tokens[k]!.kind === K_ALNUM && k + 1 < tokens.length && !taken[k + 1] && POSTCODE_OUTWARD_RE.test(w) && POSTCODE_INWARD_RE.test(tokens[k + 1]!.w)) {
      claimTokens(scan, 'ADDRESS', k, k + 1, (w + ' ' + tokens[k + 1]!.w).toUpperCase());
      k++;
    } else if (tokens[k]!.kind === K_ALNUM && POSTCODE_FULL_RE.test(w) && /\d[a-z]{2}$/.test(w)) {
      claimTokens(scan, 'ADDRESS', k, k, w.toUpperCase());
    }
  }
}

function isNameWord(scan: Scan, j: number): boolean {
  const t = scan.tokens[j]!;
  if (scan.taken[j]) return false;
  if (t.kind === K_ORDINAL) return true;
  if (t.kind !== K_WORD && t.kind !== K_LETTER) return false;
  if (DIRECTIONS.has(t.w)) return true;
  // a suffix word can name the street itself ("park avenue", "high street")
  return !COMMON_WORDS.has(t.w) || STREET_SUFFIXES.has(t.w);
}

function streetAt(scan: Scan, cues: readonly (CueType | undefined)[], ctx: DetectionContext | undefined, k: number): number | undefined {
  const tokens = scan.tokens;
  const taken = scan.taken;
  let j = k - 1;
  let names = 0;
  while (j >= 0 && names < 4 && isNameWord(scan, j)) { j--; names++; }
  if (names === 0) return undefined;
  // house number
  let numFrom = j + 1;
  let written = false;
  if (j >= 0 && !taken[j]) {
    const t = tokens[j]!;
    if ((t.kind === K_DIGITS && HOUSE_NUMBER_RE.test(t.w)) || (t.kind === K_ALNUM && HOUSE_NUMBER_RE.test(t.w))) {
      numFrom = j;
      written = true;
      // "apartment 4 221b baker street" is rare; a second written number before is a flat number: "flat 2 10 downing street"
    } else if (t.kind === K_NUMWORD) {
      let m = j;
      while (m - 1 >= 0 && !taken[m - 1] && tokens[m - 1]!.kind === K_NUMWORD && j - m < 6) m--;
      numFrom = m;
    }
  }
  const hasNumber = numFrom <= j;
  const weak = WEAK_SUFFIXES.has(tokens[k]!.w);
  const spokenMulti = hasNumber && !written && j - numFrom >= 1; // "forty seven", "four nine nine seven"
  if (!hasNumber || (weak && !written && !spokenMulti)) {
    const cue = cueBefore(scan, cues, numFrom)?.type;
    const announced = cue === 'ADDRESS' || (cue === undefined && ctx?.expect === 'ADDRESS');
    if (!announced) return undefined;
  }
  // extend: direction, unit designator + code
  let end = k;
  if (end + 1 < tokens.length && !taken[end + 1] && DIRECTIONS.has(tokens[end + 1]!.w) && tokens[end + 1]!.w.length > 1) end++;
  const u = tokens[end + 1];
  if (u && !taken[end + 1] && UNIT_DESIGNATORS.has(u.w) && u.w !== 'number' && u.w !== 'no') {
    let m = end + 2;
    const first = m;
    while (m < tokens.length && !taken[m] && m - first < 4 &&
      (tokens[m]!.kind === K_DIGITS || tokens[m]!.kind === K_ALNUM || tokens[m]!.kind === K_NUMWORD || (tokens[m]!.kind === K_LETTER && m > first))) m++;
    if (m > first) end = m - 1;
  }
  // "... washington dc 20500", "... springfield il 62704-1234": a town and a ZIP code after the street
  let m = end + 1;
  while (m < tokens.length && m <= end + 4 && isNameWord(scan, m)) m++;
  const zip = tokens[m];
  if (zip && !taken[m] && zip.kind === K_DIGITS && /^\d{5}(?:-\d{4})?$/.test(zip.w)) end = m;
  else if (zip && !taken[m] && m + 1 < tokens.length && !taken[m + 1] && POSTCODE_OUTWARD_RE.test(zip.w) && POSTCODE_INWARD_RE.test(tokens[m + 1]!.w)) end = m + 1;
  claimTokens(scan, 'ADDRESS', numFrom, end);
  return end;
}
