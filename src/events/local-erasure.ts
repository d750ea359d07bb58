/**
 * Erasure reach for a stopped gateway (`hushgate erase --local`): opens every configured region's
 * outbox file (`<dataDir>/outbox-<region>.sqlite`) and builds the `EventForwarding` erasure
 * participant over them, with the configured applications' sinks (so CouchDB documents are deleted
 * and webhook erasure notices queued; the notices go out when the gateway starts again). Nothing is
 * delivered from here: workers are never started.
 *
 * A region whose outbox exists but cannot be opened (corrupt, unreadable, locked) becomes a
 * participant that fails, named after its region: the erasure of everything else still runs and the
 * receipt's `failed` says which part was not done. A region without an outbox file holds nothing.
 */
import { existsSync } from 'node:fs';
import type { EventsConfig, ForwardingConfig } from './config.js';
import { eventsSchema } from './config.js';
import { EventForwarding, type ErasureParticipant, type ForwardingApplication } from './forwarding.js';
import { SqliteOutboxStore, outboxFilePath, type OutboxStore } from './outbox-store.js';
import type { PayloadCipher } from './payload-cipher.js';

export interface LocalOutboxConfig {
  dataDir: string;
  regions: Record<string, unknown>;
  events?: EventsConfig;
  accounts: { id: string; applications: { id: string; region: string; forwarding?: ForwardingConfig }[] }[];
}

export interface LocalOutboxes {
  participants: ErasureParticipant[];
  close(): Promise<void>;
}

export function openOutboxesForErasure(cfg: LocalOutboxConfig, cipher: PayloadCipher): LocalOutboxes {
  const participants: ErasureParticipant[] = [];
  const stores = new Map<string, OutboxStore>();
  for (const region of Object.keys(cfg.regions)) {
    let path: string;
    try {
      path = outboxFilePath(cfg.dataDir, region);
    } catch (e) {
      participants.push(failing(region, (e as Error).message));
      continue;
    }
    if (!existsSync(path)) continue; // never written: nothing of anyone's in it
    try {
      stores.set(region, new SqliteOutboxStore({ dataDir: cfg.dataDir, region, synchronous: cfg.events?.outbox.synchronous }));
    } catch (e) {
      participants.push(failing(region, `${path}: ${(e as Error).message}`));
    }
  }
  const applications: ForwardingApplication[] = cfg.accounts.flatMap((acc) =>
    acc.applications.filter((a) => a.forwarding).map((a) => ({ accountId: acc.id, applicationId: a.id, region: a.region, forwarding: a.forwarding! })),
  );
  let forwarding: EventForwarding | undefined;
  if (stores.size) {
    try {
      forwarding = new EventForwarding({ dataDir: cfg.dataDir, events: cfg.events ?? eventsSchema.parse({}), applications, regions: [...stores.keys()], stores, cipher });
      participants.unshift(forwarding);
    } catch (e) {
      // A sink that cannot be built (e.g. its caFile is missing): the outboxes are not erased, and the receipt says so.
      for (const [region, store] of stores) {
        void store.close();
        participants.push(failing(region, (e as Error).message));
      }
    }
  }
  return {
    participants,
    async close() {
      await forwarding?.stop();
    },
  };
}

/** A part of the erasure that could not be opened: it fails, by name, instead of being skipped. */
function failing(region: string, reason: string): ErasureParticipant {
  return {
    name: `events-outbox-${region}`,
    eraseByPseudonym: () => Promise.reject(new Error(`outbox of region ${region} could not be opened (${reason.slice(0, 160)})`)),
  };
}
