/**
 * Whole-message parsing (RFC 3261 §7): start line, header fields with folding, compact names,
 * multi-value splitting, and the body framed by Content-Length.
 *
 * Grammar of individual header values is not checked here (that is `checkRequest`'s job and the
 * typed parsers'), except Content-Length, which decides framing. Failures are values, never
 * exceptions: the top level is wrapped so that arbitrary bytes give `{ ok: false }`. A failure
 * carries `partial` (isRequest, method, the headers that could be read) so the caller can still
 * answer 400 to a request whose Via/From/To/Call-ID/CSeq are readable, and `code`, the status a
 * UAS should answer with (absent for responses, which are dropped).
 */
import { Headers, MULTI_VALUE_HEADERS, canonicalHeaderName } from '../message.js';
import type { Result, SipMessage, SipParseError, SipRequest, SipResponse } from '../message.js';
import { TOKEN, isWs } from './chars.js';
import { parseDigits } from './cseq.js';
import { splitTopLevel } from './split.js';
import { parseUri } from './uri.js';

export const DEFAULT_MAX_BYTES = 65535;
/** Header fields (after splitting comma lists) one message may carry; more is a 400. */
export const MAX_HEADER_FIELDS = 1000;

export interface ParseOptions {
  /** Largest accepted message in bytes (default 65535); larger gives `code: 513`. */
  maxBytes?: number;
  /**
   * The message came from a stream transport (after `StreamFramer`): Content-Length is mandatory.
   * For datagrams (the default) a missing Content-Length means the rest of the datagram is the body.
   */
  stream?: boolean;
}

type Partial = NonNullable<SipParseError['partial']>;

interface NameInfo {
  canonical: string;
  isContentLength: boolean;
  multi: boolean;
}
/** Header names as they arrive → canonical facts. Bounded: names repeat, garbage must not grow it. */
const nameCache = new Map<string, NameInfo>();
function nameInfo(raw: string): NameInfo {
  let info = nameCache.get(raw);
  if (info === undefined) {
    const canonical = canonicalHeaderName(raw);
    const lower = canonical.toLowerCase();
    info = { canonical, isContentLength: lower === 'content-length', multi: MULTI_VALUE_HEADERS.has(lower) };
    if (nameCache.size < 512) nameCache.set(raw, info);
  }
  return info;
}

function failure(reason: string, partial: Partial | undefined, isRequest: boolean | undefined, code = 400): { ok: false; error: SipParseError } {
  const error: SipParseError = { reason };
  if (isRequest !== false) error.code = code;
  if (partial) error.partial = partial;
  return { ok: false, error };
}

export function parseMessage(buf: Buffer, opts: ParseOptions = {}): Result<SipMessage> {
  try {
    return parseUnchecked(buf, opts);
  } catch {
    // Any exception here is a parser bug; bad input must never reach the event loop as one.
    return { ok: false, error: { reason: 'internal parser error', code: 400 } };
  }
}

function isVersion(s: string): boolean {
  // "SIP/" 1*DIGIT "." 1*DIGIT, literal case-insensitive.
  if (s.length < 7 || s.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = s.indexOf('.', 4);
  if (dot <= 4 || dot === s.length - 1) return false;
  for (let i = 4; i < s.length; i++) {
    if (i === dot) continue;
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function parseUnchecked(buf: Buffer, opts: ParseOptions): Result<SipMessage> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (buf.length > maxBytes) return { ok: false, error: { reason: 'message too large', code: 513 } };
  let p = 0;
  while (p < buf.length && (buf[p] === 0x0d || buf[p] === 0x0a)) p++;
  if (p >= buf.length) return { ok: false, error: { reason: 'empty message' } };

  // Find the empty line that ends the header section (CRLF CRLF; bare LF tolerated).
  let pos = p;
  let headEnd = -1;
  let bodyStart = -1;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    const next = nl + 1;
    if (buf[next] === 0x0a) {
      headEnd = nl + 1;
      bodyStart = next + 1;
      break;
    }
    if (buf[next] === 0x0d && buf[next + 1] === 0x0a) {
      headEnd = nl + 1;
      bodyStart = next + 2;
      break;
    }
    pos = next;
  }

  const head = buf.toString('utf8', p, headEnd < 0 ? buf.length : headEnd);
  // Start line.
  let lineEnd = head.indexOf('\n');
  if (lineEnd < 0) lineEnd = head.length;
  const startLine = head.charCodeAt(lineEnd - 1) === 0x0d ? head.slice(0, lineEnd - 1) : head.slice(0, lineEnd);
  const isResponse = startLine.length >= 4 && startLine.slice(0, 4).toUpperCase() === 'SIP/';
  const isRequest = !isResponse;
  const partial: Partial = { isRequest };
  let method = '';
  if (isRequest) {
    const sp = startLine.indexOf(' ');
    method = sp > 0 ? startLine.slice(0, sp) : startLine;
    if (sp > 0) partial.method = method;
  }

  // Header fields.
  const headers = new Headers();
  partial.headers = headers;
  let headerError: string | undefined;
  const clValues: string[] = [];
  let curName: string | undefined;
  let curValue = '';
  const flush = (): void => {
    if (curName === undefined) return;
    const info = nameInfo(curName);
    let end = curValue.length;
    while (end > 0 && isWs(curValue.charCodeAt(end - 1))) end--;
    const value = end === curValue.length ? curValue : curValue.slice(0, end);
    curName = undefined;
    if (value.indexOf('\r') >= 0) {
      // A CR not ending a line (RFC 3261 §7.3.1: lines end CRLF). Found by bench/fuzz.ts: the value
      // was kept, and the serializer's CR→SP turned the echoed Call-ID/CSeq into different ones.
      // The field is unreadable: left out of the headers, so no 400 echoes a mangled copy.
      headerError ??= 'bare CR in a header field';
      return;
    }
    if (info.isContentLength) clValues.push(value);
    if (info.multi && value.indexOf(',') >= 0) {
      for (const v of splitTopLevel(value)) if (!addField(info.canonical, v)) return;
    } else addField(info.canonical, value);
  };
  // Bounds the work and the echo of one message: 45,000 commas in one Via made 45,000 fields.
  let fields = 0;
  const addField = (name: string, value: string): boolean => {
    if (++fields > MAX_HEADER_FIELDS) {
      headerError ??= 'too many header fields';
      return false;
    }
    headers.append(name, value);
    return true;
  };
  let i = lineEnd + 1;
  while (i < head.length) {
    let e = head.indexOf('\n', i);
    if (e < 0) e = head.length;
    const lineStop = head.charCodeAt(e - 1) === 0x0d ? e - 1 : e;
    const c0 = head.charCodeAt(i);
    if (c0 === 0x20 || c0 === 0x09) {
      // Folded continuation (LWS): joined to the value with one space.
      let s = i;
      while (s < lineStop && isWs(head.charCodeAt(s))) s++;
      if (curName === undefined) headerError ??= 'continuation line without a header';
      else if (s < lineStop) curValue = (curValue.length > 0 ? curValue + ' ' : '') + head.slice(s, lineStop);
    } else {
      flush();
      let j = i;
      while (j < lineStop) {
        const c = head.charCodeAt(j);
        if (c > 127 || TOKEN[c] === 0) break;
        j++;
      }
      let k = j;
      while (k < lineStop && isWs(head.charCodeAt(k))) k++;
      if (j === i || k >= lineStop || head.charCodeAt(k) !== 0x3a) {
        headerError ??= 'malformed header line';
      } else {
        curName = head.slice(i, j);
        k++;
        while (k < lineStop && isWs(head.charCodeAt(k))) k++;
        curValue = head.slice(k, lineStop);
      }
    }
    i = e + 1;
  }
  flush();
  // Past the field cap the message is abuse, not a mistake: no headers to echo, so no 400 at all
  // (a 400 echoing 1,000 Vias is itself a message peers with the same cap refuse).
  if (fields > MAX_HEADER_FIELDS) delete partial.headers;

  if (headEnd < 0) return failure('incomplete message: no empty line after the headers', partial, isRequest);

  // Start line details.
  let version: string;
  let request: Omit<SipRequest, 'uri'> | undefined;
  let requestUriText = '';
  let response: SipResponse | undefined;
  if (isResponse) {
    const sp1 = startLine.indexOf(' ');
    version = sp1 < 0 ? startLine : startLine.slice(0, sp1);
    if (!isVersion(version) || sp1 < 0) return failure('malformed Status-Line', partial, false);
    const codeText = startLine.slice(sp1 + 1, sp1 + 4);
    const after = startLine.charCodeAt(sp1 + 4);
    const status = parseDigits(codeText, 699);
    if (codeText.length !== 3 || status === undefined || status < 100 || !(Number.isNaN(after) || after === 0x20)) {
      return failure('malformed status code', partial, false);
    }
    response = { kind: 'response', version: 'SIP/' + version.slice(4), status, reason: startLine.slice(sp1 + 5), headers, body: Buffer.alloc(0) };
  } else {
    // Runs of SP between the elements and trailing SP are tolerated (RFC 4475 §3.1.2.9, §3.1.2.10).
    const parts = startLine.split(' ').filter((x) => x.length > 0);
    if (parts.length !== 3 || startLine.indexOf('\t') >= 0) return failure('malformed Request-Line', partial, true);
    method = parts[0]!;
    for (let m = 0; m < method.length; m++) {
      const c = method.charCodeAt(m);
      if (c > 127 || TOKEN[c] === 0) return failure('malformed method', partial, true);
    }
    partial.method = method;
    requestUriText = parts[1]!;
    version = parts[2]!;
    if (!isVersion(version)) return failure('malformed SIP-Version', partial, true);
    request = { kind: 'request', method, version: 'SIP/' + version.slice(4), headers, body: Buffer.alloc(0) };
  }
  if (headerError) return failure(headerError, partial, isRequest);

  // Body framing.
  let contentLength: number | undefined;
  if (clValues.length > 0) {
    const first = clValues[0]!;
    for (const v of clValues) if (v !== first) return failure('conflicting Content-Length headers', partial, isRequest);
    contentLength = parseDigits(first, maxBytes);
    if (contentLength === undefined) return failure('malformed Content-Length', partial, isRequest);
  } else if (opts.stream) return failure('missing Content-Length on a stream transport', partial, isRequest);
  const available = buf.length - bodyStart;
  let body: Buffer;
  if (contentLength === undefined) body = buf.subarray(bodyStart);
  else if (available < contentLength) return failure('body shorter than Content-Length', partial, isRequest);
  else body = buf.subarray(bodyStart, bodyStart + contentLength);

  if (response) {
    response.body = body;
    return { ok: true, value: response };
  }
  const uri = parseUri(requestUriText);
  if (!uri.ok) {
    const code = uri.error.code ?? 400;
    return failure(code === 416 ? 'unsupported URI scheme' : 'malformed Request-URI', partial, true, code);
  }
  return { ok: true, value: { ...request!, uri: uri.value, body } };
}
