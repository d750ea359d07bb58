/**
 * The UA core (RFC 3261 §8.2, §12, §13): what a UAS does with each request before a call sees it.
 *
 *   Max-Forwards 0 → 483 (OPTIONS excepted: it is answered, as a keep-alive ping should be)
 *   Require with an extension we lack → 420 + Unsupported
 *   To-tag present → the dialog's session, or 481 when there is none
 *   CANCEL → 200 + 487 on the INVITE, or 481 when nothing matches
 *   INVITE → draining (503), overload: capacity or event-loop lag (503 + Retry-After, overload.ts),
 *   body checks (415), session-timer floor (422), then `onInvite`
 *   OPTIONS → 200 with Allow/Accept/Supported (503 while draining: load balancers stop sending)
 *   methods we know but do not serve → 405 + Allow; methods we do not know → 501
 */
import type { InviteAuthenticator } from './auth/invite-auth.js';
import type { OverloadGuard } from './overload.js';
import type { Logger } from 'pino';
import type { SipRequest, SipResponse } from './message.js';
import { parseNameAddr } from './parse/index.js';
import { createResponse } from './response.js';
import { dialogId } from './dialog.js';
import { InviteServerSession, type SessionTimerPolicy } from './invite-session.js';
import type { RequestSource, ServerTransaction, SipStack } from './stack.js';
import type { InviteServerTransaction } from './transaction/server-invite.js';

/** A dialog we are part of as UAC (our outgoing call), served by the UA core like a session. */
export interface DialogUsage {
  handleRequest(req: SipRequest, tx: ServerTransaction): void;
  handleStrayResponse?(res: SipResponse, source: RequestSource): boolean;
}

export const ALLOWED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'UPDATE', 'REFER', 'NOTIFY'];
const KNOWN_NOT_SERVED = new Set(['REGISTER', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE', 'PRACK']);
const SUPPORTED_EXTENSIONS = ['timer', 'replaces', 'norefersub'];

export interface UserAgentOptions {
  logger: Logger;
  sessionTimer: SessionTimerPolicy;
  /** user part for our Contact. */
  contactUser?: string;
  /** Refuses new calls past capacity or while the event loop lags (503 + Retry-After). */
  overload?: OverloadGuard;
  /** Digest authentication of new calls (RFC 3261 §22): 401 without valid credentials, 403 while throttled. */
  auth?: InviteAuthenticator;
  /** Send the 100 Trying only if the call is not answered (1xx or final) within this many ms; 0 or unset: at once. */
  tryingDelayMs?: number;
}

export class UserAgent {
  /** A new call. The handler must answer (accept/reject) it. */
  onInvite?: (session: InviteServerSession) => void;
  /** Stop taking new calls (graceful shutdown): new INVITEs get 503. */
  draining = false;
  /** INVITEs answered 503 because the gateway was draining. */
  refusedWhileDraining = 0;
  /** Server sessions by dialog id. */
  readonly sessions = new Map<string, InviteServerSession>();
  /** Other dialog usages (our outgoing calls) by dialog id. */
  readonly usages = new Map<string, DialogUsage>();
  /** Sessions not yet in a dialog, by INVITE transaction id (for CANCEL). */
  private readonly pending = new Map<string, InviteServerSession>();
  private readonly log: Logger;

  constructor(
    readonly stack: SipStack,
    private readonly opts: UserAgentOptions,
  ) {
    this.log = opts.logger;
    stack.onRequest = (req, tx, source) => this.handleRequest(req, tx, source);
    stack.onAck = (ack) => this.handleAck(ack);
    stack.onStrayResponse = (res, source) => this.handleStrayResponse(res, source);
  }

  get allow(): string {
    return ALLOWED_METHODS.join(', ');
  }

  activeSessions(): InviteServerSession[] {
    return [...new Set([...this.sessions.values(), ...this.pending.values()])];
  }

  /**
   * Our Contact for a dialog. RFC 3261 §12.1.1: a SIPS Contact when the request was addressed to a
   * `sips:` URI; a `sip:` request over TLS gets `sip:…;transport=tls` (peers that cannot route
   * `sips:` — e.g. baresip 1.0 — would otherwise fail to send the ACK).
   */
  contactFor(source: RequestSource, requestScheme?: string): string {
    const t = source.transport;
    const user = this.opts.contactUser ?? 'hushgate';
    const scheme = t.protocol === 'TLS' && requestScheme !== 'sip' ? 'sips' : 'sip';
    const tp = t.protocol === 'UDP' ? '' : `;transport=${t.protocol.toLowerCase()}`;
    return `<${scheme}:${user}@${this.stack.hostPort(t)}${tp}>`;
  }

  private handleRequest(req: SipRequest, tx: ServerTransaction, source: RequestSource): void {
    const mf = req.headers.get('Max-Forwards');
    if (mf !== undefined && Number(mf.trim()) === 0 && req.method !== 'OPTIONS') {
      tx.respond(createResponse(req, 483, 'Too Many Hops'));
      return;
    }
    if (req.method !== 'CANCEL') {
      const required = req.headers.getAll('Require').flatMap((r) => r.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
      const unsupported = required.filter((r) => !SUPPORTED_EXTENSIONS.includes(r));
      if (unsupported.length) {
        tx.respond(createResponse(req, 420, 'Bad Extension', { headers: [['Unsupported', unsupported.join(', ')]] }));
        return;
      }
    }
    const toTag = tagOf(req.headers.get('To'));
    if (toTag) {
      const fromTag = tagOf(req.headers.get('From')) ?? '';
      const id = dialogId(req.headers.get('Call-ID') ?? '', toTag, fromTag);
      const usage = this.usages.get(id);
      if (usage) {
        usage.handleRequest(req, tx);
        return;
      }
      const session = this.sessions.get(id);
      if (!session || session.state === 'ended') {
        tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
        return;
      }
      session.handleRequest(req, tx);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        if (!this.authorised(req, tx, source)) return;
        return this.handleInvite(req, tx as InviteServerTransaction, source);
      case 'CANCEL': {
        const inviteTx = this.stack.findInviteTransaction(req);
        const session = inviteTx ? this.pending.get(inviteTx.id) : undefined;
        if (!inviteTx || !session) {
          tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
          return;
        }
        tx.respond(createResponse(req, 200));
        session.handleCancel();
        return;
      }
      case 'OPTIONS':
        // Draining (SIGTERM): a load balancer probing with OPTIONS (Kamailio's dispatcher) takes the
        // node out of rotation on 503, before it would try an INVITE here.
        if (this.draining) {
          tx.respond(createResponse(req, 503, 'Service Unavailable - shutting down', { toTag: undefined, headers: [['Retry-After', '30']] }));
          return;
        }
        tx.respond(
          createResponse(req, 200, 'OK', {
            toTag: undefined,
            headers: [
              ['Allow', this.allow],
              ['Accept', 'application/sdp, application/dtmf-relay, application/dtmf'],
              ['Accept-Encoding', 'identity'],
              ['Accept-Language', 'en'],
              ['Supported', SUPPORTED_EXTENSIONS.join(', ')],
            ],
          }),
        );
        return;
      case 'BYE':
      case 'INFO':
      case 'UPDATE':
      case 'REFER':
      case 'NOTIFY':
        tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
        return;
      default:
        if (KNOWN_NOT_SERVED.has(req.method)) tx.respond(createResponse(req, 405, 'Method Not Allowed', { headers: [['Allow', this.allow]] }));
        else tx.respond(createResponse(req, 501, 'Not Implemented', { headers: [['Allow', this.allow]] }));
    }
  }

  /** The authenticator of new calls, when `sip.auth` is configured. */
  get auth(): InviteAuthenticator | undefined {
    return this.opts.auth;
  }

  /** Counters of digest authentication (challenges, failures, replays, throttled attempts). */
  get authCounters(): { challenged: number; failed: number; replays: number; throttled: number } {
    return this.opts.auth?.counters ?? { challenged: 0, failed: 0, replays: 0, throttled: 0 };
  }

  /** RFC 3261 §22.2: challenge a new call without valid credentials; true when it may proceed. */
  private authorised(req: SipRequest, tx: ServerTransaction, source: RequestSource): boolean {
    const d = this.opts.auth?.check(req, source.remote.address) ?? { ok: true };
    if (d.ok) return true;
    tx.respond(d.status === 401 ? createResponse(req, 401, 'Unauthorized', { headers: d.headers }) : createResponse(req, 403, d.reason, { headers: d.headers }));
    return false;
  }

  private handleInvite(req: SipRequest, tx: InviteServerTransaction, source: RequestSource): void {
    if (this.draining) {
      this.refusedWhileDraining++;
      tx.respond(createResponse(req, 503, 'Service Unavailable - shutting down', { headers: [['Retry-After', '30']] }));
      return;
    }
    const admitted = this.opts.overload?.admit(this.sessions.size + this.pending.size);
    if (admitted && !admitted.ok) {
      const why = admitted.reason === 'capacity' ? 'at capacity' : 'overloaded';
      tx.respond(createResponse(req, 503, `Service Unavailable - ${why}`, { headers: [['Retry-After', String(admitted.retryAfterSec)]] }));
      return;
    }
    const ct = (req.headers.get('Content-Type') ?? '').toLowerCase().split(';')[0]!.trim();
    if (req.body.length && ct !== 'application/sdp') {
      tx.respond(createResponse(req, 415, 'Unsupported Media Type - only application/sdp', { headers: [['Accept', 'application/sdp']] }));
      return;
    }
    const enc = (req.headers.get('Content-Encoding') ?? 'identity').toLowerCase().trim();
    if (req.body.length && enc !== 'identity') {
      tx.respond(createResponse(req, 415, 'Unsupported Media Type - content encoding', { headers: [['Accept-Encoding', 'identity']] }));
      return;
    }
    const se = req.headers.get('Session-Expires');
    if (se) {
      const n = Number(/^\s*(\d+)/.exec(se)?.[1] ?? NaN);
      if (!Number.isFinite(n)) {
        tx.respond(createResponse(req, 400, 'Bad Request - malformed Session-Expires'));
        return;
      }
      if (n < this.opts.sessionTimer.minSE) {
        tx.respond(createResponse(req, 422, 'Session Interval Too Small', { headers: [['Min-SE', String(this.opts.sessionTimer.minSE)]] }));
        return;
      }
    }
    const from = parseNameAddr(req.headers.get('From') ?? '');
    if (!from.ok || !from.value.params.get('tag')) {
      // RFC 3261 requires a From tag; without it we cannot form a dialog.
      tx.respond(createResponse(req, 400, 'Bad Request - From tag missing'));
      return;
    }
    const session = new InviteServerSession(
      req,
      tx,
      source,
      this.stack,
      { contact: this.contactFor(source, req.uri.scheme), allow: this.allow, supported: SUPPORTED_EXTENSIONS.join(', '), sessionTimer: this.opts.sessionTimer },
      (s) => this.sessions.set(s.dialog!.id, s),
      (s) => {
        this.pending.delete(s.transaction.id);
        if (s.dialog) this.sessions.delete(s.dialog.id);
      },
    );
    this.pending.set(tx.id, session);
    // Once answered, CANCEL no longer applies; the pending entry goes with the final response.
    session.once('confirmed', () => this.pending.delete(tx.id));
    // RFC 3261 §17.2.1: with `tryingDelayMs` the 100 leaves only if nothing else has by then (a call
    // answered at once costs one response fewer; docs/sip.md "Call set-up rate").
    const delay = this.opts.tryingDelayMs ?? 0;
    if (delay > 0) tx.tryingUnlessAnsweredWithin(delay, () => createResponse(req, 100, 'Trying'));
    else tx.respond(createResponse(req, 100, 'Trying'));
    if (!this.onInvite) {
      session.reject(480, 'Temporarily Unavailable - no call handler');
      return;
    }
    try {
      this.onInvite(session);
    } catch (err) {
      this.log.error({ err }, 'call handler failed');
      session.reject(500, 'Server Internal Error');
    }
  }

  private handleAck(ack: SipRequest): void {
    const toTag = tagOf(ack.headers.get('To'));
    const fromTag = tagOf(ack.headers.get('From')) ?? '';
    if (!toTag) return;
    const id = dialogId(ack.headers.get('Call-ID') ?? '', toTag, fromTag);
    this.sessions.get(id)?.handleAck(ack);
  }

  /** Register a dialog usage we created as UAC (in-dialog requests for it are routed to it). */
  addUsage(id: string, usage: DialogUsage): void {
    this.usages.set(id, usage);
  }
  removeUsage(id: string): void {
    this.usages.delete(id);
  }

  /** Stray responses: a retransmitted 2xx for an INVITE we sent is re-ACKed by its usage. */
  private handleStrayResponse(res: SipResponse, source: RequestSource): void {
    for (const u of this.usages.values()) if (u.handleStrayResponse?.(res, source)) return;
  }
}

function tagOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /;\s*tag\s*=\s*([^;,\s>]+)/i.exec(header.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/<[^>]*>/g, '<>'));
  return m?.[1];
}
