/**
 * The event outbox's payload cipher (`PayloadCipher`, `src/events/payload-cipher.ts`) on the training
 * module's data keys: an event is sealed with AES-256-GCM under the data key of the scope (account,
 * application, region, caller pseudonym, callee pseudonym) — the very key the caller's training
 * records use — kept in the region store and wrapped by the region's KEK. Erasing the caller deletes
 * that key, so every copy of their outbox payloads (old pages, WAL frames, backups of the outbox
 * file) becomes unreadable. The key is stored before the payload is sealed (`storedForScope`), so an
 * acknowledged event can always be opened after a restart until its caller is erased.
 *
 * Anonymous callers (no pseudonym) are sealed too, under a per-application scope that no erasure
 * can match (`ANONYMOUS_SCOPE`).
 */
import type { RegionStores } from '../store/index.js';
import { ANONYMOUS_SCOPE, PayloadTamperedError, type PayloadCipher, type SealScope, type SealedPayload } from '../events/index.js';
import type { DataKeyRing } from './data-keys.js';
import { encodeAad, open, seal } from './envelope.js';

function aad(keyId: string, binding: readonly string[]): Buffer {
  return encodeAad(['hushgate/event/v1', keyId, ...binding]);
}

export class DataKeyEventCipher implements PayloadCipher {
  constructor(
    private readonly stores: RegionStores,
    private readonly ring: DataKeyRing,
  ) {}

  async seal(scope: SealScope, binding: readonly string[], plaintext: Buffer): Promise<SealedPayload> {
    const store = this.stores.get(scope.region); // throws for a region without a store: nothing is written unsealed
    const dk = await this.ring.storedForScope(store, {
      accountId: scope.accountId,
      applicationId: scope.applicationId,
      region: scope.region,
      fromPseudonym: scope.callerPseudonym ?? ANONYMOUS_SCOPE,
      toPseudonym: scope.calleePseudonym ?? ANONYMOUS_SCOPE,
    });
    return { keyId: dk.id, sealed: seal(dk.key, plaintext, aad(dk.id, binding)) };
  }

  async open(region: string, keyId: string, binding: readonly string[], sealed: Buffer): Promise<Buffer | undefined> {
    const dk = await this.ring.forId(this.stores.get(region), keyId); // a tampered key row throws TamperedError
    if (!dk) return undefined; // erased: shredded by design
    const plain = open(dk.key, sealed, aad(keyId, binding));
    if (!plain) throw new PayloadTamperedError(binding[0] ?? '?');
    return plain;
  }
}
