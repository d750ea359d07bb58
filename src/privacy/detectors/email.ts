/**
 * E-mail addresses, written ("maria.kowalski@example.org") and spoken ("tom dot murphy at yahoo
 * dot fr", "lobrien25 at gmail dot com", "j underscore smith at acme-corp dot co dot uk"). A spoken
 * address needs a domain that ends in a known top-level domain after "dot", or a well-known mail
 * provider ("at gmail"); the local part runs back over joiners ("dot", "underscore") and at most
 * two further words that are not common English words.
 */
import type { Scan, Token } from '../tokens.js';
import { K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_WORD, claimSpan, claimTokens } from '../tokens.js';
import { COMMON_WORDS, EMAIL_JOINERS, MAIL_PROVIDERS, TLDS, UNIT_WORDS } from '../lexicon.js';

const WRITTEN_EMAIL_RE = /[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g;
const LABEL_RE = /^[a-z0-9][a-z0-9._%+-]*$/;

export function detectWrittenEmails(scan: Scan): void {
  if (scan.lower.indexOf('@') < 0) return;
  WRITTEN_EMAIL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WRITTEN_EMAIL_RE.exec(scan.lower)) !== null) {
    let end = m.index + m[0].length;
    while (end > m.index && scan.lower.charCodeAt(end - 1) === 46) end--;
    claimSpan(scan, 'EMAIL', m.index, end, scan.lower.slice(m.index, end));
  }
}

function isLabel(t: Token | undefined): boolean {
  if (!t) return false;
  if (t.kind === K_WORD || t.kind === K_ALNUM || t.kind === K_LETTER || t.kind === K_DIGITS || t.kind === K_NUMWORD) return LABEL_RE.test(t.w) || t.kind === K_WORD;
  return LABEL_RE.test(t.w);
}

function labelText(t: Token): string {
  if (t.w === 'o' || t.w === 'oh') return t.w === 'o' ? 'o' : '0';
  const d = UNIT_WORDS.get(t.w);
  if (t.kind === K_NUMWORD && d !== undefined) return String(d);
  return t.w;
}

function pauseBetween(scan: Scan, a: number, b: number): boolean {
  return /[,.;?!]/.test(scan.text.slice(scan.tokens[a]!.e, scan.tokens[b]!.s));
}

/** One character spelled on its own: a letter, a digit, a digit word ("j", "5", "five"). */
function isSpelledChar(t: Token | undefined): boolean {
  if (!t) return false;
  return t.kind === K_LETTER || (t.kind === K_DIGITS && t.w.length === 1) || (t.kind === K_NUMWORD && UNIT_WORDS.has(t.w));
}

/** A label at token k: one word, or characters spelled one by one ("e x a m p l e"). */
function labelAt(scan: Scan, k: number): { end: number; text: string } | undefined {
  const t = scan.tokens[k];
  if (!t || scan.taken[k] || !isLabel(t)) return undefined;
  if (!isSpelledChar(t)) return { end: k, text: t.w };
  let end = k;
  let text = labelText(t);
  while (end + 1 < scan.tokens.length && !scan.taken[end + 1] && isSpelledChar(scan.tokens[end + 1])) {
    end++;
    text += labelText(scan.tokens[end]!);
  }
  return { end, text };
}

/** Parses a domain starting at token k; returns its last token index and text. */
function domainAt(scan: Scan, k: number): { end: number; text: string } | undefined {
  const tokens = scan.tokens;
  let j = k;
  if (tokens[j]?.w === 'sign' || tokens[j]?.w === 'symbol') j++;
  const first = tokens[j];
  if (!first || scan.taken[j] || !isLabel(first) || first.kind === K_NUMWORD) return undefined;
  // written domain in one token: "gmail.com"
  if (first.w.includes('.')) {
    const parts = first.w.split('.');
    if (parts.length >= 2 && TLDS.has(parts[parts.length - 1]!) && parts.every((p) => p.length > 0)) return { end: j, text: first.w };
    return undefined;
  }
  const firstLabel = labelAt(scan, j)!;
  let text = firstLabel.text;
  let end = firstLabel.end;
  let dots = 0;
  let lastLabel = firstLabel.text;
  while (end + 2 < tokens.length) {
    const joiner = tokens[end + 1]!.w;
    if ((joiner !== 'dot' && joiner !== 'period' && joiner !== 'point' && joiner !== 'dash' && joiner !== 'hyphen') || scan.taken[end + 1]) break;
    const next = labelAt(scan, end + 2);
    if (!next) break;
    const sep = joiner === 'dash' || joiner === 'hyphen' ? '-' : '.';
    text += sep + next.text;
    if (sep === '.') { dots++; lastLabel = next.text; }
    end = next.end;
  }
  if (dots > 0 && TLDS.has(lastLabel)) return { end, text };
  // back off to the last TLD we passed ("dot com dot and" never happens, but "dot com dot" might)
  if (dots === 0 && MAIL_PROVIDERS.has(first.w)) return { end: j, text: first.w };
  return undefined;
}

export function detectSpokenEmails(scan: Scan, emailCue: boolean): void {
  const tokens = scan.tokens;
  for (let k = 1; k < tokens.length - 1; k++) {
    const w = tokens[k]!.w;
    if ((w !== 'at' && w !== 'at-sign') || scan.taken[k]) continue;
    const domain = domainAt(scan, k + 1);
    if (!domain) continue;
    // local part, backwards
    let start = k - 1;
    const prev = tokens[start];
    if (!prev || scan.taken[start] || !isLabel(prev)) continue;
    if (COMMON_WORDS.has(prev.w) && !emailCue && prev.kind !== K_NUMWORD) continue;
    let local = labelText(prev);
    let extra = 0;
    let spelled = 0;
    for (;;) {
      // a spoken address does not run back over a comma or the end of a sentence
      if (start > 0 && pauseBetween(scan, start - 1, start)) break;
      const j = tokens[start - 1];
      const before = tokens[start - 2];
      if (j && !scan.taken[start - 1] && EMAIL_JOINERS.has(j.w) && before && !scan.taken[start - 2] && isLabel(before) && !(COMMON_WORDS.has(before.w) && before.kind !== K_NUMWORD && before.kind !== K_LETTER)) {
        local = labelText(before) + EMAIL_JOINERS.get(j.w)! + local;
        start -= 2;
        continue;
      }
      // spelled letter by letter ("j a n e dot d o e at ..."): every character back to the first
      if (j && !scan.taken[start - 1] && spelled < 64 && isSpelledChar(j) && isSpelledChar(tokens[start]) &&
        !((j.w === 'a' || j.w === 'i') && !isSpelledChar(tokens[start - 2]) && tokens[start]!.kind !== K_LETTER)) {
        local = labelText(j) + local;
        start -= 1;
        spelled++;
        continue;
      }
      if (j && !scan.taken[start - 1] && extra < 3 && isLabel(j) && (j.kind === K_NUMWORD || j.kind === K_DIGITS || j.kind === K_LETTER || !COMMON_WORDS.has(j.w)) && !(j.kind === K_LETTER && (j.w === 'a' || j.w === 'i'))) {
        local = labelText(j) + local;
        start -= 1;
        extra++;
        continue;
      }
      break;
    }
    claimTokens(scan, 'EMAIL', start, domain.end, `${local}@${domain.text}`);
    k = domain.end;
  }
}
