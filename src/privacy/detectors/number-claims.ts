/**
 * Runs as token spans: sub-runs, which tokens carry digits, claiming a run as an entity (letters kept for
 * identifiers that have them), and the span that spells one of the call's own numbers.
 */
import type { CallNumbers, PiiType } from '../types.js';
import type { Scan } from '../tokens.js';
import { claimTokens, K_DIGITS, K_NUMWORD } from '../tokens.js';
import { groupLengths, type NumberRun } from '../number-runs.js';
import { FAIL_CLOSED_DIGITS } from './number-lengths.js';

/** Digits before token k of the run (cum is "after each token"). */
export function digitsBefore(run: NumberRun, k: number): number {
  return k === run.from ? 0 : run.cum[k - run.from - 1]!;
}

export function carriesDigits(run: NumberRun, k: number): boolean {
  return run.cum[k - run.from]! > digitsBefore(run, k);
}

/** The run restricted to tokens [from, to]. */
export function subRun(scan: Scan, run: NumberRun, from: number, to: number): NumberRun {
  const base = digitsBefore(run, from);
  const end = run.cum[to - run.from]!;
  const cum = run.cum.slice(from - run.from, to - run.from + 1);
  for (let i = 0; i < cum.length; i++) cum[i]! -= base;
  let spoken = false;
  let written = false;
  let slash = false;
  const groups: number[] = [];
  for (let k = from; k <= to; k++) {
    const t = scan.tokens[k]!;
    if (t.kind === K_NUMWORD) spoken = true;
    else if (t.kind === K_DIGITS) {
      written = true;
      groupLengths(t.w, groups);
      if (t.w.indexOf('/') >= 0) slash = true;
    }
  }
  return {
    from, to, digits: run.digits.slice(base, end), spoken, cum, groups, slash,
    plus: from === run.from && run.plus, mixed: spoken && written, letters: run.letters, joined: run.joined,
  };
}

/**
 * [first, last] number tokens of the run (letters and joiners at the edges left out). A number word
 * that ends a multi-word number ("twenty eight") adds no digits of its own but belongs to it.
 */
export function digitEdges(scan: Scan, run: NumberRun): [number, number] | undefined {
  const numeric = (k: number): boolean => {
    const kind = scan.tokens[k]!.kind;
    return kind === K_DIGITS || kind === K_NUMWORD || carriesDigits(run, k);
  };
  let a = run.from;
  while (a <= run.to && !numeric(a)) a++;
  if (a > run.to) return undefined;
  let b = run.to;
  while (b > a && !numeric(b)) b--;
  return [a, b];
}

/** Identifiers that mix letters and digits: their letters are part of the value. */
export const LETTER_TYPES: ReadonlySet<PiiType> = new Set<PiiType>(['NUMBER', 'PASSPORT_NUMBER', 'DRIVER_ID', 'HEALTH_PLAN_ID', 'MEDICAL_RECORD_NUMBER', 'IBAN']);

export function claimRun(scan: Scan, run: NumberRun, type: PiiType, digits = run.digits): void {
  if (LETTER_TYPES.has(type)) {
    // a spelled value is redacted from its first character: letters at the edges go with it
    claimTokens(scan, type, run.from, run.to, digits);
    return;
  }
  const edges = digitEdges(scan, run);
  if (!edges) return;
  const from = run.plus && run.from < edges[0] ? run.from : edges[0];
  claimTokens(scan, type, from, edges[1], digits);
}

/** The token span of the run that spells one of the call's own numbers, longest first. */
export function ownNumberSpan(run: NumberRun, own: CallNumbers): [number, number] | undefined {
  const d = run.digits;
  if (own.forms.includes(d) || own.nsns.some((nsn) => d.length >= 4 && nsn.endsWith(d))) return [run.from, run.to];
  if (d.length < FAIL_CLOSED_DIGITS) return undefined;
  let best: [number, number] | undefined;
  let bestLen = 0;
  for (let a = run.from; a <= run.to; a++) {
    if (!carriesDigits(run, a)) continue;
    const s = digitsBefore(run, a);
    for (let b = run.to; b >= a; b--) {
      const e = run.cum[b - run.from]!;
      const len = e - s;
      if (len < FAIL_CLOSED_DIGITS || len <= bestLen) break;
      if (!carriesDigits(run, b)) continue;
      const slice = d.slice(s, e);
      if (own.forms.includes(slice) || own.nsns.some((nsn) => nsn.endsWith(slice))) {
        best = [a, b];
        bestLen = len;
        break;
      }
    }
  }
  return best;
}
