/**
 * `UdpSendBatch`: the RTP packets of one event-loop turn (a scheduler tick), sent with one native
 * call instead of one `dgram.send` each (issue 19; docs/media-rtp.md "Send path").
 *
 * Why: callgrind put most of a dgram send's user-space instructions in dgram's per-packet
 * machinery (argument checks, a SendWrap, the lookup, the C++ crossing), not in our code. Here a
 * session writes its packet straight into a slot of one preallocated buffer (the same slot SRTP
 * then protects in place), records fd / IPv4 / port / length in an Int32Array, and the first
 * packet of a turn queues one microtask that hands the whole batch to the `hushgate_udp` addon
 * (native/udp), which `sendto`s each packet on the dgram socket's own file descriptor. A microtask
 * runs when the current callback (the scheduler's tick, a DTMF timer) returns, so packets leave at
 * the end of the pass that built them, in order, and nothing can forget to flush.
 *
 * Failures are values, never thrown per packet: a packet the kernel refused for lack of room
 * (EAGAIN/ENOBUFS) is re-sent through dgram (libuv queues it, as before); any other refusal
 * (ICMP-reported unreachable, a closed descriptor) is counted in `udpSendStats().errors`, as dgram's
 * 'error' events were ignored. Fallback: no addon (not built, not Linux), `HUSHGATE_UDP_SEND=dgram`,
 * `setNativeUdpSend(false)`, an IPv6 or named destination, or a socket without a descriptor —
 * then the session sends through dgram as before (send-ring.ts).
 *
 * SRTP (issue 19): a libsrtp-protected session does not protect its packet itself but commits it
 * with its context's handle (`protectsWith` / `commit(…, srtpHandle)`); the addon protects all of a
 * batch's packets back to back just before sending them, through hushgate_srtp's C protect
 * (native/srtp/batch_protect.h: its code stays hot across the loop and one N-API call per packet
 * goes; at 400 SRTP calls libsrtp + OpenSSL samples fell 13 %). A packet that could not be protected is never
 * sent, and never retried through dgram in the clear (`srtpErrors`).
 *
 * One batch per thread (module state): each media worker has its own.
 */
import type dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

interface UdpAddon {
  sendBatch(buf: Uint8Array, desc: Int32Array, count: number, slotBytes: number): number;
  /** hushgate_srtp's `batchProtectHook`; false when its ABI is not this addon's. Absent in an addon older than its source. */
  setSrtpHook?(hook: object): boolean;
  EAGAIN: number;
  ENOBUFS: number;
  /** A status at or below this: the packet's SRTP protect failed (not sent). */
  SRTP_FAILED?: number;
}

/** native/udp/build/Release/hushgate_udp.node, three levels above this file ((src|dist)/media/rtp/). */
export const UDP_ADDON_PATH = fileURLToPath(new URL('../../../native/udp/build/Release/hushgate_udp.node', import.meta.url));

/** Descriptor stride: fd, IPv4 as int32, port, length, status (bytes sent or -errno), SRTP handle (0: none). */
const STRIDE = 6;
const SLOTS = 256;
/**
 * native/udp's SRTP_FAILED: a send status, or a received length, at or below it is a packet the SRTP
 * hook refused (SRTP_FAILED + libsrtp's result). The addon exports it too; an older one did not.
 */
export const SRTP_FAILED = -100000;

export interface UdpSendStats {
  /** 'native' (batched sendto) or 'dgram' (fallback), and why when dgram. */
  path: 'native' | 'dgram';
  reason: string | null;
  nativePackets: number;
  batches: number;
  /** Refused for lack of room by the kernel and re-sent through dgram. */
  retriedViaDgram: number;
  /** Refused for another reason (unreachable, bad descriptor): dropped and counted. */
  errors: number;
  /** SRTP packets the batch protected (the libsrtp path), and those it could not (dropped, never sent in the clear). */
  srtpProtected: number;
  srtpErrors: number;
}

export class UdpSendBatch {
  private readonly buf: Buffer;
  private readonly views: Buffer[] = [];
  private readonly desc = new Int32Array(SLOTS * STRIDE);
  private readonly sockets: (dgram.Socket | null)[] = new Array<dgram.Socket | null>(SLOTS).fill(null);
  private readonly addresses: string[] = new Array<string>(SLOTS).fill('');
  private count = 0;
  private scheduled = false;
  readonly stats = { nativePackets: 0, batches: 0, retriedViaDgram: 0, errors: 0, srtpProtected: 0, srtpErrors: 0 };
  private readonly flushTask = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(
    private readonly addon: UdpAddon,
    readonly slotBytes: number,
    private readonly onBroken: (reason: string) => void,
  ) {
    // Off the JS heap (allocUnsafeSlow): the addon reads it during the call only, but it must not be a pooled slice.
    this.buf = Buffer.allocUnsafeSlow(SLOTS * slotBytes);
    for (let i = 0; i < SLOTS; i++) this.views.push(this.buf.subarray(i * slotBytes, (i + 1) * slotBytes));
  }

  /** The slot to build the next packet in (at offset 0, `slotBytes` long); flushes first when all are taken. */
  next(): Buffer {
    if (this.count === SLOTS) this.flush();
    return this.views[this.count]!;
  }

  /**
   * Whether packets committed with a handle of `hook`'s library (hushgate_srtp's `batchProtectHook`)
   * are protected here. The first hook offered is handed to the addon; any other is refused.
   */
  protectsWith(hook: object): boolean {
    return srtpHookInstalled(hook);
  }

  /**
   * Queue the packet built in `next()`'s slot: `length` bytes to `ipv4`:`port` on `fd` (`socket`/`address`:
   * the dgram retry). `srtpHandle` (non-zero): an RTP packet the addon protects with that libsrtp
   * context before sending (only after `protectsWith` said yes).
   */
  commit(fd: number, ipv4: number, port: number, length: number, socket: dgram.Socket, address: string, srtpHandle = 0): void {
    const i = this.count++;
    const d = this.desc;
    const o = i * STRIDE;
    d[o] = fd;
    d[o + 1] = ipv4;
    d[o + 2] = port;
    d[o + 3] = length;
    d[o + 5] = srtpHandle;
    if (srtpHandle !== 0) this.stats.srtpProtected++;
    this.sockets[i] = socket;
    this.addresses[i] = address;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  get pending(): number {
    return this.count;
  }

  /** Send what is queued now (the microtask does it at the end of the turn; a closing session does it before its sockets close). */
  flush(): void {
    const n = this.count;
    if (n === 0) return;
    this.count = 0;
    let failed: number;
    try {
      failed = this.addon.sendBatch(this.buf, this.desc, n, this.slotBytes);
    } catch (e) {
      // A programming error (bad arguments): stop using the addon, send this batch through dgram.
      this.onBroken(`sendBatch threw: ${(e as Error).message}`);
      // Unprotected SRTP packets must not go out through dgram: marked failed, the rest retried.
      for (let i = 0; i < n; i++) this.desc[i * STRIDE + 4] = this.desc[i * STRIDE + 5] !== 0 ? SRTP_FAILED : -this.addon.EAGAIN;
      failed = n;
    }
    this.stats.batches++;
    this.stats.nativePackets += n - failed;
    if (failed > 0) this.retry(n);
    for (let i = 0; i < n; i++) this.sockets[i] = null;
  }

  private retry(n: number): void {
    const d = this.desc;
    for (let i = 0; i < n; i++) {
      const o = i * STRIDE;
      const status = d[o + 4]!;
      if (status >= 0) continue;
      if (status <= (this.addon.SRTP_FAILED ?? SRTP_FAILED)) {
        this.stats.srtpProtected--;
        this.stats.srtpErrors++;
        continue;
      }
      // A socket read natively (udp-recv.ts) must not get a dgram send libuv might queue: dropped and counted.
      if ((-status === this.addon.EAGAIN || -status === this.addon.ENOBUFS) && !nativelyRead.has(this.sockets[i]!)) {
        try {
          // A copy: libuv may queue it past this turn, and the slot is reused by the next one.
          this.sockets[i]!.send(Buffer.from(this.views[i]!.subarray(0, d[o + 3]!)), d[o + 2]!, this.addresses[i]!);
          this.stats.retriedViaDgram++;
        } catch {
          this.stats.errors++; // socket closed meanwhile
        }
      } else {
        this.stats.errors++;
      }
    }
  }
}

let addon: UdpAddon | null | undefined;
let loadReason: string | null = null;
let batch: UdpSendBatch | null = null;
let enabled = process.env.HUSHGATE_UDP_SEND !== 'dgram';
/** `HUSHGATE_SRTP_IN_BATCH=0`: sessions protect and open their own packets (one addon call each), as before. */
const srtpInBatch = process.env.HUSHGATE_SRTP_IN_BATCH !== '0';
let disabledReason: string | null = enabled ? null : 'HUSHGATE_UDP_SEND=dgram';
const SLOT_BYTES = 1664; // an MTU-sized packet plus SRTP's in-place room (session.ts SEND_SLOT_BYTES)

let installedHook: object | null | false = null;

/**
 * Whether hushgate_srtp's C table (`hook`, its `batchProtectHook`) is the one hushgate_udp protects
 * sends and opens native receives with: handed over on first use (null → the hook, or false when the
 * addon cannot take it or `HUSHGATE_SRTP_IN_BATCH=0`); any other hook is refused.
 */
export function srtpHookInstalled(hook: object): boolean {
  if (installedHook === null) installedHook = srtpInBatch && loadAddon()?.setSrtpHook?.(hook) === true ? hook : false;
  return installedHook === hook;
}

/** Sockets read natively (udp-recv.ts): never sent on through dgram. */
const nativelyRead = new WeakSet<dgram.Socket>();
export function markNativelyRead(socket: dgram.Socket, on: boolean): void {
  if (on) nativelyRead.add(socket);
  else nativelyRead.delete(socket);
}

/** The loaded `hushgate_udp` addon (whatever the send switch says), or null. */
export function udpAddon(): object | null {
  return loadAddon();
}

function loadAddon(): UdpAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (process.platform !== 'linux') loadReason = `platform ${process.platform}`;
  else if (!existsSync(UDP_ADDON_PATH)) loadReason = 'addon not built (scripts/build-native.sh)';
  else {
    try {
      const a = createRequire(import.meta.url)(UDP_ADDON_PATH) as UdpAddon;
      if (typeof a.sendBatch !== 'function') throw new Error('no sendBatch');
      addon = a;
    } catch (e) {
      loadReason = `addon failed to load: ${(e as Error).message}`;
    }
  }
  return addon;
}

/** The batch the media path sends through, or null when it sends through dgram. Slots are at least `slotBytes`. */
export function nativeUdpBatch(slotBytes: number): UdpSendBatch | null {
  if (batch !== null) return slotBytes <= batch.slotBytes ? batch : null;
  if (!enabled) return null;
  const a = loadAddon();
  if (a === null || slotBytes > SLOT_BYTES) return null;
  batch = new UdpSendBatch(a, SLOT_BYTES, (reason) => {
    disabledReason = reason;
    enabled = false;
    batch = null;
  });
  return batch;
}

/** Switch the native path on or off for this thread (tests, operators); returns whether it is now in use. Flushes first. */
export function setNativeUdpSend(on: boolean): boolean {
  batch?.flush();
  if (!on) {
    if (batch !== null) retired.push(batch.stats);
    batch = null;
    enabled = false;
    disabledReason = 'setNativeUdpSend(false)';
    return false;
  }
  enabled = true;
  disabledReason = null;
  return nativeUdpBatch(SLOT_BYTES) !== null;
}

const retired: UdpSendBatch['stats'][] = [];

/** Send any queued packets now. */
export function flushUdpSends(): void {
  batch?.flush();
}

export function udpSendStats(): UdpSendStats {
  const all = batch ? [...retired, batch.stats] : retired;
  const sum = (k: keyof UdpSendBatch['stats']) => all.reduce((a, s) => a + s[k], 0);
  const native = batch !== null || (enabled && loadAddon() !== null);
  return {
    path: native ? 'native' : 'dgram',
    reason: native ? null : (disabledReason ?? loadReason),
    nativePackets: sum('nativePackets'),
    batches: sum('batches'),
    retriedViaDgram: sum('retriedViaDgram'),
    errors: sum('errors'),
    srtpProtected: sum('srtpProtected'),
    srtpErrors: sum('srtpErrors'),
  };
}

let stateSymbol: symbol | null | undefined;

/**
 * The OS descriptor of a bound dgram socket, or -1. Read through dgram's internal state symbol
 * (`socket._handle` would print a deprecation warning); -1 (→ dgram path) if Node changes it.
 */
export function socketFd(socket: dgram.Socket): number {
  if (stateSymbol === undefined) stateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol') ?? null;
  if (stateSymbol === null) return -1;
  const state = (socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[stateSymbol];
  const fd = state?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/** a.b.c.d → the int32 a<<24|b<<16|c<<8|d, or null when `address` is not a dotted IPv4 literal. */
export function ipv4ToInt(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8) | n;
  }
  return v | 0;
}
