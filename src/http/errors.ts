/**
 * What can go wrong with an outbound request, as a value. Messages carry the kind of failure, the
 * host and a status or error code — never a request or response body, a path or a query (they
 * may carry caller data or credentials).
 */
export type HttpErrorKind =
  /** The URL breaks the policy: plain http without allowInsecure. */
  | 'insecure'
  /** The URL does not parse, has an unsupported scheme or carries credentials. */
  | 'invalid-url'
  /** No answer (or no next body chunk) within the target's timeout. */
  | 'timeout'
  /** The caller's AbortSignal fired (e.g. the call ended). */
  | 'aborted'
  /** Connection refused or reset, DNS, TLS (an untrusted certificate): worth a retry later. */
  | 'network'
  /** The response body is larger than the target accepts. */
  | 'too-large';

export interface HttpError {
  kind: HttpErrorKind;
  message: string;
  /** The system or TLS error code for `network` errors (e.g. `ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  code?: string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** The error's code (walking `cause`), or a short letters-only summary of its message. */
export function errorCode(e: unknown): string {
  for (let x: unknown = e, depth = 0; x && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  }
  return e instanceof Error ? e.message.slice(0, 60).replace(/[^A-Za-z _-]/g, '') || 'error' : 'error';
}

/** Classifies a failed exchange with `host`; `timedOut`/`aborted` say which of our signals fired, if any. */
export function classify(e: unknown, host: string, state: { timedOut: boolean; aborted: boolean; timeoutMs: number }): HttpError {
  if (state.aborted) return { kind: 'aborted', message: `request to ${host} aborted` };
  const code = errorCode(e);
  if (state.timedOut || TIMEOUT_CODES.has(code)) return { kind: 'timeout', message: `${host} did not answer within ${state.timeoutMs} ms` };
  return { kind: 'network', message: `request failed (${code})`, code };
}
