/**
 * Content-Length framing for stream transports (TCP, TLS; RFC 3261 §18.3). Bytes arrive in any
 * chunking; `push` returns every message completed by this chunk, as an independent Buffer ready
 * for `parseMessage(buf, { stream: true })`.
 *
 * - CRLF between messages is skipped; a double CRLF (RFC 5626 §4.4.1 keep-alive ping) calls
 *   `onPing` so the transport can answer with a single CRLF pong.
 * - Content-Length is mandatory on streams; missing, malformed, conflicting or over the size limit
 *   is a framing error. After an error the framer is dead (every later push returns nothing): the
 *   connection must be closed, since nothing after the error can be framed.
 * - Bytes are appended into one growable buffer (capacity doubling) and consumed through a read
 *   offset, so neither a message split over many chunks nor many messages in one chunk costs more
 *   than linear copying. The header section is scanned once, resuming where the last push stopped.
 */
import type { Result } from './message.js';
import { DEFAULT_MAX_BYTES } from './parse/message.js';
import { parseDigits } from './parse/cseq.js';

export interface StreamFramerOptions {
  /** Largest message (headers + body) in bytes; default 65535. */
  maxBytes?: number;
  /** Called for each RFC 5626 double-CRLF keep-alive seen between messages. */
  onPing?: () => void;
}

export class StreamFramer {
  private buf: Buffer;
  private start = 0;
  private end = 0;
  /** Where the search for the end of the header section resumes. */
  private scanFrom = 0;
  /** Byte length of the message being framed, once its header section is complete. */
  private want = -1;
  private dead = false;
  /** CRLF bytes seen in a row at a message boundary, for keep-alive detection. */
  private crlfRun = 0;
  private readonly maxBytes: number;
  private readonly onPing: (() => void) | undefined;

  constructor(opts: StreamFramerOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.onPing = opts.onPing;
    this.buf = Buffer.allocUnsafe(4096);
  }

  /** True after a framing error: the connection must be closed. */
  get failed(): boolean {
    return this.dead;
  }

  /** Bytes held that do not yet form a complete message. */
  get pending(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): Array<Result<Buffer>> {
    const out: Array<Result<Buffer>> = [];
    if (this.dead) return out;
    try {
      this.append(chunk);
      this.drain(out);
    } catch {
      this.fail(out, 'internal framing error');
    }
    return out;
  }

  private append(chunk: Buffer): void {
    const len = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (len + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let cap = this.buf.length * 2;
        while (cap < len + chunk.length) cap *= 2;
        const next = Buffer.allocUnsafe(cap);
        this.buf.copy(next, 0, this.start, this.end);
        this.buf = next;
      }
      this.scanFrom -= this.start;
      this.start = 0;
      this.end = len;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private fail(out: Array<Result<Buffer>>, reason: string): void {
    this.dead = true;
    out.push({ ok: false, error: { reason } });
    this.start = this.end = this.scanFrom = 0;
  }

  private drain(out: Array<Result<Buffer>>): void {
    const b = this.buf;
    for (;;) {
      if (this.want < 0) {
        // Skip CRLF keep-alives at the message boundary.
        while (this.start < this.end && (b[this.start] === 0x0d || b[this.start] === 0x0a)) {
          if (b[this.start] === 0x0a) {
            this.crlfRun++;
            if (this.crlfRun === 2) {
              this.crlfRun = 0;
              this.onPing?.();
            }
          }
          this.start++;
        }
        if (this.start === this.end) {
          this.start = this.end = this.scanFrom = 0;
          return;
        }
        this.crlfRun = 0;
        if (this.scanFrom < this.start) this.scanFrom = this.start;
        const headEnd = this.findHeadEnd();
        if (headEnd < 0) {
          if (this.end - this.start > this.maxBytes) this.fail(out, 'message too large');
          return;
        }
        const cl = this.contentLength(this.start, headEnd);
        if (typeof cl === 'string') return this.fail(out, cl);
        const total = headEnd - this.start + cl;
        if (total > this.maxBytes) return this.fail(out, 'message too large');
        this.want = total;
      }
      if (this.end - this.start < this.want) return;
      out.push({ ok: true, value: Buffer.from(b.subarray(this.start, this.start + this.want)) });
      this.start += this.want;
      this.scanFrom = this.start;
      this.want = -1;
    }
  }

  /** Offset just after the empty line ending the header section, or -1 (and remember where to resume). */
  private findHeadEnd(): number {
    const b = this.buf;
    let pos = this.scanFrom;
    for (;;) {
      const nl = b.indexOf(0x0a, pos);
      if (nl < 0 || nl >= this.end) {
        this.scanFrom = Math.max(this.start, this.end - 1);
        return -1;
      }
      if (nl + 1 >= this.end) {
        this.scanFrom = nl;
        return -1;
      }
      if (b[nl + 1] === 0x0a) return nl + 2;
      if (b[nl + 1] === 0x0d) {
        if (nl + 2 >= this.end) {
          this.scanFrom = nl;
          return -1;
        }
        if (b[nl + 2] === 0x0a) return nl + 3;
      }
      pos = nl + 1;
    }
  }

  /** The single Content-Length of the header section, or the framing error as a string. */
  private contentLength(from: number, to: number): number | string {
    const head = this.buf.toString('latin1', from, to);
    let found: number | undefined;
    let i = head.indexOf('\n') + 1;
    while (i > 0 && i < head.length) {
      let e = head.indexOf('\n', i);
      if (e < 0) e = head.length;
      const c = head.charCodeAt(i);
      if (c === 0x6c || c === 0x4c || c === 0x63 || c === 0x43) {
        const colon = head.indexOf(':', i);
        if (colon > 0 && colon < e) {
          const name = head.slice(i, colon).trimEnd().toLowerCase();
          if (name === 'content-length' || name === 'l') {
            let value = head.slice(colon + 1, e);
            // A folded Content-Length value continues on the next line(s).
            let k = e + 1;
            while (k < head.length && (head.charCodeAt(k) === 0x20 || head.charCodeAt(k) === 0x09)) {
              let e2 = head.indexOf('\n', k);
              if (e2 < 0) e2 = head.length;
              value += head.slice(k, e2);
              e = e2;
              k = e2 + 1;
            }
            const t = value.trim();
            const n = parseDigits(t, Number.MAX_SAFE_INTEGER);
            if (n === undefined) return 'malformed Content-Length';
            if (found !== undefined && found !== n) return 'conflicting Content-Length headers';
            found = n;
          }
        }
      }
      i = e + 1;
    }
    if (found === undefined) return 'missing Content-Length on a stream transport';
    return found;
  }
}
