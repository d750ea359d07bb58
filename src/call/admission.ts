/**
 * Whether a new INVITE becomes a call, decided before anything is allocated: the dialled number is
 * a number (400 otherwise, never normalised into another one) and routes to an application (by
 * Request-URI, then To; 404), a `secureMedia: required` application is called over TLS (403), and an
 * offer, when there is one, is SDP (400). Then capacity: a media port must be free (503 with
 * Retry-After). Every refusal is a value the caller turns into the SIP response.
 */
import type { Logger } from 'pino';
import type { InviteServerSession } from '../sip/index.js';
import { parseSdp, type SessionDescription } from '../sdp/index.js';
import { isDiallable, type NumberRouter, type Route } from '../tenancy/index.js';
import type { CallMedia, CallMediaFactory, CallMediaRequest } from './media-port.js';

export interface Rejection {
  code: number;
  reason: string;
  headers?: [string, string][];
}

export type Admission = { ok: true; route: Route; offer?: SessionDescription } | ({ ok: false } & Rejection);

const refuse = (code: number, reason: string, headers?: [string, string][]): Admission => ({ ok: false, code, reason, ...(headers ? { headers } : {}) });

export function admit(session: InviteServerSession, router: NumberRouter, log: Logger): Admission {
  const req = session.request;
  const callId = session.callId;
  const dialled = session.dialledUsers;
  if (dialled.requestUri !== undefined && !isDiallable(dialled.requestUri)) {
    // Escaped control characters, spaces, `%` …: refused, never normalised into another number.
    log.info({ callId }, 'dialled user part has characters a number cannot have');
    return refuse(400, 'Bad Request - invalid characters in the Request-URI user part');
  }
  const route = router.route(dialled.requestUri) ?? router.route(dialled.to);
  if (!route) {
    log.info({ callId }, 'no application for dialled number');
    return refuse(404, 'Not Found - number not configured');
  }
  if (route.application.secureMedia === 'required' && !session.source.transport.secure) {
    log.info({ callId, accountId: route.account.id, applicationId: route.application.id, transport: session.source.transport.protocol }, 'secure application called over a plain transport');
    return refuse(403, 'Forbidden - secure transport (TLS) required');
  }
  if (!req.body.length) return { ok: true, route };
  const parsed = parseSdp(req.body.toString('utf8'));
  if (!parsed.ok) return refuse(400, `Bad Request - SDP: ${parsed.error}`);
  return { ok: true, route, offer: parsed.value };
}

/** Capacity: the call's media, or 503 when the port pool is empty. */
export async function reserveMedia<M extends CallMedia>(factory: CallMediaFactory<M>, callId: string, request?: CallMediaRequest): Promise<{ ok: true; media: M } | ({ ok: false } & Rejection)> {
  const media = await factory.allocate(callId, request);
  if (!media) return { ok: false, code: 503, reason: 'Service Unavailable - no media ports free', headers: [['Retry-After', '5']] };
  return { ok: true, media };
}
