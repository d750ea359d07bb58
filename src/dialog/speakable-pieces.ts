/**
 * Cuts a reply that arrives token by token (a streamed LLM answer) into speakable pieces —
 * sentences, and clauses once they are long enough to be worth a TTS request — so each piece can
 * be synthesised as soon as it is complete and playout starts with the first one.
 *
 * A piece never ends
 *   - inside a privacy token placeholder (`[CREDIT_DEBIT_NUMBER_1]`): tokens are restored per piece,
 *     and half a token cannot be restored;
 *   - mid-number: not inside "3.50" or "1,234" (a boundary needs whitespace after it), and not at a
 *     ", " or ". " between two numbers, written or spoken ("4111, 1111", "four one, one one"), which
 *     TTS reads as one number with a pause;
 *   - after an abbreviation ("Mr.", "e.g.") or before a lower-case word ("approx. five").
 * The character after a boundary decides these, so a boundary at the very end of what arrived so
 * far waits for the next delta (or `end()`) — the next word in full only after a number. A long
 * clause's mark after a word that is no number needs nothing after it and ends its piece at once.
 */
import { REPEAT_WORDS, TEEN_WORDS, TENS_WORDS, UNIT_WORDS } from '../privacy/index.js';

export interface SpeakablePiecesOptions {
  /** A clause boundary (, ; : —) ends a piece only once the piece is this long (characters). Default 24. */
  minClauseChars?: number;
}

const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'no', 'vs', 'etc', 'eg', 'ie', 'approx', 'dept', 'jr', 'sr', 'inc', 'ltd', 'co', 'a.m', 'p.m', 'e.g', 'i.e']);

function isNumberish(word: string): boolean {
  const w = word.toLowerCase().replace(/[^a-z0-9]/g, '');
  return /\d/.test(w) || UNIT_WORDS.has(w) || TEEN_WORDS.has(w) || TENS_WORDS.has(w) || REPEAT_WORDS.has(w) || w === 'hundred' || w === 'thousand';
}

export class SpeakablePieces {
  private buf = '';
  private ended = false;
  private readonly minClause: number;

  constructor(opts: SpeakablePiecesOptions = {}) {
    this.minClause = opts.minClauseChars ?? 24;
  }

  /** Add streamed text; returns the pieces it completed, in order. */
  push(delta: string): string[] {
    this.buf += delta;
    const out: string[] = [];
    for (let cut = this.nextCut(); cut > 0; cut = this.nextCut()) {
      const piece = this.buf.slice(0, cut).trim();
      this.buf = this.buf.slice(cut);
      if (piece) out.push(piece);
    }
    return out;
  }

  /** The stream ended: the pieces still held back for a look at the next word, then the rest. */
  end(): string[] {
    this.ended = true;
    const out = this.push('');
    const rest = this.buf.trim();
    this.buf = '';
    if (rest) out.push(rest);
    return out;
  }

  /** Index just after the first acceptable boundary in the buffer, or 0. */
  private nextCut(): number {
    const b = this.buf;
    let openBracket = false;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c === '[') openBracket = true;
      else if (c === ']') openBracket = false;
      if (openBracket) continue;
      const sentence = c === '.' || c === '!' || c === '?' || c === '\n';
      const clause = c === ',' || c === ';' || c === ':' || c === '—';
      if (!sentence && !clause) continue;
      const prev = /(\S+)$/.exec(b.slice(0, i))?.[1] ?? '';
      const afterNumber = isNumberish(prev.replace(/[^\p{L}\p{N}]/gu, ''));
      // A long clause whose mark follows a word that is no number ends here, as it arrives: what
      // comes next cannot make it mid-number (waiting for the next word cost a token or two).
      if (clause && !afterNumber && i + 1 === b.length && i + 1 >= this.minClause) return i + 1;
      // Otherwise the boundary needs whitespace after it, then a next word to judge by.
      let j = i + 1;
      while (j < b.length && /[.!?"')\]]/.test(b[j]!) && c !== '\n') j++;
      if (j >= b.length) return 0; // wait: "3." may become "3.50"; at the end it is the last piece anyway
      if (!/\s/.test(b[j]!)) continue;
      let k = j;
      while (k < b.length && /\s/.test(b[k]!)) k++;
      if (k >= b.length) return 0; // wait for the next word
      const next = /^\S+/.exec(b.slice(k))![0];
      if (afterNumber) {
        // Between two numbers ("4111, 1111", "four one, one one") is mid-number: the whole next word decides.
        if (k + next.length >= b.length && !this.ended) return 0; // it may not be whole yet ("o" of "one")
        if (isNumberish(next)) continue;
      }
      if (clause && i + 1 < this.minClause) continue;
      if (c === '.') {
        if (ABBREVIATIONS.has(prev.toLowerCase().replace(/[^a-z.]/g, '').replace(/\.$/, ''))) continue;
        if (/^[a-z]/.test(next)) continue;
      }
      return j;
    }
    return 0;
  }
}
