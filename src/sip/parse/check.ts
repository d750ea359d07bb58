/**
 * The checks a UAS makes on a parsed request before it accepts it (RFC 3261 §8.2, §16.3), and a
 * client's sanity checks on a response (§8.1.3.3, §18.1.2). Each failed check names what was
 * wrong without echoing header contents (privacy invariant I1).
 *
 * Deliberately not checked here: methods the application does not implement (501 is the UAS's
 * call), Require/Proxy-Require (420), Content-Type (415), Date, branch cookies (RFC 4475 §3.2.1:
 * an RFC 2543-style or empty branch is tolerated).
 */
import type { SipRequest, SipResponse } from '../message.js';
import { WORD } from './chars.js';
import { parseCSeq, parseDigits } from './cseq.js';
import { parseNameAddr } from './name-addr.js';
import { parseVia } from './via.js';

export interface RequestRejection {
  code: number;
  reason: string;
}

const CSEQ_MAX = 2 ** 31 - 1;
const SINGLE_HEADERS = ['Call-ID', 'CSeq', 'From', 'To'] as const;

function bad(what: string): RequestRejection {
  return { code: 400, reason: 'Bad Request - ' + what };
}

function isCallId(v: string): boolean {
  // callid = word [ "@" word ]
  if (v.length === 0) return false;
  let at = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x40) {
      if (at >= 0 || i === 0 || i === v.length - 1) return false;
      at = i;
    } else if (c > 127 || WORD[c] === 0) return false;
  }
  return true;
}

function acceptableAddress(v: string): boolean {
  const r = parseNameAddr(v);
  return r.ok || r.error.code === 416;
}

export function checkRequest(req: SipRequest): RequestRejection | undefined {
  if (req.version !== 'SIP/2.0') return { code: 505, reason: 'Version Not Supported' };
  if (req.uri.headers.size > 0) return bad('Request-URI must not contain headers');
  const h = req.headers;
  for (const name of SINGLE_HEADERS) {
    const n = h.count(name);
    if (n === 0) return bad('missing ' + name);
    if (n > 1) return bad('multiple ' + name + ' headers');
  }
  if (!isCallId(h.get('Call-ID')!)) return bad('malformed Call-ID');
  const cseq = parseCSeq(h.get('CSeq')!);
  if (!cseq.ok) return bad('malformed CSeq');
  if (cseq.value.seq > CSEQ_MAX) return bad('CSeq number out of range');
  if (cseq.value.method !== req.method) return bad('CSeq method does not match the request method');
  // From, To and Contact may carry any absoluteURI (RFC 3261 §20.10; RFC 4475 §3.3.4): a
  // well-formed address with an unknown scheme is the application's business, not a 400.
  if (!acceptableAddress(h.get('From')!)) return bad('malformed From');
  if (!acceptableAddress(h.get('To')!)) return bad('malformed To');
  const vias = h.getAll('Via');
  if (vias.length === 0) return bad('missing Via');
  for (const v of vias) if (!parseVia(v).ok) return bad('malformed Via');
  const mf = h.getAll('Max-Forwards');
  if (mf.length > 1) return bad('multiple Max-Forwards headers');
  if (mf.length === 1 && parseDigits(mf[0]!, 255) === undefined) return bad('malformed Max-Forwards');
  for (const c of h.getAll('Contact')) {
    if (c === '*' && req.method === 'REGISTER') continue;
    if (!acceptableAddress(c)) return bad('malformed Contact');
  }
  const cl = h.getAll('Content-Length');
  if (cl.length > 1) return bad('multiple Content-Length headers');
  if (cl.length === 1 && parseDigits(cl[0]!, Number.MAX_SAFE_INTEGER) !== req.body.length) {
    return bad('Content-Length does not match the body');
  }
  return undefined;
}

export interface ResponseCheckOptions {
  /** A UAC discards a response with more than one Via (RFC 3261 §8.1.3.3). Default true. */
  singleVia?: boolean;
}

/** Why a received response must be dropped, or undefined if it is usable. */
export function checkResponse(res: SipResponse, opts: ResponseCheckOptions = {}): string | undefined {
  if (res.version !== 'SIP/2.0') return 'unsupported SIP version';
  const h = res.headers;
  for (const name of SINGLE_HEADERS) {
    const n = h.count(name);
    if (n === 0) return 'missing ' + name;
    if (n > 1) return 'multiple ' + name + ' headers';
  }
  if (!parseCSeq(h.get('CSeq')!).ok) return 'malformed CSeq';
  const vias = h.getAll('Via');
  if (vias.length === 0) return 'missing Via';
  if ((opts.singleVia ?? true) && vias.length > 1) return 'more than one Via';
  if (!parseVia(vias[0]!).ok) return 'malformed Via';
  if (!parseNameAddr(h.get('From')!).ok) return 'malformed From';
  if (!parseNameAddr(h.get('To')!).ok) return 'malformed To';
  return undefined;
}
