/**
 * Numeric PII: card numbers, CVV, expiry, PIN, SSN, bank account and routing numbers, phone
 * numbers, numeric dates of birth, ZIP codes, numeric health identifiers — and, failing closed,
 * any other long digit run.
 *
 * The unit is a dictated value: a composite run (`readCompositeRun`) of written and spoken pieces,
 * hesitations and corrections included. It is typed by, in order:
 *   1. the call's own From/To numbers, in any form (always PHONE);
 *   2. a cue that announces a type and fits the length ("my pin is", "... is my cell");
 *   3. structure that no context can explain away: a Luhn-valid 13–19 digit run is a card number
 *      whatever words surround it ("order number 4111 ...");
 *   4. digits continuing a run the caller gave over earlier turns (every one of them is sensitive);
 *   5. a harmless quantity: an amount with a currency, a measured quantity with its unit, a count
 *      ("1,250,000") — these are left alone;
 *   6. a non-PII cue ("flight", "order number", "option") for a value shorter than 7 digits;
 *   7. what the agent just asked for (the call's expectation);
 *   8. shape alone: valid phone numbers national or international with or without `+`/`00`,
 *      SSN layout, numeric dates of birth; a calendar date after 2012 is an appointment (harmless);
 *   9. two values said back to back, split on a token boundary;
 *  10. fail closed: 7 or more digits that nothing above explained are redacted — typed by the
 *      sentence's evidence (`conceptEvidence`), a correction of a typed value or the 9-digit prior,
 *      else `NUMBER`;
 *  11. short values (3–6 digits) that are no time and no year: typed by the sentence's evidence, a
 *      cue that named a sensitive type close by (the start of a value dictated over several turns),
 *      an expiry shape, a correction, or being read one digit at a time;
 *  12. a short piece glued to a value just claimed ("... 1111 123" after a card) is redacted too.
 * Shapes, lengths, context and claims live in the `number-*.ts` files beside this one.
 */
import type { DetectionContext, PiiType } from '../types.js';
import type { Scan } from '../tokens.js';
import { K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_OTHER } from '../tokens.js';
import { cueAfter, cueBefore, tailCueBefore, type CueType } from '../cues.js';
import { readCompositeRun, type NumberRun } from '../number-runs.js';
import { luhnValid } from '../checksums.js';
import { conceptEvidence } from '../concepts.js';
import { carriesDigits, claimRun, ownNumberSpan, subRun } from './number-claims.js';
import { UNIT_OR_TENS, absorbSpokenPlus, correctionNeighbour, dictatedDigitByDigit, expiryEvidence, isCurrencyBefore, isMagnitudeRun, isQuantityAfter, numericNeighbour, standsAlone, timeLike, yearAfterPreposition } from './number-context.js';
import { FAIL_CLOSED_DIGITS, acceptLong, acceptShort, continuationType, fits, fitsLoosely, lengthPrior, shortPrior } from './number-lengths.js';
import { cardPrefix, expiryShaped, harmlessDate, mmyy, monthYearSpoken, shapeType, splitShape } from './number-shapes.js';

interface Env {
  ctx: DetectionContext | undefined;
  state: { expectUsed: boolean };
  cue: CueType | undefined;
  tail: boolean;
  /** An amount, a measured quantity or a magnitude: the run says what it counts. */
  quantity: boolean;
  /** The type claimed just before this piece within the same dictated value. */
  prev: PiiType | undefined;
  /** Tokens between the cue and the value (a cue far away only types long values). */
  cueDistance: number;
  cues: readonly (CueType | undefined)[];
}

/** The text `detectNumbers` is reading, for the composite reader's callback (no closure per call). */
const current: { scan: Scan | undefined; cues: readonly (CueType | undefined)[] } = { scan: undefined, cues: [] };

const COMPOSITE = { standsAlone: (r: NumberRun): boolean => standsAlone(current.scan!, current.cues, r) };

export function detectNumbers(scan: Scan, cues: readonly (CueType | undefined)[], ctx: DetectionContext | undefined): void {
  const tokens = scan.tokens;
  const state = { expectUsed: false };
  current.scan = scan;
  current.cues = cues;
  const anyLength = ctx?.continuesDigitRun === true;
  for (let i = 0; i < tokens.length; i++) {
    if (scan.taken[i]) continue;
    const t = tokens[i]!;
    const kind = t.kind;
    if (kind !== K_DIGITS && kind !== K_NUMWORD && kind !== K_ALNUM && kind !== K_OTHER && kind !== K_LETTER) continue;
    // a lone small number between words ("option 2", "two items", "at 3 pm") is never a value
    if (!anyLength && (kind === K_DIGITS ? t.digits.length <= 2 : kind === K_NUMWORD && UNIT_OR_TENS.has(t.w)) && !numericNeighbour(tokens, i + 1)) continue;
    const run = readCompositeRun(scan, i, COMPOSITE);
    if (!run) continue;
    absorbSpokenPlus(scan, run);
    // Fast path for the numbers of ordinary talk: fewer than 3 digits never make a value (no type
    // is that short), nor does a short amount or count ("250 dollars") — cues need not be looked up.
    const n = run.digits.length;
    if (!anyLength && (n < 3 || (n < FAIL_CLOSED_DIGITS && !ctx?.callNumbers && (isQuantityAfter(scan, run) || isCurrencyBefore(scan, run.from))))) {
      i = run.to;
      continue;
    }
    const before = cueBefore(scan, cues, run.from);
    const after = before ? undefined : cueAfter(scan, cues, run.to);
    const cue = before?.type ?? after?.type;
    classify(scan, run, {
      ctx,
      state,
      cue,
      tail: tailCueBefore(scan, run.from),
      quantity: isQuantityAfter(scan, run) || isCurrencyBefore(scan, run.from) || isMagnitudeRun(scan, run),
      prev: undefined,
      cueDistance: before ? run.from - before.at : after ? after.at - run.to : Infinity,
      cues,
    });
    i = run.to;
  }
}

function acceptBirth(t: PiiType): boolean {
  return t === 'DATE_OF_BIRTH';
}

function birthSentence(scan: Scan, cues: readonly (CueType | undefined)[], run: NumberRun): boolean {
  return (conceptEvidence(scan, cues, run.from, run.to, run.digits.length, acceptBirth)?.score ?? 0) >= 3;
}

/** Claims tokens [a, b] of the run as `type`, then classifies what is left on either side. */
function claimPart(scan: Scan, run: NumberRun, a: number, b: number, type: PiiType, env: Env): void {
  const part = subRun(scan, run, a, b);
  claimRun(scan, part, type);
  if (a > run.from) leftover(scan, subRun(scan, run, run.from, a - 1), env, undefined);
  if (b < run.to) classify(scan, subRun(scan, run, b + 1, run.to), { ...env, cue: undefined, tail: false, prev: type });
}

/**
 * What comes before a value claimed out of the middle of a run. A piece announced by a non-PII cue
 * ("flight 370 ...") keeps its own meaning; anything else glued to a sensitive value goes with it.
 */
function leftover(scan: Scan, run: NumberRun, env: Env, prev: PiiType | undefined): void {
  if (run.digits.length === 0) return;
  if (run.digits.length < FAIL_CLOSED_DIGITS && (env.cue === 'NEGATIVE' || env.quantity)) return;
  classify(scan, run, { ...env, prev: prev ?? 'NUMBER' });
}

function classify(scan: Scan, run: NumberRun, env: Env): void {
  const d = run.digits;
  const n = d.length;
  if (n === 0) return;
  const { ctx, cue, tail } = env;
  // 1. the call's own numbers, in any form
  if (ctx?.callNumbers && n >= 4) {
    const own = ownNumberSpan(run, ctx.callNumbers);
    if (own) return claimPart(scan, run, own[0], own[1], 'PHONE', env);
  }
  const positive = cue !== undefined && cue !== 'NEGATIVE' ? cue : undefined;
  // a short value that counts something or that a non-PII word names right after ("the 4 45
  // train", "a 2005 model") is that, whatever cue came before
  if (n < FAIL_CLOSED_DIGITS && !(n >= 13 && luhnValid(d)) && (env.quantity || env.cues[run.to + 1] === 'NEGATIVE')) return;
  // 2. a cue that names a type the value fits
  if (positive && fits(positive, d, tail)) return claimRun(scan, run, positive);
  if (positive === 'CREDIT_DEBIT_NUMBER' && n > 19) {
    const end = cardPrefix(run);
    if (end !== undefined) return claimPart(scan, run, run.from, end, 'CREDIT_DEBIT_NUMBER', env);
  }
  // 3. a card number is a card number whatever surrounds it
  if (n >= 13 && n <= 19 && luhnValid(d) && !run.plus && !d.startsWith('00')) return claimRun(scan, run, 'CREDIT_DEBIT_NUMBER');
  // 4. digits continuing what the caller gave over the previous turns
  if (ctx?.continuesDigitRun) return claimRun(scan, run, ctx.expect && fits(ctx.expect, d, tail) ? ctx.expect : 'NUMBER');
  // 5. an amount, a measured quantity, a magnitude
  if (env.quantity) return;
  // 6. a non-PII cue announces only short values
  if (cue === 'NEGATIVE' && n < FAIL_CLOSED_DIGITS && !tail) {
    if (env.prev) claimRun(scan, run, continuationType(env.prev, d));
    return;
  }
  // 7. what the agent just asked for
  if (!positive && cue !== 'NEGATIVE' && ctx?.expect && !env.state.expectUsed && fits(ctx.expect, d, tail)) {
    env.state.expectUsed = true;
    return claimRun(scan, run, ctx.expect);
  }
  // 8. shape alone
  const shape = shapeType(run, d);
  if (shape !== undefined) return claimRun(scan, run, shape);
  if (!positive && harmlessDate(run, d)) return;
  // 9. two values said back to back
  // (a run shorter than a card that no pause or correction divides is one value: no search)
  if (n >= FAIL_CLOSED_DIGITS && run.to > run.from && (n >= 13 || run.joined) && split(scan, run, positive, env)) return;
  // 10. fail closed: what nothing explained, typed by the broad evidence of its sentence if any
  if (n >= FAIL_CLOSED_DIGITS) {
    if (positive) return claimRun(scan, run, positive);
    const concept = conceptEvidence(scan, env.cues, run.from, run.to, n, acceptLong);
    if (concept && concept.score >= 3) return claimRun(scan, run, concept.type);
    // corrected or correcting a value of known type ("{ssn} hold on i read it wrong {ssn}")
    const corrected = correctionNeighbour(scan, run);
    if (corrected && corrected !== 'NUMBER' && fitsLoosely(corrected, n)) return claimRun(scan, run, corrected);
    return claimRun(scan, run, lengthPrior(d) ?? 'NUMBER');
  }
  // 11. short values: sensitive when their sentence says so or when read like an identifier;
  // a clock time or a year after a preposition is still a time or a year
  // "valid to zero four two eight", "out of date after oh one three two": a month with its leading
  // zero and a card's year in a sentence about an expiry is that, even after "to" or "after"
  if (n === 4 && monthYearSpoken(scan, run) && expiryEvidence(scan, env.cues, run) >= 1) return claimRun(scan, run, 'CREDIT_DEBIT_EXPIRY');
  // a year is a year ("in 2019") — except in a sentence about a birth ("born in 1958")
  if (n >= 3 && !timeLike(scan, run) && !(yearAfterPreposition(scan, run) && positive !== 'DATE_OF_BIRTH' && !birthSentence(scan, env.cues, run))) {
    // a named type the caller gave only part of ("my card number is four one one" — the rest may
    // come in the next turn)
    const concept = conceptEvidence(scan, env.cues, run.from, run.to, n, acceptShort);
    // what the sentence says of it beats a name that does not fit ("the pin for my card is 2297",
    // "the back of the card says 118")
    if (concept && concept.score >= 3 && concept.type !== 'NUMBER') return claimRun(scan, run, concept.type);
    if (positive && positive !== 'PHONE' && positive !== 'ADDRESS' && env.cueDistance <= 3 && !run.letters) return claimRun(scan, run, positive);
    if (concept && concept.score >= 3) return claimRun(scan, run, concept.type);
    if (expiryShaped(scan, run) || monthYearSpoken(scan, run) || (mmyy(d) && expiryEvidence(scan, env.cues, run) >= 2)) return claimRun(scan, run, 'CREDIT_DEBIT_EXPIRY');
    const corrected = cue !== 'NEGATIVE' ? correctionNeighbour(scan, run) : undefined;
    if (corrected) return claimRun(scan, run, corrected === 'NUMBER' || !acceptShort(corrected, n) ? shortPrior(d) : corrected);
    if (cue !== 'NEGATIVE' && (dictatedDigitByDigit(scan, run) || (run.letters && n >= 5))) {
      return claimRun(scan, run, concept && concept.type !== 'NUMBER' ? concept.type : run.letters ? 'NUMBER' : shortPrior(d));
    }
  }
  // 12. a short piece glued to the value before it
  if (env.prev) claimRun(scan, run, continuationType(env.prev, d));
}

/**
 * Two values said back to back ("+1 415 844 4805 5152 6179 3108 3113 is the card", "0207 946 0958
 * no sorry 020 7946 0959", "it expires one double two eight three seven ..."): split the run on the
 * token boundary that explains it best. A side with a shape of its own scores most (the first side
 * more, and more still when it is the type the cue announced), a first side that fits the cue scores less, and a boundary at a
 * correction or hesitation breaks ties. Claims the first side and classifies the rest; false when
 * no boundary explains anything (the caller then fails closed on the whole run).
 */
function split(scan: Scan, run: NumberRun, cue: PiiType | undefined, env: Env): boolean {
  let best = 0;
  let bestEnd = -1;
  let bestType: PiiType | undefined;
  for (let end = run.from; end < run.to; end++) {
    if (!carriesDigits(run, end)) continue;
    let start = end + 1;
    let joiner = false;
    while (start <= run.to && !carriesDigits(run, start)) { start++; joiner = true; }
    if (start > run.to) break;
    // a run shorter than a card divides only where the caller paused or corrected
    if (!joiner && run.digits.length < 13) continue;
    const left = subRun(scan, run, run.from, end);
    const right = subRun(scan, run, start, run.to);
    const ls = splitShape(left, right);
    const rs = splitShape(right, left);
    let score = 0;
    let type: PiiType | undefined;
    if (ls !== undefined) { score += ls === cue ? 5 : 4; type = ls; }
    else if (cue !== undefined && fits(cue, left.digits, env.tail)) { score += 2; type = cue; }
    if (rs !== undefined) score += 3;
    if (score === 0) continue;
    if (joiner) score += 1;
    if (score > best) { best = score; bestEnd = end; bestType = type; }
  }
  if (bestEnd < 0) return false;
  if (bestType !== undefined) {
    claimPart(scan, run, run.from, bestEnd, bestType, env);
    return true;
  }
  // only the right side has a shape: the left side is a fragment before it
  let start = bestEnd + 1;
  while (!carriesDigits(run, start)) start++;
  const rest = subRun(scan, run, start, run.to);
  claimPart(scan, run, start, run.to, shapeType(rest, rest.digits)!, env);
  return true;
}
