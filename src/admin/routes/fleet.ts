/**
 * `GET /v1/node`: which node answered, whether it is part of a fleet, and whether it serves or
 * drains — 200 everywhere, so a client (the console's Fleet tab) learns whether to ask for the fleet
 * without provoking the 503 `/v1/fleet` gives a gateway alone.
 *
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

const nodeSelf = named(
  'Node',
  z.object({
    nodeId: z.string().describe('this process (`node.id`)'),
    fleet: z.boolean().describe('part of a fleet (fleet.enabled): /v1/fleet answers'),
    state: z.enum(['serving', 'draining']).describe('draining once SIGTERM arrived (or while not ready)'),
  }),
);

/** This node as `/v1/node` describes it. */
export interface NodeSelf {
  nodeId: string;
  ready: () => boolean;
}

export function fleetRoutes(get: () => FleetView | undefined, now: () => number, self?: NodeSelf): ApiRoute[] {
  const fleet = (): FleetView => get() ?? (() => { throw unavailable('the fleet (fleet.enabled with a PostgreSQL control region)'); })();
  return [
    defineRoute({
      method: 'GET', url: '/v1/node', operationId: 'nodeStatus', summary: 'The node that answered: its id, whether it is in a fleet, serving or draining', tag: 'ops', scopes: ['calls:read', 'config:read'],
      responses: { 200: { description: 'This node', schema: nodeSelf } },
      handler: async () => {
        const f = get();
        const ready = self?.ready() ?? true;
        return { nodeId: f?.nodeId ?? self?.nodeId ?? 'local', fleet: f !== undefined, state: ready ? 'serving' : 'draining' };
      },
    }),
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
