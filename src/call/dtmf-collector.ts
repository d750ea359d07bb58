/**
 * `vgwActCollectDTMF`: gathers key presses into one DTMF input. Collection ends with the terminator
 * key (success when at least `min` digits came), on reaching `max` digits (success), or when the
 * caller stops: the first digit may take the post-response timeout, later gaps the inter-digit
 * timeout (success when `min` digits came and no terminator was expected). Speech may end it too
 * (the session calls `end(false)`) unless `ignoreSpeech`.
 */
import type { Clock, TimerHandle } from '../time/index.js';

export interface CollectSpec {
  termKey?: string;
  min: number;
  max: number;
  interDigitMs: number;
  ignoreSpeech: boolean;
}

export interface CollectResult {
  digits: string;
  /** IBM's `vgwDTMFCollectionSucceeded`. */
  ok: boolean;
}

export class DtmfCollector {
  #spec?: CollectSpec;
  #digits = '';
  #timer?: TimerHandle;

  constructor(
    private readonly clock: Clock,
    private readonly onEnd: (r: CollectResult) => void,
  ) {}

  get active(): boolean {
    return this.#spec !== undefined;
  }

  get ignoresSpeech(): boolean {
    return this.#spec?.ignoreSpeech ?? false;
  }

  /** Start collecting; the first digit may take `firstDigitMs`. */
  start(spec: CollectSpec, firstDigitMs: number): void {
    this.clock.clearTimeout(this.#timer);
    this.#spec = spec;
    this.#digits = '';
    this.#arm(firstDigitMs);
  }

  /** One key press while collecting. */
  press(digit: string): void {
    const c = this.#spec;
    if (!c) return;
    if (c.termKey && digit === c.termKey) return this.end(this.#digits.length >= c.min);
    this.#digits += digit;
    if (this.#digits.length >= c.max) return this.end(true);
    this.#arm(c.interDigitMs);
  }

  /** Stop collecting and report what came. */
  end(ok: boolean): void {
    if (!this.#spec) return;
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#spec = undefined;
    this.onEnd({ digits: this.#digits, ok });
  }

  /** The call ended: stop without reporting. */
  dispose(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#spec = undefined;
  }

  #arm(ms: number): void {
    const c = this.#spec!;
    this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => this.end(this.#digits.length > 0 && this.#digits.length >= c.min && !c.termKey), ms);
  }
}
