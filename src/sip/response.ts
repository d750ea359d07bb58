/** Building responses and identifiers (RFC 3261 §8.2.6, §19.3). */
import { randomBytes } from 'node:crypto';
import { Headers, type SipRequest, type SipResponse } from './message.js';

export const REASON_PHRASES: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 408: 'Request Timeout', 410: 'Gone', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme', 420: 'Bad Extension',
  421: 'Extension Required', 422: 'Session Interval Too Small', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops', 484: 'Address Incomplete',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending',
  500: 'Server Internal Error', 501: 'Not Implemented', 503: 'Service Unavailable', 504: 'Server Time-out',
  505: 'Version Not Supported', 513: 'Message Too Large', 603: 'Decline',
};

// Identifiers: 8 random bytes per process plus a counter is unique and cheaper than randomBytes per call.
const prefix = randomBytes(6).toString('hex');
let counter = 0;
export function newTag(): string {
  return prefix.slice(0, 8) + (++counter).toString(36);
}
export function newBranch(): string {
  return 'z9hG4bK' + prefix + (++counter).toString(36);
}
export function newCallId(host: string): string {
  return `${randomBytes(10).toString('hex')}@${host}`;
}

export interface ResponseOptions {
  toTag?: string;
  headers?: [string, string][];
  body?: Buffer | string;
  contentType?: string;
}

export function createResponse(req: SipRequest, status: number, reason?: string, opts: ResponseOptions = {}): SipResponse {
  const h = new Headers();
  for (const v of req.headers.getAll('Via')) h.append('Via', v);
  const from = req.headers.get('From');
  if (from !== undefined) h.append('From', from);
  let to = req.headers.get('To');
  if (to !== undefined) {
    if (opts.toTag && status !== 100 && !/;\s*tag\s*=/i.test(to)) to = `${to};tag=${opts.toTag}`;
    h.append('To', to);
  }
  const callId = req.headers.get('Call-ID');
  if (callId !== undefined) h.append('Call-ID', callId);
  const cseq = req.headers.get('CSeq');
  if (cseq !== undefined) h.append('CSeq', cseq);
  if (status === 100) {
    const ts = req.headers.get('Timestamp');
    if (ts) h.append('Timestamp', ts);
  }
  for (const [n, v] of opts.headers ?? []) h.append(n, v);
  const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
  if (body.length && opts.contentType) h.set('Content-Type', opts.contentType);
  return { kind: 'response', version: 'SIP/2.0', status, reason: reason ?? REASON_PHRASES[status] ?? 'Unknown', headers: h, body };
}
