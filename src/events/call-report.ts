/**
 * Per-call reporting controls the dialog can change during a call (IBM Voice Gateway action
 * commands, same wire names):
 *
 * - `vgwActEnableTranscriptionReport` / `vgwActDisableTranscriptionReport` switch transcription
 *   events on and off, so only part of a call is reported (e.g. off while the caller reads a card
 *   number). The starting state is the application's setting.
 * - `vgwActAddCustomCDRData` merges key/values into the call's CDR `customData`
 *   (`parameters: { key: value, ... }` or `parameters: { customData: { ... } }`). Only strings,
 *   numbers and booleans are kept; the privacy gate decides later which keys may leave.
 *
 * `call/` owns one `CallReportControls` per call; it has no timers and no I/O.
 */
export interface ActionCommand {
  command: string;
  parameters?: Record<string, unknown>;
}

export type CustomCdrValue = string | number | boolean;

/** Bounds so a misbehaving dialog cannot grow a CDR without limit. */
const MAX_CUSTOM_KEYS = 64;
const MAX_CUSTOM_VALUE_CHARS = 1024;

export class CallReportControls {
  #transcription: boolean;
  readonly #custom = new Map<string, CustomCdrValue>();

  constructor(opts: { transcriptionReports: boolean }) {
    this.#transcription = opts.transcriptionReports;
  }

  /** Applies the action if it is a reporting command; returns true when it was one. */
  applyAction(action: ActionCommand): boolean {
    switch (action.command) {
      case 'vgwActEnableTranscriptionReport':
        this.#transcription = true;
        return true;
      case 'vgwActDisableTranscriptionReport':
        this.#transcription = false;
        return true;
      case 'vgwActAddCustomCDRData': {
        const p = action.parameters ?? {};
        const source = isRecord(p['customData']) ? p['customData'] : p;
        for (const [k, v] of Object.entries(source)) this.#addCustom(k, v);
        return true;
      }
      default:
        return false;
    }
  }

  get transcriptionEnabled(): boolean {
    return this.#transcription;
  }

  /** Whether an event of this type may be emitted now (transcriptions only while enabled). */
  shouldEmit(type: string): boolean {
    return type !== 'transcription' || this.#transcription;
  }

  /** The custom CDR data gathered so far, or undefined when none. */
  customData(): Record<string, CustomCdrValue> | undefined {
    return this.#custom.size === 0 ? undefined : Object.fromEntries(this.#custom);
  }

  #addCustom(key: string, value: unknown): void {
    if (key.length === 0 || key.length > 128) return;
    if (!this.#custom.has(key) && this.#custom.size >= MAX_CUSTOM_KEYS) return;
    if (typeof value === 'string') this.#custom.set(key, value.slice(0, MAX_CUSTOM_VALUE_CHARS));
    else if (typeof value === 'number' && Number.isFinite(value)) this.#custom.set(key, value);
    else if (typeof value === 'boolean') this.#custom.set(key, value);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
