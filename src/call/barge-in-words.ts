/**
 * Is what the caller said while the agent spoke a backchannel ("mm-hmm", "yeah", "okay", "I see")
 * rather than an interruption? Only when every word of it belongs to backchannel phrases — "yeah
 * okay" is one, "yeah I want my balance" is not — and the dialog does not expect exactly that as
 * an answer (a yes/no question makes "yeah" a turn). Spelling is normalised: case, punctuation and
 * hyphens ("uh-huh" = "uh huh"), so recognisers that write them differently agree.
 */
import { DEFAULT_BACKCHANNELS } from '../speech/index.js';

export function normaliseWords(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();
}

export class BackchannelMatcher {
  /** Phrases as word lists, longest first (a greedy match prefers "i see" over "i"). */
  private readonly phrases: string[][];

  constructor(readonly list: readonly string[]) {
    this.phrases = list
      .map((p) => normaliseWords(p).split(' ').filter(Boolean))
      .filter((p) => p.length > 0)
      .sort((a, b) => b.length - a.length);
  }

  static forLanguage(language: string, override?: readonly string[]): BackchannelMatcher {
    return new BackchannelMatcher(override ?? DEFAULT_BACKCHANNELS[language] ?? DEFAULT_BACKCHANNELS[language.split('-')[0]!.toLowerCase()] ?? []);
  }

  /** True when `transcript` is made only of backchannel phrases and is not one of `expected`. */
  isBackchannel(transcript: string, expected?: readonly string[]): boolean {
    const words = normaliseWords(transcript).split(' ').filter(Boolean);
    if (words.length === 0) return false;
    const said = words.join(' ');
    if (expected?.some((e) => normaliseWords(e) === said)) return false;
    let i = 0;
    outer: while (i < words.length) {
      for (const p of this.phrases)
        if (p.every((w, k) => words[i + k] === w)) {
          i += p.length;
          continue outer;
        }
      return false;
    }
    return true;
  }
}
