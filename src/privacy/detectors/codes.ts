/**
 * Alphanumeric identifiers announced by a cue: medical record numbers, health plan member/policy
 * IDs, passport and driver's licence numbers, and account numbers with letters ("member id is
 * x y z one two three four five", "policy number abc-123-456", "mrn 00451234"). Purely numeric
 * ones are typed by the numeric detector first; this picks up what mixes letters and digits.
 */
import type { DetectionContext, PiiType } from '../types.js';
import type { Scan } from '../tokens.js';
import { K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_OTHER, K_WORD, claimTokens } from '../tokens.js';
import type { CueType } from '../cues.js';
import { COMMON_WORDS, QUANTITY_NOUNS, UNIT_WORDS } from '../lexicon.js';

const CODE_TYPES: ReadonlySet<CueType> = new Set<CueType>(['MEDICAL_RECORD_NUMBER', 'HEALTH_PLAN_ID', 'PASSPORT_NUMBER', 'DRIVER_ID', 'BANK_ACCOUNT_NUMBER']);
const FILLERS = new Set(['is', "it's", 'its', 'was', 'number', 'id', 'no', '#', 'um', 'uh', 'the', 'my', 'of', 'that', "that's", 'be', 'should', 'code']);
const CODE_TOKEN_RE = /^[a-z0-9][a-z0-9-]*$/;

export function detectCodes(scan: Scan, cues: readonly (CueType | undefined)[], ctx: DetectionContext | undefined): void {
  const tokens = scan.tokens;
  const starts: { at: number; type: PiiType }[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const c = cues[k];
    if (c !== undefined && CODE_TYPES.has(c)) starts.push({ at: k + 1, type: c as PiiType });
  }
  if (starts.length === 0 && ctx?.expect && CODE_TYPES.has(ctx.expect)) starts.push({ at: 0, type: ctx.expect });
  for (const { at, type } of starts) {
    let j = at;
    while (j < tokens.length && j < at + 4 && FILLERS.has(tokens[j]!.w) && !scan.taken[j]) j++;
    const from = j;
    let chars = 0;
    let digits = 0;
    let norm = '';
    let letters = false;
    while (j < tokens.length && !scan.taken[j] && j - from < 24) {
      const t = tokens[j]!;
      let piece: string | undefined;
      if (t.kind === K_DIGITS && !t.w.includes('/')) piece = t.digits;
      else if (t.kind === K_ALNUM || (t.kind === K_OTHER && CODE_TOKEN_RE.test(t.w) && /\d/.test(t.w))) piece = t.w.replace(/-/g, '');
      else if (t.kind === K_NUMWORD && UNIT_WORDS.has(t.w) && (t.w !== 'o' && t.w !== 'oh' || digits > 0)) piece = String(UNIT_WORDS.get(t.w));
      else if (t.kind === K_LETTER && (t.w !== 'a' && t.w !== 'i' || chars > 0)) piece = t.w;
      else if (t.kind === K_WORD && t.w.length <= 3 && !COMMON_WORDS.has(t.w) && !QUANTITY_NOUNS.has(t.w)) piece = t.w;
      if (piece === undefined) break;
      if (t.kind !== K_DIGITS && t.kind !== K_NUMWORD && /[a-z]/.test(piece)) letters = true;
      for (let i = 0; i < piece.length; i++) if (piece.charCodeAt(i) <= 57) digits++;
      chars += piece.length;
      norm += piece;
      j++;
    }
    // purely numeric identifiers are the numeric detector's (it reads "forty one", "double five")
    if (!letters || QUANTITY_NOUNS.has(tokens[j]?.w ?? '')) continue;
    if (chars >= 4 && digits >= 2) claimTokens(scan, type, from, j - 1, norm.toUpperCase());
  }
}
