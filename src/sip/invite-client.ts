/**
 * The UAC side of an INVITE dialog: place a call, ACK its 2xx (and re-ACK retransmissions),
 * CANCEL before answer, BYE, send in-dialog requests (INFO, REFER), and serve the peer's
 * in-dialog requests (BYE, re-INVITE, INFO, NOTIFY). Used by the `hushgate call` softphone, by
 * outbound calls through carrier trunks (src/call/outbound-calls.ts) and by tests; SDP stays opaque
 * text here. With `credentials`, a 401/407 is answered once per request: on the INVITE and on
 * every in-dialog request (BYE, REFER, INFO …), since carriers challenge those too.
 */
import { authorizationFor, parseChallenge } from './auth/digest.js';
import { EventEmitter } from 'node:events';
import { Headers, type SipRequest, type SipResponse } from './message.js';
import { parseUri, parseCSeq, formatUri } from './parse/index.js';
import { createResponse, newTag, newCallId } from './response.js';
import { Dialog } from './dialog.js';
import { resolveUri, type RequestSource, type ServerTransaction } from './stack.js';
import type { Endpoint, TransportProtocol } from './transport/types.js';
import type { UserAgent, DialogUsage } from './user-agent.js';
import type { InviteClientTransaction } from './transaction/client-invite.js';

export interface DialOptions {
  /** `sip:user@host:port;transport=tcp` */
  target: string;
  /** Our From user part (default `hushgate`). */
  fromUser?: string;
  fromDisplayName?: string;
  sdp: string;
  headers?: [string, string][];
  /** Answer a 401/407 digest challenge once (RFC 3261 §22.2): the INVITE is resent with CSeq + 1. */
  credentials?: { username: string; password: string };
  /**
   * Say `Supported: timer` (default true). Outbound calls say false: this session never refreshes,
   * so RFC 4028 makes the far end the refresher (we answer its re-INVITE/UPDATE).
   */
  supportsTimer?: boolean;
  /** Call-ID to use (the caller needs it before the call is answered); default: a new one. */
  callId?: string;
  /** Called once the INVITE is on its way, with the session (so it can be cancelled before an answer). */
  onSession?: (session: InviteClientSession) => void;
}

export type DialResult =
  | { ok: true; session: InviteClientSession; answer: string; response: SipResponse }
  | { ok: false; status: number; reason: string };

export type ClientEndReason = 'remote-bye' | 'local-bye' | 'cancelled' | 'shutdown';

interface ClientEvents {
  progress: [status: number];
  ended: [reason: ClientEndReason];
  request: [req: SipRequest];
  /** INFO and NOTIFY from the peer (key presses, REFER progress), as an `InviteServerSession` reports them. */
  info: [req: SipRequest];
}

export class InviteClientSession extends EventEmitter<ClientEvents> implements DialogUsage {
  state: 'calling' | 'confirmed' | 'ended' = 'calling';
  dialog?: Dialog;
  /** Answers a re-INVITE offer from the peer; default: re-send our last SDP. */
  onOffer?: (sdp: string) => string;
  /** Status to answer REFER/NOTIFY/INFO with (default 200). */
  onRequest?: (req: SipRequest) => number;
  private ack?: SipRequest;
  private tx?: InviteClientTransaction;
  private invite!: SipRequest;
  private dest!: Endpoint;
  private credentials?: { username: string; password: string };

  private constructor(
    private readonly ua: UserAgent,
    public localSdp: string,
  ) {
    super();
  }

  get callId(): string {
    return this.invite.headers.get('Call-ID') ?? '';
  }

  /** The INVITE that made the call (after a digest retry, the authenticated one). */
  get request(): SipRequest {
    return this.invite;
  }

  static async dial(ua: UserAgent, o: DialOptions): Promise<DialResult> {
    const target = parseUri(o.target);
    if (!target.ok) return { ok: false, status: 400, reason: `bad target URI: ${target.error.reason}` };
    const session = new InviteClientSession(ua, o.sdp);
    session.credentials = o.credentials;
    const dest = await resolveUri(target.value);
    session.dest = dest;
    const stack = ua.stack;
    const transport = stack.transportFor(dest.protocol) ?? stack.transports[0]!;
    const proto = transport.protocol as TransportProtocol;
    const hostPort = stack.hostPort(transport);
    const scheme = proto === 'TLS' ? 'sips' : 'sip';
    const contact = `<${scheme}:${o.fromUser ?? 'hushgate'}@${hostPort}${proto === 'UDP' ? '' : ';transport=' + proto.toLowerCase()}>`;
    const h = new Headers();
    const display = o.fromDisplayName ? `"${o.fromDisplayName.replace(/["\\]/g, '')}" ` : '';
    h.append('From', `${display}<${scheme}:${o.fromUser ?? 'hushgate'}@${hostPort}>;tag=${newTag()}`);
    h.append('To', `<${o.target}>`);
    h.append('Call-ID', o.callId ?? newCallId(stack.advertisedHost));
    h.append('CSeq', '1 INVITE');
    h.append('Contact', contact);
    h.append('Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY, REFER, UPDATE');
    if (o.supportsTimer !== false) h.append('Supported', 'timer');
    for (const [n, v] of o.headers ?? []) h.append(n, v);
    h.append('Content-Type', 'application/sdp');
    const first: SipRequest = { kind: 'request', method: 'INVITE', uri: target.value, version: 'SIP/2.0', headers: h, body: Buffer.from(o.sdp) };
    let challenged = false;
    let announced = false;
    const attempt = async (invite: SipRequest): Promise<DialResult> => {
    session.invite = invite;
    const tx = (await stack.sendRequest(invite, { endpoint: dest })) as InviteClientTransaction;
    session.tx = tx;
    if (!announced) {
      announced = true;
      o.onSession?.(session);
    }
    return new Promise<DialResult>((resolve) => {
      tx.onTimeout = () => resolve({ ok: false, status: 408, reason: 'Request Timeout' });
      tx.onResponse = (res) => {
        if (res.status < 200) {
          session.emit('progress', res.status);
          return;
        }
        if ((res.status === 401 || res.status === 407) && o.credentials && !challenged) {
          const retry = authenticatedRetry(invite, res, o.credentials);
          if (retry) {
            challenged = true;
            resolve(attempt(retry));
            return;
          }
        }
        if (res.status >= 300) {
          session.state = 'ended';
          resolve({ ok: false, status: res.status, reason: res.reason });
          return;
        }
        if (session.dialog) {
          session.resendAck();
          return;
        }
        const source: RequestSource = { transport, remote: dest };
        const d = Dialog.asUac(invite, res, source, contact);
        if (!d) {
          resolve({ ok: false, status: 502, reason: 'unusable 2xx (no To tag or Contact)' });
          return;
        }
        session.dialog = d;
        d.state = 'confirmed';
        session.state = 'confirmed';
        ua.addUsage(d.id, session);
        // The ACK takes the INVITE's own CSeq number (2 after a digest retry).
        session.ack = d.createRequest('ACK', { seq: Number(/^\s*(\d+)/.exec(invite.headers.get('CSeq') ?? '1')?.[1] ?? 1) });
        void session.sendAck();
        resolve({ ok: true, session, answer: res.body.toString('utf8'), response: res });
      };
      tx.start();
    });
    };
    return attempt(first);
  }

  private async target(): Promise<{ endpoint: Endpoint }> {
    const d = this.dialog!;
    if (d.routeSet.length) return { endpoint: await this.ua.stack.resolveTarget(d.createRequest('OPTIONS', { seq: 0 })) };
    if (this.dest.protocol !== 'UDP') return { endpoint: this.dest };
    return { endpoint: await resolveUri(d.remoteTarget) };
  }

  private async sendAck(): Promise<void> {
    if (!this.ack) return;
    const ack = { ...this.ack, headers: this.ack.headers.clone() };
    await this.ua.stack.sendStatelessRequest(ack, await this.target());
  }

  private resendAck(): void {
    void this.sendAck();
  }

  /** Cancel a call that has not been answered yet. */
  async cancel(): Promise<void> {
    if (this.state !== 'calling') return;
    const h = new Headers();
    h.append('Via', this.invite.headers.get('Via') ?? '');
    for (const n of ['From', 'To', 'Call-ID']) h.append(n, this.invite.headers.get(n) ?? '');
    h.append('CSeq', '1 CANCEL');
    h.append('Max-Forwards', '70');
    const cancel: SipRequest = { kind: 'request', method: 'CANCEL', uri: this.invite.uri, version: 'SIP/2.0', headers: h, body: Buffer.alloc(0) };
    // CANCEL shares the INVITE's branch: send it statelessly with the INVITE's Via.
    await this.ua.stack.sendStatelessRequest(cancel, { endpoint: this.dest });
  }

  /** An in-dialog request; a 401/407 is answered once with the session's credentials (new CSeq). */
  async sendInDialog(method: string, opts: { headers?: [string, string][]; body?: Buffer; contentType?: string } = {}): Promise<SipResponse | undefined> {
    const d = this.dialog;
    if (!d || this.state === 'ended') return undefined;
    const req = d.createRequest(method, opts);
    const res = await this.ua.stack.request(req, await this.target());
    if (!res || (res.status !== 401 && res.status !== 407) || !this.credentials) return res;
    const auth = authorizationHeader(req, res, this.credentials);
    if (!auth) return res;
    return this.ua.stack.request(d.createRequest(method, { ...opts, headers: [...(opts.headers ?? []), auth] }), await this.target());
  }

  /** Hang up (BYE, with `headers` if given); `reason` is what the `ended` event reports. */
  async bye(reason: ClientEndReason = 'local-bye', headers: [string, string][] = []): Promise<SipResponse | undefined> {
    if (this.state !== 'confirmed') return undefined;
    const res = await this.sendInDialog('BYE', { headers });
    this.end(reason);
    return res;
  }

  private end(reason: ClientEndReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    if (this.dialog) this.ua.removeUsage(this.dialog.id);
    this.emit('ended', reason);
  }

  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    if (!this.dialog!.acceptRemoteSeq(req)) {
      tx.respond(createResponse(req, 500, 'Server Internal Error - CSeq out of order'));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(createResponse(req, 200));
        this.end('remote-bye');
        return;
      case 'INVITE': {
        const sdp = req.body.length && this.onOffer ? this.onOffer(req.body.toString('utf8')) : this.localSdp;
        this.localSdp = sdp;
        tx.respond(createResponse(req, 200, 'OK', { headers: [['Contact', this.dialog!.localContact]], body: sdp, contentType: 'application/sdp' }));
        return;
      }
      case 'OPTIONS':
      case 'UPDATE':
        tx.respond(createResponse(req, 200));
        return;
      default: {
        const status = this.onRequest?.(req) ?? 200;
        tx.respond(createResponse(req, status));
        this.emit('request', req);
        if (req.method === 'INFO' || req.method === 'NOTIFY') this.emit('info', req);
      }
    }
  }

  handleStrayResponse(res: SipResponse): boolean {
    if (res.headers.get('Call-ID') !== this.callId) return false;
    const cseq = parseCSeq(res.headers.get('CSeq') ?? '');
    if (cseq.ok && cseq.value.method === 'INVITE' && res.status >= 200 && res.status < 300) this.resendAck();
    return true;
  }
}

/**
 * The INVITE again with credentials for the first Digest challenge we can answer (RFC 3261 §22.2):
 * same Call-ID and From tag, CSeq + 1, a new branch (our Via is removed; the stack adds a fresh one).
 * Undefined when no challenge is usable.
 */
function authenticatedRetry(invite: SipRequest, res: SipResponse, cred: { username: string; password: string }): SipRequest | undefined {
  const auth = authorizationHeader(invite, res, cred);
  if (!auth) return undefined;
  const headers = invite.headers.clone();
  headers.delete('Via');
  const seq = Number(/^\s*(\d+)/.exec(headers.get('CSeq') ?? '1')?.[1] ?? 1) + 1;
  headers.set('CSeq', `${seq} INVITE`);
  headers.set(auth[0], auth[1]);
  return { ...invite, headers };
}

/** The (Proxy-)Authorization header answering the first usable Digest challenge of a 401/407 to `req`. */
function authorizationHeader(req: SipRequest, res: SipResponse, cred: { username: string; password: string }): [string, string] | undefined {
  const proxy = res.status === 407;
  const challenges = res.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate').flatMap((v) => v.split(/,\s*(?=Digest\s)/i));
  const challenge = challenges.map(parseChallenge).find((c) => c !== undefined);
  if (!challenge) return undefined;
  return [proxy ? 'Proxy-Authorization' : 'Authorization', authorizationFor(challenge, cred, req.method, formatUri(req.uri))];
}
