/**
 * `FrameRing`: a single-producer single-consumer ring of 20 ms audio frames in a SharedArrayBuffer,
 * so a call's frames cross between the main thread and its media worker without a message per frame.
 *
 * Layout: two Int32 indices (write count, read count; free-running, wrap at 2^32 harmlessly because
 * only their difference is used), then `slots` slots of [kind, marker, length, slot] + 320 data bytes
 * (160 PCM16 samples, or up to 320 bytes of an encoded payload). The producer fills a slot and then
 * publishes it with `Atomics.store` on the write count; the consumer reads the slot and then frees it
 * with `Atomics.store` on the read count. Release/acquire through those two stores is what makes the
 * plain typed-array writes of the slot visible to the other thread. Nobody waits (no Atomics.wait):
 * each side polls on its own 20 ms tick, so a full ring drops the newest frame (counted by the
 * producer) and an empty one reads nothing.
 */
import { StatsBlock } from './stats-block.js';

/** What a slot carries. */
export const FrameKind = {
  /** 160 PCM16 samples. */
  pcm: 1,
  /** An encoded payload (G.711 bytes, passed through as is). */
  encoded: 2,
  /** No audio this slot, but time passed (the far end is silent: the endpointer must see it). */
  silence: 3,
} as const;
export type FrameKindValue = (typeof FrameKind)[keyof typeof FrameKind];

const HEADER_INTS = 2;
const SLOT_META = 4;
const SLOT_DATA_BYTES = 320;
const SLOT_BYTES = SLOT_META * 4 + SLOT_DATA_BYTES;
const W = 0;
const R = 1;

export class FrameRing {
  readonly slots: number;
  private readonly idx: Int32Array;
  private readonly meta: Int32Array[];
  private readonly pcm: Int16Array[];
  private readonly bytes: Uint8Array[];

  /** Bytes a ring of `slots` frames needs (place it at `offset` of a larger SharedArrayBuffer). */
  static bytesFor(slots: number): number {
    return HEADER_INTS * 4 + slots * SLOT_BYTES;
  }

  constructor(
    readonly buffer: SharedArrayBuffer,
    offset = 0,
    slots = 8,
  ) {
    this.slots = slots;
    this.idx = new Int32Array(buffer, offset, HEADER_INTS);
    this.meta = [];
    this.pcm = [];
    this.bytes = [];
    for (let i = 0; i < slots; i++) {
      const base = offset + HEADER_INTS * 4 + i * SLOT_BYTES;
      this.meta.push(new Int32Array(buffer, base, SLOT_META));
      this.pcm.push(new Int16Array(buffer, base + SLOT_META * 4, SLOT_DATA_BYTES / 2));
      this.bytes.push(new Uint8Array(buffer, base + SLOT_META * 4, SLOT_DATA_BYTES));
    }
  }

  /** Frames waiting to be read. */
  get size(): number {
    return (Atomics.load(this.idx, W) - Atomics.load(this.idx, R)) | 0;
  }

  /**
   * Producer: append one frame; false (nothing written) when the ring is full. `slot` is the
   * producer's frame number on its own 20 ms timeline (the RTP timestamp of a frame to send).
   */
  write(kind: FrameKindValue, marker: boolean, frame?: Int16Array | Uint8Array, slot = 0): boolean {
    const w = Atomics.load(this.idx, W);
    if (((w - Atomics.load(this.idx, R)) | 0) >= this.slots) return false;
    const s = (w >>> 0) % this.slots;
    const m = this.meta[s]!;
    m[0] = kind;
    m[1] = marker ? 1 : 0;
    m[3] = slot | 0;
    if (frame instanceof Int16Array) {
      const n = Math.min(frame.length, SLOT_DATA_BYTES / 2);
      this.pcm[s]!.set(n === frame.length ? frame : frame.subarray(0, n));
      m[2] = n * 2;
    } else if (frame) {
      const n = Math.min(frame.length, SLOT_DATA_BYTES);
      this.bytes[s]!.set(n === frame.length ? frame : frame.subarray(0, n));
      m[2] = n;
    } else m[2] = 0;
    Atomics.store(this.idx, W, (w + 1) | 0);
    return true;
  }

  /**
   * Consumer: take the oldest frame. Returns its kind (0 when empty) and fills `out`:
   * PCM samples into `out.pcm`, encoded bytes into `out.bytes` (`out.length` bytes), `out.marker`.
   */
  read(out: RingFrame): FrameKindValue | 0 {
    const r = Atomics.load(this.idx, R);
    if (((Atomics.load(this.idx, W) - r) | 0) <= 0) return 0;
    const s = (r >>> 0) % this.slots;
    const m = this.meta[s]!;
    const kind = m[0] as FrameKindValue;
    out.marker = m[1] === 1;
    out.length = m[2]!;
    out.slot = m[3]!;
    if (kind === FrameKind.pcm) out.pcm.set(this.pcm[s]!.subarray(0, Math.min(out.pcm.length, out.length / 2)));
    else if (kind === FrameKind.encoded) out.bytes.set(this.bytes[s]!.subarray(0, Math.min(out.bytes.length, out.length)));
    Atomics.store(this.idx, R, (r + 1) | 0);
    return kind;
  }

  /** Consumer: drop everything waiting (e.g. playout stopped: queued prompt frames must not play). */
  clear(): void {
    Atomics.store(this.idx, R, Atomics.load(this.idx, W));
  }
}

/** The consumer's reusable destination for `FrameRing.read` (no allocation per frame). */
export interface RingFrame {
  pcm: Int16Array;
  bytes: Uint8Array;
  length: number;
  marker: boolean;
  slot: number;
}

export function ringFrame(): RingFrame {
  return { pcm: new Int16Array(SLOT_DATA_BYTES / 2), bytes: new Uint8Array(SLOT_DATA_BYTES), length: 0, marker: false, slot: 0 };
}

/**
 * One call's shared memory: `up` carries caller frames worker → main, `down` frames to send
 * main → worker, `stats` the worker's counters (stats-block.ts).
 */
export interface CallRings {
  buffer: SharedArrayBuffer;
  up: FrameRing;
  down: FrameRing;
  stats: StatsBlock;
}

export const RING_SLOTS = 8;

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function createCallRings(slots = RING_SLOTS): CallRings {
  const buffer = new SharedArrayBuffer(align8(2 * FrameRing.bytesFor(slots)) + StatsBlock.bytes());
  return attachCallRings(buffer, slots);
}

export function attachCallRings(buffer: SharedArrayBuffer, slots = RING_SLOTS): CallRings {
  const ring = FrameRing.bytesFor(slots);
  return { buffer, up: new FrameRing(buffer, 0, slots), down: new FrameRing(buffer, ring, slots), stats: new StatsBlock(buffer, align8(2 * ring)) };
}
