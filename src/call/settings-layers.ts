/**
 * Per-call settings changed by the dialog with IBM Voice Gateway's `vgwActSetSTTConfig`,
 * `vgwActSetTTSConfig` and `vgwActSetConversationConfig`, and their `updateMethod`:
 *
 *   replace      the new settings replace the call's settings for the rest of the call (the default)
 *   merge        the new fields are merged into the call's settings for the rest of the call
 *   replaceOnce  the new settings replace the call's settings for the next turn only
 *   mergeOnce    the new fields are merged into the call's settings for the next turn only
 *
 * "Replace" starts again from the application's configured settings (what the call began with), so
 * a replace can never leave a field of an earlier change behind. A "once" change lasts until the
 * turn it applied to has been used (`turnUsed()`), then the persistent settings are back. Merging is
 * one level deep for plain objects (so `credentials` or `config` sub-objects merge field by field),
 * as a dialog author expects from a JSON merge of small settings objects.
 */
export type UpdateMethod = 'replace' | 'merge' | 'replaceOnce' | 'mergeOnce';

export type Settings = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `base` with `update`'s fields; plain-object fields merge one level deeper. */
export function mergeSettings(base: Settings, update: Settings): Settings {
  const out: Settings = { ...base };
  for (const [k, v] of Object.entries(update)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? { ...b, ...v } : v;
  }
  return out;
}

export class SettingsLayers {
  #persistent: Settings;
  #once: Settings | undefined;

  constructor(private readonly configured: Settings = {}) {
    this.#persistent = { ...configured };
  }

  apply(update: Settings, method: UpdateMethod = 'replace'): void {
    switch (method) {
      case 'replace':
        this.#persistent = mergeSettings(this.configured, update);
        this.#once = undefined;
        return;
      case 'merge':
        this.#persistent = mergeSettings(this.#persistent, update);
        if (this.#once) this.#once = mergeSettings(this.#once, update);
        return;
      case 'replaceOnce':
        this.#once = mergeSettings(this.configured, update);
        return;
      case 'mergeOnce':
        this.#once = mergeSettings(this.#once ?? this.#persistent, update);
        return;
    }
  }

  /** The settings for the turn about to be taken. */
  current(): Settings {
    return this.#once ?? this.#persistent;
  }

  /** Whether anything differs from the configured settings right now. */
  get changed(): boolean {
    return this.#once !== undefined || JSON.stringify(this.#persistent) !== JSON.stringify(this.configured);
  }

  /** The turn the "once" settings were for has used them. */
  turnUsed(): void {
    this.#once = undefined;
  }
}
