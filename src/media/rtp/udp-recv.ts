/**
 * Native RTP receive (issue 19; docs/media-rtp.md "Receive path"): the RTP socket's datagrams read
 * with `recvmmsg` into one shared ring by the `hushgate_udp` addon, instead of dgram's per-datagram
 * Buffer + ArrayBuffer + rinfo object + 'message' emit (callgrind: ~13,000 instructions of Node
 * machinery per datagram, 6,800 of them the rinfo object).
 *
 * How: dgram's own reading of the socket is stopped (its handle's `recvStop`, so libuv has one
 * watcher for the descriptor) and a `uv_poll` on the same descriptor reads every ready datagram in
 * batches of up to 64 into the ring; the session's callback gets the count and reads each slot
 * where it lies (`NativeRtpReceive.ring[i]`, valid until the callback returns — the jitter buffer
 * copies what it keeps, as with dgram's Buffer), its length and its source as an IPv4 int + port.
 *
 * Safe only while libuv never has to watch the descriptor for anything else: a dgram send that
 * libuv queues (kernel buffer full) would re-register the descriptor for writes and silence the
 * reads. So a natively read socket sends only through the native batch (which drops and counts a
 * packet the kernel refuses for room, see udp-batch.ts `markNativelyRead`), and the session goes back
 * to dgram reading (`stop` + the handle's `recvStart`) before it would send through dgram (a named
 * destination). Main thread only: a worker thread that ends with a poll open would abort the process
 * at loop close, and workers' sockets keep dgram. Off with `HUSHGATE_UDP_RECV=dgram` or
 * `setNativeUdpRecv(false)` (for sessions opened afterwards).
 */
import type dgram from 'node:dgram';
import { isMainThread } from 'node:worker_threads';
import { udpAddon, markNativelyRead, srtpHookInstalled } from './udp-batch.js';
import { PayloadView } from './packet.js';

interface RxAddon {
  rxInit(ring: Uint8Array, desc: Int32Array, slotBytes: number): void;
  rxStart(fd: number, callback: (count: number) => void): object | null;
  rxStop(handle: object): void;
  /** Absent in an addon older than its source. */
  rxSetSrtp?(handle: object, srtpHandle: number): boolean;
  /** Absent in an addon older than its source (then a parked pair's reader is stopped instead). */
  rxRef?(handle: object, on: boolean): void;
}

/** What a reader hands its datagrams to: a call's session, or a parked pair's drop. */
export type NativeDatagramsTarget = (ring: NativeRtpRing, count: number) => void;

const SLOTS = 64;
const SLOT_BYTES = 2048;

export interface NativeRtpRing {
  /** Slot views (each SLOT_BYTES long); datagram i of a callback is ring[i][0..length(i)). */
  readonly slots: readonly Buffer[];
  /** length (−1: truncated or not IPv4), source IPv4 int32, source port — 3 per datagram. */
  readonly desc: Int32Array;
  /** Each slot's reused payload view (packet.ts `PayloadView`): parsing a slot allocates nothing. */
  readonly views: readonly PayloadView[];
}

let enabled = process.env.HUSHGATE_UDP_RECV !== 'dgram';
let ring: NativeRtpRing | null = null;
let rx: RxAddon | null | undefined;
const stats = { sockets: 0, fellBack: 0, srtpOpening: 0 };

function addon(): RxAddon | null {
  if (rx !== undefined) return rx;
  rx = null;
  const a = udpAddon() as unknown as Partial<RxAddon> | null;
  if (a && typeof a.rxInit === 'function' && typeof a.rxStart === 'function' && typeof a.rxStop === 'function') {
    const buf = Buffer.allocUnsafeSlow(SLOTS * SLOT_BYTES);
    const desc = new Int32Array(new ArrayBuffer(SLOTS * 3 * 4));
    const slots: Buffer[] = [];
    for (let i = 0; i < SLOTS; i++) slots.push(buf.subarray(i * SLOT_BYTES, (i + 1) * SLOT_BYTES));
    a.rxInit(buf, desc, SLOT_BYTES);
    ring = { slots, desc, views: slots.map((slot) => new PayloadView(slot)) };
    rx = a as RxAddon;
  }
  return rx;
}

/** Use native receive for sessions opened from now on (this thread); returns whether it is available. */
export function setNativeUdpRecv(on: boolean): boolean {
  enabled = on;
  return on && isMainThread && addon() !== null;
}

export function udpRecvStats(): { path: 'native' | 'dgram'; sockets: number; fellBack: number; srtpOpening: number } {
  return { path: enabled && isMainThread && addon() !== null ? 'native' : 'dgram', ...stats };
}

type DgramHandle = { recvStop(): number; recvStart(): number };

function handleOf(socket: dgram.Socket): DgramHandle | null {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const h = sym ? (socket as unknown as Record<symbol, { handle?: DgramHandle } | undefined>)[sym]?.handle : undefined;
  return h && typeof h.recvStop === 'function' && typeof h.recvStart === 'function' ? h : null;
}

/**
 * A socket read natively; `stop()` hands it back to dgram (or before close). A reader outlives its
 * call when the pair is parked for a later one (socket-pair.ts): `retarget` moves its datagrams to
 * the next owner and `setRef(false)` lets a stopping process exit while it is parked.
 */
export class NativeRtpReceive {
  private handle: object | null = null;
  private constructor(
    private readonly socket: dgram.Socket,
    private readonly dgramHandle: DgramHandle,
    private target: NativeDatagramsTarget,
  ) {}

  /** The reader opens this socket's SRTP (openSrtp). */
  private opening = false;

  /** Start reading `socket` (descriptor `fd`) natively, or null (then dgram keeps reading it). */
  static start(socket: dgram.Socket, fd: number, onDatagrams: NativeDatagramsTarget): NativeRtpReceive | null {
    if (!enabled || !isMainThread || fd < 0) return null;
    const a = addon();
    const h = handleOf(socket);
    if (a === null || ring === null || h === null) return null;
    if (h.recvStop() !== 0) return null;
    const r = ring;
    const reader = new NativeRtpReceive(socket, h, onDatagrams);
    const native = a.rxStart(fd, (count) => reader.target(r, count));
    if (native === null) {
      h.recvStart();
      stats.fellBack++;
      return null;
    }
    reader.handle = native;
    markNativelyRead(socket, true);
    stats.sockets++;
    return reader;
  }

  get active(): boolean {
    return this.handle !== null;
  }

  /** From now on this reader's datagrams go to `onDatagrams` (the pair's next owner). */
  retarget(onDatagrams: NativeDatagramsTarget): void {
    this.target = onDatagrams;
  }

  /**
   * Whether the poll keeps the event loop alive; false when the addon cannot say (then stop a parked
   * reader instead). An unref'd reader is stopped when the process would exit on its own
   * ('beforeExit'): Node aborts when it closes a loop that still has a poll open. Its socket is
   * then read by dgram (the owner's 'message' listener sees what arrives).
   */
  setRef(on: boolean): boolean {
    if (this.handle === null || rx?.rxRef === undefined) return false;
    rx.rxRef(this.handle, on);
    if (on) unrefd.delete(this);
    else {
      unrefd.add(this);
      if (!exitHookSet) {
        exitHookSet = true;
        process.on('beforeExit', stopUnrefd);
      }
    }
    return true;
  }

  /**
   * Open this socket's SRTP datagrams as they are read (native/srtp/batch_protect.h): with libsrtp's
   * `hook` and a context's handle each RTP datagram reaches the callback already authenticated and
   * decrypted (its length the RTP length), or refused (length ≤ udp-batch.ts SRTP_FAILED); RTCP-mux is left as
   * it came. `srtpHandle` 0 turns it off. False: not available (then the callback gets SRTP as sent).
   */
  openSrtp(hook: object | undefined, srtpHandle: number): boolean {
    if (this.handle === null || rx?.rxSetSrtp === undefined) return false;
    if (srtpHandle !== 0 && (hook === undefined || !srtpHookInstalled(hook))) return false;
    const ok = rx.rxSetSrtp(this.handle, srtpHandle);
    this.setOpening(ok && srtpHandle !== 0);
    return ok;
  }

  private setOpening(on: boolean): void {
    if (on !== this.opening) stats.srtpOpening += on ? 1 : -1;
    this.opening = on;
  }

  /** Stop reading natively; `resumeDgram`: dgram reads the socket again (not before a close). */
  stop(resumeDgram: boolean): void {
    if (this.handle === null) return;
    unrefd.delete(this);
    rx!.rxStop(this.handle);
    this.handle = null;
    this.setOpening(false);
    markNativelyRead(this.socket, false);
    stats.sockets--;
    if (resumeDgram) this.dgramHandle.recvStart();
  }
}

const unrefd = new Set<NativeRtpReceive>();
let exitHookSet = false;
function stopUnrefd(): void {
  for (const r of unrefd) r.stop(true);
}

/** The int32 IPv4 of a native datagram's source as a dotted string. */
export function ipv4String(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
