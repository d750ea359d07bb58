/**
 * RFC 4733 telephone-event receiver: turns the packets of the negotiated telephone-event payload
 * type into one `DtmfEvent` per key press.
 *
 * Owns: the per-stream event state machine. No sockets, no timers: the session feeds it packets
 * and calls `expire(now)` now and then so an event whose end packets were all lost still ends.
 * Rules (RFC 4733 §2.5.2):
 *  - an event is identified by its RTP timestamp; a new timestamp is a new event;
 *  - the event starts on whichever of its packets arrives first (the marked start packet may be
 *    lost) — `onDigitStart` fires then, for barge-in;
 *  - it ends on the first packet with the E bit; the usual 3 retransmitted end packets, late
 *    updates and anything older than the latest event are ignored, so each digit reports once;
 *  - when a newer event begins while one is still open, the open one ended without an E packet
 *    reaching us: it is reported with the last duration seen;
 *  - a long event split into segments (§2.5.1.3: same code, next timestamp = previous
 *    timestamp + 0xFFFF-ish duration) continues the same digit;
 *  - several blocks in one payload (§2.5.1.5) are events back to back, block i starting at the
 *    packet timestamp plus the durations of blocks 0…i−1.
 * Event codes above 15 (flash, tones) are tracked for de-duplication but not reported.
 */
import { type DtmfDigit, type DtmfEvent, digitFromEventCode } from './event.js';
import { type TelephoneEventBlock, readTelephoneEvent, telephoneEventBlockCount } from './telephone-event.js';
import { tsDiff, tsAdd } from '../rtp/sequence.js';

export interface TelephoneEventReceiverOptions {
  /** Clock rate of the telephone-event payload type (8000 unless SDP says otherwise). */
  clockRate?: number;
  onDigit: (event: DtmfEvent) => void;
  /** Called on the first packet of a digit (before its duration is known). */
  onDigitStart?: (digit: DtmfDigit) => void;
}

interface OpenEvent {
  code: number;
  /** Duration (timestamp units) of previous segments of a long event. */
  base: number;
  /** Latest duration of the current segment. */
  duration: number;
  volume: number;
  lastUpdateMs: number;
}

export class TelephoneEventReceiver {
  /** Digits reported. */
  digits = 0;
  /** Payloads shorter than one 4-byte block. */
  malformed = 0;
  private readonly clockRate: number;
  private latestTs = 0;
  private hasLatest = false;
  private latestEnded = false;
  private open: OpenEvent | null = null;
  private readonly block: TelephoneEventBlock = { event: 0, end: false, volume: 0, duration: 0 };

  constructor(private readonly options: TelephoneEventReceiverOptions) {
    this.clockRate = options.clockRate ?? 8000;
  }

  /** Feed one telephone-event RTP packet (timestamp and payload of the parsed packet). */
  receive(timestamp: number, payload: Uint8Array, arrivalMs: number): void {
    const count = telephoneEventBlockCount(payload);
    if (count === 0) {
      this.malformed++;
      return;
    }
    let ts = timestamp >>> 0;
    for (let i = 0; i < count; i++) {
      const b = readTelephoneEvent(payload, i, this.block);
      this.onBlock(ts, b.event, b.end, b.volume, b.duration, arrivalMs);
      ts = tsAdd(ts, b.duration);
    }
  }

  /** End an open event that has had no packet for `idleMs` (all its end packets were lost). */
  expire(nowMs: number, idleMs = 1000): void {
    const open = this.open;
    if (open !== null && nowMs - open.lastUpdateMs >= idleMs) this.finish();
  }

  /** Forget event history (the sender restarted its RTP stream); an open event is reported first. */
  reset(): void {
    this.finish();
    this.hasLatest = false;
    this.latestEnded = false;
  }

  /** True while an event is open (a key is held). */
  get active(): boolean {
    return this.open !== null;
  }

  private onBlock(ts: number, code: number, end: boolean, volume: number, duration: number, nowMs: number): void {
    if (this.hasLatest) {
      const d = tsDiff(ts, this.latestTs);
      if (d < 0) return; // older than the latest event: a late retransmission
      if (d === 0) {
        const open = this.open;
        if (this.latestEnded || open === null) return; // repeated end packet or late update
        if (duration > open.duration) open.duration = duration;
        open.volume = volume;
        open.lastUpdateMs = nowMs;
        if (end) this.finish();
        return;
      }
      const open = this.open;
      if (open !== null) {
        // Continuation segment of a long event: same code, starts where the previous segment's
        // (near-maximal) duration ended.
        if (open.code === code && open.duration >= 0xff00 && Math.abs(d - open.duration) <= this.clockRate / 10) {
          open.base += d;
          open.duration = duration;
          open.volume = volume;
          open.lastUpdateMs = nowMs;
          this.latestTs = ts;
          if (end) this.finish();
          return;
        }
        this.finish(); // its end packets were lost
      }
    }
    this.hasLatest = true;
    this.latestTs = ts;
    this.latestEnded = false;
    this.open = { code, base: 0, duration, volume, lastUpdateMs: nowMs };
    const digit = digitFromEventCode(code);
    if (digit !== null) this.options.onDigitStart?.(digit);
    if (end) this.finish();
  }

  private finish(): void {
    const open = this.open;
    if (open === null) return;
    this.open = null;
    this.latestEnded = true;
    const digit = digitFromEventCode(open.code);
    if (digit === null) return;
    this.digits++;
    this.options.onDigit({
      digit,
      durationMs: Math.round(((open.base + open.duration) * 1000) / this.clockRate),
      volume: open.volume,
      source: 'rfc4733',
    });
  }
}
