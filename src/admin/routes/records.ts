/**
 * Privacy receipts and call recordings:
 * - `GET /v1/receipts?region=` the region's chain (PII-free bodies), `GET /v1/receipts/verify?region=`
 *   the chain checked with the region's public key, `GET /v1/receipts/calls/:callId` one call's receipt;
 * - `GET /v1/recordings` (list), `GET /v1/recordings/:id` (decrypted on the fly, `audio/wav`),
 *   `DELETE /v1/recordings/:id`, `POST /v1/calls/:callId/recording/pause|resume`.
 * Every request is audited by the route layer; recording reads and deletions are also written to the
 * audit log of the recording's region (recordings/service.ts).
 */
import { z } from 'zod';
import type { StoredReceipt } from '../../receipts/index.js';
import { verifyChain } from '../../receipts/index.js';
import { regionPublicKey } from '../../receipts/index.js';
import { defineRoute, HttpError, notFound, unavailable, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';
import type { AdminRecords } from '../services.js';

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only');
const callId = z.string().min(1).max(256).regex(/^[\x21-\x7e]+$/, 'printable characters, no spaces');

const receiptView = named(
  'PrivacyReceipt',
  z.object({
    region: z.string(), seq: z.number().int(), kind: z.enum(['call', 'erasure']), subject: z.string().describe('call id or erasure request id'),
    body: z.record(z.string(), z.unknown()).describe('the receipt: counts, times, ids; no PII'),
    prevHash: z.string(), hash: z.string(), signature: z.string().describe('Ed25519 over the hash, base64; empty when the next signed receipt seals this one (one signature per write batch)'), keyId: z.string(), createdAt: z.string(),
  }),
);
const verdictView = named(
  'ReceiptChainVerdict',
  z.object({
    ok: z.boolean(), region: z.string(), receipts: z.number(), head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
    problems: z.array(z.object({ seq: z.number(), problem: z.string(), detail: z.string() })),
  }),
);
const recordingView = named(
  'Recording',
  z.object({
    id: z.string(), callId: z.string(), accountId: z.string(), applicationId: z.string(), region: z.string(), channels: z.enum(['mono', 'stereo']),
    durationMs: z.number(), pauses: z.array(z.object({ fromMs: z.number(), toMs: z.number().optional(), reasons: z.array(z.string()) })).describe('silent spans: sensitive switch, dialog or admin pause'),
    consent: z.string(), consentOutcome: z.string(), createdAt: z.string(), expiresAt: z.string(),
  }),
);

export function renderReceipt(r: StoredReceipt) {
  return { ...r, body: JSON.parse(r.body) as Record<string, unknown>, createdAt: new Date(r.createdAt).toISOString() };
}

export function recordsRoutes(getRecords: () => AdminRecords | undefined, dataDir: () => string | undefined): ApiRoute[] {
  const records = (): AdminRecords => getRecords() ?? (() => { throw unavailable('receipts and recordings'); })();
  const chain = (region: string) => {
    const c = records().chains.get(region);
    if (!c) throw new HttpError(400, { error: 'invalid', in: 'query', field: 'region', message: `region: "${region}" has no store configured` });
    return c;
  };
  const accountOfBody = (r: StoredReceipt) => String((JSON.parse(r.body) as { accountId?: unknown }).accountId ?? '');
  return [
    defineRoute({
      method: 'GET', url: '/v1/receipts', operationId: 'listReceipts', summary: "A region's privacy receipt chain, in order after `afterSeq`", tag: 'privacy', scopes: ['receipts:read', 'audit:read'],
      query: z.object({ region: id, afterSeq: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      responses: { 200: { description: 'Receipts', schema: z.array(receiptView) } },
      handler: async (c) => (await chain(c.query.region).list(c.query.afterSeq, c.query.limit)).filter((r) => c.mayAccess(accountOfBody(r))).map(renderReceipt),
    }),
    defineRoute({
      method: 'GET', url: '/v1/receipts/verify', operationId: 'verifyReceipts', summary: "Check a region's chain: positions, links, hashes and Ed25519 signatures", tag: 'privacy', scopes: ['receipts:read', 'audit:read'],
      query: z.object({ region: id, headSeq: z.coerce.number().int().min(1).optional(), headHash: z.string().regex(/^[0-9a-f]{64}$/).optional() }),
      responses: { 200: { description: 'The verdict (ok false names each problem)', schema: verdictView } },
      handler: async (c) => {
        const dir = dataDir();
        if (!dir) throw unavailable('receipt keys');
        const head = c.query.headSeq !== undefined && c.query.headHash ? { seq: c.query.headSeq, hash: c.query.headHash } : undefined;
        const v = await verifyChain(c.query.region, chain(c.query.region).all(), regionPublicKey(dir, c.query.region), head);
        c.auditDetails.region = c.query.region;
        c.auditDetails.ok = v.ok;
        return v;
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/receipts/calls/:callId', operationId: 'getCallReceipt', summary: "One call's privacy receipt (any region)", tag: 'privacy', scopes: ['receipts:read', 'audit:read'],
      params: z.object({ callId }), responses: { 200: { description: 'The receipt', schema: receiptView } },
      handler: async (c) => {
        for (const ch of records().chains.values()) {
          const r = (await ch.forSubject(c.params.callId)).find((x) => x.kind === 'call' && c.mayAccess(accountOfBody(x)));
          if (r) return renderReceipt(r);
        }
        throw notFound('no receipt for that call');
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/recordings', operationId: 'listRecordings', summary: 'Unexpired call recordings (metadata only)', tag: 'recordings', scopes: ['recordings:read'],
      query: z.object({ accountId: id.optional(), applicationId: id.optional(), region: id.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      responses: { 200: { description: 'Recordings, newest first per region', schema: z.array(recordingView) } },
      handler: async (c) => {
        const account = c.key!.accountId ?? c.query.accountId;
        if (c.query.accountId && !c.mayAccess(c.query.accountId)) return [];
        if (c.query.region && !records().chains.has(c.query.region)) throw new HttpError(400, { error: 'invalid', in: 'query', field: 'region', message: `region: "${c.query.region}" has no store configured` });
        return records().recordings.list({ ...c.query, accountId: account }, c.key!.id);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/recordings/:recordingId', operationId: 'getRecording', summary: 'One recording, decrypted to WAV on the fly (audited)', tag: 'recordings', scopes: ['recordings:read'],
      params: z.object({ recordingId: id }),
      responses: { 200: { description: 'The audio', contentType: 'audio/wav' }, 410: { description: 'Its caller was erased: the audio is shredded' } },
      handler: async (c) => {
        const r = await records().recordings.get(c.params.recordingId, c.key!.id);
        c.auditDetails.recordingId = c.params.recordingId;
        if (!r.ok && r.reason === 'not-found') throw notFound('no such recording (or expired)');
        if (!r.ok && r.reason === 'shredded') throw new HttpError(410, { error: 'shredded', message: 'the caller was erased: this recording can no longer be opened' });
        if (!r.ok) throw new HttpError(500, { error: 'tampered', message: 'the stored recording failed authentication' });
        if (!c.mayAccess(r.view.accountId)) throw notFound('no such recording (or expired)');
        c.reply.header('content-type', 'audio/wav');
        c.reply.header('cache-control', 'no-store');
        return c.reply.send(r.wav);
      },
    }),
    defineRoute({
      method: 'DELETE', url: '/v1/recordings/:recordingId', operationId: 'deleteRecording', summary: 'Delete one recording (audited)', tag: 'recordings', scopes: ['recordings:write'],
      params: z.object({ recordingId: id }), responses: { 204: { description: 'Deleted' } },
      handler: async (c) => {
        c.auditDetails.recordingId = c.params.recordingId;
        if (c.key!.accountId) {
          const seen = await records().recordings.list({ accountId: c.key!.accountId, limit: 1000 }, c.key!.id);
          if (!seen.some((r) => r.id === c.params.recordingId)) throw notFound('no such recording');
        }
        if (!(await records().recordings.delete(c.params.recordingId, c.key!.id))) throw notFound('no such recording');
        c.reply.code(204);
        return null;
      },
    }),
    ...(['pause', 'resume'] as const).map((action) =>
      defineRoute({
        method: 'POST', url: `/v1/calls/:callId/recording/${action}`, operationId: `${action}Recording`, summary: `${action === 'pause' ? 'Pause' : 'Resume'} a live call's recording (the paused span is silence, marked)`, tag: 'recordings', scopes: ['recordings:write'],
        params: z.object({ callId }), responses: { 200: { description: 'Done', schema: z.object({ paused: z.boolean() }) } },
        handler: async (c) => {
          const call = records().liveCall(c.params.callId);
          if (!call || !c.mayAccess(call.info.accountId)) throw notFound('no such call in progress');
          if (!call.recording) throw new HttpError(409, { error: 'not_recording', message: 'this call is not being recorded' });
          if (action === 'pause') call.recording.pause('admin');
          else call.recording.resume('admin');
          return { paused: call.recording.paused };
        },
      }),
    ),
  ];
}
