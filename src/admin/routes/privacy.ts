/**
 * Erasure requests and receipts, training export (streamed JSON lines) and retention status. The
 * phone number of an erasure request is used once, to compute its pseudonym inside the training
 * module's `Eraser`; it is never logged, audited or returned (the receipt holds counts and ids only).
 */
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { exportTraining } from '../../training/index.js';
import { trainingPolicies } from '../../training/index.js';
import type { ErasureReceipt } from '../../store/index.js';
import type { TenancyStore } from '../../tenancy/index.js';
import { defineRoute, HttpError, notFound, unavailable, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';
import type { AdminTraining } from '../services.js';

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');

const receiptView = named(
  'ErasureReceipt',
  z.object({
    requestId: z.string(), accountId: z.string(), applicationId: z.string(), requestedAt: z.string(), completedAt: z.string(),
    counts: z.record(z.string(), z.number()).describe('what was removed, by kind'), regions: z.array(z.string()),
    failed: z.array(z.string()).optional().describe('parts the erasure could not complete (retry the request); empty: complete'),
    notReached: z.array(z.string()).optional().describe('sinks that already received the caller\'s events and that erasure cannot reach (e.g. Splunk HEC)'),
    sinks: z.array(z.object({
      sink: z.string(), type: z.string(), delivered: z.number().describe("the caller's events the sink had acknowledged"),
      outcome: z.enum(['deleted', 'notified', 'cannot-erase', 'not-configured', 'failed']), removed: z.number().optional(), error: z.string().optional(),
    })).optional().describe('per sink that had received events of the caller: what erasure did there'),
    nodeId: z.string().optional().describe('the gateway node that carried out the request'),
    nodes: z.array(z.string()).optional().describe('in a fleet: the other nodes that confirmed their outboxes hold nothing more of the caller'),
  }),
);
const incompleteView = named(
  'ErasureIncomplete',
  z.object({ error: z.literal('erasure_incomplete'), message: z.string(), receipt: receiptView }),
);
const erasureRequest = named(
  'ErasureRequest',
  z.object({
    accountId: id,
    applicationId: id,
    phoneNumber: z.string().min(3).max(40).regex(/\d/, 'must be a phone number'),
    requestId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/).optional().describe('your reference, for idempotent retries'),
  }),
);
const retentionView = named(
  'RetentionStatus',
  z.array(z.object({
    region: z.string(),
    applications: z.array(z.object({ accountId: z.string(), applicationId: z.string(), captureEnabled: z.boolean(), retentionDays: z.number(), records: z.number() })),
  })),
);

function renderReceipt(r: ErasureReceipt) {
  return { ...r, requestedAt: new Date(r.requestedAt).toISOString(), completedAt: new Date(r.completedAt).toISOString() };
}

export function privacyRoutes(getTraining: () => AdminTraining | undefined, getTenancy: () => TenancyStore | undefined, now: () => number): ApiRoute[] {
  const training = (): AdminTraining => getTraining() ?? (() => { throw unavailable('training'); })();
  const receipts = async (accountId?: string): Promise<ErasureReceipt[]> => {
    const seen = new Map<string, ErasureReceipt>();
    for (const s of training().stores.all()) for (const r of await s.listErasureReceipts(accountId)) seen.set(r.requestId, r);
    return [...seen.values()].sort((a, b) => a.completedAt - b.completedAt);
  };
  return [
    defineRoute({
      method: 'POST', url: '/v1/erasures', operationId: 'createErasure', summary: "Erase a caller's training records and pending events; returns the receipt", tag: 'privacy', scopes: ['erasure:write'],
      body: erasureRequest,
      responses: {
        201: { description: 'Done: the receipt (no number, no pseudonym)', schema: receiptView },
        500: { description: 'Incomplete: some part could not be erased (named in receipt.failed); the rest was. Retry the request', schema: incompleteView },
      },
      handler: async (c) => {
        if (!c.mayAccess(c.body.accountId)) throw new HttpError(403, { error: 'forbidden', message: `this key may not act on account "${c.body.accountId}"` });
        const out = await training().eraser.erase({ ...c.body, actor: c.key!.id });
        if (!out.ok) throw new HttpError(400, { error: 'invalid', in: 'body', field: 'phoneNumber', message: out.error });
        c.auditDetails.requestId = out.receipt.requestId;
        c.auditDetails.account = c.body.accountId;
        c.auditDetails.application = c.body.applicationId;
        c.auditDetails.counts = out.receipt.counts;
        if (out.receipt.failed?.length) {
          // Never a success for a part that was not done: the receipt (kept, listed) says which.
          c.auditDetails.incomplete = out.receipt.failed.length;
          c.reply.code(500);
          return { error: 'erasure_incomplete', message: `erasure incomplete, not erased: ${out.receipt.failed.join('; ')}`, receipt: renderReceipt(out.receipt) };
        }
        c.reply.code(201);
        return renderReceipt(out.receipt);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/erasures', operationId: 'listErasures', summary: 'List erasure receipts', tag: 'privacy', scopes: ['erasure:write', 'audit:read'],
      query: z.object({ accountId: id.optional() }), responses: { 200: { description: 'Receipts', schema: z.array(receiptView) } },
      handler: async (c) => {
        const account = c.key!.accountId ?? c.query.accountId;
        if (c.query.accountId && !c.mayAccess(c.query.accountId)) return [];
        return (await receipts(account)).map(renderReceipt);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/erasures/:requestId', operationId: 'getErasure', summary: 'Get one erasure receipt', tag: 'privacy', scopes: ['erasure:write', 'audit:read'],
      params: z.object({ requestId: z.string().min(1).max(128) }), responses: { 200: { description: 'The receipt', schema: receiptView } },
      handler: async (c) => {
        const r = (await receipts(c.key!.accountId ?? undefined)).find((x) => x.requestId === c.params.requestId);
        if (!r) throw notFound(`no receipt "${c.params.requestId}"`);
        return renderReceipt(r);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/training/export', operationId: 'exportTraining', summary: "Stream an application's unexpired training records of one region as decrypted JSON lines (audited)", tag: 'privacy', scopes: ['training:export'],
      query: z.object({
        accountId: id, applicationId: id, region: id,
        since: z.coerce.number().int().min(0).optional().describe('epoch ms: only records captured at or after this time'),
      }),
      responses: { 200: { description: 'One JSON record per line', contentType: 'application/x-ndjson' } },
      handler: async (c) => {
        const t = training();
        if (!c.mayAccess(c.query.accountId)) throw new HttpError(403, { error: 'forbidden', message: `this key may not act on account "${c.query.accountId}"` });
        if (!t.stores.has(c.query.region)) throw new HttpError(400, { error: 'invalid', in: 'query', field: 'region', message: `region: "${c.query.region}" has no store configured` });
        const out = new PassThrough();
        c.auditDetails.region = c.query.region;
        c.auditDetails.account = c.query.accountId;
        c.auditDetails.application = c.query.applicationId;
        exportTraining(t.stores.get(c.query.region), t.reader, { accountId: c.query.accountId, applicationId: c.query.applicationId, since: c.query.since, actor: c.key!.id }, out).then(
          () => out.end(),
          (e: unknown) => out.destroy(e as Error),
        );
        c.reply.header('content-type', 'application/x-ndjson');
        return c.reply.send(out);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/retention', operationId: 'retentionStatus', summary: 'Training capture and retention per region: policy and unexpired record count per application', tag: 'privacy', scopes: ['config:read', 'training:export'],
      responses: { 200: { description: 'Status per region', schema: retentionView } },
      handler: async (c) => {
        const t = training();
        const tenancy = getTenancy();
        if (!tenancy) throw unavailable('tenancy');
        const policies = trainingPolicies({ accounts: await tenancy.snapshot() }).filter((p) => c.mayAccess(p.accountId));
        const at = now();
        const out = [];
        for (const region of t.stores.regions()) {
          const store = t.stores.get(region);
          const applications = [];
          for (const p of policies.filter((x) => x.region === region)) {
            applications.push({ accountId: p.accountId, applicationId: p.applicationId, captureEnabled: p.enabled, retentionDays: p.retentionDays, records: await store.countTrainingRecords({ accountId: p.accountId, applicationId: p.applicationId, now: at }) });
          }
          out.push({ region, applications });
        }
        return out;
      },
    }),
  ];
}
