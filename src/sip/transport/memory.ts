/**
 * SIP without sockets: endpoints on a `MemoryNetwork` hand each other whole message buffers (the
 * role sipgo's `fakes/udp_conn.go` plays). Tests run a real `SipStack` and `UserAgent` on it with
 * a `FakeClock`, so transaction and dialog timers that take 32 s on the wire take microseconds,
 * and "nothing was sent" is proved by `settle()` (nothing in flight, the event loop ran) instead
 * of by sleeping.
 *
 * Addresses are plain keys (`address:port`); use IP literals so the stack never does a DNS lookup.
 * A UDP endpoint loses what `filter` refuses and what goes to an address nobody holds, as a
 * datagram would; a TCP/TLS endpoint is reliable: the stack skips retransmissions, the receiver
 * sees a `connectionId` (one per pair of endpoints) and a send to a missing peer is refused.
 * Delivery is asynchronous (the next event-loop turn), never re-entrant, in the order sent.
 */
import { systemClock, type Clock } from '../../time/index.js';
import type { Endpoint, InboundMessage, Transport, TransportProtocol } from './types.js';

/** One message put on the wire, in send order. */
export interface Sent {
  from: Endpoint;
  to: Endpoint;
  data: Buffer;
  /** False when it was lost (filtered, or nobody at `to`). */
  delivered: boolean;
  /** `clock.now()` at sending, when the network was given a clock. */
  at: number;
}

export class MemoryNetwork {
  /** Every message sent, delivered or not (a capture of the wire). */
  readonly sent: Sent[] = [];
  /** Return false to lose a message (UDP loss; on a reliable endpoint the send fails instead). */
  filter?: (m: Sent) => boolean;
  readonly #endpoints = new Map<string, MemoryTransport>();
  #inFlight = 0;

  /** `clock` stamps each message (`Sent.at`); delivery itself never waits for it. */
  constructor(private readonly opts: { clock?: Clock } = {}) {}

  /** A transport bound at `address:port` (throws when taken, as bind would). */
  endpoint(address: string, port = 5060, protocol: TransportProtocol = 'UDP'): MemoryTransport {
    const key = keyOf(protocol, address, port);
    if (this.#endpoints.has(key)) throw new Error(`address in use: ${protocol} ${address}:${port}`);
    const t = new MemoryTransport(this, protocol, address, port);
    this.#endpoints.set(key, t);
    return t;
  }

  /** Messages in flight (sent, not yet handed to the receiver). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Resolves once nothing is in flight and three event-loop turns have passed without a new send:
   * every reaction to what was delivered (including async ones such as a BYE after a response)
   * has gone out and arrived. Throws when messages keep flowing (a loop) past `maxTurns`.
   */
  async settle(maxTurns = 10_000): Promise<void> {
    let quiet = 0;
    let seen = this.sent.length;
    for (let turn = 0; turn < maxTurns; turn++) {
      await new Promise<void>((r) => systemClock.setImmediate(r));
      if (this.#inFlight === 0 && this.sent.length === seen) {
        if (++quiet >= 3) return;
      } else {
        quiet = 0;
        seen = this.sent.length;
      }
    }
    throw new Error(`memory network did not settle within ${maxTurns} turns (${this.#inFlight} in flight)`);
  }

  /** @internal called by MemoryTransport.send */
  transmit(from: MemoryTransport, data: Buffer, dest: Endpoint): Promise<void> {
    const to = this.#endpoints.get(keyOf(dest.protocol, dest.address, dest.port));
    const m: Sent = { from: from.endpointInfo, to: { ...dest }, data: Buffer.from(data), delivered: false, at: this.opts.clock?.now() ?? 0 };
    this.sent.push(m);
    const pass = this.filter?.(m) ?? true;
    if (!to || !pass) {
      // A datagram into the void is silent; a stream peer that is not there refuses the connection.
      return from.reliable ? Promise.reject(new Error(`connection to ${dest.address}:${dest.port} refused`)) : Promise.resolve();
    }
    m.delivered = true;
    this.#inFlight++;
    const inbound: InboundMessage = { data: m.data, source: from.endpointInfo };
    if (from.reliable) inbound.connectionId = connectionIdOf(from.endpointInfo, to.endpointInfo);
    systemClock.setImmediate(() => {
      this.#inFlight--;
      to.deliver(inbound);
    });
    return Promise.resolve();
  }

  /** @internal called by MemoryTransport.close */
  detach(t: MemoryTransport): void {
    this.#endpoints.delete(keyOf(t.protocol, t.localAddress, t.localPort));
  }
}

export class MemoryTransport implements Transport {
  readonly reliable: boolean;
  readonly secure: boolean;
  onMessage?: Transport['onMessage'];
  onError?: Transport['onError'];
  #open = true;

  constructor(
    private readonly network: MemoryNetwork,
    readonly protocol: TransportProtocol,
    readonly localAddress: string,
    readonly localPort: number,
  ) {
    this.reliable = protocol !== 'UDP';
    this.secure = protocol === 'TLS';
  }

  get endpointInfo(): Endpoint {
    return { protocol: this.protocol, address: this.localAddress, port: this.localPort };
  }

  /** `connectionId` is not needed: both ends of a pair share one connection, found by address. */
  send(data: Buffer, dest: Endpoint, _connectionId?: string): Promise<void> {
    if (!this.#open) return Promise.reject(new Error('transport closed'));
    return this.network.transmit(this, data, { ...dest, protocol: this.protocol });
  }

  /** @internal */
  deliver(m: InboundMessage): void {
    if (this.#open) this.onMessage?.(m);
  }

  close(): Promise<void> {
    this.#open = false;
    this.network.detach(this);
    return Promise.resolve();
  }
}

function keyOf(protocol: TransportProtocol, address: string, port: number): string {
  return `${protocol === 'UDP' ? 'udp' : 'stream'}|${address}|${port}`;
}

function connectionIdOf(a: Endpoint, b: Endpoint): string {
  const [x, y] = [`${a.address}:${a.port}`, `${b.address}:${b.port}`].sort();
  return `mem:${x}<->${y}`;
}
