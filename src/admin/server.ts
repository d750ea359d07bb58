/**
 * The admin server: one fastify instance serving the route table of `routes/` (health, metrics,
 * OpenAPI, tenancy CRUD, keys, erasure, training export, retention, live calls, outbox, audit).
 *
 * Transport policy: HTTPS with the PEM certificate and key from `admin.tls`. Plain HTTP only when the
 * server binds a loopback address, or when the operator sets `admin.allowPlainHttp: true` (behind a
 * TLS-terminating proxy) — the flag is the operator's acknowledgement, and `startAdminServer` still
 * logs a warning at start when it serves plain HTTP off loopback, so the choice stays visible.
 * `buildAdminServer` returns the app without listening (tests use `inject`); `startAdminServer`
 * checks the policy and listens.
 *
 * Every `/v1/*` answer (errors included) carries `Cache-Control: no-store` — API keys, tenancy data
 * and audit entries must not sit in a browser or proxy cache — and every answer `nosniff`.
 */
import { isConsoleRoute, registerConsole } from './console-routes.js';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { registerRoute, type ApiRoute } from './api-route.js';
import { buildOpenApi } from './openapi.js';
import { RateLimiter, type RateLimit } from './rate-limit.js';
import { fleetRoutes } from './routes/fleet.js';
import type { AdminServices } from './services.js';
import { tenancyRoutes } from './routes/tenancy.js';
import { keyRoutes } from './routes/keys.js';
import { recordsRoutes } from './routes/records.js';
import { privacyRoutes } from './routes/privacy.js';
import { opsRoutes } from './routes/ops.js';
import { callRoutes } from './routes/calls.js';
import { outboundCallRoutes } from './routes/outbound-calls.js';

export interface AdminTls {
  certFile: string;
  keyFile: string;
}

export interface AdminDeps extends AdminServices {
  host: string;
  port: number;
  tls?: AdminTls;
  allowPlainHttp?: boolean;
  rateLimit?: RateLimit;
  /** Where the start-up warning about plain HTTP off loopback goes. */
  log?: Pick<Logger, 'warn'>;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perMinute: 600, burst: 60 };

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** Refuses plain HTTP on a non-loopback address unless explicitly allowed. */
export function checkTransportPolicy(d: Pick<AdminDeps, 'host' | 'tls' | 'allowPlainHttp'>): { ok: true } | { ok: false; error: string } {
  if (d.tls || d.allowPlainHttp || isLoopback(d.host)) return { ok: true };
  return { ok: false, error: `admin API on ${d.host} needs admin.tls (certFile, keyFile); plain HTTP is served only on loopback unless admin.allowPlainHttp is true` };
}

export interface AdminServer {
  app: FastifyInstance;
  routes: readonly ApiRoute[];
  openapi: Record<string, unknown>;
  /** Every (method, url) fastify registered, as its `onRoute` hook saw them. */
  served: { method: string; url: string }[];
}

export async function buildAdminServer(deps: Omit<AdminDeps, 'host' | 'port'>, https?: { cert: Buffer; key: Buffer }): Promise<AdminServer> {
  const now = deps.now ?? Date.now;
  const app = https
    ? (Fastify({ logger: false, exposeHeadRoutes: false, https }) as unknown as FastifyInstance)
    : Fastify({ logger: false, exposeHeadRoutes: false });
  const served: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    if (isConsoleRoute(r.url)) return; // static console files, not API routes (console-routes.ts)
    for (const m of [r.method].flat()) served.push({ method: String(m), url: r.url });
  });
  // onRequest runs for every request, matched or not, so 401/404/429 answers carry the headers too.
  app.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    if (req.url.startsWith('/v1/')) void reply.header('cache-control', 'no-store');
    done();
  });
  const auditStore = () => deps.auditStore ?? deps.tenancy?.store;
  let openapi: Record<string, unknown> = {};
  const routes: ApiRoute[] = [
    ...opsRoutes({ registry: deps.registry, ready: deps.ready, openapi: () => openapi, calls: deps.calls, outbox: deps.outbox, auditStore, now }),
    ...callRoutes({ calls: deps.calls, stories: () => deps.stories }),
    ...tenancyRoutes(() => deps.tenancy),
    ...keyRoutes(() => deps.keys),
    ...outboundCallRoutes(() => deps.outbound),
    ...privacyRoutes(() => deps.training, () => deps.tenancy, now),
    ...recordsRoutes(() => deps.records, () => deps.dataDir),
    ...fleetRoutes(() => deps.fleet, now, { nodeId: deps.nodeId ?? 'local', ready: deps.ready }),
  ];
  openapi = buildOpenApi(routes, { title: 'Hushgate admin API', version: '1' });
  const limiter = deps.limiter ?? new RateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT, now);
  // Body parse errors (malformed JSON) are 400s in the same shape as validation errors.
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    void reply.code(status).send({ error: status === 500 ? 'internal' : 'invalid', ...(status === 400 ? { field: '(body)', in: 'body' } : {}), message: status === 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((_req, reply) => void reply.code(404).send({ error: 'not_found', message: 'no such route' }));
  const audit = auditStore();
  for (const r of routes) registerRoute(app, r, { keys: deps.keys, limiter, auditStore: audit, now });
  registerConsole(app);
  return { app, routes, openapi, served };
}

export async function startAdminServer(deps: AdminDeps): Promise<FastifyInstance> {
  const policy = checkTransportPolicy(deps);
  if (!policy.ok) throw new Error(policy.error);
  const https = deps.tls ? { cert: readFileSync(deps.tls.certFile), key: readFileSync(deps.tls.keyFile) } : undefined;
  const { app } = await buildAdminServer(deps, https);
  await app.listen({ host: deps.host, port: deps.port });
  if (!https && !isLoopback(deps.host)) {
    deps.log?.warn(
      { host: deps.host, port: deps.port },
      'admin API serves plain HTTP on a non-loopback address (admin.allowPlainHttp: true): API keys cross the network in clear text unless a TLS-terminating proxy is in front',
    );
  }
  return app;
}
