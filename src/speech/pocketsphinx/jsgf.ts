/**
 * Builds a JSGF grammar from the phrases a dialog expects ("transfer me to billing",
 * "press 1", ...). On telephone speech a grammar turns PocketSphinx from nearly useless to
 * near exact, because the decoder only has to choose among the expected phrases.
 *
 * Phrases are normalised to dictionary words (lower case, punctuation dropped, digits spelled
 * out); words not in the dictionary are dropped and reported, and a phrase left empty is
 * dropped. Built grammars are cached by their normalised phrase set (LRU), and each gets a
 * stable search name derived from its content so decoders can keep it loaded.
 */
import { createHash } from 'node:crypto';

export interface BuiltGrammar {
  /** Search name, stable for the same phrase set: `g` + 16 hex digits. */
  name: string;
  /** JSGF source text. */
  jsgf: string;
  /** Normalised word sequence → the first original phrase that produced it. */
  phraseByWords: ReadonlyMap<string, string>;
  /** Words dropped because the dictionary lacks them (normalised form). */
  unknownWords: string[];
}

export type GrammarBuild = { ok: true; grammar: BuiltGrammar } | { ok: false; error: string; unknownWords: string[] };

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** Lower-case words, digits spelled one by one, punctuation removed (apostrophes inside words kept). */
export function normaliseWords(phrase: string): string[] {
  const spaced = phrase
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' and ')
    .replace(/\d/g, (d) => ` ${DIGITS[Number(d)]} `)
    .replace(/[^a-z' ]+/g, ' ');
  const out: string[] = [];
  for (const raw of spaced.split(/\s+/)) {
    const w = raw.replace(/^'+|'+$/g, '');
    if (w) out.push(w);
  }
  return out;
}

export function buildGrammar(phrases: readonly string[], dictionary: ReadonlySet<string>): GrammarBuild {
  const phraseByWords = new Map<string, string>();
  const unknown = new Set<string>();
  for (const phrase of phrases) {
    const words = normaliseWords(phrase).filter((w) => {
      if (dictionary.has(w)) return true;
      unknown.add(w);
      return false;
    });
    if (words.length === 0) continue;
    const key = words.join(' ');
    if (!phraseByWords.has(key)) phraseByWords.set(key, phrase);
  }
  const unknownWords = [...unknown].sort();
  if (phraseByWords.size === 0) return { ok: false, error: 'no phrase has a word the recogniser knows', unknownWords };
  const alternatives = [...phraseByWords.keys()].sort();
  const name = 'g' + createHash('sha256').update(alternatives.join('\n')).digest('hex').slice(0, 16);
  const body = alternatives.map((a) => `( ${a} )`).join('\n  | ');
  const jsgf = `#JSGF V1.0;\ngrammar hushgate;\npublic <utterance> = ${body} ;\n`;
  return { ok: true, grammar: { name, jsgf, phraseByWords, unknownWords } };
}

/** LRU of built grammars keyed by the raw phrase set (order-insensitive). */
export class GrammarCache {
  private readonly entries = new Map<string, GrammarBuild>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 256) {}

  get(phrases: readonly string[], dictionary: ReadonlySet<string>): GrammarBuild {
    const key = JSON.stringify([...phrases].sort());
    const found = this.entries.get(key);
    if (found) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    this.misses++;
    const built = buildGrammar(phrases, dictionary);
    this.entries.set(key, built);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return built;
  }

  get size(): number {
    return this.entries.size;
  }
}
