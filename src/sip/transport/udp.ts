/** SIP over UDP: one socket, datagram = message. */
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import dns from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { Endpoint, Transport } from './types.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * dgram resolves the destination of every send, even an IP literal (what a Via's received/rport
 * always is), through `dns.lookup`, which answers a literal on the next tick: a tick object and a
 * bound callback per response. Literals are answered here at once; names still go to dns.lookup.
 * (media/rtp/socket-pair.ts does the same for RTP; the layers may not share code.)
 */
function literalLookup(address: string, family: unknown, callback: LookupCallback): void {
  const v = isIP(address);
  if (v !== 0) callback(null, address, v);
  else dns.lookup(address, family as number, callback);
}

export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly secure = false;
  onMessage?: Transport['onMessage'];
  onError?: Transport['onError'];
  /** Known once bound: the UA asks for them on every INVITE (Contact), and each ask was a getsockname. */
  private bound?: { address: string; port: number };
  private constructor(private readonly socket: Socket) {}

  static async listen(host: string, port: number): Promise<UdpTransport> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20, lookup: literalLookup as unknown as SocketOptions['lookup'] });
    const t = new UdpTransport(socket);
    socket.on('message', (data, rinfo) => t.onMessage?.({ data, source: { protocol: 'UDP', address: rinfo.address, port: rinfo.port } }));
    socket.on('error', (err) => t.onError?.(err));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        const a = socket.address();
        t.bound = { address: a.address, port: a.port };
        resolve();
      });
    });
    return t;
  }

  get localAddress(): string {
    return this.bound?.address ?? this.socket.address().address;
  }
  get localPort(): number {
    return this.bound?.port ?? this.socket.address().port;
  }

  /**
   * Datagrams of this turn of the event loop, sent together when it ends (setImmediate: after the
   * poll phase has handled every datagram libuv read in it). Why: most of a send's CPU is the kernel
   * waking the peer's process, and a datagram sent right after another to the same sleeping peer
   * costs a third of the first (loopback, 2-core VM: ~19 µs of system time alone, ~6 µs in bursts) —
   * at 2,000 calls/s the 100, the 200s and the BYE's 200 of the calls handled in one turn go in one
   * burst. Order is kept; nothing waits longer than the turn (no timer).
   */
  private readonly pending: { data: Buffer; dest: Endpoint; done: () => void }[] = [];
  private readonly flush = (): void => {
    const batch = this.pending.splice(0);
    for (const { data, dest, done } of batch) {
      this.socket.send(data, dest.port, dest.address, (err) => {
        if (err) this.onError?.(err);
        done();
      });
    }
  };

  send(data: Buffer, dest: Endpoint): Promise<void> {
    return new Promise((done) => {
      if (this.pending.push({ data, dest, done }) === 1) setImmediate(this.flush);
    });
  }

  close(): Promise<void> {
    this.flush(); // what this turn answered still goes out
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
