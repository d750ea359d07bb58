/**
 * A raw SIP-over-TLS endpoint for tests that need exact bytes on the wire (the TLS counterpart of
 * test/helpers/raw-sip.ts): one connection, messages framed by Content-Length, requests we build
 * by hand, and a 200 for requests the gateway sends us (BYE).
 */
import { connect, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export class RawTlsSip {
  private buf = '';
  private readonly inbox: string[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    readonly socket: TLSSocket,
    readonly serverPort: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      for (;;) {
        this.buf = this.buf.replace(/^(\r\n)+/, ''); // keep-alive CRLFs
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = this.buf.slice(0, end);
        const len = Number(/^(?:Content-Length|l)\s*:\s*(\d+)/im.exec(head)?.[1] ?? 0);
        if (this.buf.length < end + 4 + len) break;
        this.inbox.push(this.buf.slice(0, end + 4 + len));
        this.buf = this.buf.slice(end + 4 + len);
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  static open(port: number, caFile: string): Promise<RawTlsSip> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca: readFileSync(caFile) }, () => resolve(new RawTlsSip(s, port)));
      s.once('error', reject);
    });
  }

  get localPort(): number {
    return this.socket.localPort!;
  }

  send(text: string): void {
    this.socket.write(text);
  }

  async receive(pred: (m: string) => boolean, timeoutMs = 3000): Promise<string> {
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

  /** A request in a call: the INVITE (no `toTag`) or an ACK/BYE in its dialog. */
  request(method: string, opts: { user: string; callId: string; cseq: number; toTag?: string; body?: string }): string {
    const body = opts.body ?? '';
    const local = `127.0.0.1:${this.localPort}`;
    return [
      `${method} sip:${opts.user}@127.0.0.1:${this.serverPort};transport=tls SIP/2.0`,
      `Via: SIP/2.0/TLS ${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `From: <sip:tester@${local}>;tag=t${opts.callId.slice(0, 8)}`,
      `To: <sip:${opts.user}@127.0.0.1:${this.serverPort}>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
      `Call-ID: ${opts.callId}`,
      `CSeq: ${opts.cseq} ${method}`,
      `Contact: <sip:tester@${local};transport=tls>`,
      'Max-Forwards: 70',
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  }

  /** 200 OK for a request the gateway sent us (echoing Via, From, To, Call-ID, CSeq). */
  ok(req: string): void {
    const keep = req.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq)\s*:/i.test(l));
    this.send(['SIP/2.0 200 OK', ...keep, 'Content-Length: 0', '', ''].join('\r\n'));
  }

  close(): void {
    this.socket.destroy();
  }
}
