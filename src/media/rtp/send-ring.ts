/**
 * `SendRing`: the buffers one RTP socket sends from, reused without a send callback.
 *
 * Why no callback: dgram's callback costs a tick and a closure call per packet. Why reuse is safe
 * anyway: the socket's lookup answers IP literals synchronously (`literalLookup`, socket-pair.ts),
 * so `socket.send` runs the send inside the call; then either the kernel took the bytes before it
 * returned, or libuv queued them (socket buffer full) and holds the buffer until sent. In the
 * second case — seen as `getSendQueueCount() > 0` — and when the destination is a name (resolved
 * asynchronously), the slot gets a fresh buffer, so bytes still waiting are never overwritten.
 * Each slot keeps its last exact-length view, re-made only when the packet length changes.
 *
 * Slots are filled on first use, from buffers closed rings gave back (`release`), else new ones
 * (issue 19, call set-up: 32 slots of 1.5 KB made at every call's set-up were ~50 KB, and most of
 * the garbage a short call left). A ring gives back only buffers it still owns, and it never owns
 * one libuv may still be sending from (that slot was refilled at once), so a recycled buffer is
 * idle. The stock of spare buffers is bounded (`SPARE_MAX` per slot size).
 */
import type dgram from 'node:dgram';

/** Spare slot buffers per slot size: 4,096 × 1.5 KB ≈ 6 MB at most (~130 rings). */
const SPARE_MAX = 4096;
const spares = new Map<number, Buffer[]>();

function take(bytes: number): Buffer {
  return spares.get(bytes)?.pop() ?? Buffer.allocUnsafe(bytes);
}

/** Spare buffers held for reuse now, all sizes (tests). */
export function spareSendBuffers(): number {
  let n = 0;
  for (const s of spares.values()) n += s.length;
  return n;
}

const EMPTY = Buffer.alloc(0);

export class SendRing {
  private readonly buffers: (Buffer | undefined)[];
  private readonly views: Buffer[];
  private slot = 0;
  private released = false;

  constructor(
    private readonly slots: number,
    private readonly slotBytes: number,
  ) {
    this.buffers = new Array<Buffer | undefined>(slots).fill(undefined);
    this.views = new Array<Buffer>(slots).fill(EMPTY);
  }

  /** The buffer to write the next packet into (at offset 0); `send` sends it and moves on. */
  next(): Buffer {
    return this.buffers[this.slot] ?? this.fresh(this.slot);
  }

  /** Send `length` bytes of the buffer `next()` returned. `literal`: `address` is an IP literal. */
  send(socket: dgram.Socket, length: number, port: number, address: string, literal: boolean): void {
    const i = this.slot;
    this.slot = (i + 1) % this.slots;
    let view = this.views[i]!;
    if (view.length !== length || view === EMPTY) this.views[i] = view = this.buffers[i]!.subarray(0, length);
    socket.send(view, port, address);
    // The bytes may still be waiting in libuv: this slot must not be written again, nor given back.
    if (!literal || socket.getSendQueueCount() > 0) this.buffers[i] = undefined;
  }

  /** Skip the slot `next()` returned without sending (the packet did not build). */
  skip(): void {
    this.slot = (this.slot + 1) % this.slots;
  }

  /** The ring's socket is closed: give its idle buffers to rings made later. The ring is unusable after. */
  release(): void {
    if (this.released) return;
    this.released = true;
    let stock = spares.get(this.slotBytes);
    if (!stock) spares.set(this.slotBytes, (stock = []));
    for (let i = 0; i < this.slots; i++) {
      const b = this.buffers[i];
      this.buffers[i] = undefined;
      this.views[i] = EMPTY;
      if (b && stock.length < SPARE_MAX) stock.push(b);
    }
  }

  private fresh(i: number): Buffer {
    if (this.released) throw new Error('send ring used after release');
    const b = take(this.slotBytes);
    this.buffers[i] = b;
    this.views[i] = EMPTY;
    return b;
  }
}
