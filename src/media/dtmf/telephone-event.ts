/**
 * RFC 4733 §2.3 telephone-event payload: one or more 4-byte blocks
 *   event (8) | E (1) R (1) volume (6) | duration (16)
 * Several blocks in one payload are events packed back to back (§2.5.1.5); block i starts at
 * the RTP timestamp plus the durations of the blocks before it.
 *
 * Owns: bytes ↔ fields of one block. No state; the receiver and sender build on it.
 */

export const TELEPHONE_EVENT_BLOCK_SIZE = 4;

export interface TelephoneEventBlock {
  event: number;
  end: boolean;
  /** −dBm0, 0–63. */
  volume: number;
  /** Timestamp units since the event's start. */
  duration: number;
}

/** Number of whole blocks in a payload (0 when too short: the packet is malformed). */
export function telephoneEventBlockCount(payload: Uint8Array): number {
  return Math.floor(payload.length / TELEPHONE_EVENT_BLOCK_SIZE);
}

/** Read block `index` of `payload` into `out` (no allocation). Caller checks the count first. */
export function readTelephoneEvent(payload: Uint8Array, index: number, out: TelephoneEventBlock): TelephoneEventBlock {
  const o = index * TELEPHONE_EVENT_BLOCK_SIZE;
  out.event = payload[o]!;
  const b = payload[o + 1]!;
  out.end = (b & 0x80) !== 0;
  out.volume = b & 0x3f;
  out.duration = (payload[o + 2]! << 8) | payload[o + 3]!;
  return out;
}

/** Write one block at `offset` of `out`. */
export function writeTelephoneEvent(block: TelephoneEventBlock, out: Uint8Array, offset = 0): void {
  out[offset] = block.event & 0xff;
  out[offset + 1] = (block.end ? 0x80 : 0) | (block.volume & 0x3f);
  const d = Math.max(0, Math.min(0xffff, Math.round(block.duration)));
  out[offset + 2] = d >>> 8;
  out[offset + 3] = d & 0xff;
}
