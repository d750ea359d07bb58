/**
 * `DtmfSendQueue`: RFC 4733 digits queued on one RTP session and sent on the injected clock —
 * the start packet with the marker, updates every 50 ms, three end packets, then `interDigitMs`
 * of pause before the next queued digit. Audio is muted while `busy` (the session checks it).
 *
 * The session supplies what belongs to its send state: the media timestamp now (where the event
 * starts), the packet send, and `onEventEnd(endTs)` so audio continues after the event on the
 * timeline.
 */
import type { Clock, TimerHandle } from '../../time/index.js';
import type { TelephoneEventSender, PlannedTelephoneEvent } from '../dtmf/sender.js';

/** DTMF timers are ref'd: the session's sockets hold the process anyway, and close() clears them. */
const REF = { ref: true } as const;

export interface DtmfSendHooks {
  /** Media timestamp (wire units) at which an event starting now begins. */
  timestampNow(): number;
  send(p: PlannedTelephoneEvent): void;
  /** The event and its pause end at this wire timestamp. */
  onEventEnd(endTimestamp: number): void;
  /** Session time, ms. */
  now(): number;
}

export class DtmfSendQueue {
  private queue: { digit: string; durationMs: number }[] = [];
  private sending = false;
  private timer: TimerHandle | null = null;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly sender: TelephoneEventSender,
    private readonly clockRate: number,
    private readonly interDigitMs: number,
    private readonly hooks: DtmfSendHooks,
  ) {}

  /** True while an event (or the pause after it, or a queued digit) is being sent. */
  get busy(): boolean {
    return this.sending;
  }

  /** Queue a digit the sender has already accepted (`sender.plan` succeeded). */
  enqueue(digit: string, durationMs: number): void {
    this.queue.push({ digit, durationMs });
    if (!this.sending) this.startNext();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }

  private startNext(): void {
    const next = this.queue.shift();
    if (!next || this.closed) {
      this.sending = false;
      return;
    }
    const startTs = this.hooks.timestampNow();
    const plan = this.sender.plan(next.digit, next.durationMs, startTs);
    if (!plan.ok) return this.startNext();
    this.sending = true;
    const packets = plan.value;
    const startedAt = this.hooks.now();
    const sendAt = (i: number): void => {
      this.timer = null;
      if (this.closed) return;
      const p = packets[i]!;
      this.hooks.send(p);
      if (i + 1 < packets.length) {
        const delay = Math.max(0, startedAt + packets[i + 1]!.offsetMs - this.hooks.now());
        this.timer = this.clock.setTimeout(() => sendAt(i + 1), delay, REF);
        return;
      }
      // Event over: audio continues after it (and the pause) on the timeline.
      this.hooks.onEventEnd((startTs + Math.round(((p.offsetMs + this.interDigitMs) * this.clockRate) / 1000)) >>> 0);
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.sending = false;
        if (this.queue.length > 0) this.startNext();
      }, this.interDigitMs, REF);
    };
    sendAt(0);
  }
}
