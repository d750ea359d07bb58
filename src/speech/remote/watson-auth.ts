/**
 * Watson authentication: an IAM API key exchanged for a bearer token through the shared IBM IAM
 * token source (`src/http/ibm-iam.ts`: cached until a minute before it expires), or basic auth
 * (Cloud Pak for Data and older deployments), or a static bearer token. The exchange goes through
 * the adapter's HTTP target, so its URL policy and CA apply to the IAM endpoint too.
 */
import { IbmIamTokenSource, iamTokenUrl, type HttpTarget } from '../../http/index.js';
import type { Clock } from '../../time/index.js';

export type WatsonAuth =
  | { kind: 'iam'; apiKey: string; iamUrl?: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

export type AuthHeader = { ok: true; value: string } | { ok: false; error: string };

export class WatsonAuthenticator {
  private readonly iam: IbmIamTokenSource | undefined;

  constructor(
    private readonly auth: WatsonAuth,
    http: HttpTarget,
    clock?: Clock,
  ) {
    this.iam = auth.kind === 'iam' ? new IbmIamTokenSource({ http, apiKey: auth.apiKey, tokenUrl: iamTokenUrl(auth.iamUrl), ...(clock ? { clock } : {}) }) : undefined;
  }

  async header(): Promise<AuthHeader> {
    const a = this.auth;
    if (a.kind === 'basic') return { ok: true, value: 'Basic ' + Buffer.from(`${a.username}:${a.password}`).toString('base64') };
    if (a.kind === 'bearer') return { ok: true, value: `Bearer ${a.token}` };
    const t = await this.iam!.token();
    return t.ok ? { ok: true, value: `Bearer ${t.value}` } : { ok: false, error: t.error.message };
  }
}
