/**
 * Person names announced by a cue: "my name is", "my name's", "the name on the card is", "the
 * account holder is", "first/last name is", "surname is", "this is … calling", "hi this is …",
 * "hi i'm …", "call me …", "mr/mrs/ms/dr …", and letters spelled out after "spelled". When the
 * agent just asked for a name, a short answer ("it's john smith") is read as one.
 *
 * A name after a strong cue takes its first word unless that word plainly is not a name ("not",
 * "calling"), then up to three more words that are not common English words.
 */
import type { DetectionContext } from '../types.js';
import type { Scan } from '../tokens.js';
import { K_LETTER, K_WORD, claimTokens, sentenceBreakBefore } from '../tokens.js';
import { COMMON_WORDS } from '../lexicon.js';
import { F_NAMECUE } from '../words.js';

const HARD_STOP = new Set([
  'not', 'is', 'was', 'a', 'an', 'the', 'that', 'this', 'it', "it's", 'its', 'calling', 'about', 'from', 'in', 'at', 'on',
  'and', 'so', 'sorry', 'just', 'also', 'going', 'trying', 'looking', 'very', 'really', 'here', 'because', 'still',
  'actually', 'um', 'uh', 'er', 'erm', 'spelled', 'spelt', 'my', 'your', 'on', 'of', 'to', 'for', 'with', 'what', 'please',
  'i', "i'm", 'me', 'we', 'you', 'he', 'she', 'they', 'no', 'yes', 'yeah', 'okay', 'ok', 'well', 'be', 'being', 'having',
]);
const NAME_PARTICLES = new Set(['van', 'von', 'de', 'der', 'den', 'la', 'le', 'del', 'della', 'da', 'di', 'du', 'dos', 'das', 'bin', 'ibn', 'al', 'el', 'st', "o'"]);
const GREETINGS = new Set(['hi', 'hello', 'hey', 'yes', 'yeah', 'morning', 'afternoon', 'evening', 'hiya', 'yep', 'ok', 'okay']);
const AFTER_NAME_CALLING = new Set(['calling', 'speaking', 'here', 'from', 'ringing']);
/** What follows "i'm" when it says how or where the caller is, not who ("i'm free after three"). */
const NOT_A_NAME_AFTER_IM = new Set([
  'free', 'busy', 'available', 'away', 'home', 'out', 'off', 'late', 'early', 'fine', 'good', 'great', 'ready', 'done',
  'afraid', 'sure', 'happy', 'unhappy', 'annoyed', 'upset', 'angry', 'confused', 'worried', 'concerned', 'interested',
  'unable', 'able', 'new', 'old', 'number', 'stuck', 'abroad', 'outside', 'inside', 'downstairs', 'upstairs', 'currently',
  'really', 'very', 'so', 'quite', 'still', 'also', 'only', 'just', 'not', 'about', 'over', 'under', 'retired', 'disabled',
  'pregnant', 'ill', 'sick', 'unwell', 'deaf', 'blind', 'hard', 'on', 'in', 'at', 'with', 'without', 'due', 'moving',
]);

const TITLES = new Set(['mr', 'mrs', 'ms', 'mister', 'missus', 'miss', 'dr', 'doctor', 'professor', 'prof']);
const EXPECT_FILLERS = new Set(['yes', 'yeah', 'sure', "it's", 'its', 'it', 'is', 'my', 'name', "name's", 'this', 'um', 'uh', 'okay', 'ok', 'hi', 'hello', 'well', 'so', "that's", 'thats', 'the', 'of', 'course', 'er', 'erm', 'yep', 'oh', 'certainly', 'i', 'am', "i'm", 'full']);

function nameWord(scan: Scan, j: number, strongFirst: boolean): boolean {
  const t = scan.tokens[j];
  if (!t || scan.taken[j]) return false;
  if (t.kind !== K_WORD && t.kind !== K_LETTER) return false;
  if (strongFirst) return !HARD_STOP.has(t.w);
  return !COMMON_WORDS.has(t.w) || (t.kind === K_LETTER && t.w !== 'a' && t.w !== 'i');
}

/** People a caller speaks for or about: the words after them are often a name. */
const RELATIONS = new Set([
  'husband', 'wife', 'son', 'daughter', 'mother', 'mum', 'mom', 'father', 'dad', 'partner', 'brother', 'sister', 'landlord',
  'landlady', 'tenant', 'boss', 'colleague', 'friend', 'grandson', 'granddaughter', 'grandmother', 'grandfather', 'nan', 'grandma',
  'grandpa', 'niece', 'nephew', 'uncle', 'aunt', 'auntie', 'carer', 'caregiver', 'patient', 'neighbour', 'neighbor', 'fiance',
  'fiancee', 'girlfriend', 'boyfriend', 'assistant', 'secretary', 'employer', 'child', 'kid', 'stepson', 'stepdaughter',
]);

/**
 * A name spelled out after it is said: "maria smith s m i t h", "nguyen n g u y e n". Letters
 * that spell the word before them make that word, and the name word before it, a name — with the
 * letters, so nothing of it is left.
 */
function spelledNames(scan: Scan): void {
  const tokens = scan.tokens;
  for (let k = 1; k < tokens.length; k++) {
    if (scan.taken[k] || tokens[k]!.kind !== K_LETTER) continue;
    let m = k;
    let letters = '';
    while (m < tokens.length && !scan.taken[m] && (tokens[m]!.kind === K_LETTER || tokens[m]!.w === 'double')) {
      letters += tokens[m]!.w === 'double' ? (tokens[m + 1]?.w ?? '') : tokens[m]!.w;
      m++;
    }
    if (letters.length < 3) { k = m; continue; }
    const spelt = tokens[k - 1]!;
    if (scan.taken[k - 1] || spelt.w.replace(/[^a-z]/g, '') !== letters) { k = m; continue; }
    let start = k - 1;
    if (start > 0 && !scan.taken[start - 1] && nameWord(scan, start - 1, false)) start--;
    claimTokens(scan, 'NAME', start, m - 1);
    k = m;
  }
}

/** Claims a name starting at token `start`; returns the last token index, or undefined. */
function takeName(scan: Scan, start: number, strong: boolean): number | undefined {
  if (!nameWord(scan, start, strong)) return undefined;
  const tokens = scan.tokens;
  let end = start;
  let words = 1;
  let letters = tokens[start]!.kind === K_LETTER ? 1 : 0;
  for (let j = start + 1; j < tokens.length && words < 4 + letters; j++) {
    const t = tokens[j]!;
    if (scan.taken[j] || sentenceBreakBefore(scan, j)) break;
    if (NAME_PARTICLES.has(t.w) && nameWord(scan, j + 1, false)) { end = j; continue; }
    if (t.kind === K_LETTER && (letters > 0 || !COMMON_WORDS.has(t.w))) { end = j; letters++; continue; }
    if (!nameWord(scan, j, false)) break;
    end = j;
    words++;
  }
  // "... spelled s m i t h"
  let j = end + 1;
  if (tokens[j]?.w === "that's" || tokens[j]?.w === 'thats') j++;
  if (tokens[j]?.w === 'spelled' || tokens[j]?.w === 'spelt' || tokens[j]?.w === 'spelling') {
    let m = j + 1;
    while (m < tokens.length && !scan.taken[m] && (tokens[m]!.kind === K_LETTER || tokens[m]!.w === 'double')) m++;
    if (m > j + 1) end = m - 1;
  }
  claimTokens(scan, 'NAME', start, end);
  return end;
}

/** Index just after "is"/"was" (and fillers) following a strong name cue at k, or undefined. */
function afterCopula(scan: Scan, k: number, maxSkip: number): number | undefined {
  const tokens = scan.tokens;
  for (let j = k + 1; j < tokens.length && j <= k + maxSkip; j++) {
    const w = tokens[j]!.w;
    if (w === 'is' || w === 'was' || w === "it's" || w === 'be' || w === 'reads') {
      let m = j + 1;
      while (tokens[m] && (tokens[m]!.w === 'um' || tokens[m]!.w === 'uh' || tokens[m]!.w === 'er' || tokens[m]!.w === 'like')) m++;
      return m;
    }
    if (!['on', 'the', 'card', 'account', 'file', 'reservation', 'booking', 'policy', 'name', 'names', 'full', 'legal', "holder's", 'holders'].includes(w)) return undefined;
  }
  return undefined;
}

export function detectNames(scan: Scan, ctx: DetectionContext | undefined): void {
  const tokens = scan.tokens;
  const before = scan.entities.length;
  for (let k = 0; k < tokens.length; k++) {
    if (scan.taken[k] || (tokens[k]!.flags & F_NAMECUE) === 0) continue;
    const w = tokens[k]!.w;
    const p1 = tokens[k - 1]?.w;
    let start: number | undefined;
    let strong = true;
    if (w === "name's" || w === 'names' && p1 === 'my') start = k + 1;
    else if (w === 'name' || w === 'surname' || w === 'lastname' || w === 'firstname' || w === 'holder' || w === 'cardholder' || w === 'policyholder') {
      if (w === 'name' && (p1 === 'user' || p1 === 'company' || p1 === 'business' || p1 === 'street' || p1 === 'file' || p1 === 'domain' || p1 === 'brand' || p1 === 'product' || p1 === 'plan')) continue;
      start = afterCopula(scan, k, 5);
    } else if (w === 'this' && tokens[k + 1]?.w === 'is') {
      // "this is sarah calling" / "hi this is sarah"
      const greeted = k === 0 || GREETINGS.has(p1 ?? '');
      let m = k + 2;
      while (m < tokens.length && m < k + 6 && nameWord(scan, m, false)) m++;
      if (m > k + 2 && (greeted || AFTER_NAME_CALLING.has(tokens[m]?.w ?? ''))) { start = k + 2; strong = false; }
    } else if ((w === "i'm" || (w === 'am' && p1 === 'i')) && (k === 0 || GREETINGS.has(p1 ?? '') || GREETINGS.has(tokens[k - 2]?.w ?? '') || AFTER_NAME_CALLING.has(tokens[k + 2]?.w ?? '') || AFTER_NAME_CALLING.has(tokens[k + 3]?.w ?? ''))) {
      if (nameWord(scan, k + 1, false) && !NOT_A_NAME_AFTER_IM.has(tokens[k + 1]!.w) && !/(?:ing|ed)$/.test(tokens[k + 1]!.w)) { start = k + 1; strong = false; }
    } else if (w === 'me' && p1 === 'call' && nameWord(scan, k + 1, false)) {
      start = k + 1; strong = false;
    } else if (TITLES.has(w) && nameWord(scan, k + 1, false) && !(w === 'dr' && p1 !== undefined && /\d/.test(p1))) {
      start = k; strong = true;
      const end = takeName(scan, k + 1, false);
      if (end !== undefined) {
        // include the title in the entity
        const e = scan.entities[scan.entities.length - 1]!;
        e.start = tokens[k]!.s;
        e.value = scan.text.slice(e.start, e.end);
        scan.taken[k] = 1;
        k = end;
      }
      continue;
    }
    else if (RELATIONS.has(w) && (p1 === 'my' || p1 === 'our' || p1 === 'the' || p1 === 'his' || p1 === 'her') && nameWord(scan, k + 1, false) && !NOT_A_NAME_AFTER_IM.has(tokens[k + 1]!.w)) {
      // "my husband gustavo hughes is on the account", "the patient is ..."
      start = k + 1; strong = false;
    } else if (RELATIONS.has(w) && tokens[k + 1]?.w === 'is' && nameWord(scan, k + 2, false) && !NOT_A_NAME_AFTER_IM.has(tokens[k + 2]!.w)) {
      start = k + 2; strong = false;
    } else if ((w === "it's" || w === 'its') && GREETINGS.has(p1 ?? '') && p1 !== 'yes' && p1 !== 'yeah' && p1 !== 'ok' && p1 !== 'okay' && nameWord(scan, k + 1, false) && !NOT_A_NAME_AFTER_IM.has(tokens[k + 1]!.w)) {
      // "hi it's hiroshi thompson"
      start = k + 1; strong = false;
    } else if ((w === 'hello' || w === 'hi' || w === 'hey') && nameWord(scan, k + 1, false)) {
      // "hello kwame nguyen here"
      let m = k + 1;
      while (m < tokens.length && m < k + 5 && nameWord(scan, m, false)) m++;
      if (tokens[m]?.w === 'here' || tokens[m]?.w === 'speaking') { start = k + 1; strong = false; }
    }
    if (start === undefined) continue;
    const end = takeName(scan, start, strong);
    if (end !== undefined) k = end;
  }
  spelledNames(scan);
  if (scan.entities.length === before && ctx?.expect === 'NAME') {
    let j = 0;
    while (j < tokens.length && (EXPECT_FILLERS.has(tokens[j]!.w) || scan.taken[j])) j++;
    if (j < tokens.length) takeName(scan, j, false);
  }
}
