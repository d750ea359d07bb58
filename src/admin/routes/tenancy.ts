/**
 * Accounts, applications and numbers CRUD over the `TenancyStore`. Bodies are validated with the
 * configuration schema (`applicationSchema`, `accountSchema`) by the store itself, so the API and the
 * config file accept exactly the same settings and name the same fields. Secrets come back masked.
 * A key restricted to an account sees only that account: other accounts' resources are 404 to it.
 */
import { z } from 'zod';
import { applicationSchema } from '../../tenancy/index.js';
import { accountBodySchema, applicationUpdateSchema, type AccountRecord, type ApplicationRecord, type TenancyError, type TenancyStore } from '../../tenancy/index.js';
import { maskSecrets } from '../../tenancy/index.js';
import { defineRoute, HttpError, notFound, unavailable, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');
const meta = { source: z.enum(['config', 'api']).describe('config: declared in the configuration file (read-only here); api: managed through this API'), createdAt: z.string(), updatedAt: z.string() };

const accountView = named('Account', accountBodySchema.extend({ applicationIds: z.array(z.string()), ...meta }));
const applicationView = named('Application', applicationSchema.extend({ accountId: z.string(), ...meta }));
named('AccountSettings', accountBodySchema);
named('ApplicationSettings', applicationSchema);
named('ApplicationUpdate', applicationUpdateSchema);

function iso(t: number): string {
  return new Date(t).toISOString();
}

export function renderAccount(r: AccountRecord) {
  return { ...r.account, applicationIds: r.applicationIds, source: r.source, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) };
}

export function renderApplication(r: ApplicationRecord) {
  return { ...maskSecrets(r.application), accountId: r.accountId, source: r.source, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) };
}

export function tenancyError(e: TenancyError): HttpError {
  switch (e.code) {
    case 'not_found':
      return new HttpError(404, { error: 'not_found', message: e.message });
    case 'invalid':
      return new HttpError(400, { error: 'invalid', in: 'body', field: e.field, message: `${e.field}: ${e.message}` });
    case 'conflict':
      return new HttpError(409, { error: 'conflict', message: e.message, ...(e.field ? { field: e.field } : {}) });
    case 'managed_by_config':
      return new HttpError(409, { error: 'managed_by_config', message: e.message });
  }
}

const conflict = { description: 'Conflicts with the store (a number already routed elsewhere, an id in use, or the entity is declared in the configuration file)' };

export function tenancyRoutes(get: () => TenancyStore | undefined): ApiRoute[] {
  const store = (): TenancyStore => get() ?? (() => { throw unavailable('tenancy'); })();
  const appOf = async (appId: string, mayAccess: (a: string) => boolean): Promise<ApplicationRecord> => {
    const app = await store().getApplication(appId);
    if (!app || !mayAccess(app.accountId)) throw notFound(`application "${appId}" not found`);
    return app;
  };
  const accountParams = z.object({ accountId: id });
  const appParams = z.object({ applicationId: id });
  return [
    defineRoute({
      method: 'GET', url: '/v1/accounts', operationId: 'listAccounts', summary: 'List accounts', tag: 'tenancy', scopes: ['config:read', 'config:write'],
      responses: { 200: { description: 'Accounts', schema: z.array(accountView) } },
      handler: async (c) => (await store().listAccounts()).filter((a) => c.mayAccess(a.account.id)).map(renderAccount),
    }),
    defineRoute({
      method: 'POST', url: '/v1/accounts', operationId: 'createAccount', summary: 'Create an account', tag: 'tenancy', scopes: ['config:write'],
      body: accountBodySchema, responses: { 201: { description: 'Created', schema: accountView }, 409: conflict },
      handler: async (c) => {
        if (c.key?.accountId) throw new HttpError(403, { error: 'forbidden', message: 'a key restricted to one account cannot create accounts' });
        if (await store().getAccount(c.body.id)) throw new HttpError(409, { error: 'conflict', field: 'id', message: `account "${c.body.id}" already exists` });
        const r = await store().putAccount(c.body.id, c.rawBody);
        if (!r.ok) throw tenancyError(r.error);
        c.reply.code(201);
        return renderAccount(r.value.record);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/accounts/:accountId', operationId: 'getAccount', summary: 'Get an account', tag: 'tenancy', scopes: ['config:read', 'config:write'],
      params: accountParams, responses: { 200: { description: 'The account', schema: accountView } },
      handler: async (c) => {
        const a = c.mayAccess(c.params.accountId) ? await store().getAccount(c.params.accountId) : undefined;
        if (!a) throw notFound(`account "${c.params.accountId}" not found`);
        return renderAccount(a);
      },
    }),
    defineRoute({
      method: 'PUT', url: '/v1/accounts/:accountId', operationId: 'replaceAccount', summary: "Replace an account's settings", tag: 'tenancy', scopes: ['config:write'],
      params: accountParams, body: accountBodySchema.omit({ id: true }), responses: { 200: { description: 'Replaced', schema: accountView }, 409: conflict },
      handler: async (c) => {
        if (!c.mayAccess(c.params.accountId) || !(await store().getAccount(c.params.accountId))) throw notFound(`account "${c.params.accountId}" not found`);
        const r = await store().putAccount(c.params.accountId, c.rawBody);
        if (!r.ok) throw tenancyError(r.error);
        return renderAccount(r.value.record);
      },
    }),
    defineRoute({
      method: 'DELETE', url: '/v1/accounts/:accountId', operationId: 'deleteAccount', summary: 'Delete an account (it must have no applications)', tag: 'tenancy', scopes: ['config:write'],
      params: accountParams, responses: { 204: { description: 'Deleted' }, 409: conflict },
      handler: async (c) => {
        if (!c.mayAccess(c.params.accountId)) throw notFound(`account "${c.params.accountId}" not found`);
        const r = await store().deleteAccount(c.params.accountId);
        if (!r.ok) throw tenancyError(r.error);
        c.reply.code(204);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/applications', operationId: 'listApplications', summary: 'List applications', tag: 'tenancy', scopes: ['config:read', 'config:write'],
      query: z.object({ accountId: id.optional() }), responses: { 200: { description: 'Applications', schema: z.array(applicationView) } },
      handler: async (c) => (await store().listApplications(c.query.accountId)).filter((a) => c.mayAccess(a.accountId)).map(renderApplication),
    }),
    defineRoute({
      method: 'POST', url: '/v1/accounts/:accountId/applications', operationId: 'createApplication', summary: 'Create an application in an account', tag: 'tenancy', scopes: ['config:write'],
      params: accountParams, body: applicationSchema, bodyValidation: 'handler',
      responses: { 201: { description: 'Created; the next call to its numbers reaches it', schema: applicationView }, 409: conflict },
      handler: async (c) => {
        if (!c.mayAccess(c.params.accountId)) throw notFound(`account "${c.params.accountId}" not found`);
        const raw = c.rawBody as Record<string, unknown> | undefined;
        const appId = id.safeParse(raw?.id);
        if (!appId.success) throw new HttpError(400, { error: 'invalid', in: 'body', field: 'id', message: `id: ${appId.error.issues[0]!.message}` });
        const r = await store().putApplication(c.params.accountId, appId.data, raw, 'create');
        if (!r.ok) throw tenancyError(r.error);
        c.reply.code(201);
        return renderApplication(r.value.record);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/applications/:applicationId', operationId: 'getApplication', summary: 'Get an application (secrets masked)', tag: 'tenancy', scopes: ['config:read', 'config:write'],
      params: appParams, responses: { 200: { description: 'The application', schema: applicationView } },
      handler: async (c) => renderApplication(await appOf(c.params.applicationId, c.mayAccess)),
    }),
    defineRoute({
      method: 'PUT', url: '/v1/applications/:applicationId', operationId: 'replaceApplication',
      summary: "Replace an application's settings (applies to the next call; live calls keep theirs). Omitted `numbers` are kept; secrets sent as ******** keep their value.",
      tag: 'tenancy', scopes: ['config:write'], params: appParams, body: applicationUpdateSchema, bodyValidation: 'handler',
      responses: { 200: { description: 'Replaced', schema: applicationView }, 409: conflict },
      handler: async (c) => {
        const app = await appOf(c.params.applicationId, c.mayAccess);
        const r = await store().putApplication(app.accountId, c.params.applicationId, c.rawBody, 'replace');
        if (!r.ok) throw tenancyError(r.error);
        return renderApplication(r.value.record);
      },
    }),
    defineRoute({
      method: 'DELETE', url: '/v1/applications/:applicationId', operationId: 'deleteApplication', summary: 'Delete an application and its numbers', tag: 'tenancy', scopes: ['config:write'],
      params: appParams, responses: { 204: { description: 'Deleted' }, 409: conflict },
      handler: async (c) => {
        await appOf(c.params.applicationId, c.mayAccess);
        const r = await store().deleteApplication(c.params.applicationId);
        if (!r.ok) throw tenancyError(r.error);
        c.reply.code(204);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/applications/:applicationId/numbers', operationId: 'listNumbers', summary: "List an application's numbers", tag: 'tenancy', scopes: ['config:read', 'config:write'],
      params: appParams, responses: { 200: { description: 'Numbers as configured', schema: z.array(z.string()) } },
      handler: async (c) => (await appOf(c.params.applicationId, c.mayAccess)).application.numbers,
    }),
    defineRoute({
      method: 'POST', url: '/v1/applications/:applicationId/numbers', operationId: 'addNumber', summary: 'Route a number (E.164, national, SIP user part or a prefix range ending in *) to an application', tag: 'tenancy', scopes: ['config:write'],
      params: appParams, body: z.object({ number: z.string().min(1).max(64) }),
      responses: { 201: { description: 'Added', schema: z.object({ number: z.string(), key: z.string().describe('the normalised form calls are matched on') }) }, 409: conflict },
      handler: async (c) => {
        await appOf(c.params.applicationId, c.mayAccess);
        const r = await store().addNumber(c.params.applicationId, c.body.number);
        if (!r.ok) throw tenancyError(r.error);
        c.reply.code(201);
        return r.value;
      },
    }),
    defineRoute({
      method: 'DELETE', url: '/v1/applications/:applicationId/numbers/:number', operationId: 'removeNumber', summary: 'Stop routing a number to an application', tag: 'tenancy', scopes: ['config:write'],
      params: z.object({ applicationId: id, number: z.string().min(1).max(64) }), responses: { 204: { description: 'Removed' }, 409: conflict },
      handler: async (c) => {
        await appOf(c.params.applicationId, c.mayAccess);
        const r = await store().removeNumber(c.params.applicationId, c.params.number);
        if (!r.ok) throw tenancyError(r.error);
        c.reply.code(204);
      },
    }),
  ];
}
