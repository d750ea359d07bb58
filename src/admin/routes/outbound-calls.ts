/**
 * Outbound calls (beside calls.ts, which reads live and recent calls): `POST /v1/calls` places a call through a trunk (`calls:write`), `GET
 * /v1/calls/{callId}` shows its progress (`calls:read` or `calls:write`), `DELETE` hangs it up or
 * cancels it. A key restricted to an account may only place and see that account's calls. The
 * dialled number is shown with its last 4 digits removed; the audit entry names the call, not the number.
 */
import { z } from 'zod';
import type { OutboundCallStatus, PlaceCallRequest, OutboundRefusal } from '../../call/index.js';
import type { Result } from '../../result/index.js';
import { defineRoute, HttpError, notFound, unavailable, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';

/** What the routes need of the gateway's outbound calls (`OutboundCalls`). */
export interface OutboundCallsApi {
  place(req: PlaceCallRequest): Result<{ callId: string }, OutboundRefusal>;
  status(callId: string): OutboundCallStatus | undefined;
  hangup(callId: string): Promise<boolean>;
}

export const placeCallSchema = named(
  'PlaceCall',
  z.object({
    accountId: z.string().min(1),
    applicationId: z.string().min(1),
    to: z.string().min(1).max(256).describe('sip:number@trunk-host, tel:+number or +E164'),
    from: z.string().min(1).max(64).optional().describe("caller ID (E.164); must be one the trunk's callerId rules allow"),
    trunk: z.string().min(1).optional(),
    timeoutSeconds: z.number().int().min(1).max(600).optional().describe('ring time before the call counts as not answered (default 60)'),
    variables: z.record(z.string(), z.unknown()).optional().describe("handed to the application's dialog"),
  }).strict(),
);

const callView = named(
  'OutboundCall',
  z.object({
    callId: z.string(), accountId: z.string(), applicationId: z.string(), trunk: z.string(),
    state: z.enum(['trying', 'ringing', 'answered', 'ended', 'busy', 'no-answer', 'failed', 'cancelled']),
    sipStatus: z.number().int().nullable(), to: z.string().describe('dialled number with its last 4 digits removed'),
    createdAt: z.string(), answeredAt: z.string().nullable(), endedAt: z.string().nullable(), endReason: z.string().nullable(),
  }),
);

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

function render(s: OutboundCallStatus) {
  return { ...s, sipStatus: s.sipStatus ?? null, createdAt: iso(s.createdAt)!, answeredAt: iso(s.answeredAt), endedAt: iso(s.endedAt), endReason: s.endReason ?? null };
}

const callParams = z.object({ callId: z.string().min(1).max(200) });

export function outboundCallRoutes(get: () => OutboundCallsApi | undefined): ApiRoute[] {
  const calls = (): OutboundCallsApi => get() ?? (() => { throw unavailable('outbound calling'); })();
  const visible = (callId: string, mayAccess: (a: string) => boolean): OutboundCallStatus => {
    const s = calls().status(callId);
    if (!s || !mayAccess(s.accountId)) throw notFound(`call "${callId}" not found`);
    return s;
  };
  return [
    defineRoute({
      method: 'POST', url: '/v1/calls', operationId: 'placeCall', summary: 'Place an outbound call through a trunk; the application runs when it is answered', tag: 'calls', scopes: ['calls:write'],
      body: placeCallSchema,
      responses: {
        201: { description: 'Dialling', schema: z.object({ callId: z.string() }) },
        403: { description: 'Destination outside the allowed prefixes, trunk or caller ID not allowed' },
        429: { description: 'A rate or concurrency limit refuses the call' },
      },
      handler: async (c) => {
        if (!c.mayAccess(c.body.accountId)) throw notFound(`account "${c.body.accountId}" not found`);
        const r = calls().place(c.body);
        if (!r.ok) throw new HttpError(r.error.status, { error: r.error.code, message: r.error.message });
        c.auditDetails.callId = r.value.callId;
        c.auditDetails.accountId = c.body.accountId;
        c.reply.code(201);
        return r.value;
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/calls/:callId', operationId: 'getOutboundCall', summary: "An outbound call's state", tag: 'calls', scopes: ['calls:read', 'calls:write'],
      params: callParams, responses: { 200: { description: 'The call', schema: callView } }, audit: false,
      handler: async (c) => render(visible(c.params.callId, c.mayAccess)),
    }),
    defineRoute({
      method: 'DELETE', url: '/v1/calls/:callId', operationId: 'hangUpOutboundCall', summary: 'Hang up (or cancel while ringing) an outbound call', tag: 'calls', scopes: ['calls:write'],
      params: callParams, responses: { 204: { description: 'Hanging up' }, 409: { description: 'The call is already over' } },
      handler: async (c) => {
        visible(c.params.callId, c.mayAccess);
        if (!(await calls().hangup(c.params.callId))) throw new HttpError(409, { error: 'conflict', message: 'the call is already over' });
        c.reply.code(204);
        return undefined;
      },
    }),
  ];
}
