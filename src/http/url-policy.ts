/**
 * The outbound URL policy, in one place (architecture principle 3, "secure by default"): a target
 * is `https` (or `wss` for a WebSocket) unless its operator wrote `allowInsecure: true` for it;
 * credentials never ride in a URL (they would end up in logs and proxies — targets take them
 * as auth settings); anything else is refused before a socket opens. Messages name the host,
 * never the path or query (they may carry identifiers).
 */
import { type Result, ok, err } from '../result/index.js';
import type { HttpError } from './errors.js';

export interface UrlPolicy {
  /** Plain `http:` / `ws:` allowed for this target (the operator's explicit choice). Default false. */
  allowInsecure?: boolean;
}

const SECURE = new Set(['https:', 'wss:']);
const PLAIN = new Set(['http:', 'ws:']);

/** Parses `raw` and applies the policy; the URL on success. */
export function checkUrl(raw: string | URL, policy: UrlPolicy = {}): Result<URL, HttpError> {
  let url: URL;
  try {
    url = new URL(raw.toString());
  } catch {
    return err({ kind: 'invalid-url', message: 'not a valid URL' });
  }
  if (!SECURE.has(url.protocol) && !PLAIN.has(url.protocol)) return err({ kind: 'invalid-url', message: `unsupported scheme ${url.protocol}` });
  if (PLAIN.has(url.protocol) && policy.allowInsecure !== true) {
    const scheme = url.protocol.slice(0, -1);
    return err({ kind: 'insecure', message: `refusing plain ${scheme} to ${url.host}: use https or set allowInsecure for this target` });
  }
  if (url.username || url.password) return err({ kind: 'invalid-url', message: 'credentials in the URL are not allowed; use the auth settings' });
  return ok(url);
}

/** `base` + `path`, keeping any path prefix of the base (`https://h/couch` + `/db`), plus query parameters. */
export function joinUrl(base: string | URL, path: string, query?: Record<string, string | undefined>): URL {
  const u = new URL(base.toString());
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
  return u;
}
