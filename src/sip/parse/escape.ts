/**
 * `%HH` escapes of SIP-URI components (RFC 3261 §19.1.2, §25 `escaped`). Decoding is done once,
 * when a URI is parsed; formatting escapes whatever the component's grammar does not allow, so
 * `formatUri(parseUri(x))` is equivalent (RFC 3261 §19.1.4) though not always byte-identical.
 */

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decode `%HH` escapes. Returns undefined on a malformed escape. Decoded bytes are read as UTF-8
 * (invalid sequences become U+FFFD; that is lossy and documented).
 */
export function unescapeComponent(s: string): string | undefined {
  const pct = s.indexOf('%');
  if (pct < 0) return s;
  const bytes: number[] = [];
  let out = s.slice(0, pct);
  let i = pct;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length) return undefined;
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) return undefined;
      bytes.push(h * 16 + l);
      i += 3;
      continue;
    }
    if (bytes.length > 0) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
    out += s[i];
    i++;
  }
  if (bytes.length > 0) out += Buffer.from(bytes).toString('utf8');
  return out;
}

const HEX = '0123456789ABCDEF';

/** Escape every character not allowed by `allowed` (a 128-entry table); `%` is always escaped. */
export function escapeComponent(s: string, allowed: Uint8Array): string {
  let clean = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || allowed[c] === 0 || c === 0x25) {
      clean = false;
      break;
    }
  }
  if (clean) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b < 128 && allowed[b] === 1 && b !== 0x25) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}
