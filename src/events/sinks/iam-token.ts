/**
 * IBM Cloud IAM access tokens for Cloudant: exchanges an API key at the IAM token endpoint
 * (`POST /identity/token`, form `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=…`)
 * and caches the bearer token until shortly before it expires (`expiration`, epoch seconds, or
 * `expires_in`). Concurrent callers share one in-flight exchange. `invalidate()` forces a new
 * token after a 401.
 */
import type { Clock } from '../../time/clock.js';
import type { HttpTarget } from './http.js';

export const DEFAULT_IAM_TOKEN_URL = 'https://iam.cloud.ibm.com/identity/token';
const REFRESH_MARGIN_MS = 60_000;

export type TokenResult = { ok: true; token: string } | { ok: false; error: string };

export class IamTokenProvider {
  #token: string | undefined;
  #expiresAt = 0;
  #inflight: Promise<TokenResult> | undefined;
  /** Number of token exchanges made (observability and tests). */
  exchanges = 0;

  constructor(
    private readonly http: HttpTarget,
    private readonly apiKey: string,
    private readonly tokenUrl: string,
    private readonly clock: Clock,
  ) {}

  async token(): Promise<TokenResult> {
    if (this.#token && this.clock.now() < this.#expiresAt - REFRESH_MARGIN_MS) return { ok: true, token: this.#token };
    this.#inflight ??= this.#exchange().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  invalidate(): void {
    this.#token = undefined;
    this.#expiresAt = 0;
  }

  async #exchange(): Promise<TokenResult> {
    this.exchanges++;
    const body = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.apiKey }).toString();
    const res = await this.http.request({
      method: 'POST',
      url: new URL(this.tokenUrl),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    if (!res.ok) return { ok: false, error: `iam: ${res.error}` };
    if (res.status !== 200) return { ok: false, error: `iam: status ${res.status}` };
    let parsed: { access_token?: unknown; expiration?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(res.body) as typeof parsed;
    } catch {
      return { ok: false, error: 'iam: response is not JSON' };
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token.length === 0) return { ok: false, error: 'iam: no access_token' };
    const now = this.clock.now();
    const expiresAt =
      typeof parsed.expiration === 'number' ? parsed.expiration * 1000 : typeof parsed.expires_in === 'number' ? now + parsed.expires_in * 1000 : now + 10 * 60_000;
    this.#token = parsed.access_token;
    this.#expiresAt = expiresAt;
    return { ok: true, token: parsed.access_token };
  }
}
