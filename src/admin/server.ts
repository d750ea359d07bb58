/**
 * The admin HTTP server. For now: `/healthz` (process up), `/readyz` (SIP transports listening
 * and not draining) and `/metrics` (Prometheus text). Bound to loopback by default; the full
 * REST API, HTTPS and API keys build on this server.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface AdminDeps {
  host: string;
  port: number;
  ready: () => boolean;
  registry: Registry;
}

export async function startAdminServer(deps: AdminDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = deps.ready();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready' });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });
  await app.listen({ host: deps.host, port: deps.port });
  return app;
}
