/**
 * One route definition, three uses (the fastify habit, with zod): the same `ApiRoute` registers the
 * fastify handler, validates the request (params, query, body: 400 naming the field), and describes
 * the operation in the OpenAPI document (`openapi.ts`). Around every handler, in this order:
 * authentication (401), the key's rate limit (429 with Retry-After), scopes (403), validation (400),
 * the handler, then one audit entry (who, what, when, status; no PII) in the control store.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Store } from '../store/index.js';
import { obfuscatePhone } from '../privacy/index.js';
import type { ApiKey, ApiKeyStore } from './api-keys.js';
import type { KeyRateLimiter } from './rate-limit.js';
import type { Scope } from './scopes.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ResponseDoc {
  description: string;
  /** JSON body schema, or a non-JSON media type. */
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The body as sent (for routes that validate it themselves). */
  rawBody: unknown;
  /** The calling key (undefined on public routes). */
  key?: ApiKey;
  req: FastifyRequest;
  reply: FastifyReply;
  /** Whether the key may see an account's resources (keys restricted to one account see only it). */
  mayAccess(accountId: string): boolean;
  /** Extra PII-free details for this request's audit entry. */
  auditDetails: Record<string, unknown>;
}

export interface ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** fastify syntax: `/v1/accounts/:accountId`. */
  url: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Any one of these scopes lets a key call the route; `public` needs no key. */
  scopes: readonly Scope[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** `handler`: the body schema documents the route, the handler validates (and names fields) itself. */
  bodyValidation?: 'schema' | 'handler';
  responses: Record<number, ResponseDoc>;
  /** Default true for routes with a key; false keeps reads of the audit log out of it. */
  audit?: boolean;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(r: ApiRoute<P, Q, B>): ApiRoute {
  return r as unknown as ApiRoute;
}

export interface ApiError {
  error: string;
  message: string;
  field?: string;
  in?: 'path' | 'query' | 'body';
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message);
  }
}

export const notFound = (message: string) => new HttpError(404, { error: 'not_found', message });
export const unavailable = (what: string) => new HttpError(503, { error: 'not_available', message: `${what} is not available on this gateway` });

export interface RouteKitDeps {
  keys?: ApiKeyStore;
  limiter: KeyRateLimiter;
  /** Where audit entries go; no auditing when absent. */
  auditStore?: Store;
  now: () => number;
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

function validate(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) return value;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(body)';
  throw new HttpError(400, { error: 'invalid', in: where, field, message: `${field}: ${issue.message}` });
}

/** The audit target of a request: its path with ids, phone-number parameters obfuscated, no query string. */
function auditTarget(route: ApiRoute, params: Record<string, unknown>): string {
  return route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = String(params[name] ?? '');
    return name === 'number' ? obfuscatePhone(v) : v;
  });
}

export function registerRoute(app: FastifyInstance, route: ApiRoute, deps: RouteKitDeps): void {
  app.route({
    method: route.method,
    url: route.url,
    handler: async (req, reply) => {
      let key: ApiKey | undefined;
      const auditDetails: Record<string, unknown> = {};
      let status = 500;
      try {
        if (route.scopes !== 'public') {
          const token = bearer(req);
          key = token && deps.keys ? await deps.keys.verify(token) : undefined;
          if (!key) {
            reply.header('www-authenticate', 'Bearer');
            throw new HttpError(401, { error: 'unauthorized', message: 'a valid API key is required (Authorization: Bearer hg_…)' });
          }
          const wait = await deps.limiter.take(key.id, key.ratePerMinute);
          if (wait > 0) {
            reply.header('retry-after', String(Math.ceil(wait / 1000)));
            throw new HttpError(429, { error: 'rate_limited', message: 'too many requests for this key' });
          }
          if (!route.scopes.some((s) => key!.scopes.includes(s))) {
            throw new HttpError(403, { error: 'forbidden', message: `this key lacks the scope for ${route.operationId} (needs one of: ${route.scopes.join(', ')})` });
          }
        }
        const params = validate(route.params, req.params, 'path');
        const query = validate(route.query, req.query, 'query');
        const body = route.bodyValidation === 'handler' ? req.body : validate(route.body, req.body, 'body');
        const k = key;
        const result = await route.handler({
          params, query, body, rawBody: req.body, key, req, reply, auditDetails,
          mayAccess: (accountId) => !k?.accountId || k.accountId === accountId,
        });
        status = reply.statusCode;
        if (reply.sent) return reply;
        return result === undefined ? reply.send() : result;
      } catch (e) {
        if (e instanceof HttpError) {
          status = e.status;
          return reply.code(e.status).send(e.body);
        }
        throw e;
      } finally {
        if (key && deps.auditStore && route.audit !== false && status !== 429) {
          const entry = { actor: key.id, action: route.operationId, target: auditTarget(route, (req.params ?? {}) as Record<string, unknown>), details: { method: route.method, status, ...auditDetails } };
          await deps.auditStore.audit(entry, deps.now()).catch(() => undefined);
        }
      }
    },
  });
}
