/**
 * Looking for canary values in raw bytes: files (SQLite pages, WALs, outboxes, caches), log lines,
 * HTTP bodies. A canary is a set of forms; a string form matches case-insensitively, a RegExp as
 * given. Bytes are read as latin1 (one character per byte, so UTF-8 ASCII and binary pages alike)
 * and as UTF-16LE at both alignments, in case a page holds text in that encoding. A hit names the
 * canary, the place and the bytes around it, so a failure says exactly what leaked where.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Canary {
  id: string;
  forms: readonly (string | RegExp)[];
}

export interface Leak {
  canary: string;
  where: string;
  match: string;
  /** Up to 48 characters either side; non-printable bytes shown as '.'. */
  around: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '.');

/** Digits with anything but letters and digits (up to 3 characters) between them: "4111 1111", "4-1-1-1", "[4,1,1,1]". */
export function digitsForm(digits: string): RegExp {
  return new RegExp(digits.split('').join('[^0-9A-Za-z]{0,3}'));
}

const source = (f: string | RegExp) => (typeof f === 'string' ? escape(f) : f.source);

/** One case-insensitive pass over the text for all canaries (megabytes of pages), then which canary it was. */
const compiled = new WeakMap<readonly Canary[], { all: RegExp; each: { id: string; re: RegExp }[] }>();
function compile(canaries: readonly Canary[]) {
  let c = compiled.get(canaries);
  if (!c) {
    const each = canaries.flatMap((k) => k.forms.map((f) => ({ id: k.id, re: new RegExp(`^(?:${source(f)})$`, 'i') })));
    c = { all: new RegExp(canaries.flatMap((k) => k.forms.map((f) => `(?:${source(f)})`)).join('|'), 'gi'), each };
    compiled.set(canaries, c);
  }
  return c;
}

/** Every canary form found in `data` (a Buffer is searched as latin1 and UTF-16LE). */
export function findLeaks(canaries: readonly Canary[], where: string, data: Buffer | string): Leak[] {
  const texts = typeof data === 'string' ? [data] : [data.toString('latin1'), data.toString('utf16le'), data.subarray(1).toString('utf16le')];
  const { all, each } = compile(canaries);
  const leaks: Leak[] = [];
  for (const text of texts) {
    for (const m of text.matchAll(all)) {
      const at = m.index;
      const id = each.find((e) => e.re.test(m[0]))?.id ?? '?';
      leaks.push({ canary: id, where, match: m[0], around: printable(text.slice(Math.max(0, at - 48), at + m[0].length + 48)) });
    }
  }
  return leaks;
}

/** Every regular file under `dir`, recursively (symbolic links are not followed). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = lstatSync(p);
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}

/** `findLeaks` over every file under `dir`; `where` is the path relative to `label`. */
export function findLeaksInDir(canaries: readonly Canary[], label: string, dir: string): Leak[] {
  return filesUnder(dir).flatMap((f) => findLeaks(canaries, `${label}${f.slice(dir.length)}`, readFileSync(f)));
}

/** One line per leak, for an assertion message. */
export function describeLeaks(leaks: readonly Leak[]): string {
  return leaks.map((l) => `  canary ${l.canary} in ${l.where}: "${printable(l.match)}" … ${l.around}`).join('\n');
}
