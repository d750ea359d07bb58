/**
 * Watson authentication: an IAM API key exchanged for a bearer token at
 * `POST {iamUrl}/identity/token` (cached until a minute before it expires), or basic auth
 * (Cloud Pak for Data and older deployments), or a static bearer token. The clock is injected.
 */
import { checkEndpoint, describeFailure, readBody, send, joinUrl, type EndpointSecurity } from './endpoint.js';

export type WatsonAuth =
  | { kind: 'iam'; apiKey: string; iamUrl?: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

export type AuthHeader = { ok: true; value: string } | { ok: false; error: string };

export class WatsonAuthenticator {
  private token: { value: string; expiresAt: number } | undefined;
  private inFlight: Promise<AuthHeader> | undefined;

  constructor(
    private readonly auth: WatsonAuth,
    private readonly security: EndpointSecurity = {},
    private readonly now: () => number = Date.now,
  ) {}

  async header(): Promise<AuthHeader> {
    const a = this.auth;
    if (a.kind === 'basic') return { ok: true, value: 'Basic ' + Buffer.from(`${a.username}:${a.password}`).toString('base64') };
    if (a.kind === 'bearer') return { ok: true, value: `Bearer ${a.token}` };
    if (this.token && this.token.expiresAt - 60_000 > this.now()) return { ok: true, value: `Bearer ${this.token.value}` };
    this.inFlight ??= this.fetchToken(a).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetchToken(a: { apiKey: string; iamUrl?: string }): Promise<AuthHeader> {
    const endpoint = checkEndpoint(a.iamUrl ?? 'https://iam.cloud.ibm.com', this.security);
    if (!endpoint.ok) return endpoint;
    const body = Buffer.from(new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: a.apiKey }).toString());
    try {
      const res = await send({
        url: joinUrl(endpoint.url, '/identity/token'),
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        ca: this.security.ca,
      });
      if (res.statusCode !== 200) return { ok: false, error: `IAM token request failed: ${await describeFailure(res)}` };
      const json = JSON.parse((await readBody(res, 1024 * 1024)).toString('utf8')) as { access_token?: unknown; expires_in?: unknown };
      if (typeof json.access_token !== 'string') return { ok: false, error: 'IAM response has no access_token' };
      const ttlSec = typeof json.expires_in === 'number' ? json.expires_in : 3600;
      this.token = { value: json.access_token, expiresAt: this.now() + ttlSec * 1000 };
      return { ok: true, value: `Bearer ${json.access_token}` };
    } catch (e) {
      return { ok: false, error: `IAM token request failed: ${(e as Error).message}` };
    }
  }
}
