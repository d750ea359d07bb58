/**
 * Is what the caller said while the agent spoke a backchannel ("mm-hmm", "yeah", "okay", "I see")
 * rather than an interruption? Only when every word of it belongs to backchannel phrases — "yeah
 * okay" is one, "yeah I want my balance" is not — and the dialog does not expect exactly that as
 * an answer (a yes/no question makes "yeah" a turn). Spelling is normalised: case, punctuation and
 * hyphens ("uh-huh" = "uh huh"), so recognisers that write them differently agree.
 *
 * Recognisers spell a hum as they can: "mm-hmm" comes back as "m m h m m", "mhm", "huh", often
 * wrapped in a function word the language model likes ("and an h m m"). So, per language, two more
 * word classes: vocalisations (non-lexical sounds: m, hm, huh, uh …), which count as backchannel
 * anywhere, and function words (articles, pronouns, conjunctions, auxiliaries: "the", "you", "and",
 * "have"). A short utterance whose transcript holds no content word at all — only vocalisations,
 * backchannel phrases and at most two function words — asks for nothing the dialog could act on:
 * `isContentless`, judged by the call side like a backchannel. Question words, "no", "stop",
 * "wait" are content.
 */
import { DEFAULT_BACKCHANNELS } from '../speech/index.js';

export function normaliseWords(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();
}

/** Non-lexical sounds as recognisers spell them, per language. */
export const VOCALISATIONS: Record<string, readonly string[]> = {
  en: ['m', 'mm', 'mmm', 'hm', 'hmm', 'mhm', 'mhmm', 'h', 'huh', 'uh', 'um', 'uhm', 'er', 'erm', 'ah', 'oh', 'eh'],
};

/** Closed-class words that ask for nothing on their own, per language (question words and "no" are not here). */
export const FUNCTION_WORDS: Record<string, readonly string[]> = {
  en: ['a', 'an', 'the', 'and', 'or', 'but', 'so', 'of', 'to', 'in', 'on', 'at', 'for', 'with', 'from', 'by', 'as', 'i', "i'm", 'im', 'you', 'he', 'she', 'it', 'we', 'they', 'me', 'him', 'her', 'us', 'them', 'my', 'your', 'his', 'its', 'our', 'their', 'this', 'that', 'these', 'those', 'is', 'are', 'was', 'were', 'be', 'am', 'have', 'has', 'had', 'do', 'does', 'did', 'there', 'then', 'if', 'well', 'just', 'know',
    // Pronoun and auxiliary contractions are closed-class too ("we're one of them h m m" was a hum);
    // negated ones ("don't", "can't") are not here: a negation asks for something.
    "we're", "you're", "they're", "it's", "that's", "there's", "he's", "she's", "i've", "we've", "you've", "they've", "i'd", "you'd", "we'd", "he'd", "she'd", "they'd", "i'll", "you'll", "we'll", "he'll", "she'll", "they'll", "it'll"],
};

/**
 * Short interruptions, per language: decoded against the dialog's grammar and the backchannels
 * alone, a one-word "stop" has nowhere to go but its least bad phrase — measured with flite voices,
 * "stop" came back as "uh huh" and "no" as "okay", backchannels that would resume the prompt over
 * the caller. With these in the judging grammar they come back as said, and stop it. Few on purpose:
 * every word added is one more place a hum can land ("I see" came back as "repeat", flite's "yeah"
 * as "cancel", when they were here).
 */
export const INTERRUPTION_WORDS: Record<string, readonly string[]> = {
  en: ['stop', 'wait', 'hold on', 'no', 'agent', 'operator'],
  de: ['stopp', 'warte', 'moment', 'nein', 'abbrechen'],
  fr: ['stop', 'attendez', 'non', 'annuler'],
  es: ['para', 'espera', 'no', 'cancelar'],
};

/** Function words a content-free utterance may hold (more is a sentence, however it was recognised). */
const MAX_FUNCTION_WORDS = 2;

/**
 * Syllables a second of speech can hold: conversational English runs at 4–5, fast speech about 6.
 * Over a hum or a backchannel the open model's language model wrote more words than the sound had
 * time for — "way back" in 260 ms of speech, "one night" in 300, "long time and h. and m." in 860
 * (bench/barge-in, 7–8 a second); the real interruptions it decoded ran at 3–5.
 */
export const MAX_SYLLABLES_PER_SECOND = 6.5;

/**
 * Syllables in a transcript as its spelling suggests (vowel groups; a silent final "e"; a single
 * letter, as recognisers spell hums, is one). An estimate for a rate check with a margin, not phonetics.
 */
export function estimateSyllables(text: string): number {
  let n = 0;
  for (const w of normaliseWords(text).split(' ').filter(Boolean)) {
    const word = w.replace(/'/g, '');
    if (word.length === 1) {
      n++;
      continue;
    }
    let groups = word.match(/[aeiouyäöüàâéèêëîïôûùœæáíóú]+/g)?.length ?? 1;
    if (groups > 1 && /[^aeiouy]e$/.test(word) && !/[^aeiouy]le$/.test(word)) groups--;
    n += Math.max(1, groups);
  }
  return n;
}

export class BackchannelMatcher {
  /** Phrases as word lists, longest first (a greedy match prefers "i see" over "i"). */
  private readonly phrases: string[][];
  private readonly vocal: ReadonlySet<string>;
  private readonly functionWords: ReadonlySet<string>;
  private readonly backchannelWords: ReadonlySet<string>;
  private readonly interruptionPhrases: readonly string[];

  constructor(
    readonly list: readonly string[],
    vocalisations: readonly string[] = [],
    functionWords: readonly string[] = [],
    /** Short interruptions the judging grammar holds beside the backchannels (INTERRUPTION_WORDS). */
    readonly interruptions: readonly string[] = [],
  ) {
    this.vocal = new Set(vocalisations);
    this.functionWords = new Set(functionWords);
    this.backchannelWords = new Set(list.flatMap((p) => normaliseWords(p).split(' ').filter(Boolean)));
    this.interruptionPhrases = interruptions.map(normaliseWords);
    this.phrases = list
      .map((p) => normaliseWords(p).split(' ').filter(Boolean))
      .filter((p) => p.length > 0)
      .sort((a, b) => b.length - a.length);
  }

  static forLanguage(language: string, override?: readonly string[]): BackchannelMatcher {
    const base = language.split('-')[0]!.toLowerCase();
    const of = <T>(table: Record<string, T>): T | undefined => table[language] ?? table[base];
    return new BackchannelMatcher(override ?? of(DEFAULT_BACKCHANNELS) ?? [], of(VOCALISATIONS) ?? [], of(FUNCTION_WORDS) ?? [], of(INTERRUPTION_WORDS) ?? []);
  }

  /**
   * True when `transcript` holds no content word: only vocalisations, backchannel phrases and at
   * most two function words (and at least one word), and is not one of `expected`.
   */
  isContentless(transcript: string, expected?: readonly string[]): boolean {
    return this.only(transcript, expected, MAX_FUNCTION_WORDS);
  }

  /**
   * Whether an open decode of words a grammar could not hold says something: it holds one of the
   * short interruptions, or at least two content words (not vocalisations, function words, single
   * letters or backchannel words) said no faster than speech goes (`MAX_SYLLABLES_PER_SECOND` in
   * `speechMs`, when given), or is one of `expected`. Over a hum the open model's language model
   * writes a stray word or letters ("while", "totally", "m l h m m") or more words than the sound
   * had time for; a caller interrupting with words the grammar lacks says more than one.
   */
  saysSomething(transcript: string, expected?: readonly string[], speechMs?: number): boolean {
    const words = normaliseWords(transcript).split(' ').filter(Boolean);
    const text = words.join(' ');
    if (expected?.some((e) => normaliseWords(e) === text)) return true;
    if (this.interruptionPhrases.some((p) => ` ${text} `.includes(` ${p} `))) return true;
    let content = 0;
    for (const w of words) if (w.length > 1 && !this.vocal.has(w) && !this.functionWords.has(w) && !this.backchannelWords.has(w)) content++;
    if (content < 2) return false;
    // Words faster than anyone speaks were written by the language model, not heard.
    return !speechMs || (estimateSyllables(text) * 1000) / speechMs <= MAX_SYLLABLES_PER_SECOND;
  }

  /** True when `transcript` is made only of backchannel phrases (and vocalisations) and is not one of `expected`. */
  isBackchannel(transcript: string, expected?: readonly string[]): boolean {
    return this.only(transcript, expected, 0);
  }

  /** At least one word, all vocalisations or backchannel phrases but for up to `maxFunctionWords` function words; not one of `expected`. */
  private only(transcript: string, expected: readonly string[] | undefined, maxFunctionWords: number): boolean {
    const words = normaliseWords(transcript).split(' ').filter(Boolean);
    if (words.length === 0) return false;
    if (expected?.some((e) => normaliseWords(e) === words.join(' '))) return false;
    let functionWords = 0;
    let i = 0;
    outer: while (i < words.length) {
      const w = words[i]!;
      if (this.vocal.has(w)) {
        i++;
        continue;
      }
      for (const p of this.phrases)
        if (p.every((x, k) => words[i + k] === x)) {
          i += p.length;
          continue outer;
        }
      if (!this.functionWords.has(w) || ++functionWords > maxFunctionWords) return false;
      i++;
    }
    return true;
  }
}
