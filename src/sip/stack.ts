/**
 * The SIP stack: transports in, parsed messages matched to transactions, new requests handed to
 * the transaction user (the UA core), requests sent through client transactions.
 *
 * Inbound request path:
 *   bytes → allowlist (a request from outside `allowFrom` is dropped unparsed and unanswered; its
 *   stream connection is closed — stream sources outside it never get a connection at all)
 *   → parseMessage → (malformed: stateless 400 when Via/From/To/Call-ID/CSeq are readable, else drop)
 *   → top Via gets `received`/`rport` (RFC 3581) → transaction match (§17.2.3)
 *   → retransmission absorbed by its transaction, or a new ServerTransaction handed to `onRequest`.
 *   ACKs that match no transaction (ACK for 2xx) go to `onAck`.
 * Inbound response path: match by branch + CSeq method (§17.1.3) → client transaction, else `onStrayResponse`.
 *
 * Nothing here knows about calls; the stack never throws into the event loop on bad input.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { Headers, type SipMessage, type SipRequest, type SipResponse, type SipUri } from './message.js';
import { parseMessage, parseVia, formatVia, parseCSeq, checkRequest } from './parse/index.js';
import { serializeMessage } from './serialize.js';
import { createResponse, newBranch } from './response.js';
import type { Endpoint, InboundMessage, Transport, TransportProtocol } from './transport/types.js';
import { systemClock, type Clock } from '../time/index.js';
import type { Sent, TransactionContext, TransactionTimers } from './transaction/types.js';
import { InviteServerTransaction } from './transaction/server-invite.js';
import { NonInviteServerTransaction } from './transaction/server-non-invite.js';
import { InviteClientTransaction } from './transaction/client-invite.js';
import { NonInviteClientTransaction } from './transaction/client-non-invite.js';
import { CidrAllowlist } from './allowlist.js';
import { DropLog } from './transport/drop-log.js';
import type { ConnectionCounters } from './transport/limits.js';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** Where a request came from; responses and in-dialog requests go back the same way. */
export interface RequestSource {
  transport: Transport;
  remote: Endpoint;
  connectionId?: string;
}

export interface StackOptions {
  transports: Transport[];
  /** The clock RFC 3261 timers and session timers run on (tests pass a `FakeClock`). */
  timers?: Clock;
  timerConfig?: Partial<TransactionTimers>;
  logger: Logger;
  /** Host written into our Via/Contact headers. */
  advertisedHost: string;
  allowFrom?: string[];
  maxMessageBytes?: number;
  userAgent?: string;
}

export interface StackCounters {
  received: number;
  malformed: number;
  forbidden: number;
  retransmissionsAbsorbed: number;
  /** Stateless answers not sent because they would have been larger than the request (amplification). */
  statelessSuppressed: number;
}

/** What `Sent` is inside the stack: the serialised message and the endpoint it went to. */
interface Wire {
  bytes: Buffer;
  dest: Endpoint;
}

/** A stateless answer may exceed its request by at most this much (full header names, our reason phrase). */
export const STATELESS_SLACK_BYTES = 256;

/**
 * Would a stateless answer echoing these headers stay within the request's size plus slack?
 * Found by bench/fuzz.ts: a 59 KB request with one Via of 45,000 commas drew a 333 KB 400 (each
 * empty element echoed as its own `Via:` line); 9 KB of commas give a 63 KB UDP datagram, a 7×
 * reflection amplifier for a spoofed source when `allowFrom` is empty. Counted, not sent.
 */
export function statelessAnswerFits(res: SipResponse, requestBytes: number): boolean {
  let n = 32 + res.reason.length; // status line, Content-Length, blank line
  for (const h of res.headers.list()) n += h.name.length + h.value.length + 4;
  return n <= requestBytes + STATELESS_SLACK_BYTES;
}

export class SipStack {
  readonly timers: Clock;
  readonly timerConfig: TransactionTimers;
  readonly counters: StackCounters = { received: 0, malformed: 0, forbidden: 0, retransmissionsAbsorbed: 0, statelessSuppressed: 0 };
  /** New request with its server transaction (never an ACK). */
  onRequest?: (req: SipRequest, tx: ServerTransaction, source: RequestSource) => void;
  /** ACK that matched no transaction: the ACK for a 2xx, for the dialog layer. */
  onAck?: (ack: SipRequest, source: RequestSource) => void;
  /** Response that matched no client transaction (e.g. a retransmitted 2xx after the transaction ended). */
  onStrayResponse?: (res: SipResponse, source: RequestSource) => void;

  private readonly serverTx = new Map<string, ServerTransaction>();
  private readonly clientTx = new Map<string, ClientTransaction>();
  private readonly allowlist: CidrAllowlist;
  private readonly log: Logger;
  private readonly drops: DropLog;
  /** Live server transactions per stream connection (a connection in use is not idle). */
  private readonly txOnConnection = new Map<string, number>();
  /** Set by the owner of dialogs: does a dialog use this stream connection? */
  dialogOnConnection?: (connectionId: string) => boolean;

  constructor(private readonly opts: StackOptions) {
    this.timers = opts.timers ?? systemClock;
    this.timerConfig = { t1: 500, t2: 4000, t4: 5000, ...opts.timerConfig };
    this.allowlist = new CidrAllowlist(opts.allowFrom ?? []);
    this.log = opts.logger;
    this.drops = new DropLog(this.log);
    for (const t of opts.transports) {
      t.onMessage = (m) => this.receive(t, m);
      t.onError = (err) => this.log.warn({ err, transport: t.protocol }, 'transport error');
      t.admit = (address) => this.allowlist.allows(address);
      t.connectionInUse = (id) => (this.txOnConnection.get(id) ?? 0) > 0 || (this.dialogOnConnection?.(id) ?? false);
      t.onConnectionDropped = (reason, address) => {
        if (reason === 'allowlist') this.counters.forbidden++;
        // Closing an idle connection is housekeeping (counted only); the rest say something is wrong.
        if (reason !== 'idle') this.drops.note(reason, t.protocol, address);
      };
    }
  }

  /** Stream connections accepted, refused and closed by deadline, summed over the transports. */
  connectionCounters(): ConnectionCounters {
    const sum: ConnectionCounters = { accepted: 0, refused: { allowlist: 0, 'global-cap': 0, 'per-source-cap': 0 }, closed: { 'header-timeout': 0, 'handshake-timeout': 0, idle: 0, framing: 0, allowlist: 0 } };
    for (const t of this.opts.transports) {
      const c = t.connectionCounters;
      if (!c) continue;
      sum.accepted += c.accepted;
      for (const k of Object.keys(c.refused) as (keyof typeof c.refused)[]) sum.refused[k] += c.refused[k];
      for (const k of Object.keys(c.closed) as (keyof typeof c.closed)[]) sum.closed[k] += c.closed[k];
    }
    return sum;
  }

  get transports(): readonly Transport[] {
    return this.opts.transports;
  }

  transportFor(protocol: TransportProtocol): Transport | undefined {
    return this.opts.transports.find((t) => t.protocol === protocol);
  }

  get advertisedHost(): string {
    return this.opts.advertisedHost;
  }

  get userAgent(): string {
    return this.opts.userAgent ?? 'Hushgate';
  }

  serverTransactionCount(): number {
    return this.serverTx.size;
  }
  clientTransactionCount(): number {
    return this.clientTx.size;
  }

  /** Entry point for every inbound buffer (public so tests can inject bytes). */
  receive(transport: Transport, inbound: InboundMessage): void {
    try {
      this.receiveUnsafe(transport, inbound);
    } catch (err) {
      // A bug, not bad input: parsing returns errors as values. Keep the process up and say so.
      this.log.error({ err }, 'internal error handling SIP message');
    }
  }

  private receiveUnsafe(transport: Transport, inbound: InboundMessage): void {
    this.counters.received++;
    const source: RequestSource = { transport, remote: inbound.source, connectionId: inbound.connectionId };
    if (inbound.framingError) {
      this.counters.malformed++;
      return;
    }
    if (inbound.data.length <= 4 && inbound.data.toString('latin1').trim() === '') return; // keep-alive
    if (!this.allowlist.allows(inbound.source.address) && !looksLikeResponse(inbound.data)) {
      // RFC 3261 §18.2.2 would answer at the Via's address: a stranger could aim that at a third
      // party. We answer nothing at all (no 403, no 400): scanners learn nothing, nothing reflects.
      this.counters.forbidden++;
      this.drops.note('allowlist', transport.protocol, inbound.source.address);
      if (inbound.connectionId) transport.drop?.(inbound.connectionId, 'allowlist');
      return;
    }
    const parsed = parseMessage(inbound.data, { maxBytes: this.opts.maxMessageBytes, stream: transport.reliable });
    if (!parsed.ok) {
      this.counters.malformed++;
      const p = parsed.error.partial;
      if (p?.isRequest && p.method !== 'ACK' && p.headers) {
        const code = parsed.error.code ?? 400;
        const fake: SipRequest = { kind: 'request', method: p.method ?? 'UNKNOWN', uri: { scheme: 'sip', host: 'invalid', params: new Map(), headers: new Map() }, version: 'SIP/2.0', headers: p.headers, body: Buffer.alloc(0) };
        if (fake.headers.get('Via') && fake.headers.get('Call-ID') && fake.headers.get('CSeq') && fake.headers.get('From') && fake.headers.get('To')) {
          this.annotateVia(fake, source);
          this.sendStateless(createResponse(fake, code, truncateReason(`${code === 400 ? 'Bad Request' : 'Error'} - ${parsed.error.reason}`)), source, undefined, inbound.data.length);
        }
      }
      return;
    }
    const msg = parsed.value;
    if (msg.kind === 'response') return this.receiveResponse(msg, source);
    this.annotateVia(msg, source);
    const problem = checkRequest(msg);
    if (problem) {
      this.counters.malformed++;
      if (msg.method !== 'ACK') this.sendStateless(createResponse(msg, problem.code, truncateReason(problem.reason)), source, msg, inbound.data.length);
      return;
    }
    const key = serverKey(msg);
    if (msg.method === 'ACK') {
      const tx = this.serverTx.get(key);
      if (tx instanceof InviteServerTransaction && tx.state !== 'accepted') {
        tx.receiveAck();
        this.counters.retransmissionsAbsorbed++;
        return;
      }
      this.onAck?.(msg, source);
      return;
    }
    const existing = this.serverTx.get(key);
    if (existing) {
      existing.receiveRequest();
      this.counters.retransmissionsAbsorbed++;
      return;
    }
    const conn = source.connectionId;
    if (conn) this.txOnConnection.set(conn, (this.txOnConnection.get(conn) ?? 0) + 1);
    const ctx = this.txContext(
      source,
      () => {
        this.serverTx.delete(key);
        if (conn) {
          const n = (this.txOnConnection.get(conn) ?? 1) - 1;
          if (n <= 0) this.txOnConnection.delete(conn);
          else this.txOnConnection.set(conn, n);
        }
      },
      (m) => this.sendToSource(m, source),
      (w) => this.transmit(w, source),
    );
    const tx = msg.method === 'INVITE' ? new InviteServerTransaction(key, msg, ctx) : new NonInviteServerTransaction(key, msg, ctx);
    this.serverTx.set(key, tx);
    if (!this.onRequest) {
      tx.respond(createResponse(msg, 503));
      return;
    }
    this.onRequest(msg, tx, source);
  }

  /** The INVITE server transaction a CANCEL refers to (same branch, method INVITE). */
  findInviteTransaction(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.serverTx.get(serverKey(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  private receiveResponse(res: SipResponse, source: RequestSource): void {
    const via = res.headers.get('Via');
    const cseq = parseCSeq(res.headers.get('CSeq') ?? '');
    if (!via || !cseq.ok) {
      this.counters.malformed++;
      return;
    }
    const v = parseVia(via);
    if (!v.ok) {
      this.counters.malformed++;
      return;
    }
    const branch = v.value.params.get('branch') ?? '';
    const method = cseq.value.method === 'ACK' ? 'INVITE' : cseq.value.method;
    const tx = this.clientTx.get(`${branch}|${method}`);
    if (tx) tx.receiveResponse(res);
    else this.onStrayResponse?.(res, source);
  }

  /** RFC 3261 §18.2.1 + RFC 3581: record where the request really came from in its top Via. */
  private annotateVia(req: SipRequest, source: RequestSource): void {
    const top = req.headers.get('Via');
    if (!top) return;
    const v = parseVia(top);
    if (!v.ok) return;
    const stale = v.value.host.replace(/^\[|\]$/g, '') !== source.remote.address;
    const rport = v.value.params.has('rport') && !v.value.params.get('rport');
    if (!stale && !rport) return;
    // parseVia's result is shared (memo): annotate a copy.
    const params = new Map(v.value.params);
    if (stale) params.set('received', source.remote.address);
    if (rport) params.set('rport', String(source.remote.port));
    const all = req.headers.getAll('Via');
    all[0] = formatVia({ ...v.value, params });
    req.headers.delete('Via');
    for (const x of all) req.headers.append('Via', x);
  }

  private txContext(source: RequestSource, onTerminated: () => void, send: (m: SipMessage) => Sent, resend: (w: Sent) => void): TransactionContext {
    return { timers: this.timers, config: this.timerConfig, reliable: source.transport.reliable, send, resend, onTerminated };
  }

  /** Sends bytes a transaction kept (`Sent`) again, the way they went the first time. */
  private transmit(sent: Sent, source: RequestSource): void {
    const w = sent as unknown as Wire;
    source.transport.send(w.bytes, w.dest, source.connectionId).catch((err: Error) => this.log.debug({ err }, 'send failed'));
  }

  /** Send a response back where its request came from (RFC 3261 §18.2.2, RFC 3581 §4). */
  private sendToSource(msg: SipMessage, source: RequestSource): Sent {
    if (msg.kind === 'response') this.stampServer(msg);
    const buf = serializeMessage(msg);
    let dest = source.remote;
    if (!source.transport.reliable && msg.kind === 'response') {
      const v = parseVia(msg.headers.get('Via') ?? '');
      if (v.ok) {
        const rport = v.value.params.get('rport');
        const received = v.value.params.get('received');
        const port = rport ? Number(rport) : received || v.value.params.has('rport') ? source.remote.port : v.value.port ?? 5060;
        dest = { protocol: source.remote.protocol, address: received ?? (isIP(v.value.host.replace(/^\[|\]$/g, '')) ? v.value.host.replace(/^\[|\]$/g, '') : source.remote.address), port };
      }
    }
    const wire: Wire = { bytes: buf, dest };
    this.transmit(wire as unknown as Sent, source);
    return wire as unknown as Sent;
  }

  private stampServer(res: SipResponse): void {
    if (!res.headers.has('Server')) res.headers.append('Server', this.userAgent);
  }

  /**
   * Stateless response (malformed or refused requests that must not create a transaction). With
   * `requestBytes`, an answer larger than the request plus `STATELESS_SLACK_BYTES` is not sent.
   */
  sendStateless(res: SipResponse, source: RequestSource, _req?: SipRequest, requestBytes?: number): void {
    if (requestBytes !== undefined && !statelessAnswerFits(res, requestBytes)) {
      this.counters.statelessSuppressed++;
      return;
    }
    this.sendToSource(res, source);
  }

  /**
   * Send a request through a new client transaction. The Via is added here. Destination: `dest`
   * when given (an in-dialog request on a known connection), else the first loose Route or the
   * Request-URI (host, port, `transport` parameter; A/AAAA lookup, no SRV/NAPTR).
   */
  async sendRequest(req: SipRequest, dest?: { endpoint: Endpoint; connectionId?: string }): Promise<ClientTransaction> {
    const target = dest ?? { endpoint: await this.resolveTarget(req) };
    const transport = this.transportFor(target.endpoint.protocol) ?? this.opts.transports[0]!;
    const branch = newBranch();
    const via = `SIP/2.0/${transport.protocol} ${this.hostPort(transport)};branch=${branch};rport`;
    req.headers.prepend('Via', via);
    if (!req.headers.has('Max-Forwards')) req.headers.append('Max-Forwards', '70');
    if (!req.headers.has('User-Agent')) req.headers.append('User-Agent', this.userAgent);
    const source: RequestSource = { transport, remote: target.endpoint, connectionId: target.connectionId };
    const key = `${branch}|${req.method}`;
    const ctx = this.txContext(
      source,
      () => this.clientTx.delete(key),
      (m) => {
        const wire: Wire = { bytes: serializeMessage(m), dest: target.endpoint };
        this.transmit(wire as unknown as Sent, source);
        return wire as unknown as Sent;
      },
      (w) => this.transmit(w, source),
    );
    const tx = req.method === 'INVITE' ? new InviteClientTransaction(key, req, ctx) : new NonInviteClientTransaction(key, req, ctx);
    if (req.method !== 'ACK') this.clientTx.set(key, tx);
    return tx;
  }

  /**
   * Send a request through a client transaction and resolve with its final response, or
   * `undefined` when the transaction times out (Timer B/F). Provisional responses are skipped.
   */
  async request(req: SipRequest, dest?: { endpoint: Endpoint; connectionId?: string }): Promise<SipResponse | undefined> {
    const tx = await this.sendRequest(req, dest);
    return new Promise((resolve) => {
      tx.onResponse = (res) => {
        if (res.status >= 200) resolve(res);
      };
      tx.onTimeout = () => resolve(undefined);
      tx.start();
    });
  }

  /** Send an ACK for a 2xx (end-to-end, no transaction), or any request statelessly. */
  async sendStatelessRequest(req: SipRequest, dest?: { endpoint: Endpoint; connectionId?: string }): Promise<void> {
    const target = dest ?? { endpoint: await this.resolveTarget(req) };
    const transport = this.transportFor(target.endpoint.protocol) ?? this.opts.transports[0]!;
    if (!req.headers.has('Via')) req.headers.prepend('Via', `SIP/2.0/${transport.protocol} ${this.hostPort(transport)};branch=${newBranch()};rport`);
    if (!req.headers.has('Max-Forwards')) req.headers.append('Max-Forwards', '70');
    await transport.send(serializeMessage(req), target.endpoint, target.connectionId).catch((err: Error) => this.log.debug({ err }, 'send failed'));
  }

  hostPort(transport: Transport): string {
    const host = this.opts.advertisedHost.includes(':') && !this.opts.advertisedHost.startsWith('[') ? `[${this.opts.advertisedHost}]` : this.opts.advertisedHost;
    return `${host}:${transport.localPort}`;
  }

  async resolveTarget(req: SipRequest): Promise<Endpoint> {
    let uri: SipUri = req.uri;
    const route = req.headers.get('Route');
    if (route) {
      const m = /<([^>]+)>/.exec(route);
      const { parseUri } = await import('./parse/index.js');
      const r = m ? parseUri(m[1]!) : undefined;
      if (r?.ok) uri = r.value;
    }
    return resolveUri(uri);
  }

  async close(): Promise<void> {
    for (const tx of this.serverTx.values()) tx.terminate();
    for (const tx of this.clientTx.values()) tx.terminate();
    await Promise.all(this.opts.transports.map((t) => t.close()));
  }
}

export async function resolveUri(uri: SipUri): Promise<Endpoint> {
  const tp = (uri.params.get('transport') ?? '').toUpperCase();
  const protocol: TransportProtocol = uri.scheme === 'sips' || tp === 'TLS' ? 'TLS' : tp === 'TCP' ? 'TCP' : 'UDP';
  const host = uri.host.replace(/^\[|\]$/g, '');
  const address = isIP(host) ? host : (await lookup(host)).address;
  return { protocol, address, port: uri.port ?? (protocol === 'TLS' ? 5061 : 5060) };
}

/** Server transaction key (RFC 3261 §17.2.3): branch + sent-by + method, ACK/CANCEL mapped as the RFC says. */
export function serverKey(req: SipRequest, methodOverride?: string): string {
  const top = req.headers.get('Via') ?? '';
  const v = parseVia(top);
  const method = methodOverride ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  if (v.ok) {
    const branch = v.value.params.get('branch') ?? '';
    if (branch.startsWith('z9hG4bK')) return detached(`${branch}|${v.value.host}:${v.value.port ?? ''}|${method}`);
  }
  // RFC 2543 peers: no magic cookie; fall back to the dialog-and-sequence identity.
  const fromTag = /;\s*tag=([^;\s]+)/i.exec(req.headers.get('From') ?? '')?.[1] ?? '';
  const cseq = (req.headers.get('CSeq') ?? '').trim().split(/\s+/)[0];
  return detached(`2543|${req.headers.get('Call-ID')}|${fromTag}|${cseq}|${top}|${method}`);
}

/**
 * `s` as a string of its own. Parsed values are slices of the message's text, and a string built
 * from them keeps that whole text alive as long as it lives: a server transaction's key lives 32 s
 * after the final response (Timer J/L), and held the raw INVITE and BYE of every call of that span
 * (docs/sip.md "Call set-up rate"). A copy through bytes shares nothing with the message.
 */
function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** A status line (`SIP/2.0 …`) after any leading CRLF: responses are matched, never answered. */
function looksLikeResponse(data: Buffer): boolean {
  let i = 0;
  while (i < data.length && (data[i] === 0x0d || data[i] === 0x0a)) i++;
  return data.length - i >= 4 && data.toString('latin1', i, i + 4).toUpperCase() === 'SIP/';
}

function truncateReason(s: string): string {
  const clean = s.replace(/[\r\n]+/g, ' ');
  return clean.length > 120 ? clean.slice(0, 117) + '...' : clean;
}

export { Headers };
