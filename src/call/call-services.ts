/**
 * The services one voice-agent call uses, as the dialog changes them with `vgwActSetSTTConfig`,
 * `vgwActSetTTSConfig` and `vgwActSetConversationConfig` (each a `SettingsLayers`, see
 * settings-layers.ts): which recogniser and recognition options the next turn uses, which voice and
 * cache lifetime the next prompt uses, and which dialog the next turn goes to. Recognisers and
 * dialogs built for new credentials or targets are built once per setting and closed with the call.
 */
import type { Logger } from 'pino';
import type { Stt } from '../speech/index.js';
import type { Dialog } from '../dialog/index.js';
import { SettingsLayers, type UpdateMethod } from './settings-layers.js';

export interface DialogTarget {
  dialog: Dialog;
  /** The dialog runs outside the process: the privacy gate applies. */
  remote: boolean;
}

/**
 * Builds the recogniser or dialog a dialog switches its call to (other service `credentials`,
 * another conversation target). The gateway builds it from the application's configuration, so every
 * rule of that configuration (https, credentials, the same provider) still holds.
 */
export interface ServiceBuilder {
  stt(credentials: Record<string, unknown>): Promise<{ ok: true; stt: Stt } | { ok: false; error: string }>;
  dialog(settings: Record<string, unknown>): Promise<({ ok: true; close(): void } & DialogTarget) | { ok: false; error: string }>;
}

/** The parameters every `vgwActSet*Config` carries (src/dialog/actions.ts). */
export interface SetConfig {
  config: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  updateMethod: UpdateMethod;
}

export class CallServices {
  readonly #stt = new SettingsLayers();
  readonly #tts = new SettingsLayers();
  readonly #dialog = new SettingsLayers();
  /** Turn in which a "once" TTS change was made: it lasts until the end of the next turn. */
  #ttsOnceSetIn?: number;
  readonly #stts = new Map<string, Promise<Stt>>();
  readonly #dialogs = new Map<string, Promise<(DialogTarget & { close(): void }) | undefined>>();
  /** The dialog the latest turn went to. */
  #dialogNow?: DialogTarget;

  constructor(
    private readonly app: { stt: Stt; dialog: Dialog; remoteDialog: boolean },
    private readonly log: Logger,
    private readonly builder?: ServiceBuilder,
  ) {}

  get appStt(): Stt {
    return this.app.stt;
  }

  setStt(p: SetConfig): void {
    this.#stt.apply({ config: p.config, ...(p.credentials ? { credentials: p.credentials } : {}) }, p.updateMethod);
  }

  setTts(p: SetConfig, turn: number): void {
    this.#tts.apply({ config: p.config }, p.updateMethod);
    if (p.updateMethod.endsWith('Once')) this.#ttsOnceSetIn = turn;
  }

  setDialog(p: SetConfig): void {
    this.#dialog.apply({ config: p.config, ...(p.credentials ? { credentials: p.credentials } : {}) }, p.updateMethod);
  }

  /** The recogniser and engine options for the next recognition; a "once" setting is used up by it. */
  async sttForTurn(peek = false): Promise<{ stt: Stt; options?: Record<string, unknown> }> {
    const settings = this.#stt.current();
    const stt = await this.#buildStt(settings['credentials'] as Record<string, unknown> | undefined);
    if (!peek) this.#stt.turnUsed(); // a peek (adaptive endpointing at a pause) uses nothing up
    const options = settings['config'] as Record<string, unknown> | undefined;
    return { stt, ...(options && Object.keys(options).length ? { options } : {}) };
  }

  /** Voice and cache lifetime for the next prompt. */
  ttsOptions(): { voice?: string; cacheTimeToLiveSec?: number } {
    const t = this.#tts.current()['config'] as Record<string, unknown> | undefined;
    return {
      voice: typeof t?.['voice'] === 'string' ? t['voice'] : undefined,
      cacheTimeToLiveSec: typeof t?.['cacheTimeToLive'] === 'number' ? t['cacheTimeToLive'] : undefined,
    };
  }

  /** The dialog for the next turn: the application's unless `vgwActSetConversationConfig` named another. */
  async dialogForTurn(): Promise<DialogTarget> {
    const app = { dialog: this.app.dialog, remote: this.app.remoteDialog };
    if (!this.#dialog.changed || !this.builder) return (this.#dialogNow = app);
    const settings = this.#dialog.current();
    const key = JSON.stringify(settings);
    let p = this.#dialogs.get(key);
    if (!p) {
      p = this.builder.dialog(settings).then((r) => {
        if (r.ok) return r;
        this.log.warn({ error: r.error }, 'vgwActSetConversationConfig refused; keeping the application dialog');
        return undefined;
      });
      this.#dialogs.set(key, p);
    }
    return (this.#dialogNow = (await p) ?? app);
  }

  /** The dialog the latest turn went to (the application's before the first). */
  get currentDialog(): DialogTarget {
    return this.#dialogNow ?? { dialog: this.app.dialog, remote: this.app.remoteDialog };
  }

  /** A dialog turn was answered: a "once" target has had its turn. */
  dialogAnswered(): void {
    this.#dialog.turnUsed();
  }

  /** Turn `turn` is over: a "once" voice set in an earlier turn has been used. */
  turnEnded(turn: number): void {
    if (this.#ttsOnceSetIn !== undefined && turn > this.#ttsOnceSetIn) {
      this.#tts.turnUsed();
      this.#ttsOnceSetIn = undefined;
    }
  }

  async close(): Promise<void> {
    await this.app.dialog.close?.();
    for (const d of this.#dialogs.values()) {
      const built = await d;
      await built?.dialog.close?.();
      built?.close();
    }
    for (const e of this.#stts.values()) await e.then((stt) => (stt === this.app.stt ? undefined : stt.close()), () => undefined);
  }

  #buildStt(credentials: Record<string, unknown> | undefined): Promise<Stt> {
    if (!credentials || !this.builder) return Promise.resolve(this.app.stt);
    const key = JSON.stringify(credentials);
    let p = this.#stts.get(key);
    if (!p) {
      p = this.builder.stt(credentials).then((r) => {
        if (r.ok) return r.stt;
        this.log.warn({ error: r.error }, 'vgwActSetSTTConfig credentials refused; keeping the application recogniser');
        return this.app.stt;
      });
      this.#stts.set(key, p);
    }
    return p;
  }
}
