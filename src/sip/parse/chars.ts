/**
 * Character classes of the RFC 3261 §25 grammar as lookup tables, plus the two scanning helpers
 * every grammar piece shares (LWS skipping and quoted-string reading). Tables instead of regular
 * expressions keep the parser linear and allocation-free on the hot path.
 */

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** unreserved = alphanum / mark */
const UNRESERVED = "-_.!~*'()";
/** user = 1*( unreserved / escaped / user-unreserved ) */
export const USER = table(UNRESERVED + '&=+$,;?/%', ALNUM);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD = table(UNRESERVED + '&=+$,%', ALNUM);
/** paramchar = param-unreserved / unreserved / escaped */
export const PARAMCHAR = table(UNRESERVED + '[]/:&+$%', ALNUM);
/** hname / hvalue characters = hnv-unreserved / unreserved / escaped */
export const HNVCHAR = table(UNRESERVED + '[]/?:+$%', ALNUM);
/** Characters of a domain name (RFC 3261 hostname; `_` tolerated, it occurs in the wild). */
export const HOSTCHAR = table('-._', ALNUM);
/** word (Call-ID) = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
export const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", ALNUM);

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** True for SP and HTAB. Folding has been undone before header values reach the grammar pieces. */
export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Index of the first non-whitespace character at or after `i`. */
export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** Index after the last non-whitespace character before `end`. */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start && isWs(s.charCodeAt(end - 1))) end--;
  return end;
}

/**
 * Read a quoted-string starting at `s[i] === '"'`. Returns the unescaped content and the index
 * after the closing quote, or -1 as `next` if the quote is not terminated.
 */
export function readQuoted(s: string, i: number): { text: string; next: number } {
  let j = i + 1;
  let plainStart = j;
  let out = '';
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return { text: out + s.slice(plainStart, j), next: j + 1 };
    if (c === 0x5c) {
      if (j + 1 >= s.length) break;
      const e = s.charCodeAt(j + 1);
      if (e === 0x0a || e === 0x0d) break;
      out += s.slice(plainStart, j) + s[j + 1];
      j += 2;
      plainStart = j;
      continue;
    }
    if (c === 0x0a || c === 0x0d) break;
    j++;
  }
  return { text: '', next: -1 };
}

/** Index just after the quoted-string that starts at `s[i] === '"'` (raw, not unescaped), or -1. */
export function skipQuoted(s: string, i: number, end = s.length): number {
  let j = i + 1;
  while (j < end) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j += 2;
    else j++;
  }
  return -1;
}

/** Quote a string for a quoted-string production, escaping `"`, `\` and control characters. */
export function quote(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c < 0x20 || c === 0x7f) {
      needs = true;
      break;
    }
  }
  if (!needs) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) out += ' ';
    else if (c === 0x22 || c === 0x5c || c < 0x20 || c === 0x7f) out += '\\' + s[i];
    else out += s[i];
  }
  return out + '"';
}
