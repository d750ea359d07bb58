/**
 * Minimal SSML for engines that only take plain text (flite): turns a document into a list of
 * speakable pieces and pauses. Honoured: `<break time="500ms|2s" strength="...">` (silence),
 * `<say-as interpret-as="digits|characters|spell-out|telephone">` (spoken one symbol at a time),
 * `<p>`/`<s>` (sentence boundaries). Every other tag is dropped, keeping its text. Entities
 * `&amp; &lt; &gt; &quot; &apos;` and numeric ones are decoded. Also splits plain text into
 * sentences so the first one can be synthesised (and played) before the rest.
 */

export type SpeechPiece = { kind: 'text'; text: string } | { kind: 'break'; ms: number };

const STRENGTH_MS: Record<string, number> = { none: 0, 'x-weak': 100, weak: 250, medium: 400, strong: 700, 'x-strong': 1000 };
const MAX_BREAK_MS = 10_000;

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    const code = l.startsWith('#x') ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
  });
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return m ? (m[2] ?? m[3]) : undefined;
}

export function parseBreakMs(tag: string): number {
  const time = attr(tag, 'time');
  if (time) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/i.exec(time);
    if (m) return Math.min(MAX_BREAK_MS, Math.round(Number(m[1]) * (m[2]!.toLowerCase() === 's' ? 1000 : 1)));
  }
  const strength = attr(tag, 'strength');
  return STRENGTH_MS[strength ?? 'medium'] ?? 400;
}

function spellOut(text: string): string {
  return [...text.replace(/\s+/g, '')].join(' ');
}

/** SSML document → pieces (text pieces are whole sentences or fragments between breaks). */
export function ssmlToPieces(ssml: string): SpeechPiece[] {
  const pieces: SpeechPiece[] = [];
  let text = '';
  const flush = (): void => {
    for (const s of splitSentences(decodeEntities(text))) pieces.push({ kind: 'text', text: s });
    text = '';
  };
  const tagRe = /<[^>]*>/g;
  let last = 0;
  let sayAs: string | undefined;
  let sayAsText = '';
  for (let m = tagRe.exec(ssml); m; m = tagRe.exec(ssml)) {
    const between = ssml.slice(last, m.index);
    if (sayAs !== undefined) sayAsText += between;
    else text += between;
    last = m.index + m[0].length;
    const tag = m[0];
    const name = /^<\/?\s*([a-zA-Z:-]+)/.exec(tag)?.[1]?.toLowerCase() ?? '';
    const closing = tag.startsWith('</');
    if (name === 'break') {
      flush();
      pieces.push({ kind: 'break', ms: parseBreakMs(tag) });
    } else if (name === 'say-as' && !closing) {
      const how = (attr(tag, 'interpret-as') ?? '').toLowerCase();
      if (tag.endsWith('/>')) continue;
      sayAs = how;
      sayAsText = '';
    } else if (name === 'say-as' && closing) {
      const inner = decodeEntities(sayAsText);
      const spoken = sayAs && ['digits', 'characters', 'spell-out', 'telephone', 'verbatim'].includes(sayAs) ? spellOut(inner) : inner;
      text += ` ${spoken} `;
      sayAs = undefined;
    } else if ((name === 'p' || name === 's') && closing) {
      text += '. ';
    }
  }
  text += ssml.slice(last);
  flush();
  return pieces.filter((p) => p.kind === 'break' || p.text.length > 0);
}

/** Plain text → pieces: sentences, in order. */
export function textToPieces(text: string): SpeechPiece[] {
  return splitSentences(text).map((t) => ({ kind: 'text' as const, text: t }));
}

/** Splits after . ! ? ; followed by white space; collapses white space; drops empty pieces. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/\s+/g, ' ').split(/(?<=[.!?;])\s+/)) {
    const s = raw.trim();
    if (s && /[\p{L}\p{N}]/u.test(s)) out.push(s);
  }
  return out;
}
