/**
 * IBM Cloud IAM bearer tokens, the one source the dialog (Watson Assistant), the event sinks
 * (Cloudant) and the speech adapters (Watson STT/TTS) share: an API key is exchanged at the token
 * endpoint (`POST …/identity/token`, form `grant_type=urn:ibm:params:oauth:grant-type:apikey`)
 * and the token cached until a minute before it expires (`expires_in` seconds, else `expiration`
 * epoch seconds, else five minutes). Concurrent callers share one in-flight exchange;
 * `invalidate()` forces a new token (after a 401). The API key never appears in an error.
 */
import { type Result, ok, err } from '../result/index.js';
import { systemClock, type Clock } from '../time/index.js';
import type { HttpTarget } from './target.js';
import type { HttpError } from './errors.js';
import { joinUrl } from './url-policy.js';

export const DEFAULT_IAM_URL = 'https://iam.cloud.ibm.com';

/** The token endpoint under an IAM base URL (`https://iam.cloud.ibm.com` → `…/identity/token`). */
export function iamTokenUrl(iamUrl: string = DEFAULT_IAM_URL): string {
  return joinUrl(iamUrl, '/identity/token').toString();
}

export interface IamError {
  /** `rejected`: IAM refused the key (4xx); `unavailable`: no answer or 5xx; `bad-response`: no usable token. */
  kind: 'rejected' | 'unavailable' | 'bad-response';
  message: string;
  status?: number;
  /** For `unavailable` without a status: the transport failure (timeout, aborted, refused URL, ...). */
  http?: HttpError;
}

export interface IbmIamOptions {
  /** The target the exchange goes through (its URL policy, CA and timeout apply). */
  http: HttpTarget;
  apiKey: string;
  /** Full token endpoint URL (see `iamTokenUrl`). */
  tokenUrl: string;
  clock?: Clock;
}

const REFRESH_MARGIN_MS = 60_000;
const DEFAULT_LIFETIME_MS = 5 * 60_000;

export class IbmIamTokenSource {
  #token: string | undefined;
  #expiresAt = 0;
  #inflight: Promise<Result<string, IamError>> | undefined;
  readonly #clock: Clock;
  /** Exchanges made (observability and tests). */
  exchanges = 0;

  constructor(private readonly opts: IbmIamOptions) {
    this.#clock = opts.clock ?? systemClock;
  }

  /** A valid bearer token, from the cache or a fresh exchange. */
  token(signal?: AbortSignal): Promise<Result<string, IamError>> {
    if (this.#token && this.#clock.epochMs() < this.#expiresAt - REFRESH_MARGIN_MS) return Promise.resolve(ok(this.#token));
    this.#inflight ??= this.#exchange(signal).finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  invalidate(): void {
    this.#token = undefined;
    this.#expiresAt = 0;
  }

  async #exchange(signal?: AbortSignal): Promise<Result<string, IamError>> {
    this.exchanges++;
    const body = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.opts.apiKey }).toString();
    const res = await this.opts.http.request({
      method: 'POST',
      url: this.opts.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal,
    });
    if (!res.ok) return err({ kind: 'unavailable', message: `IAM token request failed: ${res.error.message}`, http: res.error });
    const { status } = res.value;
    if (status !== 200) {
      return err({ kind: status >= 400 && status < 500 ? 'rejected' : 'unavailable', status, message: `IAM token request failed: HTTP ${status}${errorCodeOf(res.value.text())}` });
    }
    let json: { access_token?: unknown; expires_in?: unknown; expiration?: unknown };
    try {
      json = JSON.parse(res.value.text()) as typeof json;
    } catch {
      return err({ kind: 'bad-response', message: 'IAM response is not JSON' });
    }
    if (typeof json?.access_token !== 'string' || json.access_token.length === 0) return err({ kind: 'bad-response', message: 'IAM response has no access_token' });
    const now = this.#clock.epochMs();
    this.#token = json.access_token;
    this.#expiresAt =
      typeof json.expires_in === 'number' ? now + json.expires_in * 1000 : typeof json.expiration === 'number' ? json.expiration * 1000 : now + DEFAULT_LIFETIME_MS;
    return ok(json.access_token);
  }
}

/** IAM's error code (`BXNIM0415E`), if the body names one: never the message, which may echo input. */
function errorCodeOf(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const c = j['errorCode'] ?? (j['error'] && typeof j['error'] === 'object' ? (j['error'] as Record<string, unknown>)['code'] : j['error']);
    return typeof c === 'string' || typeof c === 'number' ? ` (${String(c).slice(0, 40).replace(/[^\w.-]/g, '')})` : '';
  } catch {
    return '';
  }
}
