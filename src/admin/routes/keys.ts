/**
 * API key management. A key can only mint keys with a subset of its own scopes and, when it is
 * restricted to an account, only keys restricted to that account: holding `config:write` never lets
 * a key grant itself more than it has. The token is in the creation response and nowhere else.
 */
import { z } from 'zod';
import type { ApiKey, ApiKeyStore } from '../api-keys.js';
import { defineRoute, HttpError, notFound, unavailable, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';
import { SCOPES } from '../scopes.js';

const keyView = named(
  'ApiKey',
  z.object({
    id: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)), accountId: z.string().nullable(),
    ratePerMinute: z.number().int().nullable(), createdAt: z.string(), revokedAt: z.string().nullable(),
  }),
);
export const newKeySchema = named(
  'NewApiKey',
  z.object({
    name: z.string().min(1).max(100),
    scopes: z.array(z.enum(SCOPES)).min(1),
    accountId: z.string().min(1).optional(),
    ratePerMinute: z.number().int().min(1).max(100_000).optional(),
  }),
);

export function renderKey(k: ApiKey) {
  return { ...k, createdAt: new Date(k.createdAt).toISOString(), revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString() };
}

export function keyRoutes(get: () => ApiKeyStore | undefined): ApiRoute[] {
  const keys = (): ApiKeyStore => get() ?? (() => { throw unavailable('API keys'); })();
  return [
    defineRoute({
      method: 'GET', url: '/v1/keys', operationId: 'listKeys', summary: 'List API keys (never their tokens)', tag: 'keys', scopes: ['config:read', 'config:write'],
      responses: { 200: { description: 'Keys', schema: z.array(keyView) } },
      handler: async (c) => (await keys().list()).filter((k) => !c.key!.accountId || k.accountId === c.key!.accountId).map(renderKey),
    }),
    defineRoute({
      method: 'POST', url: '/v1/keys', operationId: 'createKey', summary: 'Create an API key; the token is shown once', tag: 'keys', scopes: ['config:write'],
      body: newKeySchema, responses: { 201: { description: 'Created', schema: z.object({ key: keyView, token: z.string().describe('hg_<id>_<secret>: store it now, it is not shown again') }) } },
      handler: async (c) => {
        const own = c.key!;
        const extra = c.body.scopes.filter((s) => !own.scopes.includes(s));
        if (extra.length) throw new HttpError(403, { error: 'forbidden', message: `a key cannot grant scopes it does not hold: ${extra.join(', ')}` });
        if (own.accountId && c.body.accountId !== own.accountId) throw new HttpError(403, { error: 'forbidden', message: `this key may only create keys restricted to account "${own.accountId}"` });
        const r = await keys().create({ name: c.body.name, scopes: c.body.scopes, accountId: c.body.accountId ?? null, ratePerMinute: c.body.ratePerMinute ?? null });
        c.auditDetails.createdKey = r.key.id;
        c.auditDetails.scopes = r.key.scopes;
        c.reply.code(201);
        return { key: renderKey(r.key), token: r.token };
      },
    }),
    defineRoute({
      method: 'DELETE', url: '/v1/keys/:keyId', operationId: 'revokeKey', summary: 'Revoke an API key (at once, in every gateway sharing the store)', tag: 'keys', scopes: ['config:write'],
      params: z.object({ keyId: z.string().regex(/^[0-9a-f]{12}$/, 'a 12-character key id') }), responses: { 204: { description: 'Revoked' } },
      handler: async (c) => {
        const k = await keys().get(c.params.keyId);
        if (!k || (c.key!.accountId && k.accountId !== c.key!.accountId)) throw notFound(`key "${c.params.keyId}" not found`);
        await keys().revoke(k.id);
        c.reply.code(204);
      },
    }),
  ];
}
