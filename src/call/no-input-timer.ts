/**
 * The no-input timer of a voice-agent call: armed when the gateway starts listening, cleared by
 * caller speech or a key press; when it fires the call gets a `vgwPostResponseTimeout` turn. It also
 * counts no-input turns in a row, so `vgwDisconnectCallOnNoUserInputTurnCount` can end the call.
 */
import type { Clock, TimerHandle } from '../time/index.js';

export class NoInputTimer {
  #timer?: TimerHandle;
  /** No-input turns since the caller last said or keyed something. */
  #count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onTimeout: () => void,
  ) {}

  /** (Re)start the wait; `ms <= 0` means no timer (IBM's "0 = wait forever"). */
  arm(ms: number): void {
    this.clear();
    if (ms > 0)
      this.#timer = this.clock.setTimeout(() => {
        this.#timer = undefined;
        this.onTimeout();
      }, ms);
  }

  clear(): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** A no-input turn is about to run; true when it is one more than `max` allows (`max` 0 = no limit). */
  countTurn(max: number): boolean {
    this.#count++;
    return max > 0 && this.#count > max;
  }

  /** The caller said or keyed something: the run of no-input turns is over. */
  heard(): void {
    this.#count = 0;
  }
}
