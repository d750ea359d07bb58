/**
 * Who hears about redactions: the gate (`applyPolicy`, and the TTS cache's refusal of text that
 * holds personal data) reports, per destination, the entity types it took out of a record; the
 * gateway turns that into `hushgate_redactions_total{type,destination}`. Only types and counts
 * travel — never the text — so a listener cannot leak what was redacted.
 *
 * Listeners are process-wide because the gate is a pure function called from every layer (call,
 * reporting, training, console); threading a counter through each call site would put a metrics
 * dependency into the call layer. Two gateways in one process (tests only) each count both.
 */
import type { Destination } from './policy.js';

/** Entity types (a `PiiType`, or `DTMF` for keyed digits) → how many were redacted. */
export type RedactionCounts = ReadonlyMap<string, number>;
export type RedactionListener = (destination: Destination, counts: RedactionCounts) => void;

const listeners = new Set<RedactionListener>();

/** Starts hearing about redactions; the returned function stops it. */
export function onRedactions(listener: RedactionListener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/**
 * What keeps a text out of the TTS cache (the `ttsCache` destination: a synthesized phrase that
 * holds personal data is never cached): true when it must not be cached; the types are reported.
 */
export function refuseForTtsCache(text: string, detect: (t: string) => readonly { type: string }[]): boolean {
  const found = detect(text);
  if (found.length === 0) return false;
  const tally = new RedactionTally();
  tally.addEntities(found);
  tally.report('ttsCache');
  return true;
}

/** Tallies types for one gated record, then tells every listener once (nothing when nothing was redacted). */
export class RedactionTally {
  readonly #counts = new Map<string, number>();

  add(type: string, n = 1): void {
    if (n > 0) this.#counts.set(type, (this.#counts.get(type) ?? 0) + n);
  }

  addEntities(entities: readonly { type: string }[]): void {
    for (const e of entities) this.add(e.type);
  }

  /** Moves what a trial run found (a `dropIfPii` probe that did drop the record) into `other`. */
  mergeInto(other: RedactionTally): void {
    for (const [t, n] of this.#counts) other.add(t, n);
  }

  report(destination: Destination): void {
    if (this.#counts.size === 0 || listeners.size === 0) return;
    const counts: RedactionCounts = new Map(this.#counts);
    for (const l of listeners) {
      try {
        l(destination, counts);
      } catch {
        // a failing listener (metrics) must never break the gate that protects the data
      }
    }
  }
}
