/**
 * Adaptive endpointing's judgement: does the recogniser's hypothesis at a pause already form a
 * complete answer to what the dialog expects? `complete` lets the turn end after the short
 * hangover; anything else keeps the long one. When unsure it says `incomplete` — waiting a few
 * hundred milliseconds more is the safe mistake, cutting a caller off mid-number is not.
 *
 *   incomplete  the hypothesis is empty or unsure (confidence or acoustic fit below the floor: a
 *               grammar forces any speech onto some phrase, with a posterior near 1), or a strict prefix
 *               of a longer expected phrase ("yes" when "yes please" is expected too)
 *   complete    an expected phrase in full (the grammar's final state)
 *   incomplete  it ends in a number word or digit (mid card number, mid amount) or in a word a
 *               sentence cannot end on ("my", "the", "and", "is", "um" …)
 *   complete    a yes/no answer ("yes", "no thanks", "that's right")
 *   incomplete  anything else (free speech): only the fixed hangover can tell
 */
import { normaliseWords } from '../speech/index.js';
import { REPEAT_WORDS, TEEN_WORDS, TENS_WORDS, UNIT_WORDS } from '../privacy/index.js';
import type { SttResult } from '../speech/index.js';

export type TurnCompleteness = 'complete' | 'incomplete';

/** Below this confidence a partial hypothesis is not trusted to end the turn. */
export const MIN_PARTIAL_CONFIDENCE = 0.5;
/**
 * Below this acoustic fit (PocketSphinx score per frame) a grammar match is out-of-grammar speech
 * forced onto a phrase. Measured on flite slt/kal/awb through the 8→16 kHz path: whole phrases
 * −13…−32, "yes" −28…−37; out-of-grammar speech ("hello there", "i lost my wallet", digits) −36…−50.
 */
export const MIN_ACOUSTIC_FIT = -35;
/**
 * A grammar also absorbs out-of-grammar speech as fillers around a phrase it fits well ("my card
 * number is four one … one one one" → "check my balance" at −20 per frame): the phrase's words
 * must cover at least this share of the caller's speech (VAD speech frames). Measured through a
 * call: a whole phrase covers ≈1.1 of it, that forced match 0.57.
 */
export const MIN_WORD_COVERAGE = 0.75;

const NUMBER_TAIL = new Set(['hundred', 'thousand', 'million', 'point', 'dash', 'hyphen', 'and']);

/** Words an English sentence does not end on: the caller is mid-sentence. */
const OPEN_TAIL = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'to', 'of', 'for', 'with', 'without', 'my', 'your', 'our', 'their', 'his', 'her', 'its',
  'is', 'are', 'was', 'were', 'am', 'be', 'been', 'at', 'in', 'on', 'from', 'by', 'about', 'because', 'than', 'if', 'as', 'into',
  'i', "i'm", "it's", "that's", 'um', 'uh', 'er', 'erm', 'hmm', 'like', 'so', 'then', 'want', 'would', 'could', 'can', 'need', "what's",
  'number', 'code', 'card', 'account', 'zip', 'postcode', 'pin', 'date',
]);

/** Whole answers to a yes/no question. */
const YES_NO = new Set([
  'yes', 'yeah', 'yep', 'yup', 'no', 'nope', 'nah', 'correct', 'right', 'sure', 'okay', 'ok', 'please', 'thanks', 'thank', 'you',
  "that's", 'that', 'is', 'it', 'not', 'absolutely', 'definitely', 'of', 'course', 'fine', 'great', 'wrong', 'incorrect',
]);
const YES_NO_HEADS = new Set(["that's", 'yes', 'yeah', 'yep', 'yup', 'no', 'nope', 'nah', 'correct', 'right', 'sure', 'okay', 'ok', 'absolutely', 'definitely', 'incorrect', 'wrong']);

function isNumberWord(w: string): boolean {
  return UNIT_WORDS.has(w) || TEEN_WORDS.has(w) || TENS_WORDS.has(w) || REPEAT_WORDS.has(w) || NUMBER_TAIL.has(w) || w === 'oh' || w === 'zero';
}

/** Judge a partial hypothesis against the dialog's expected phrases (none: free speech). */
export function judgeCompleteness(r: SttResult, expected: { phrases?: readonly string[]; speechMs?: number } = {}): TurnCompleteness {
  const words = normaliseWords(r.transcript);
  const last = words[words.length - 1];
  if (!last || !(r.confidence >= MIN_PARTIAL_CONFIDENCE)) return 'incomplete';
  if (r.acousticFitPerFrame !== undefined && !(r.acousticFitPerFrame >= MIN_ACOUSTIC_FIT)) return 'incomplete';
  if (r.wordsMs !== undefined && expected.speechMs && !(r.wordsMs >= MIN_WORD_COVERAGE * expected.speechMs)) return 'incomplete';
  const said = words.join(' ');
  const phrases = (expected.phrases ?? []).map((p) => normaliseWords(p).join(' ')).filter(Boolean);
  if (phrases.some((p) => p !== said && p.startsWith(said + ' '))) return 'incomplete';
  // A whole expected phrase is the grammar's final state, whatever its last word ("option two").
  if (phrases.includes(said)) return 'complete';
  if (isNumberWord(last) || OPEN_TAIL.has(last)) return 'incomplete';
  if (words.length <= 4 && YES_NO_HEADS.has(words[0]!) && words.every((w) => YES_NO.has(w))) return 'complete';
  return 'incomplete';
}
