/** A raw UDP SIP endpoint for tests that need exact bytes on the wire. */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

export class RawSip {
  private constructor(
    readonly socket: Socket,
    readonly port: number,
    /** The loopback address we send from (another 127.x address is another source to the gateway). */
    readonly address = '127.0.0.1',
  ) {}
  private readonly inbox: string[] = [];
  private waiters: (() => void)[] = [];

  static async open(address = '127.0.0.1'): Promise<RawSip> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, address, () => r()));
    const raw = new RawSip(s, s.address().port, address);
    s.on('message', (m) => {
      raw.inbox.push(m.toString('utf8'));
      const w = raw.waiters;
      raw.waiters = [];
      for (const f of w) f();
    });
    return raw;
  }

  send(text: string, port: number): void {
    this.socket.send(Buffer.from(text.replace(/\r?\n/g, '\r\n')), port, '127.0.0.1');
  }

  sendBytes(buf: Buffer, port: number): void {
    this.socket.send(buf, port, '127.0.0.1');
  }

  /** Wait for a message matching `pred` (consumed from the inbox). */
  async receive(pred: (m: string) => boolean = () => true, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(pred);
      if (i >= 0) return this.inbox.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; inbox: ${this.inbox.map((m) => m.split('\r\n')[0]).join(' | ')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /**
   * Sends an OPTIONS to the gateway and waits for its 200: the gateway reads its UDP socket in
   * order and answers what it refuses or absorbs at once, so once this answer is here every answer
   * to what was sent to it earlier — from this socket or any other — has been sent too. The event
   * that proves "no answer came": use it before asserting an absence, instead of a sleep. Consumes
   * the 200, then yields one event-loop turn so datagrams already queued on other sockets are read.
   */
  async barrier(port: number, timeoutMs = 3000): Promise<void> {
    const ping = this.request('OPTIONS', { port });
    this.send(ping.text, port);
    await this.receive((m) => m.includes(ping.callId) && statusOf(m) === 200, timeoutMs);
    await new Promise<void>((r) => setImmediate(r));
  }

  /** Messages received so far and not consumed. */
  pending(): string[] {
    return [...this.inbox];
  }

  close(): void {
    this.socket.close();
  }

  request(method: string, opts: RequestOptions): { text: string; callId: string; branch: string } {
    return sipRequest({ address: this.address, port: this.port }, { address: '127.0.0.1', port: opts.port }, method, opts);
  }
}

export interface RequestOptions {
  port: number;
  user?: string;
  headers?: string[];
  body?: string;
  toTag?: string;
  callId?: string;
  cseq?: number;
  maxForwards?: number;
  branch?: string;
}

/** A request as text from `from` to `to` (the port in `opts` is ignored in favour of `to.port`). */
export function sipRequest(from: { address: string; port: number }, to: { address: string; port: number }, method: string, opts: Omit<RequestOptions, 'port'>): { text: string; callId: string; branch: string } {
  const callId = opts.callId ?? randomBytes(8).toString('hex');
  const branch = opts.branch ?? 'z9hG4bK' + randomBytes(6).toString('hex');
  const user = opts.user ?? 'service';
  const body = opts.body ?? '';
  const lines = [
    `${method} sip:${user}@${to.address}:${to.port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${from.address}:${from.port};branch=${branch};rport`,
    `From: <sip:tester@${from.address}:${from.port}>;tag=t${callId.slice(0, 6)}`,
    `To: <sip:${user}@${to.address}:${to.port}>${opts.toTag ? ';tag=' + opts.toTag : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: ${opts.cseq ?? 1} ${method}`,
    `Contact: <sip:tester@${from.address}:${from.port}>`,
    `Max-Forwards: ${opts.maxForwards ?? 70}`,
    ...(opts.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return { text: lines.join('\r\n'), callId, branch };
}

export function statusOf(m: string): number {
  return Number(/^SIP\/2\.0 (\d{3})/.exec(m)?.[1] ?? 0);
}

export function header(m: string, name: string): string | undefined {
  const re = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im');
  return re.exec(m)?.[1]?.trim();
}

export const PCMU_OFFER = (port = 40000) =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
