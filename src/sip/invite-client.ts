/**
 * The UAC side of an INVITE dialog: place a call, ACK its 2xx (and re-ACK retransmissions),
 * CANCEL before answer, BYE, and RFC 4028 session refresh when the 2xx makes us the refresher.
 * In-dialog requests both ways (re-INVITE with its ACK, INFO, REFER, NOTIFY, BYE) go through the
 * code shared with the server usage (`dialog-requests.ts`). Used by the `hushgate call` softphone,
 * by outbound calls through carrier trunks (src/call/outbound-calls.ts) and by tests; SDP stays
 * opaque text here. With `credentials`, a 401/407 is answered once per request: on the INVITE and on
 * every in-dialog request we send (BYE, REFER, INFO …), since carriers challenge those too.
 */
import { authorizationFor, parseChallenge } from './auth/digest.js';
import { EventEmitter } from 'node:events';
import { Headers, type SipRequest, type SipResponse } from './message.js';
import { parseUri, parseCSeq, formatUri, parseNameAddr } from './parse/index.js';
import { createResponse, newTag, newCallId } from './response.js';
import { Dialog } from './dialog.js';
import { resolveUri, type RequestSource, type ServerTransaction } from './stack.js';
import type { Endpoint, TransportProtocol } from './transport/types.js';
import type { UserAgent, DialogUsage } from './user-agent.js';
import type { InviteClientTransaction } from './transaction/client-invite.js';
import { sendInDialogRequest, serveInDialogRequest, type InDialogHandlers, type InDialogSendOptions } from './dialog-requests.js';
import { DialogSessionTimer } from './dialog-session-timer.js';

const CLIENT_ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY, REFER, UPDATE';

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
  /** RFC 4028: we refresh when the 2xx names us (`refresher=uac`); never expire the call ourselves. */
  private readonly timer: DialogSessionTimer;
  private readonly inDialogHandlers: InDialogHandlers;

  private constructor(
    private readonly ua: UserAgent,
    public localSdp: string,
  ) {
    super();
    this.timer = new DialogSessionTimer(ua.stack.timers, 'uac', { sessionExpires: 0, minSE: 90 }, {
      refresh: (st) =>
        this.sendInDialog('INVITE', {
          headers: [['Session-Expires', `${st.interval};refresher=uac`], ['Supported', 'timer']],
          body: Buffer.from(this.localSdp),
          contentType: 'application/sdp',
        }),
      expire: () => void this.bye(),
    });
    this.inDialogHandlers = {
      allow: CLIENT_ALLOW,
      optionsHeaders: () => [['Allow', CLIENT_ALLOW], ['Accept', 'application/sdp']],
      onBye: () => this.end('remote-bye'),
      onReinvite: (req, tx) => {
        const sdp = req.body.length && this.onOffer ? this.onOffer(req.body.toString('utf8')) : this.localSdp;
        this.localSdp = sdp;
        tx.respond(createResponse(req, 200, 'OK', { headers: [['Contact', this.dialog!.localContact]], body: sdp, contentType: 'application/sdp' }));
      },
      onUpdate: (req, tx) => tx.respond(createResponse(req, 200)),
      requestMethods: new Set(['INFO', 'NOTIFY', 'REFER']),
      statusFor: (req) => this.onRequest?.(req) ?? 200,
      afterAnswer: (req) => {
        this.emit('request', req);
        if (req.method === 'INFO' || req.method === 'NOTIFY') this.emit('info', req);
      },
    };
  }

  get callId(): string {
    return this.invite.headers.get('Call-ID') ?? '';
  }

  /** Our From user part (the caller ID we present). */
  get callerUser(): string | undefined {
    const from = parseNameAddr(this.invite.headers.get('From') ?? '');
    return from.ok ? from.value.uri.user : undefined;
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
    h.append('Allow', CLIENT_ALLOW);
    h.append('Supported', 'timer');
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
        session.timer.adopt(res);
        if (session.timer.weRefresh) session.timer.arm();
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

  /**
   * Sends an in-dialog request; a 2xx to a re-INVITE is ACKed. A 401/407 is answered once with the
   * session's credentials (the request again with a new CSeq, RFC 3261 §22.2).
   */
  async sendInDialog(method: string, opts: InDialogSendOptions = {}): Promise<SipResponse | undefined> {
    const d = this.dialog;
    if (!d || this.state === 'ended') return undefined;
    const res = await sendInDialogRequest(this.ua.stack, d, method, opts, () => this.target());
    if (!res || (res.status !== 401 && res.status !== 407) || !this.credentials) return res;
    const auth = authorizationHeader(method, formatUri(d.remoteTarget), res, this.credentials);
    if (!auth) return res;
    return sendInDialogRequest(this.ua.stack, d, method, { ...opts, headers: [...(opts.headers ?? []), auth] }, () => this.target());
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
    this.timer.stop();
    if (this.dialog) this.ua.removeUsage(this.dialog.id);
    this.emit('ended', reason);
  }

  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    serveInDialogRequest(this.dialog!, req, tx, this.inDialogHandlers);
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
  const auth = authorizationHeader('INVITE', formatUri(invite.uri), res, cred);
  if (!auth) return undefined;
  const headers = invite.headers.clone();
  headers.delete('Via');
  const seq = Number(/^\s*(\d+)/.exec(headers.get('CSeq') ?? '1')?.[1] ?? 1) + 1;
  headers.set('CSeq', `${seq} INVITE`);
  headers.set(auth[0], auth[1]);
  return { ...invite, headers };
}

/** The (Proxy-)Authorization header answering the first usable Digest challenge of a 401/407 to `method` `uri`. */
function authorizationHeader(method: string, uri: string, res: SipResponse, cred: { username: string; password: string }): [string, string] | undefined {
  const proxy = res.status === 407;
  const challenges = res.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate').flatMap((v) => v.split(/,\s*(?=Digest\s)/i));
  const challenge = challenges.map(parseChallenge).find((c) => c !== undefined);
  if (!challenge) return undefined;
  return [proxy ? 'Proxy-Authorization' : 'Authorization', authorizationFor(challenge, cred, method, uri)];
}
