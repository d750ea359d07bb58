/**
 * IBM Cloud IAM: exchange an API key for a bearer token (`POST {iamUrl}/identity/token`,
 * grant_type urn:ibm:params:oauth:grant-type:apikey) and cache it until a minute before it expires.
 * One token source per configured application, shared by its calls; concurrent callers share one
 * in-flight exchange.
 */
import type { HttpClient } from './http-client.js';
import { parseJson } from './http-client.js';
import { DialogError } from './types.js';

const REFRESH_MARGIN_MS = 60_000;

export class IamTokenSource {
  private token: string | undefined;
  private expiresAtMs = 0;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly client: HttpClient,
    private readonly iamUrl: string,
    private readonly apiKey: string,
  ) {}

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.get(signal)}` };
  }

  async get(signal?: AbortSignal): Promise<string> {
    if (this.token && this.client.clock.now() < this.expiresAtMs - REFRESH_MARGIN_MS) return this.token;
    this.inflight ??= this.fetchToken(signal).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const url = `${this.iamUrl.replace(/\/+$/, '')}/identity/token`;
    const body = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.apiKey }).toString();
    let text: string;
    try {
      const res = await this.client.request({ method: 'POST', url, body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' } }, signal);
      text = res.text;
    } catch (e) {
      if (e instanceof DialogError && e.kind === 'http' && e.status !== undefined && e.status < 500) throw new DialogError('auth', `IAM refused the API key (${e.status})`, e.status);
      throw e;
    }
    const json = parseJson(text, new URL(url).host) as { access_token?: unknown; expires_in?: unknown; expiration?: unknown };
    if (typeof json?.access_token !== 'string') throw new DialogError('auth', 'IAM answered without an access_token');
    const now = this.client.clock.now();
    this.token = json.access_token;
    this.expiresAtMs =
      typeof json.expiration === 'number' ? json.expiration * 1000 : typeof json.expires_in === 'number' ? now + json.expires_in * 1000 : now + 5 * 60_000;
    return this.token;
  }
}
