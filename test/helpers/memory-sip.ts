/**
 * SIP in memory for unit tests: real `SipStack`/`UserAgent` nodes and raw-text peers on a
 * `MemoryNetwork` (src/sip/transport/memory.ts), timed by one `FakeClock`. No sockets, no sleeps:
 * `clock.advance(ms)` fires the RFC 3261 timers and `net.settle()` waits until every message
 * those timers (or a send) caused has arrived — after which "no BYE was sent" is a fact.
 */
import { pino } from 'pino';
import { FakeClock } from '../../src/time/clock.js';
import { MemoryNetwork, type MemoryTransport } from '../../src/sip/transport/memory.js';
import { SipStack } from '../../src/sip/stack.js';
import { UserAgent } from '../../src/sip/user-agent.js';
import type { SessionTimerPolicy } from '../../src/sip/dialog-session-timer.js';
import type { TransportProtocol } from '../../src/sip/transport/types.js';
import { sipRequest, type RequestOptions } from './raw-sip.js';

export interface SipNode {
  transport: MemoryTransport;
  stack: SipStack;
  ua: UserAgent;
  /** `sip:user@address:port` (with `;transport=tcp` on a stream), for dialling this node. */
  uri(user?: string): string;
  close(): Promise<void>;
}

export interface MemorySip {
  clock: FakeClock;
  net: MemoryNetwork;
  /** Lets what is in flight land, advances the clock by `ms`, then waits for the network to settle again. */
  run(ms: number): Promise<void>;
  node(address: string, opts?: { port?: number; protocol?: TransportProtocol; sessionTimer?: SessionTimerPolicy; tryingDelayMs?: number }): SipNode;
  peer(address: string, opts?: { port?: number; target?: string }): MemoryPeer;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });

export function memorySip(): MemorySip {
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock });
  const closers: (() => Promise<void>)[] = [];
  return {
    clock,
    net,
    async run(ms) {
      await net.settle();
      clock.advance(ms);
      await net.settle();
    },
    node(address, opts = {}) {
      const protocol = opts.protocol ?? 'UDP';
      const port = opts.port ?? 5060;
      const transport = net.endpoint(address, port, protocol);
      const stack = new SipStack({ transports: [transport], timers: clock, logger: silent, advertisedHost: address });
      const ua = new UserAgent(stack, { logger: silent, sessionTimer: opts.sessionTimer ?? { sessionExpires: 0, minSE: 90 }, tryingDelayMs: opts.tryingDelayMs });
      closers.push(() => stack.close());
      const tp = protocol === 'UDP' ? '' : `;transport=${protocol.toLowerCase()}`;
      return { transport, stack, ua, uri: (user = 'service') => `sip:${user}@${address}:${port}${tp}`, close: () => stack.close() };
    },
    peer(address, opts = {}) {
      const p = new MemoryPeer(net, net.endpoint(address, opts.port ?? 5062), opts.target ?? '127.0.0.1');
      closers.push(async () => p.close());
      return p;
    },
    async close() {
      for (const c of closers.splice(0)) await c();
    },
  };
}

/**
 * A raw SIP endpoint speaking text, as `RawSip` does over UDP: for tests that need exact bytes.
 * `receive` never waits on wall time: it settles the network and fails at once when no message
 * matches — the message is either there or was never sent.
 */
export class MemoryPeer {
  private readonly inbox: string[] = [];

  constructor(
    private readonly net: MemoryNetwork,
    private readonly transport: MemoryTransport,
    /** The address `send(text, port)` goes to. */
    private readonly target: string,
  ) {
    transport.onMessage = (m) => this.inbox.push(m.data.toString('utf8'));
  }

  get address(): string {
    return this.transport.localAddress;
  }
  get port(): number {
    return this.transport.localPort;
  }

  send(text: string, port: number): void {
    void this.transport.send(Buffer.from(text.replace(/\r?\n/g, '\r\n')), { protocol: 'UDP', address: this.target, port });
  }

  /** The first matching message (consumed), after the network has settled. */
  async receive(pred: (m: string) => boolean = () => true): Promise<string> {
    await this.net.settle();
    const i = this.inbox.findIndex(pred);
    if (i < 0) throw new Error(`no matching message; inbox: ${this.inbox.map((m) => m.split('\r\n')[0]).join(' | ') || '(empty)'}`);
    return this.inbox.splice(i, 1)[0]!;
  }

  /** Messages received and not consumed (settle the network first to see everything sent). */
  pending(): string[] {
    return [...this.inbox];
  }

  request(method: string, opts: RequestOptions): { text: string; callId: string; branch: string } {
    return sipRequest({ address: this.address, port: this.port }, { address: this.target, port: opts.port }, method, opts);
  }

  close(): void {
    void this.transport.close();
  }
}

/** The first line of each message on the wire, e.g. `INVITE`, `100 Trying`, `ACK` — for flow assertions. */
export function wireFlow(net: MemoryNetwork, opts: { delivered?: boolean } = {}): string[] {
  return net.sent.filter((m) => !opts.delivered || m.delivered).map((m) => firstLine(m.data.toString('utf8')));
}

export function firstLine(text: string): string {
  const line = text.slice(0, text.indexOf('\r\n'));
  const res = /^SIP\/2\.0 (\d{3} .*)$/.exec(line);
  return res ? res[1]! : line.split(' ')[0]!;
}
