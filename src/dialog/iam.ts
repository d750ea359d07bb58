/**
 * Watson Assistant's IAM auth: the shared IBM IAM token source (`src/http/ibm-iam.ts`, one per
 * configured application, shared by its calls), its exchange going through the dialog's HTTP
 * target (URL policy and CA), its failures turned into `DialogError`s: a refused key is `auth`.
 */
import { IbmIamTokenSource, iamTokenUrl, type IamError } from '../http/index.js';
import { dialogErrorOf, type HttpClient } from './http-client.js';
import { DialogError } from './types.js';

export type AuthHeaders = (signal?: AbortSignal) => Promise<Record<string, string>>;

export function iamAuthHeaders(client: HttpClient, iamUrl: string, apiKey: string): AuthHeaders {
  const source = new IbmIamTokenSource({ http: client.target, apiKey, tokenUrl: iamTokenUrl(iamUrl), clock: client.clock });
  return async (signal) => {
    const t = await source.token(signal);
    if (!t.ok) throw iamDialogError(t.error, new URL(iamUrl).host);
    return { Authorization: `Bearer ${t.value}` };
  };
}

function iamDialogError(e: IamError, host: string): DialogError {
  if (e.kind === 'rejected') return new DialogError('auth', `IAM refused the API key (${e.status})`, e.status);
  if (e.kind === 'bad-response') return new DialogError('auth', e.message);
  if (e.http) return dialogErrorOf(e.http, host);
  return new DialogError('http', `${host} answered ${e.status}`, e.status);
}
