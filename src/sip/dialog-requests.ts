/**
 * In-dialog requests, for both INVITE dialog usages (the gateway's `InviteServerSession` and the
 * softphone's `InviteClientSession`): one place that
 *
 *   - serves the peer's requests (RFC 3261 §12.2.2): CSeq order (500), BYE → 200, OPTIONS → 200 with
 *     our capabilities, re-INVITE/UPDATE bodies that are not SDP → 415, INFO bodies the usage cannot
 *     read → 415, INFO/NOTIFY/REFER → the usage's status, anything else → 405 + Allow;
 *   - sends ours and ACKs the 2xx to a re-INVITE we sent (RFC 3261 §13.2.2.4: same CSeq number,
 *     end to end, no transaction) — without it the peer retransmits its 2xx and hangs up at 64·T1.
 *
 * What differs between the usages (how an offer is answered, whether a 2xx is retransmitted by us)
 * stays with the usage through `InDialogHandlers`; SDP stays opaque text.
 */
import type { SipRequest, SipResponse } from './message.js';
import { createResponse } from './response.js';
import type { Dialog } from './dialog.js';
import type { ServerTransaction, SipStack } from './stack.js';
import type { Endpoint } from './transport/types.js';
import type { InviteServerTransaction } from './transaction/server-invite.js';

export interface InDialogSendOptions {
  headers?: [string, string][];
  body?: Buffer;
  contentType?: string;
}

/** Where an in-dialog request goes: the resolved next hop, and the connection to reuse if any. */
export interface InDialogDestination {
  endpoint: Endpoint;
  connectionId?: string;
}

/** INFO bodies we understand (RFC 6086 packages in use for DTMF and media control). */
export const INFO_CONTENT_TYPES: readonly string[] = ['application/dtmf-relay', 'application/dtmf', 'application/media_control+xml', 'text/plain'];

export interface InDialogHandlers {
  /** Our Allow list, for 405 answers. */
  allow: string;
  /** Headers of our 200 to an in-dialog OPTIONS. */
  optionsHeaders(): [string, string][];
  /** The peer hung up; the 200 has been sent. */
  onBye(): void;
  /** A re-INVITE whose body (if any) is SDP; the usage answers `tx`. */
  onReinvite(req: SipRequest, tx: InviteServerTransaction): void;
  /** An UPDATE whose body (if any) is SDP; the usage answers `tx`. */
  onUpdate(req: SipRequest, tx: ServerTransaction): void;
  /** INFO (readable body), NOTIFY or REFER: the status to answer with; called before `afterAnswer`. */
  statusFor(req: SipRequest): number;
  /** Runs after the final answer to an INFO, NOTIFY or REFER was sent. */
  afterAnswer?(req: SipRequest): void;
  /** Methods this usage takes through `statusFor` (others get 405). */
  requestMethods: ReadonlySet<string>;
  /** INFO bodies this usage reads (others get 415); undefined takes any (the softphone records what it gets). */
  infoContentTypes?: readonly string[];
}

/** Serves one in-dialog request the UA core matched to `dialog`. */
export function serveInDialogRequest(dialog: Dialog, req: SipRequest, tx: ServerTransaction, handlers: InDialogHandlers): void {
  if (!dialog.acceptRemoteSeq(req)) {
    tx.respond(createResponse(req, 500, 'Server Internal Error - CSeq out of order'));
    return;
  }
  const toTag = { toTag: dialog.localTag };
  switch (req.method) {
    case 'BYE':
      tx.respond(createResponse(req, 200));
      handlers.onBye();
      return;
    case 'OPTIONS':
      tx.respond(createResponse(req, 200, 'OK', { headers: handlers.optionsHeaders() }));
      return;
    case 'INVITE':
    case 'UPDATE':
      if (req.body.length && !contentType(req).startsWith('application/sdp')) {
        tx.respond(createResponse(req, 415, undefined, { ...toTag, headers: [['Accept', 'application/sdp']] }));
        return;
      }
      if (req.method === 'INVITE') handlers.onReinvite(req, tx as InviteServerTransaction);
      else handlers.onUpdate(req, tx);
      return;
  }
  if (!handlers.requestMethods.has(req.method)) {
    tx.respond(createResponse(req, 405, undefined, { headers: [['Allow', handlers.allow]] }));
    return;
  }
  if (req.method === 'INFO' && req.body.length && handlers.infoContentTypes && !handlers.infoContentTypes.includes(contentType(req))) {
    tx.respond(createResponse(req, 415, undefined, { headers: [['Accept', 'application/dtmf-relay, application/dtmf']] }));
    return;
  }
  tx.respond(createResponse(req, handlers.statusFor(req)));
  handlers.afterAnswer?.(req);
}

/**
 * Sends an in-dialog request and waits for its final response (undefined on timeout or when no
 * destination can be resolved). A 2xx to an INVITE is ACKed with the INVITE's CSeq number.
 */
export async function sendInDialogRequest(
  stack: SipStack,
  dialog: Dialog,
  method: string,
  opts: InDialogSendOptions,
  destinationFor: (req: SipRequest) => Promise<InDialogDestination>,
): Promise<SipResponse | undefined> {
  const req = dialog.createRequest(method, opts);
  const seq = dialog.localSeq; // createRequest just used it; another request may follow before the answer
  let destination: InDialogDestination;
  try {
    destination = await destinationFor(req);
  } catch {
    return undefined;
  }
  const res = await stack.request(req, destination);
  if (res && method === 'INVITE' && res.status >= 200 && res.status < 300) {
    void stack.sendStatelessRequest(dialog.createRequest('ACK', { seq }), destination);
  }
  return res;
}

function contentType(req: SipRequest): string {
  return (req.headers.get('Content-Type') ?? '').toLowerCase().split(';')[0]!.trim();
}
