/**
 * Adaptive jitter buffer for one inbound RTP stream, payload-agnostic (opaque Uint8Array payloads,
 * one 20 ms frame per packet). `push()` files packets by extended sequence number (16-bit wrap),
 * `pull()` is called once per 20 ms playout tick and returns the next frame, a `lost` signal (the
 * decoder conceals with `concealFrame`), or `idle` (nothing is playing: before the first packets
 * or after the sender went quiet).
 *
 * Policy, in order, on each pull while playing:
 *  - buffer empty → underrun: return `lost` *without* advancing (the packet may only be late; this
 *    grows the delay by one frame, the way NetEQ "expands"); after `concealLimitFrames` of that,
 *    go idle and re-buffer.
 *  - next packet present → play it.
 *  - hole with later packets present → declare it lost and advance.
 *  - depth stayed above target for a whole window → drop half the excess (shrink); depth above max →
 *    drop down to max at once.
 * Target depth = frame + 4·jitter (RFC 3550 interarrival jitter) + a boost after late packets,
 * clamped to [minDepthMs, maxDepthMs] and rounded up to whole frames.
 *
 * Allocation-free per packet (issue 19: GC pauses at 500 calls): `push` copies the payload into
 * this buffer's own slab (one fixed-size slot per ring position), so the datagram it came in dies
 * young instead of living 40–200 ms in the buffer and being promoted; `pull` returns one of three
 * result objects owned by the buffer and a cached view of the slot. Hence: a pulled result and its
 * `payload` are valid until the next `push` or `pull` on this buffer (copy what must live longer).
 * Payloads above `SLOT_BYTES` (60 ms G.711 and up) are copied into their own array instead.
 */
import { FRAME_MS } from './frames.js';

export interface JitterPacket {
  seq: number; // 16-bit RTP sequence number
  timestamp: number; // 32-bit RTP timestamp
  payload: Uint8Array;
  marker?: boolean;
}

export type JitterPull =
  | { kind: 'frame'; payload: Uint8Array; seq: number; timestamp: number; marker: boolean }
  | { kind: 'lost'; lostRun: number }
  | { kind: 'idle' };

export interface JitterBufferOptions {
  minDepthMs?: number; // default 20
  maxDepthMs?: number; // default 200
  initialDepthMs?: number; // default 40
  clockRate?: number; // RTP clock rate, default 8000
  /** Consecutive underrun pulls concealed before going idle. Default 5 (100 ms). */
  concealLimitFrames?: number;
  /** Pulls per shrink decision. Default 25 (0.5 s). */
  shrinkWindowFrames?: number;
  /** Recognises a silent payload; when given, the buffer shrinks only by dropping silent frames. */
  isSilent?: (payload: Uint8Array) => boolean;
}

export interface JitterStats {
  received: number;
  late: number;
  duplicate: number;
  lost: number;
  reordered: number;
  dropped: number;
  underruns: number;
  resets: number;
  depthMs: number;
  targetMs: number;
  jitterMs: number;
}

const CAPACITY = 64; // slots; > maxDepth frames (10) with room for reordering
const MASK = CAPACITY - 1;
/** Bytes per slot in the slab: 40 ms of G.711. 64 slots × 320 B = 20 KiB per stream. */
export const SLOT_BYTES = 320;

export class JitterBuffer {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly clockRate: number;
  private readonly concealLimit: number;
  private readonly shrinkWindow: number;
  private readonly isSilent?: (payload: Uint8Array) => boolean;

  private readonly slotExt = new Float64Array(CAPACITY).fill(-1);
  private readonly slotPlayed = new Uint8Array(CAPACITY);
  private readonly slotTs = new Uint32Array(CAPACITY);
  private readonly slotMarker = new Uint8Array(CAPACITY);
  /** Present (not yet played or dropped) payload length per slot; -1: none. */
  private readonly slotLen = new Int32Array(CAPACITY).fill(-1);
  /**
   * Made at the first packet, not with the buffer: a call whose caller never sent audio (and every
   * call's set-up) does not pay 20 KiB and 64 views for it (issue 19, call set-up).
   */
  private slab: Uint8Array | null = null;
  /** Per slot, the last exact-length view handed out (re-made only when the length changes). */
  private readonly slotView: Uint8Array[] = [];
  /** Payloads too big for a slot (rare: long ptimes), by slot. */
  private readonly oversize: Array<Uint8Array | undefined> = new Array(CAPACITY);
  private readonly frameResult: Extract<JitterPull, { kind: 'frame' }> = { kind: 'frame', payload: new Uint8Array(0), seq: 0, timestamp: 0, marker: false };
  private readonly lostResult: Extract<JitterPull, { kind: 'lost' }> = { kind: 'lost', lostRun: 0 };
  private readonly idleResult: JitterPull = { kind: 'idle' };

  private highest = -1; // highest extended seq seen, -1 before the first packet
  private nextSeq = -1; // next extended seq to play (or the floor while idle)
  private playing = false;
  private waitedPulls = 0;
  private underrunRun = 0;
  private lostRun = 0;
  private windowPulls = 0;
  private windowMinDepth = Infinity;
  private lateBoostMs = 0;

  private prevArrival = NaN;
  private prevTs = 0;
  private jitterMs = 0;
  private readonly s = { received: 0, late: 0, duplicate: 0, lost: 0, reordered: 0, dropped: 0, underruns: 0, resets: 0 };

  constructor(opts: JitterBufferOptions = {}) {
    this.minMs = opts.minDepthMs ?? 20;
    this.maxMs = Math.min(opts.maxDepthMs ?? 200, (CAPACITY / 2) * FRAME_MS);
    this.clockRate = opts.clockRate ?? 8000;
    this.concealLimit = opts.concealLimitFrames ?? 5;
    this.shrinkWindow = opts.shrinkWindowFrames ?? 25;
    this.isSilent = opts.isSilent;
    this.lateBoostMs = Math.max(0, (opts.initialDepthMs ?? 40) - FRAME_MS); // decays like a late boost
  }

  private makeSlab(): Uint8Array {
    const slab = (this.slab = new Uint8Array(CAPACITY * SLOT_BYTES));
    for (let i = 0; i < CAPACITY; i++) this.slotView.push(slab.subarray(i * SLOT_BYTES, i * SLOT_BYTES + SLOT_BYTES));
    return slab;
  }

  /** File a packet that arrived at `arrivalMs` (any monotonic ms clock). */
  push(p: JitterPacket, arrivalMs: number): void {
    this.s.received++;
    this.updateJitter(p.timestamp >>> 0, arrivalMs);
    let ext: number;
    if (this.highest < 0) {
      ext = 0x10000 + (p.seq & 0xffff); // start one cycle up so small backward steps stay positive
      this.highest = ext;
    } else {
      const delta = ((((p.seq & 0xffff) - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000);
      ext = this.highest + delta;
    }
    const jumped =
      this.nextSeq >= 0
        ? ext >= this.nextSeq + CAPACITY || ext < this.nextSeq - 1000
        : Math.abs(ext - this.highest) >= CAPACITY;
    if (jumped) this.reset(ext); // the sender restarted its sequence or skipped far ahead
    const slot = ext & MASK;
    if (ext < this.nextSeq) {
      if (this.slotExt[slot] === ext) this.s.duplicate++;
      else {
        this.s.late++;
        this.lateBoostMs = Math.min(this.maxMs, this.lateBoostMs + FRAME_MS);
      }
      return;
    }
    if (this.slotExt[slot] === ext) {
      this.s.duplicate++;
      return;
    }
    if (ext < this.highest) this.s.reordered++;
    else this.highest = ext;
    this.slotExt[slot] = ext;
    this.slotPlayed[slot] = 0;
    this.slotTs[slot] = p.timestamp >>> 0;
    this.slotMarker[slot] = p.marker ? 1 : 0;
    this.store(slot, p.payload);
  }

  /** Copy a payload into its slot (the caller's bytes may be reused or collected at once). */
  private store(slot: number, payload: Uint8Array): void {
    const n = payload.length;
    this.slotLen[slot] = n;
    if (n <= SLOT_BYTES) {
      this.oversize[slot] = undefined;
      (this.slab ?? this.makeSlab()).set(payload, slot * SLOT_BYTES);
    } else {
      this.oversize[slot] = payload.slice();
    }
  }

  /** The stored payload of a slot as an exact-length view (cached: no allocation while lengths repeat). */
  private payloadOf(slot: number): Uint8Array {
    const n = this.slotLen[slot]!;
    const big = this.oversize[slot];
    if (big !== undefined) return big;
    let v = this.slotView[slot]!;
    // A slot with a payload was stored into: the slab exists.
    if (v.length !== n) this.slotView[slot] = v = this.slab!.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + n);
    return v;
  }

  private lost(run: number): JitterPull {
    this.lostResult.lostRun = run;
    return this.lostResult;
  }

  /** Call once per 20 ms tick. */
  pull(): JitterPull {
    if (!this.playing) return this.pullWhileIdle();
    const depth = this.highest - this.nextSeq + 1;
    if (depth <= 0 || !this.hasAnyFrom(this.nextSeq)) {
      this.s.underruns++;
      if (++this.underrunRun > this.concealLimit) {
        this.playing = false;
        this.waitedPulls = 0;
        this.lostRun = 0;
        return this.idleResult;
      }
      return this.lost(++this.lostRun);
    }
    this.underrunRun = 0;
    this.adapt(depth);
    const slot = this.nextSeq & MASK;
    if (this.slotExt[slot] === this.nextSeq && !this.slotPlayed[slot]) {
      return this.take(slot);
    }
    this.s.lost++;
    this.nextSeq++;
    return this.lost(++this.lostRun);
  }

  get stats(): JitterStats {
    return {
      ...this.s,
      depthMs: this.playing ? Math.max(0, this.highest - this.nextSeq + 1) * FRAME_MS : this.bufferedFrames() * FRAME_MS,
      targetMs: this.targetFrames() * FRAME_MS,
      jitterMs: this.jitterMs,
    };
  }

  /** Forget everything (new SSRC); `seedExt` is kept as the new base if given. */
  reset(seedExt?: number): void {
    this.s.resets++;
    this.slotExt.fill(-1);
    this.slotLen.fill(-1);
    this.oversize.fill(undefined);
    this.playing = false;
    this.nextSeq = -1;
    this.highest = seedExt ?? -1;
    this.waitedPulls = 0;
    this.underrunRun = 0;
    this.lostRun = 0;
  }

  private targetFrames(): number {
    const ms = Math.min(this.maxMs, Math.max(this.minMs, FRAME_MS + 4 * this.jitterMs + this.lateBoostMs));
    return Math.ceil(ms / FRAME_MS - 1e-9);
  }

  private updateJitter(ts: number, arrivalMs: number): void {
    if (!Number.isNaN(this.prevArrival)) {
      // RFC 3550 §6.4.1: D = (Rj − Ri) − (Sj − Si); timestamps compared as a signed 32-bit
      // difference so wrap-around does not look like jitter.
      const dTs = (((ts - this.prevTs) | 0) / this.clockRate) * 1000;
      const d = arrivalMs - this.prevArrival - dTs;
      this.jitterMs += (Math.abs(d) - this.jitterMs) / 16;
    }
    this.prevArrival = arrivalMs;
    this.prevTs = ts;
  }

  private pullWhileIdle(): JitterPull {
    const lowest = this.lowestBuffered();
    if (lowest < 0) return this.idleResult;
    this.waitedPulls++;
    const span = this.highest - lowest + 1;
    const target = this.targetFrames();
    if (span < target && this.waitedPulls < target) return this.idleResult;
    this.playing = true;
    this.nextSeq = lowest;
    this.underrunRun = 0;
    this.windowPulls = 0;
    this.windowMinDepth = Infinity;
    return this.take(lowest & MASK);
  }

  private adapt(depth: number): void {
    const max = Math.floor(this.maxMs / FRAME_MS);
    if (depth > max) {
      const drop = depth - max;
      for (let i = 0; i < drop; i++) this.discard(this.nextSeq + i);
      this.nextSeq += drop;
      depth = max;
    }
    if (depth < this.windowMinDepth) this.windowMinDepth = depth;
    if (++this.windowPulls >= this.shrinkWindow) {
      const excess = this.windowMinDepth - this.targetFrames();
      // Shrink only by dropping silence, when the caller tells us how to recognise it: dropping a
      // frame of speech is an audible click and loses what was said.
      const slot = this.nextSeq & MASK;
      const head = this.slotExt[slot] === this.nextSeq && !this.slotPlayed[slot] ? this.payloadOf(slot) : undefined;
      if (excess > 0 && this.isSilent && (!head || !this.isSilent(head))) {
        this.windowPulls = this.shrinkWindow - 1; // try again on the next pull
        return;
      }
      if (excess > 0) {
        // Depth never fell to target for a whole window: drop half the excess (at least one frame).
        const drop = Math.ceil(excess / 2);
        for (let i = 0; i < drop; i++) this.discard(this.nextSeq + i);
        this.nextSeq += drop;
      }
      this.windowPulls = 0;
      this.windowMinDepth = Infinity;
      this.lateBoostMs = Math.max(0, this.lateBoostMs - FRAME_MS); // forgive old lateness slowly
    }
  }

  private discard(ext: number): void {
    const slot = ext & MASK;
    if (this.slotExt[slot] === ext && !this.slotPlayed[slot]) {
      this.s.dropped++;
      this.slotPlayed[slot] = 1;
      this.oversize[slot] = undefined;
    } else this.s.lost++;
  }

  private take(slot: number): JitterPull {
    const r = this.frameResult;
    r.payload = this.payloadOf(slot);
    r.seq = this.slotExt[slot]! & 0xffff;
    r.timestamp = this.slotTs[slot]!;
    r.marker = this.slotMarker[slot] === 1;
    // Played: the slot's bytes stay readable until a later packet lands there (64 sequence numbers on).
    this.slotPlayed[slot] = 1;
    this.oversize[slot] = undefined;
    this.nextSeq = this.slotExt[slot]! + 1;
    this.lostRun = 0;
    return r;
  }

  private hasAnyFrom(ext: number): boolean {
    for (let e = ext; e <= this.highest && e < ext + CAPACITY; e++) {
      const slot = e & MASK;
      if (this.slotExt[slot] === e && !this.slotPlayed[slot]) return true;
    }
    return false;
  }

  private lowestBuffered(): number {
    const from = Math.max(this.nextSeq, this.highest - CAPACITY + 1);
    for (let e = from; e <= this.highest; e++) {
      const slot = e & MASK;
      if (this.slotExt[slot] === e && !this.slotPlayed[slot]) return e;
    }
    return -1;
  }

  private bufferedFrames(): number {
    const lowest = this.lowestBuffered();
    return lowest < 0 ? 0 : this.highest - lowest + 1;
  }
}

/**
 * Packet loss concealment for PCM16: repeat the last good frame with a linear fade that reaches
 * silence after three lost frames (60 ms). `lostRun` is 1 for the first lost frame. Returns `out`.
 */
export function concealFrame(prev: Int16Array, lostRun: number, out: Int16Array): Int16Array {
  const from = Math.max(0, 1 - (lostRun - 1) / 3);
  const to = Math.max(0, 1 - lostRun / 3);
  const n = out.length;
  if (from === 0) {
    out.fill(0);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const g = from + ((to - from) * i) / n;
    out[i] = Math.round((prev[i % prev.length] ?? 0) * g);
  }
  return out;
}

