/**
 * RFC 4733 telephone-event sender: the packet plan for one digit.
 *
 * Owns: which payloads go out when, for one key press — the start packet with the marker bit,
 * an update every `updateIntervalMs` carrying the elapsed duration, then `endRepeats` packets
 * with the E bit and the final duration, all with the event's start timestamp. It holds no
 * timers and no sequence numbers: the session stamps each planned packet with its next sequence
 * number and sends it at `offsetMs` after the start, on its injected clock.
 */
import { type Result, ok, err } from '../../result/index.js';
import { eventCodeFromDigit } from './event.js';
import { writeTelephoneEvent } from './telephone-event.js';

export interface PlannedTelephoneEvent {
  /** When to send, ms after the event starts. */
  offsetMs: number;
  marker: boolean;
  /** RTP timestamp (the event's start, the same for every packet of the event). */
  timestamp: number;
  /** The 4-byte telephone-event payload. */
  payload: Uint8Array;
  end: boolean;
}

export interface TelephoneEventSenderOptions {
  clockRate?: number;
  /** −dBm0, default 10. */
  volume?: number;
  /** Interval between updates while the key is held (default 50 ms). */
  updateIntervalMs?: number;
  /** How many end packets (default 3, RFC 4733 §2.5.1.4). */
  endRepeats?: number;
  /** Spacing of the repeated end packets (default 20 ms; 0 sends them back to back). */
  endSpacingMs?: number;
}

/** Longest digit one event can carry without segmentation: 0xFFFF timestamp units. */
export const MAX_EVENT_DURATION_UNITS = 0xffff;

export class TelephoneEventSender {
  private readonly clockRate: number;
  private readonly volume: number;
  private readonly updateIntervalMs: number;
  private readonly endRepeats: number;
  private readonly endSpacingMs: number;

  constructor(options: TelephoneEventSenderOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.volume = options.volume ?? 10;
    this.updateIntervalMs = options.updateIntervalMs ?? 50;
    this.endRepeats = options.endRepeats ?? 3;
    this.endSpacingMs = options.endSpacingMs ?? 20;
  }

  /**
   * Plan the packets for `digit` held `durationMs` (clamped to 40 ms…the 16-bit duration limit),
   * starting at RTP timestamp `timestamp`.
   */
  plan(digit: string, durationMs: number, timestamp: number): Result<PlannedTelephoneEvent[]> {
    const code = eventCodeFromDigit(digit);
    if (code === null) return err(`not a DTMF digit`);
    const maxMs = Math.floor((MAX_EVENT_DURATION_UNITS * 1000) / this.clockRate);
    const total = Math.max(40, Math.min(maxMs, Math.round(durationMs)));
    const units = (ms: number) => Math.round((ms * this.clockRate) / 1000);
    const packets: PlannedTelephoneEvent[] = [];
    const make = (offsetMs: number, duration: number, end: boolean, marker: boolean) => {
      const payload = new Uint8Array(4);
      writeTelephoneEvent({ event: code, end, volume: this.volume, duration }, payload);
      packets.push({ offsetMs, marker, timestamp: timestamp >>> 0, payload, end });
    };
    for (let t = 0; t < total; t += this.updateIntervalMs) make(t, units(t), false, t === 0);
    for (let i = 0; i < this.endRepeats; i++) make(total + i * this.endSpacingMs, units(total), true, false);
    return ok(packets);
  }
}
