/** SIP over UDP: one socket, datagram = message. */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Endpoint, Transport } from './types.js';

export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly secure = false;
  onMessage?: Transport['onMessage'];
  onError?: Transport['onError'];
  private constructor(private readonly socket: Socket) {}

  static async listen(host: string, port: number): Promise<UdpTransport> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    const t = new UdpTransport(socket);
    socket.on('message', (data, rinfo) => t.onMessage?.({ data, source: { protocol: 'UDP', address: rinfo.address, port: rinfo.port } }));
    socket.on('error', (err) => t.onError?.(err));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return t;
  }

  get localAddress(): string {
    return this.socket.address().address;
  }
  get localPort(): number {
    return this.socket.address().port;
  }

  send(data: Buffer, dest: Endpoint): Promise<void> {
    return new Promise((resolve) => {
      this.socket.send(data, dest.port, dest.address, (err) => {
        if (err) this.onError?.(err);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
