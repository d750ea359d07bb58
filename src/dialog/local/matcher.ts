/**
 * Intent matching for the local flow: normalise an utterance into tokens, then score it against
 * each intent's example phrases by fuzzy token overlap. Small, deterministic and fast enough to run
 * every turn on a few hundred examples without an index (examples are tokenised once at load).
 *
 * score(input, example) = 0.6 · (example tokens found in the input / example tokens)
 *                       + 0.4 · (input tokens used / input tokens)
 * so an example wholly contained in a longer utterance still scores ≥ 0.6, and an exact match 1.
 * Two tokens match when equal after light stemming, or within edit distance 1 (length ≥ 4) or
 * 2 (length ≥ 8), which absorbs typical recognition slips ("balence", "hours"/"our").
 */

const STOPWORDS = new Set(
  'a an the i me my we our you your it is are was be to of for in on at and or please can could would will do does did just um uh like want need id im ill thats whats hi hello ok okay so'.split(' '),
);

const NUMBER_WORDS: Record<string, string> = {
  zero: '0', oh: '0', o: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
};

/** Lower-case words without punctuation (apostrophes dropped: "what's" → "whats"). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 3 && w.endsWith('es')) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Content tokens of an utterance: stop words removed (unless nothing else is left), stemmed. */
export function tokens(text: string): string[] {
  const all = words(text);
  const content = all.filter((w) => !STOPWORDS.has(w));
  return (content.length ? content : all).map(stem);
}

/** Levenshtein distance, bounded: returns max+1 as soon as it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

export function tokensMatch(a: string, b: string): boolean {
  if (a === b) return true;
  const len = Math.min(a.length, b.length);
  const max = len >= 8 ? 2 : len >= 4 ? 1 : 0;
  return max > 0 && editDistance(a, b, max) <= max;
}

/** Score in [0, 1] of an input's tokens against one example's tokens. */
export function similarity(input: readonly string[], example: readonly string[]): number {
  if (!input.length || !example.length) return 0;
  const used = new Array<boolean>(input.length).fill(false);
  let found = 0;
  for (const e of example) {
    for (let i = 0; i < input.length; i++) {
      if (!used[i] && tokensMatch(input[i]!, e)) {
        used[i] = true;
        found++;
        break;
      }
    }
  }
  return 0.6 * (found / example.length) + 0.4 * (found / input.length);
}

export interface IntentExamples {
  name: string;
  examples: readonly (readonly string[])[];
}

export interface IntentMatch {
  name: string;
  score: number;
}

/** Best-scoring intent among `candidates`, or undefined when none reaches `threshold`. */
export function bestIntent(text: string, candidates: readonly IntentExamples[], threshold: number): IntentMatch | undefined {
  const input = tokens(text);
  let best: IntentMatch | undefined;
  for (const c of candidates) {
    for (const ex of c.examples) {
      const score = similarity(input, ex);
      if (score >= threshold && (!best || score > best.score)) best = { name: c.name, score };
    }
  }
  return best;
}

/** Digits spoken or typed in an utterance ("four one two 3" → "4123"); undefined if it holds other words. */
export function spokenDigits(text: string): string | undefined {
  let out = '';
  let double = false;
  for (const w of words(text)) {
    const d = /^\d+$/.test(w) ? w : Object.hasOwn(NUMBER_WORDS, w) ? NUMBER_WORDS[w] : undefined;
    if (d !== undefined) {
      out += double ? d + d : d;
      double = false;
    } else if (w === 'double') double = true;
    else if (w !== 'and') return undefined;
  }
  return out || undefined;
}
