/**
 * SIP over a byte stream (TCP now, TLS later: the server/connect factories are the only
 * difference). Each connection has a Content-Length framer; a framing error closes the
 * connection, as the stream can no longer be trusted. Idle connections we opened are closed
 * after `idleMs`; connections peers opened are left to the peer unless idle for longer.
 */
import { type Server, type Socket } from 'node:net';
import { StreamFramer } from '../stream-framer.js';
import type { Endpoint, Transport, TransportProtocol } from './types.js';

export interface StreamTransportOptions {
  maxMessageBytes: number;
  idleMs?: number;
  /** Opens an outbound connection (net.connect or tls.connect). */
  connect(dest: Endpoint): Socket;
}

export class StreamTransport implements Transport {
  readonly reliable = true;
  onMessage?: Transport['onMessage'];
  onError?: Transport['onError'];
  private readonly connections = new Map<string, Socket>();
  private nextId = 0;
  private readonly byRemote = new Map<string, string>();

  constructor(
    readonly protocol: TransportProtocol,
    private readonly server: Server,
    private readonly opts: StreamTransportOptions,
  ) {}

  get secure(): boolean {
    return this.protocol === 'TLS';
  }
  get localAddress(): string {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.address : '';
  }
  get localPort(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** Starts listening; `connectionEvent` is 'connection' for net, 'secureConnection' for tls. */
  async listen(host: string, port: number, connectionEvent = 'connection'): Promise<void> {
    this.server.on(connectionEvent, (sock: Socket) => this.adopt(sock));
    this.server.on('error', (err) => this.onError?.(err));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** Track a connection. `dest` names the peer for sockets we open (not yet connected, so no remote address). */
  private adopt(sock: Socket, dest?: Endpoint): string {
    const id = `${this.protocol.toLowerCase()}-${++this.nextId}`;
    const remote: Endpoint = dest ? { ...dest, protocol: this.protocol } : { protocol: this.protocol, address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
    const remoteKey = `${remote.address}:${remote.port}`;
    this.connections.set(id, sock);
    this.byRemote.set(remoteKey, id);
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    if (this.opts.idleMs) sock.setTimeout(this.opts.idleMs, () => sock.destroy());
    const framer = new StreamFramer({ maxBytes: this.opts.maxMessageBytes });
    sock.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) {
        if (r.ok) this.onMessage?.({ data: r.value, source: remote, connectionId: id });
        else {
          this.onMessage?.({ data: Buffer.alloc(0), source: remote, connectionId: id, framingError: r.error.reason });
          sock.destroy();
          return;
        }
      }
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
      this.adopt(s, dest);
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
    for (const s of this.connections.values()) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
