/**
 * The recogniser's vocabulary: the set of words in the pronunciation dictionary
 * (`cmudict-en-us.dict`), loaded once per path, asynchronously. Used to build grammars only
 * from words the decoder can say (a JSGF word missing from the dictionary makes PocketSphinx
 * reject the whole grammar).
 */
import { readFile } from 'node:fs/promises';

const loaded = new Map<string, Promise<ReadonlySet<string>>>();

export function loadDictionaryWords(path: string): Promise<ReadonlySet<string>> {
  let p = loaded.get(path);
  if (!p) {
    p = readFile(path, 'utf8').then(parseDictionaryWords);
    loaded.set(path, p);
    p.catch(() => loaded.delete(path));
  }
  return p;
}

export function parseDictionaryWords(text: string): ReadonlySet<string> {
  const words = new Set<string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let sp = start;
    while (sp < end && text.charCodeAt(sp) !== 32 && text.charCodeAt(sp) !== 9) sp++;
    if (sp > start) {
      let word = text.slice(start, sp);
      const paren = word.indexOf('(');
      if (paren > 0) word = word.slice(0, paren);
      words.add(word);
    }
    start = end + 1;
  }
  return words;
}
