/**
 * The SIP message model (RFC 3261 §7). Plain data, no I/O. Parsing lives in `parse/`, writing in
 * `serialize.ts`. Header values are kept as text in arrival order (a comma-separated header is
 * split into one entry per element, so `Via: a, b` and two `Via` lines look the same); typed
 * views (Via, name-addr, CSeq) are parsed on demand by the helpers in `parse/`.
 */
import type { Result as BaseResult } from '../result/index.js';

export type Params = Map<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  password?: string;
  /** Host as written, IPv6 with brackets, lower-cased. For `tel:` this is the number. */
  host: string;
  port?: number;
  /** URI parameters (`;transport=tcp;lr`), names lower-cased, `null` for a flag without value. */
  params: Params;
  /** URI headers (`?subject=x`), unescaped. */
  headers: Map<string, string>;
}

export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  /** Header parameters after the address (`;tag=abc`), names lower-cased. */
  params: Params;
}

export interface Via {
  /** `SIP/2.0` */
  protocol: string;
  /** Upper-case transport token: UDP, TCP, TLS, SCTP, WS, ... */
  transport: string;
  host: string;
  port?: number;
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** Compact forms (RFC 3261 §7.3.3 and later RFCs) → canonical names. */
export const COMPACT_HEADERS: Record<string, string> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  o: 'Event',
  r: 'Refer-To',
  b: 'Referred-By',
  u: 'Allow-Events',
  x: 'Session-Expires',
  a: 'Accept-Contact',
  j: 'Reject-Contact',
  d: 'Request-Disposition',
  y: 'Identity',
};

const CANONICAL: Record<string, string> = Object.fromEntries(
  [
    'Accept', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events', 'Authentication-Info',
    'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition', 'Content-Encoding',
    'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info', 'Event', 'Expires',
    'From', 'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'Min-SE', 'MIME-Version', 'Organization', 'P-Asserted-Identity',
    'Priority', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-To',
    'Referred-By', 'Reply-To', 'Require', 'Retry-After', 'Route', 'RSeq', 'Server', 'Session-Expires', 'Subject',
    'Subscription-State', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'User-to-User', 'Via', 'Warning',
    'WWW-Authenticate',
  ].map((n) => [n.toLowerCase(), n]),
);

/** Canonical spelling of a header name: compact forms expanded, known names in RFC case, others as given. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1 && COMPACT_HEADERS[lower]) return COMPACT_HEADERS[lower]!;
  return CANONICAL[lower] ?? name;
}

/**
 * The lookup key of a header name (canonical, lower case): what `Headers` compares. The names the
 * code asks for are a few dozen literals, so their keys are remembered; names off the wire are
 * not (a peer could send any number of them), they are computed once when the entry is added.
 */
const KNOWN_KEYS = new Map<string, string>();
const MAX_KNOWN_KEYS = 256;
function headerKey(name: string): string {
  let key = KNOWN_KEYS.get(name);
  if (key === undefined) {
    key = canonicalHeaderName(name).toLowerCase();
    if (KNOWN_KEYS.size < MAX_KNOWN_KEYS) KNOWN_KEYS.set(name, key);
  }
  return key;
}

/**
 * Headers that may be split on top-level commas (RFC 3261 §7.3.1). Others (WWW-Authenticate,
 * Authorization, Date, ...) contain commas in a single value and are never split.
 */
export const MULTI_VALUE_HEADERS = new Set(
  ['via', 'route', 'record-route', 'contact', 'allow', 'supported', 'require', 'proxy-require', 'unsupported', 'accept', 'accept-encoding', 'accept-language', 'allow-events', 'content-encoding', 'content-language', 'in-reply-to', 'alert-info', 'call-info', 'error-info', 'reason', 'warning'],
);

/** Ordered header list with case-insensitive, compact-form-aware access. */
export class Headers {
  private readonly entries: { name: string; value: string }[] = [];
  /** Each entry's canonical name in lower case, computed once: lookups compare these instead of lower-casing every entry each time. */
  private readonly keys: string[] = [];

  static from(list: Iterable<[string, string]>): Headers {
    const h = new Headers();
    for (const [n, v] of list) h.append(n, v);
    return h;
  }

  private insert(at: number, name: string, value: string): void {
    const canonical = canonicalHeaderName(name);
    this.entries.splice(at, 0, { name: canonical, value });
    this.keys.splice(at, 0, canonical.toLowerCase());
  }

  append(name: string, value: string): this {
    const canonical = canonicalHeaderName(name);
    this.entries.push({ name: canonical, value });
    this.keys.push(canonical.toLowerCase());
    return this;
  }

  /** Replace every value of `name` with one value (added at the position of the first, or at the end). */
  set(name: string, value: string): this {
    const first = this.keys.indexOf(headerKey(name));
    this.delete(name);
    if (first < 0) this.append(name, value);
    else this.insert(first, name, value);
    return this;
  }

  /** Insert a value before the existing ones (a proxy prepends Via/Record-Route). */
  prepend(name: string, value: string): this {
    const first = this.keys.indexOf(headerKey(name));
    if (first < 0) this.append(name, value);
    else this.insert(first, name, value);
    return this;
  }

  delete(name: string): this {
    const key = headerKey(name);
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] !== key) continue;
      this.entries.splice(i, 1);
      this.keys.splice(i, 1);
    }
    return this;
  }

  get(name: string): string | undefined {
    const i = this.keys.indexOf(headerKey(name));
    return i < 0 ? undefined : this.entries[i]!.value;
  }

  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.entries[i]!.value);
    return out;
  }

  /** How many values `name` has (what a check for "missing" or "multiple" needs, without building a list). */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const k of this.keys) if (k === key) n++;
    return n;
  }

  has(name: string): boolean {
    return this.keys.includes(headerKey(name));
  }

  /** All entries in order (canonical names). */
  list(): ReadonlyArray<{ readonly name: string; readonly value: string }> {
    return this.entries;
  }

  clone(): Headers {
    const h = new Headers();
    for (const e of this.entries) h.entries.push({ ...e });
    h.keys.push(...this.keys);
    return h;
  }
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: SipUri;
  version: string;
  headers: Headers;
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  version: string;
  status: number;
  reason: string;
  headers: Headers;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/** A parse failure. `partial` carries what could be read, so a request can still be answered with 400. */
export interface SipParseError {
  reason: string;
  /** Suggested status for a request that failed (400, 416, 505, 513); absent when the message should just be dropped. */
  code?: number;
  partial?: { method?: string; headers?: Headers; isRequest?: boolean };
}

/** The gateway's one `Result`, with SIP parse errors as the default error. */
export type Result<T, E = SipParseError> = BaseResult<T, E>;
