/**
 * The seam through which the outbox seals event payloads at rest. The gateway plugs in the training
 * module's data keys (`src/training/event-cipher.ts`): a payload is sealed (AES-256-GCM) under the
 * caller's data key, the same key scope as their training records, so erasing the caller — which
 * deletes those keys — crypto-shreds their events wherever copies of the outbox bytes survive (old
 * database pages, WAL frames, backups). The outbox stores only the key id next to the sealed bytes.
 *
 * `binding` is what a sealed payload stays bound to (event id, tenancy, region, type, call): a payload
 * moved to another row fails to open.
 */
export interface SealScope {
  accountId: string;
  applicationId: string;
  region: string;
  /** Keyed pseudonyms; absent for an anonymous caller (the payload is sealed all the same). */
  callerPseudonym?: string;
  calleePseudonym?: string;
}

export interface SealedPayload {
  keyId: string;
  sealed: Buffer;
}

/** The stored bytes or their bound fields were changed: the payload is never sent. */
export class PayloadTamperedError extends Error {
  constructor(readonly eventId: string) {
    super(`outbox payload of event ${eventId} failed authentication`);
    this.name = 'PayloadTamperedError';
  }
}

export interface PayloadCipher {
  seal(scope: SealScope, binding: readonly string[], plaintext: Buffer): Promise<SealedPayload>;
  /**
   * Opens a sealed payload. Resolves to `undefined` when its key no longer exists (the caller was
   * erased: shredded by design); rejects with `PayloadTamperedError` when it fails authentication.
   */
  open(region: string, keyId: string, binding: readonly string[], sealed: Buffer): Promise<Buffer | undefined>;
}

/** The scope pseudonym used for an anonymous caller/callee and for erasure notices: never a hex HMAC, so never matched by erasure. */
export const ANONYMOUS_SCOPE = '!anonymous';
export const ERASURE_NOTICE_SCOPE = '!erasure-notice';
