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
 */
import type dgram from 'node:dgram';

export class SendRing {
  private readonly buffers: Buffer[] = [];
  private readonly views: Buffer[] = [];
  private slot = 0;

  constructor(
    private readonly slots: number,
    private readonly slotBytes: number,
  ) {
    for (let i = 0; i < slots; i++) this.fresh(i);
  }

  /** The buffer to write the next packet into (at offset 0); `send` sends it and moves on. */
  next(): Buffer {
    return this.buffers[this.slot]!;
  }

  /** Send `length` bytes of the buffer `next()` returned. `literal`: `address` is an IP literal. */
  send(socket: dgram.Socket, length: number, port: number, address: string, literal: boolean): void {
    const i = this.slot;
    this.slot = (i + 1) % this.slots;
    let view = this.views[i]!;
    if (view.length !== length) this.views[i] = view = this.buffers[i]!.subarray(0, length);
    socket.send(view, port, address);
    if (!literal || socket.getSendQueueCount() > 0) this.fresh(i);
  }

  /** Skip the slot `next()` returned without sending (the packet did not build). */
  skip(): void {
    this.slot = (this.slot + 1) % this.slots;
  }

  private fresh(i: number): void {
    const b = Buffer.allocUnsafe(this.slotBytes);
    this.buffers[i] = b;
    this.views[i] = b.subarray(0, 0);
  }
}
