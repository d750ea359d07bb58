/**
 * Dialog state (RFC 3261 §12): identifiers, sequence numbers, route set and remote target, and
 * building in-dialog requests. Loose routing only (`;lr`), which every current proxy and SBC uses.
 */
import { Headers, type SipRequest, type SipResponse, type SipUri } from './message.js';
import { parseNameAddr, parseUri, formatUri, parseCSeq } from './parse/index.js';
import type { RequestSource } from './stack.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export class Dialog {
  state: DialogState = 'early';
  localSeq: number;
  remoteSeq: number | undefined;

  private constructor(
    readonly callId: string,
    readonly localTag: string,
    public remoteTag: string,
    /** From/To header values as they appear on requests we send (our side first). */
    readonly localHeader: string,
    public remoteHeader: string,
    public remoteTarget: SipUri,
    readonly routeSet: string[],
    readonly secure: boolean,
    /** Where the peer is: in-dialog requests reuse its connection. */
    public source: RequestSource,
    readonly localContact: string,
  ) {
    this.localSeq = Math.floor(Math.random() * 10_000) + 1;
  }

  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  /** UAS side: from a dialog-creating request we answer (RFC 3261 §12.1.1). */
  static asUas(req: SipRequest, localTag: string, source: RequestSource, localContact: string): Dialog | undefined {
    const from = parseNameAddr(req.headers.get('From') ?? '');
    const contactRaw = req.headers.get('Contact');
    const contact = contactRaw ? parseNameAddr(contactRaw) : undefined;
    if (!from.ok) return undefined;
    const remoteTarget = contact?.ok ? contact.value.uri : from.value.uri;
    const routeSet = req.headers.getAll('Record-Route');
    const to = req.headers.get('To') ?? '';
    const cseq = parseCSeq(req.headers.get('CSeq') ?? '');
    const d = new Dialog(
      req.headers.get('Call-ID') ?? '',
      localTag,
      from.value.params.get('tag') ?? '',
      /;\s*tag=/i.test(to) ? to : `${to};tag=${localTag}`,
      req.headers.get('From') ?? '',
      remoteTarget,
      routeSet,
      req.uri.scheme === 'sips' || source.transport.secure,
      source,
      localContact,
    );
    d.remoteSeq = cseq.ok ? cseq.value.seq : undefined;
    return d;
  }

  /** UAC side: from our request and the response that established the dialog (RFC 3261 §12.1.2). */
  static asUac(req: SipRequest, res: SipResponse, source: RequestSource, localContact: string): Dialog | undefined {
    const to = parseNameAddr(res.headers.get('To') ?? '');
    const from = parseNameAddr(req.headers.get('From') ?? '');
    if (!to.ok || !from.ok) return undefined;
    const contactRaw = res.headers.get('Contact');
    const contact = contactRaw ? parseNameAddr(contactRaw) : undefined;
    const cseq = parseCSeq(req.headers.get('CSeq') ?? '');
    const d = new Dialog(
      req.headers.get('Call-ID') ?? '',
      from.value.params.get('tag') ?? '',
      to.value.params.get('tag') ?? '',
      req.headers.get('From') ?? '',
      res.headers.get('To') ?? '',
      contact?.ok ? contact.value.uri : req.uri,
      [...res.headers.getAll('Record-Route')].reverse(),
      req.uri.scheme === 'sips',
      source,
      localContact,
    );
    d.localSeq = cseq.ok ? cseq.value.seq : 1;
    return d;
  }

  /** Update the remote target from a target-refresh request or response (re-INVITE, UPDATE). */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const c = msg.headers.get('Contact');
    if (!c) return;
    const p = parseNameAddr(c);
    if (p.ok) this.remoteTarget = p.value.uri;
  }

  /**
   * Check an in-dialog request's CSeq (RFC 3261 §12.2.2). Returns false when it is lower than
   * the last one seen (the caller answers 500); ACK and CANCEL reuse the INVITE's number.
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    const cseq = parseCSeq(req.headers.get('CSeq') ?? '');
    if (!cseq.ok) return false;
    if (this.remoteSeq !== undefined && cseq.value.seq <= this.remoteSeq) return false;
    this.remoteSeq = cseq.value.seq;
    return true;
  }

  /** Build an in-dialog request (RFC 3261 §12.2.1.1). ACK reuses the INVITE's CSeq number via `seq`. */
  createRequest(method: string, opts: { seq?: number; headers?: [string, string][]; body?: Buffer; contentType?: string } = {}): SipRequest {
    const h = new Headers();
    for (const r of this.routeSet) h.append('Route', r);
    h.append('From', this.localHeader);
    h.append('To', this.remoteHeader);
    h.append('Call-ID', this.callId);
    const seq = opts.seq ?? ++this.localSeq;
    h.append('CSeq', `${seq} ${method}`);
    h.append('Contact', this.localContact);
    for (const [n, v] of opts.headers ?? []) h.append(n, v);
    const body = opts.body ?? Buffer.alloc(0);
    if (body.length && opts.contentType) h.append('Content-Type', opts.contentType);
    return { kind: 'request', method, uri: cloneUri(this.remoteTarget), version: 'SIP/2.0', headers: h, body };
  }
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

function cloneUri(u: SipUri): SipUri {
  const r = parseUri(formatUri(u));
  return r.ok ? r.value : { ...u, params: new Map(u.params), headers: new Map(u.headers) };
}
