/**
 * SIP over a byte stream (TCP, TLS). Each connection has a Content-Length framer; a framing
 * error closes the connection, as the stream can no longer be trusted.
 *
 * Inbound connections are gated at accept, before a byte is read or a TLS handshake starts
 * (`limits.ts`: source allowlist via `admit`, global and per-source caps; refused sockets are
 * reset at once). Every accepted connection then lives under deadlines checked by one sweeper
 * timer per transport: the TLS handshake, a complete message within `headerTimeoutMs` of the
 * accept and of a message's first byte, and `idleTimeoutMs` without a message unless the stack
 * says a dialog or transaction still uses the connection (`connectionInUse`). Connections we
 * open are closed after `idleMs` without traffic.
 *
 * TLS: the listening socket is always a plain `net.Server`; an admitted socket is handed to the
 * TLS server (`handOff`), whose `secureConnection` brings it back through `secured()`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { StreamFramer } from '../stream-framer.js';
import type { Endpoint, Transport, TransportProtocol } from './types.js';
import { ConnectionGate, DEFAULT_CONNECTION_LIMITS, emptyConnectionCounters, plainAddress, type ClosureReason, type ConnectionLimits, type RefusalReason } from './limits.js';

export interface StreamTransportOptions {
  maxMessageBytes: number;
  /** Connections we opened are closed after this long without traffic. */
  idleMs?: number;
  /** Limits on inbound connections; unset fields take `DEFAULT_CONNECTION_LIMITS`. */
  limits?: Partial<ConnectionLimits>;
  /** Opens an outbound connection (net.connect or tls.connect). */
  connect(dest: Endpoint): Socket;
}

interface Conn {
  id: string;
  /** The TCP socket; destroying it closes a TLS session on top as well. */
  raw: Socket;
  inbound: boolean;
  address: string;
  /** Deadlines (ms since epoch); undefined = not running. */
  handshakeBy?: number;
  messageBy?: number;
  idleBy?: number;
}

export class StreamTransport implements Transport {
  readonly reliable = true;
  onMessage?: Transport['onMessage'];
  onError?: Transport['onError'];
  /** Source admission at accept time (the stack installs its allowlist). */
  admit?: (address: string) => boolean;
  /** Whether a dialog or transaction still uses a connection (idle connections in use are kept). */
  connectionInUse?: (connectionId: string) => boolean;
  /** A connection was refused at accept or closed by a deadline (for metrics and a rate-limited log). */
  onConnectionDropped?: (reason: RefusalReason | ClosureReason, address: string) => void;
  readonly connectionCounters = emptyConnectionCounters();
  readonly limits: ConnectionLimits;

  protected readonly listener: Server = createServer({ noDelay: true });
  private readonly gate: ConnectionGate;
  /** Usable connections (after the TLS handshake) by id, for sending. */
  private readonly connections = new Map<string, Socket>();
  private readonly byRemote = new Map<string, string>();
  /** Every inbound connection, handshake included, for the sweeper. */
  private readonly inbound = new Set<Conn>();
  /** Inbound TLS connections whose handshake is in progress, by remote `address:port`. */
  private readonly handshaking = new Map<string, Conn>();
  private nextId = 0;
  private sweeper?: NodeJS.Timeout;

  constructor(
    readonly protocol: TransportProtocol,
    private readonly opts: StreamTransportOptions,
  ) {
    this.limits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits };
    this.gate = new ConnectionGate(this.limits);
  }

  get secure(): boolean {
    return this.protocol === 'TLS';
  }
  get localAddress(): string {
    const a = this.listener.address();
    return typeof a === 'object' && a ? a.address : '';
  }
  get localPort(): number {
    const a = this.listener.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  async listen(host: string, port: number): Promise<void> {
    this.listener.on('connection', (sock: Socket) => this.accept(sock));
    this.listener.on('error', (err) => this.onError?.(err));
    await new Promise<void>((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, host, () => {
        this.listener.off('error', reject);
        resolve();
      });
    });
    const shortest = Math.min(this.limits.headerTimeoutMs, this.limits.handshakeTimeoutMs, this.limits.idleTimeoutMs);
    // Deadlines are checked to within a quarter of the shortest one (at most 1 s late).
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, Math.max(25, shortest / 4)));
    this.sweeper.unref();
  }

  /** Usable connections (inbound after the handshake, and outbound). */
  connectionCount(): number {
    return this.connections.size;
  }

  /** Inbound connections held, handshakes in progress included. */
  inboundConnectionCount(): number {
    return this.inbound.size;
  }

  /** Close a connection now (the stack refused what came on it). */
  drop(connectionId: string, reason: ClosureReason): void {
    const s = this.connections.get(connectionId);
    if (!s || s.destroyed) return;
    this.connectionCounters.closed[reason]++;
    s.destroy();
  }

  private accept(raw: Socket): void {
    const address = plainAddress(raw.remoteAddress ?? '');
    const refusal = address ? this.gate.check(address, this.admit?.(address) ?? true) : 'allowlist';
    if (refusal) {
      this.connectionCounters.refused[refusal]++;
      this.onConnectionDropped?.(refusal, address);
      // A reset, not a FIN: nothing was read, nothing is answered, no TIME_WAIT is kept here.
      raw.on('error', () => {});
      raw.resetAndDestroy();
      return;
    }
    this.gate.take(address);
    this.connectionCounters.accepted++;
    const conn: Conn = { id: `${this.protocol.toLowerCase()}-${++this.nextId}`, raw, inbound: true, address };
    this.inbound.add(conn);
    const remoteKey = `${raw.remoteAddress}:${raw.remotePort}`;
    raw.on('error', () => raw.destroy());
    raw.once('close', () => {
      this.inbound.delete(conn);
      this.handshaking.delete(remoteKey);
      this.gate.release(address);
    });
    if (this.protocol === 'TLS') {
      conn.handshakeBy = Date.now() + this.limits.handshakeTimeoutMs;
      this.handshaking.set(remoteKey, conn);
      this.handOff(raw);
    } else this.adopt(raw, conn);
  }

  /** TLS: give an admitted TCP socket to the TLS server. TCP adopts it directly. */
  protected handOff(raw: Socket): void {
    this.adopt(raw, undefined);
  }

  /** TLS: the handshake of an inbound connection finished. */
  protected secured(sock: Socket): void {
    const key = `${sock.remoteAddress}:${sock.remotePort}`;
    const conn = this.handshaking.get(key);
    if (!conn) {
      sock.destroy();
      return;
    }
    this.handshaking.delete(key);
    conn.handshakeBy = undefined;
    this.adopt(sock, conn);
  }

  private closeFor(conn: Conn, reason: ClosureReason): void {
    this.connectionCounters.closed[reason]++;
    this.onConnectionDropped?.(reason, conn.address);
    conn.raw.destroy();
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.inbound) {
      if (c.handshakeBy !== undefined && now > c.handshakeBy) this.closeFor(c, 'handshake-timeout');
      else if (c.messageBy !== undefined && now > c.messageBy) this.closeFor(c, 'header-timeout');
      else if (c.idleBy !== undefined && now > c.idleBy) {
        if (this.connectionInUse?.(c.id)) c.idleBy = now + this.limits.idleTimeoutMs;
        else this.closeFor(c, 'idle');
      }
    }
  }

  /**
   * Track a usable connection. `conn` is the inbound record (deadlines apply); `dest` names the
   * peer for sockets we open (not yet connected, so no remote address).
   */
  private adopt(sock: Socket, conn: Conn | undefined, dest?: Endpoint): string {
    const id = conn?.id ?? `${this.protocol.toLowerCase()}-${++this.nextId}`;
    const remote: Endpoint = dest ? { ...dest, protocol: this.protocol } : { protocol: this.protocol, address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
    const remoteKey = `${remote.address}:${remote.port}`;
    this.connections.set(id, sock);
    this.byRemote.set(remoteKey, id);
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    if (conn) conn.messageBy = Date.now() + this.limits.headerTimeoutMs;
    else if (this.opts.idleMs) sock.setTimeout(this.opts.idleMs, () => sock.destroy());
    const framer = new StreamFramer({ maxBytes: this.opts.maxMessageBytes });
    sock.on('data', (chunk: Buffer) => {
      let delivered = false;
      for (const r of framer.push(chunk)) {
        if (r.ok) {
          delivered = true;
          this.onMessage?.({ data: r.value, source: remote, connectionId: id });
        } else {
          this.onMessage?.({ data: Buffer.alloc(0), source: remote, connectionId: id, framingError: r.error.reason });
          if (conn) this.connectionCounters.closed.framing++;
          sock.destroy();
          return;
        }
      }
      if (!conn) return;
      const now = Date.now();
      if (delivered) {
        conn.idleBy = now + this.limits.idleTimeoutMs;
        // Part of the next message already here: its own deadline starts now.
        conn.messageBy = framer.pending > 0 ? now + this.limits.headerTimeoutMs : undefined;
      } else if (framer.pending > 0 && conn.messageBy === undefined) conn.messageBy = now + this.limits.headerTimeoutMs;
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.connections.delete(id);
      if (this.byRemote.get(remoteKey) === id) this.byRemote.delete(remoteKey);
    });
    return id;
  }

  async send(data: Buffer, dest: Endpoint, connectionId?: string): Promise<void> {
    let sock = connectionId ? this.connections.get(connectionId) : undefined;
    if (!sock || sock.destroyed) {
      const existing = this.byRemote.get(`${dest.address}:${dest.port}`);
      sock = existing ? this.connections.get(existing) : undefined;
    }
    if (!sock || sock.destroyed) {
      const s = this.opts.connect(dest);
      this.adopt(s, undefined, dest);
      await new Promise<void>((resolve, reject) => {
        // TLS is usable only after the handshake; a failed handshake must surface as an error.
        s.once(this.protocol === 'TLS' ? 'secureConnect' : 'connect', resolve);
        s.once('error', reject);
        s.once('close', () => reject(new Error(`${this.protocol} connection to ${dest.address}:${dest.port} closed before it was usable`)));
      }).catch((err: Error) => {
        this.onError?.(err);
        throw err;
      });
      sock = s;
    }
    await new Promise<void>((resolve) => sock!.write(data, () => resolve()));
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const s of this.connections.values()) s.destroy();
    for (const c of this.inbound) c.raw.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }
}
