/**
 * SSML for engines that only take plain text (flite, OpenAI-compatible servers): whether a dialog's
 * answer is SSML (`isSsml`), and an interpreter for the subset IBM Voice Gateway dialogs use, turning
 * a document into speakable pieces and pauses. Tags are never spoken; an element we do not know
 * keeps its text. Also splits plain text into sentences so the first one can be synthesised (and
 * played) before the rest.
 *
 * | element | what the plain-text engine gets |
 * |---|---|
 * | `<speak>`, `<voice>`, `<lang>`, `<phoneme>`, `<w>`, `<mark>`, unknown | their text |
 * | `<break time="500ms\|2s" strength="…">` | silence of that length (strength: none 0 … x-strong 1 s) |
 * | `<prosody rate="-9%\|80%\|slow\|1.2" volume="+6dB\|soft\|…">` | the text, slower/faster (flite `duration_stretch`) and louder/softer (gain) |
 * | `<emphasis level="strong\|moderate\|reduced">` | the text, a little slower (strong, moderate) or faster (reduced) |
 * | `<say-as interpret-as="digits\|characters\|spell-out\|telephone\|verbatim">` | one symbol at a time |
 * | `<sub alias="…">` | the alias instead of the content |
 * | `<audio src="…">fallback</audio>` | the fallback text (the audio is not fetched) |
 * | `<p>`, `<s>` | sentence boundaries |
 *
 * Entities `&amp; &lt; &gt; &quot; &apos;` and numeric ones are decoded; comments, `<?xml?>` and
 * `<desc>` are dropped.
 */

export interface TextPiece {
  kind: 'text';
  text: string;
  /** Duration stretch (1 normal, 1.1 = 10 % slower); absent when 1. */
  stretch?: number;
  /** Linear gain (1 normal, 0 silent); absent when 1. */
  gain?: number;
}
export type SpeechPiece = TextPiece | { kind: 'break'; ms: number };

const STRENGTH_MS: Record<string, number> = { none: 0, 'x-weak': 100, weak: 250, medium: 400, strong: 700, 'x-strong': 1000 };
const MAX_BREAK_MS = 10_000;
const RATE_WORDS: Record<string, number> = { 'x-slow': 0.6, slow: 0.8, medium: 1, default: 1, fast: 1.25, 'x-fast': 1.6 };
const VOLUME_DB: Record<string, number> = { 'x-soft': -12, soft: -6, medium: 0, default: 0, loud: 4, 'x-loud': 6 };
const EMPHASIS_STRETCH: Record<string, number> = { strong: 1.15, moderate: 1.08, none: 1, reduced: 0.95 };

/** Elements whose presence makes a text SSML rather than plain text. */
const SSML_ELEMENT = /<\/?\s*(?:speak|break|prosody|say-as|sub|emphasis|p|s|audio|phoneme|voice|lang|mark|w|paragraph|sentence|express-as|interpret-as)(?:\s[^<>]*)?\/?>/i;

/** True when `text` is an SSML document or carries any SSML element (`<prosody …>`, `<break/>`, …). */
export function isSsml(text: string): boolean {
  return SSML_ELEMENT.test(text);
}

/**
 * One speakable text from a turn's utterances, some of which may be SSML: plain ones are XML-escaped,
 * `<speak>` wrappers are merged so the result is a single document (Watson takes one root).
 */
export function joinUtterances(texts: readonly string[]): { text: string; ssml: boolean } {
  if (!texts.some(isSsml)) return { text: texts.join(' '), ssml: false };
  const body = texts
    .map((t) => (isSsml(t) ? t.replace(/<\?xml[^>]*\?>/gi, '').replace(/<\/?\s*speak(?:\s[^>]*)?>/gi, '') : escapeXml(t)))
    .join(' ')
    .replace(/&(?!(?:#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);)/gi, '&amp;'); // a bare & would make the document invalid
  return { text: `<speak>${body.trim()}</speak>`, ssml: true };
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

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
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return m ? decodeEntities(m[2] ?? m[3] ?? '') : undefined;
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

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** A prosody `rate` as a speed factor (1 normal): `+10%`/`-9%` relative, `80%` of normal, `1.2`, or a word. */
export function rateFactor(rate: string | undefined): number {
  if (!rate) return 1;
  const r = rate.trim().toLowerCase();
  if (r in RATE_WORDS) return RATE_WORDS[r]!;
  let m = /^([+-])\s*(\d+(?:\.\d+)?)\s*%$/.exec(r);
  if (m) return clamp(1 + (m[1] === '-' ? -1 : 1) * (Number(m[2]) / 100), 0.5, 2);
  m = /^(\d+(?:\.\d+)?)\s*%$/.exec(r);
  if (m) return clamp(Number(m[1]) / 100, 0.5, 2);
  m = /^(\d+(?:\.\d+)?)$/.exec(r);
  if (m) return clamp(Number(m[1]), 0.5, 2);
  return 1; // unreadable: speak at the normal rate
}

/** A prosody `volume` as a linear gain: `+6dB`/`-3dB`, `silent`, or a word. */
export function volumeGain(volume: string | undefined): number {
  if (!volume) return 1;
  const v = volume.trim().toLowerCase();
  if (v === 'silent') return 0;
  if (v in VOLUME_DB) return 10 ** (VOLUME_DB[v]! / 20);
  const m = /^([+-]?\d+(?:\.\d+)?)\s*db$/.exec(v);
  if (m) return 10 ** (clamp(Number(m[1]), -40, 6) / 20);
  return 1;
}

function spellOut(text: string): string {
  return [...text.replace(/\s+/g, '')].join(' ');
}

interface Frame {
  name: string;
  stretch: number;
  gain: number;
  /** Text inside sub/say-as/desc, replaced when the element closes. */
  capture?: { kind: 'sub' | 'say-as' | 'drop'; how?: string; text: string };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** SSML document → pieces (text pieces are whole sentences or fragments between breaks and style changes). */
export function ssmlToPieces(ssml: string): SpeechPiece[] {
  const pieces: SpeechPiece[] = [];
  const stack: Frame[] = [{ name: '', stretch: 1, gain: 1 }];
  const top = (): Frame => stack[stack.length - 1]!;
  let text = '';
  let style = { stretch: 1, gain: 1 };
  const flush = (): void => {
    for (const s of splitSentences(decodeEntities(text))) {
      const p: TextPiece = { kind: 'text', text: s };
      if (round(style.stretch) !== 1) p.stretch = round(style.stretch);
      if (round(style.gain) !== 1) p.gain = round(style.gain);
      pieces.push(p);
    }
    text = '';
  };
  const append = (t: string): void => {
    const f = top();
    const capturing = [...stack].reverse().find((x) => x.capture)?.capture;
    if (capturing) {
      capturing.text += t;
      return;
    }
    if (!t) return;
    // punctuation alone stays with the words before it
    if ((f.stretch !== style.stretch || f.gain !== style.gain) && /[\p{L}\p{N}]/u.test(t)) {
      flush();
      style = { stretch: f.stretch, gain: f.gain };
    }
    text += t;
  };
  const source = ssml.replace(/<!--[\s\S]*?-->/g, ' ').replace(/<\?[\s\S]*?\?>/g, ' ').replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, c: string) => escapeXml(c));
  const tagRe = /<[^>]*>/g;
  let last = 0;
  for (let m = tagRe.exec(source); m; m = tagRe.exec(source)) {
    append(source.slice(last, m.index));
    last = m.index + m[0].length;
    const tag = m[0];
    const name = /^<\/?\s*([a-zA-Z][\w:.-]*)/.exec(tag)?.[1]?.toLowerCase() ?? '';
    if (!name) {
      append(' '); // `< ` that is no tag was already invalid SSML; say nothing of it
      continue;
    }
    const closing = tag.startsWith('</');
    const selfClosing = tag.endsWith('/>');
    if (name === 'break') {
      if (closing) continue;
      flush();
      pieces.push({ kind: 'break', ms: parseBreakMs(tag) });
      continue;
    }
    if (closing) {
      const i = stack.map((f) => f.name).lastIndexOf(name);
      if (i <= 0) continue; // a stray closing tag: nothing to end
      const ended = stack.splice(i);
      const f = ended[0]!;
      if (f.capture) {
        const inner = decodeEntities(f.capture.text);
        let spoken = '';
        if (f.capture.kind === 'sub') spoken = f.capture.how ?? inner;
        else if (f.capture.kind === 'say-as') spoken = ['digits', 'characters', 'spell-out', 'telephone', 'verbatim'].includes(f.capture.how ?? '') ? spellOut(inner) : inner;
        // the spoken form belongs to the enclosing element's style
        append(` ${escapeXml(spoken)} `);
      }
      if (name === 'p' || name === 's' || name === 'paragraph' || name === 'sentence') append('. ');
      continue;
    }
    if (selfClosing) continue; // <mark/>, <audio src=…/> (nothing to say), <sub alias=…/> …
    const parent = top();
    const frame: Frame = { name, stretch: parent.stretch, gain: parent.gain };
    if (name === 'prosody') {
      frame.stretch = parent.stretch / rateFactor(attr(tag, 'rate'));
      frame.gain = parent.gain * volumeGain(attr(tag, 'volume'));
    } else if (name === 'emphasis') {
      frame.stretch = parent.stretch * (EMPHASIS_STRETCH[(attr(tag, 'level') ?? 'moderate').toLowerCase()] ?? 1);
    } else if (name === 'sub') {
      frame.capture = { kind: 'sub', how: attr(tag, 'alias'), text: '' };
    } else if (name === 'say-as') {
      frame.capture = { kind: 'say-as', how: (attr(tag, 'interpret-as') ?? '').toLowerCase(), text: '' };
    } else if (name === 'desc') {
      frame.capture = { kind: 'drop', text: '' };
    }
    stack.push(frame);
  }
  append(source.slice(last));
  flush();
  return pieces.filter((p) => p.kind === 'break' || p.text.length > 0);
}

/** Plain text → pieces: sentences, in order. */
export function textToPieces(text: string): SpeechPiece[] {
  return splitSentences(text).map((t) => ({ kind: 'text' as const, text: t }));
}

/** What a plain-text engine will say for a request, in a stable form: the TTS cache key's text. */
export function spokenForm(text: string, ssml: boolean | undefined): string {
  return ssml ? JSON.stringify(ssmlToPieces(text)) : text;
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
