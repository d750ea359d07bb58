/**
 * The fleet as one: every node's state and figures, and the calls in progress on all of them
 * (`calls:read`; identifiers and times only — a call's numbers stay on the node that holds it, in
 * its own `/v1/calls`). Served by every node from the shared database; 503 on a gateway that is not
 * part of a fleet.
 */
import { z } from 'zod';
import { defineRoute, unavailable, type ApiRoute } from '../api-route.js';
import { named } from '../openapi.js';

export interface FleetView {
  nodeId: string;
  nodes(): Promise<{
    nodeId: string; sip: string; admin: string; state: string; live: boolean; startedAt: string; heartbeatAgeMs: number;
    callsActive: number; callsTotal: number; callsRefused: number; outboxDepth: number;
  }[]>;
  calls(now: number): Promise<{ nodeId: string; callId: string; accountId: string; applicationId: string; startedAt: string; durationSeconds: number }[]>;
}

const nodeView = named(
  'FleetNode',
  z.object({
    nodeId: z.string(), sip: z.string(), admin: z.string(),
    state: z.string().describe('serving, draining (SIGTERM: OPTIONS and INVITE answered 503) or stopped'),
    live: z.boolean().describe('heard from within three heartbeats'), startedAt: z.string(), heartbeatAgeMs: z.number(),
    callsActive: z.number(), callsTotal: z.number(), callsRefused: z.number().describe('INVITEs answered 503 (draining, capacity, lag)'), outboxDepth: z.number(),
  }),
);
const fleetView = named(
  'Fleet',
  z.object({
    nodeId: z.string().describe('the node that answered'),
    nodes: z.array(nodeView),
    totals: z.object({ liveNodes: z.number(), serving: z.number(), callsActive: z.number(), callsTotal: z.number(), outboxDepth: z.number() }),
  }),
);
const fleetCall = named(
  'FleetCall',
  z.object({ nodeId: z.string(), callId: z.string(), accountId: z.string(), applicationId: z.string(), startedAt: z.string(), durationSeconds: z.number() }),
);

export function fleetRoutes(get: () => FleetView | undefined, now: () => number): ApiRoute[] {
  const fleet = (): FleetView => get() ?? (() => { throw unavailable('the fleet (fleet.enabled with a PostgreSQL control region)'); })();
  return [
    defineRoute({
      method: 'GET', url: '/v1/fleet', operationId: 'fleetStatus', summary: "Every node of the fleet: state, heartbeat, figures, and the fleet's totals", tag: 'ops', scopes: ['calls:read', 'config:read'],
      responses: { 200: { description: 'Nodes and totals', schema: fleetView } },
      handler: async () => {
        const f = fleet();
        const nodes = await f.nodes();
        const live = nodes.filter((n) => n.live);
        const sum = (k: 'callsActive' | 'callsTotal' | 'outboxDepth', list = nodes) => list.reduce((a, n) => a + n[k], 0);
        return {
          nodeId: f.nodeId, nodes,
          totals: { liveNodes: live.length, serving: live.filter((n) => n.state === 'serving').length, callsActive: sum('callsActive', live), callsTotal: sum('callsTotal'), outboxDepth: sum('outboxDepth') },
        };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/fleet/calls', operationId: 'listFleetCalls', summary: 'Calls in progress on every live node (ids and times; numbers stay on the node)', tag: 'calls', scopes: ['calls:read'],
      responses: { 200: { description: 'Calls in progress', schema: z.array(fleetCall) } },
      handler: async (c) => (await fleet().calls(now())).filter((x) => c.mayAccess(x.accountId)),
    }),
  ];
}
