/**
 * Operations: health, readiness, Prometheus metrics, the OpenAPI document (public), live calls
 * (`calls:read`, numbers obfuscated), the event outbox (`events:read`) and the audit log (`audit:read`).
 */
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { Store } from '../../store/index.js';
import { obfuscatePhone } from '../../privacy/index.js';
import { defineRoute, unavailable, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';
import type { OutboxDepth } from '../metrics.js';
import type { LiveCallSource } from '../services.js';

const liveCall = named(
  'LiveCall',
  z.object({
    callId: z.string(), accountId: z.string(), applicationId: z.string(), state: z.string(), codec: z.string().nullable(),
    startedAt: z.string(), answeredAt: z.string().nullable(), durationSeconds: z.number(),
    from: z.string().describe('caller number with its last 4 digits removed'), to: z.string().describe('dialled number with its last 4 digits removed'),
  }),
);
const auditView = named(
  'AuditRecord',
  z.object({ seq: z.number().int(), at: z.string(), actor: z.string().describe('API key id, or cli / erasure'), action: z.string(), target: z.string(), details: z.record(z.string(), z.unknown()) }),
);

function obfuscatedCaller(user: string | undefined): string {
  return user === undefined ? '[REDACTED]' : obfuscatePhone(user);
}

export function renderLiveCall(c: LiveCallSource, now: number) {
  const i = c.info;
  return {
    callId: i.callId, accountId: i.accountId, applicationId: i.applicationId, state: c.session.state, codec: i.audio?.codec ?? null,
    startedAt: new Date(i.startedAt).toISOString(), answeredAt: i.answeredAt ? new Date(i.answeredAt).toISOString() : null,
    durationSeconds: i.answeredAt ? Math.round((now - i.answeredAt) / 1000) : 0,
    from: obfuscatedCaller(c.session.callerUser), to: obfuscatePhone(c.route.dialled),
  };
}

export interface OpsDeps {
  registry: Registry;
  ready: () => boolean;
  openapi: () => Record<string, unknown>;
  calls?: () => Iterable<LiveCallSource>;
  outbox?: () => Promise<OutboxDepth[]>;
  auditStore?: () => Store | undefined;
  now: () => number;
}

export function opsRoutes(d: OpsDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', url: '/healthz', operationId: 'health', summary: 'The process is up', tag: 'ops', scopes: 'public',
      responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
      handler: async () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'GET', url: '/readyz', operationId: 'ready', summary: 'SIP is listening and the gateway is not draining', tag: 'ops', scopes: 'public',
      responses: { 200: { description: 'Ready', schema: z.object({ status: z.string() }) }, 503: { description: 'Not ready (starting or draining)', schema: z.object({ status: z.string() }) } },
      handler: async (c) => {
        const ok = d.ready();
        c.reply.code(ok ? 200 : 503);
        return { status: ok ? 'ready' : 'not-ready' };
      },
    }),
    defineRoute({
      method: 'GET', url: '/metrics', operationId: 'metrics', summary: 'Prometheus metrics (no caller data)', tag: 'ops', scopes: 'public',
      responses: { 200: { description: 'Prometheus text exposition', contentType: 'text/plain' } },
      handler: async (c) => {
        c.reply.header('content-type', d.registry.contentType);
        return d.registry.metrics();
      },
    }),
    defineRoute({
      method: 'GET', url: '/openapi.json', operationId: 'openapi', summary: 'This document', tag: 'ops', scopes: 'public',
      responses: { 200: { description: 'OpenAPI 3.1 document', contentType: 'application/json' } },
      handler: async () => d.openapi(),
    }),
    defineRoute({
      method: 'GET', url: '/v1/calls', operationId: 'listCalls', summary: 'Live calls (numbers obfuscated)', tag: 'calls', scopes: ['calls:read'],
      responses: { 200: { description: 'Calls in progress', schema: z.array(liveCall) } },
      handler: async (c) => {
        if (!d.calls) throw unavailable('calls');
        const now = d.now();
        return [...d.calls()].filter((x) => c.mayAccess(x.info.accountId)).map((x) => renderLiveCall(x, now));
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/events/outbox', operationId: 'outboxStatus', summary: 'Event outbox depth and age per region', tag: 'events', scopes: ['events:read'],
      responses: { 200: { description: 'Per region', schema: z.array(z.object({ region: z.string(), depth: z.number(), oldestAgeSeconds: z.number() })) } },
      handler: async () => {
        if (!d.outbox) throw unavailable('event forwarding');
        return d.outbox();
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/audit', operationId: 'listAudit', summary: 'The admin audit log (who, what, when; no PII), oldest first after `sinceSeq`', tag: 'audit', scopes: ['audit:read'],
      audit: false,
      query: z.object({
        sinceSeq: z.coerce.number().int().min(0).default(0),
        action: z.string().max(64).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: { 200: { description: 'Entries', schema: z.array(auditView) } },
      handler: async (c) => {
        const store = d.auditStore?.();
        if (!store) throw unavailable('audit log');
        const rows = await store.listAudit({ sinceSeq: c.query.sinceSeq, action: c.query.action });
        return rows.slice(0, c.query.limit).map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
      },
    }),
  ];
}
