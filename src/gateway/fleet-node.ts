/**
 * Joins this gateway to its fleet when `fleet.enabled` says so (`auto`: the control region's store is
 * PostgreSQL): builds the `Fleet` (src/fleet/) and connects it to the parts of the gateway it follows
 * or feeds. Kept apart from the composition root so the gateway reads the same with or without one.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { Fleet } from '../fleet/index.js';
import type { LocalErasure } from '../fleet/index.js';
import type { EventForwarding } from '../events/index.js';
import type { DataKeyRing } from '../training/index.js';

/** Whether this configuration runs as a node of a fleet. */
export function fleetEnabled(c: Config): boolean {
  const region = c.tenancy.region ?? Object.keys(c.regions)[0]!;
  const postgres = c.regions[region]?.store.kind === 'postgres';
  return c.fleet.enabled === true || (c.fleet.enabled === 'auto' && postgres);
}

export async function openFleet(c: Config, controlStore: Store, nodeId: string, log: Logger): Promise<Fleet> {
  const region = c.tenancy.region ?? Object.keys(c.regions)[0]!;
  const store = c.regions[region]!.store;
  if (store.kind !== 'postgres') throw new Error(`fleet.enabled: the control region "${region}" must use a PostgreSQL store (regions.${region}.store.kind: postgres)`);
  return Fleet.open({
    store: controlStore, url: store.url, log,
    settings: { nodeId, heartbeatSeconds: c.fleet.heartbeatSeconds, erasureWaitSeconds: c.fleet.erasureWaitSeconds, forgetNodeAfterHours: c.fleet.forgetNodeAfterHours },
    rateLimit: c.admin.rateLimit,
  });
}

/** What this node does for an erasure requested on another node: drop cached keys, clear its outbox (and what its sinks hold). */
export function localErasure(forwarding: EventForwarding, ring: DataKeyRing): LocalErasure {
  return {
    async eraseByPseudonym(accountId, applicationId, pseudonym, requestId) {
      ring.forgetPseudonym(accountId, applicationId, pseudonym);
      const r = await forwarding.eraseByPseudonym(accountId, applicationId, pseudonym, { requestId });
      ring.forgetPseudonym(accountId, applicationId, pseudonym);
      return { removed: r.removed, failed: r.failed };
    },
  };
}
