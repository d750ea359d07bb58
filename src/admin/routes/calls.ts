/**
 * Calls beyond the live list (ops.ts): recent calls and a call's story (`calls:read`), gated for the
 * operator by the application's privacy policy before they were ever kept (call-stories.ts), and
 * hanging up a live call (`calls:write`, audited like every authenticated request).
 */
import { z } from 'zod';
import { defineRoute, unavailable, notFound, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';
import { mediaQuality, type CallStories } from '../call-stories.js';
import { mediaSnapshot } from '../../call/index.js';
import type { LiveCallSource } from '../services.js';

const media = z.object({ codec: z.string().nullable(), packetsReceived: z.number(), packetsLost: z.number(), lossRatio: z.number(), jitterMs: z.number(), mos: z.number().nullable() }).nullable();
const summaryFields = {
  callId: z.string(), accountId: z.string(), applicationId: z.string(),
  from: z.string().describe('caller number with its last 4 digits removed (or masked/empty, as the policy says)'),
  to: z.string().describe('dialled number with its last 4 digits removed'),
  state: z.enum(['live', 'ended']), startedAt: z.string(), endedAt: z.string().nullable(), endReason: z.string().nullable(),
  turns: z.number(), dtmfKeys: z.number().describe('keys pressed (never which)'), transfers: z.number(), redactedSpans: z.number(), media,
};
const callSummary = named('CallSummary', z.object(summaryFields));
const storyEntry = z.object({
  kind: z.enum(['started', 'caller', 'turn', 'dtmf', 'transfer', 'ended']), at: z.string(), offsetMs: z.number(),
  turn: z.number().optional(), text: z.string().nullable().optional().describe('the caller\'s words after the policy\'s `logs` rule; null when it drops them'),
  confidence: z.number().optional(), redacted: z.array(z.string()).optional().describe('entity types redacted from the text'),
  timings: z.record(z.string(), z.number()).optional(), responses: z.number().optional(), error: z.string().optional(),
  keys: z.number().optional(), outcome: z.string().optional(), target: z.string().nullable().optional(), reason: z.string().optional(),
});
const callStory = named('CallStory', z.object({ ...summaryFields, timeline: z.array(storyEntry) }));
const callIdParams = z.object({ callId: z.string().min(1).max(256) });

export interface CallRoutesDeps {
  calls?: () => Iterable<LiveCallSource>;
  stories?: () => CallStories | undefined;
}

function findLive(d: CallRoutesDeps, callId: string): LiveCallSource | undefined {
  for (const c of d.calls?.() ?? []) if (c.info.callId === callId) return c;
  return undefined;
}

export function callRoutes(d: CallRoutesDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', url: '/v1/calls/recent', operationId: 'listRecentCalls', summary: 'Live and recently ended calls, newest first (numbers obfuscated, no transcripts)', tag: 'calls', scopes: ['calls:read'],
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      responses: { 200: { description: 'Calls', schema: z.array(callSummary) } },
      handler: async (c) => {
        const stories = d.stories?.();
        if (!stories) throw unavailable('call stories');
        return stories.list().filter((s) => c.mayAccess(s.accountId)).slice(0, c.query.limit).map(({ timeline: _t, ...summary }) => summary);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/calls/:callId/story', operationId: 'getCallStory', summary: 'A call\'s timeline: turns with redacted transcripts, DTMF counts, transfers, media quality', tag: 'calls', scopes: ['calls:read'],
      params: callIdParams,
      responses: { 200: { description: 'The story', schema: callStory }, 404: { description: 'No such call (or erased, or no longer kept)' } },
      handler: async (c) => {
        const stories = d.stories?.();
        if (!stories) throw unavailable('call stories');
        const s = stories.get(c.params.callId);
        if (!s || !c.mayAccess(s.accountId)) throw notFound('no such call');
        const live = s.state === 'live' ? findLive(d, s.callId) : undefined;
        // while the call lasts, its media quality is read now from the RTP session
        const m = live?.media ? mediaQuality(mediaSnapshot(live.media.stats(), live.info.audio?.codec)) : s.media;
        return { ...s, media: m };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/calls/:callId/hangup', operationId: 'hangUpCall', summary: 'Hang up a live call (BYE from the gateway)', tag: 'calls', scopes: ['calls:write'],
      params: callIdParams,
      responses: { 202: { description: 'BYE sent', schema: z.object({ callId: z.string(), state: z.literal('ending') }) }, 404: { description: 'No such live call' } },
      handler: async (c) => {
        if (!d.calls) throw unavailable('calls');
        const live = findLive(d, c.params.callId);
        if (!live || !c.mayAccess(live.info.accountId) || !live.hangup) throw notFound('no such live call');
        c.auditDetails.accountId = live.info.accountId;
        c.auditDetails.applicationId = live.info.applicationId;
        await live.hangup('local-bye');
        c.reply.code(202);
        return { callId: c.params.callId, state: 'ending' as const };
      },
    }),
  ];
}
