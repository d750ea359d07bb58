/**
 * IBANs, checksum-verified (ISO 13616 mod 97, per-country length): compact ("NL91ABNA0417164300"),
 * grouped ("GB82 WEST 1234 5698 7654 32") or spelled out ("g b eight two w e s t one two ...").
 * Characters are gathered token by token from a country code followed by two check digits until
 * the country's length is reached exactly at a token boundary. After an IBAN cue, a candidate of
 * the right shape whose checksum fails (a misheard digit) is still redacted.
 */
import type { Scan, Token } from '../tokens.js';
import { K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_WORD, claimTokens } from '../tokens.js';
import { cueBefore, type CueType } from '../cues.js';
import { IBAN_LENGTHS, REPEAT_WORDS, UNIT_WORDS } from '../lexicon.js';
import { F_COUNTRY } from '../words.js';
import { ibanValid } from '../checksums.js';

/** Characters one token contributes to an IBAN, or undefined when it cannot be part of one. */
function ibanChars(tokens: Token[], k: number): { chars: string; used: number } | undefined {
  const t = tokens[k]!;
  switch (t.kind) {
    case K_ALNUM:
    case K_LETTER:
      return { chars: t.w.toUpperCase(), used: 1 };
    case K_DIGITS:
      return t.w.charCodeAt(0) === 43 || t.w.includes('/') ? undefined : { chars: t.digits, used: 1 };
    case K_WORD:
      return t.w.length <= 4 && /^[a-z]+$/.test(t.w) ? { chars: t.w.toUpperCase(), used: 1 } : undefined;
    case K_NUMWORD: {
      const d = UNIT_WORDS.get(t.w);
      if (d !== undefined) return { chars: String(d), used: 1 };
      const rep = REPEAT_WORDS.get(t.w);
      const next = tokens[k + 1];
      const nd = next ? UNIT_WORDS.get(next.w) : undefined;
      if (rep !== undefined && nd !== undefined) return { chars: String(nd).repeat(rep), used: 2 };
      return undefined;
    }
    default:
      return undefined;
  }
}

function isLetter(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The start of an IBAN read in pieces ("GB43 HBUK 7208 and the rest is ..."): a country code with
 * its check digits, then groups of exactly four characters as IBANs are printed (one group at least
 * holding digits), or characters spelled one per token — at least eight characters, fewer than the
 * country's length. Returns the last token, or undefined.
 */
function ibanStart(scan: Scan, k: number): number | undefined {
  const tokens = scan.tokens;
  const first = tokens[k]!;
  let chars = '';
  let last = k;
  if (first.kind === K_ALNUM && first.w.length === 4) {
    chars = first.w.toUpperCase();
    let digits = false;
    for (let m = k + 1; m < tokens.length && !scan.taken[m] && tokens[m]!.w.length === 4 && /^[a-z0-9]{4}$/.test(tokens[m]!.w); m++) {
      chars += tokens[m]!.w.toUpperCase();
      if (/\d/.test(tokens[m]!.w)) digits = true;
      last = m;
    }
    if (!digits) return undefined;
  } else if (first.kind === K_LETTER) {
    for (let m = k; m < tokens.length && !scan.taken[m]; m++) {
      const t = tokens[m]!;
      if (t.kind === K_LETTER || (t.kind === K_DIGITS && t.w.length === 1)) chars += t.w.toUpperCase();
      else if (t.kind === K_NUMWORD && UNIT_WORDS.has(t.w)) chars += String(UNIT_WORDS.get(t.w));
      else break;
      last = m;
    }
  } else return undefined;
  const expected = IBAN_LENGTHS.get(chars.slice(0, 2));
  if (expected === undefined || last <= k || chars.length < 8 || chars.length >= expected || !/^[A-Z]{2}\d{2}[A-Z0-9]{4}/.test(chars)) return undefined;
  return last;
}

export function detectIbans(scan: Scan, cues: readonly (CueType | undefined)[]): void {
  const tokens = scan.tokens;
  for (let k = 0; k < tokens.length; k++) {
    if (scan.taken[k]) continue;
    const t = tokens[k]!;
    // quick gate: the token must start a country code followed by two check digits
    if (t.kind === K_ALNUM) {
      if (t.w.length < 4 || !isLetter(t.w.charCodeAt(0)) || !isLetter(t.w.charCodeAt(1)) || !isDigit(t.w.charCodeAt(2)) || !isDigit(t.w.charCodeAt(3))) continue;
    } else if (t.kind === K_LETTER) {
      const n = tokens[k + 1];
      if (!n || n.kind !== K_LETTER) continue;
    } else if (t.kind === K_WORD) {
      if ((t.flags & F_COUNTRY) === 0) continue;
      const n = tokens[k + 1];
      if (!n || (n.kind !== K_DIGITS && n.kind !== K_NUMWORD)) continue;
    } else continue;
    let chars = '';
    let j = k;
    let expected: number | undefined;
    let found = -1;
    while (j < tokens.length && !scan.taken[j]) {
      const piece = ibanChars(tokens, j);
      if (!piece) break;
      chars += piece.chars;
      j += piece.used;
      if (chars.length >= 2 && expected === undefined) {
        expected = IBAN_LENGTHS.get(chars.slice(0, 2));
        if (expected === undefined) break;
      }
      if (chars.length >= 4 && !/^[A-Z]{2}\d{2}/.test(chars)) break;
      if (expected !== undefined && chars.length >= expected) {
        if (chars.length === expected) found = j - 1;
        break;
      }
    }
    if (found >= 0 && ibanValid(chars)) {
      claimTokens(scan, 'IBAN', k, found, chars);
      k = found;
      continue;
    }
    // after an IBAN cue, a near-miss (wrong checksum or a digit too many/few) is still an IBAN
    if (expected !== undefined && /^[A-Z]{2}\d{2}/.test(chars) && Math.abs(chars.length - expected) <= 2 && j - 1 > k && cueBefore(scan, cues, k)?.type === 'IBAN') {
      claimTokens(scan, 'IBAN', k, j - 1, chars);
      k = j - 1;
      continue;
    }
    // the first part of an IBAN read in pieces ("GB43 HBUK 7208 and the rest is ..."): printed in
    // groups of four, or spelled character by character, it cannot be anything else
    const end = ibanStart(scan, k);
    if (end !== undefined) {
      claimTokens(scan, 'IBAN', k, end);
      k = end;
    }
  }
}
