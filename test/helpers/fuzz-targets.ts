/**
 * What a hostile byte string can reach, one function per parser family, shared by the fuzz
 * regression corpus (test/sip/fuzz-corpus.unit.test.ts) and the fuzzer (bench/fuzz.ts):
 *
 * - `sip`: parseMessage as a datagram and as a framed stream message, then the per-header parsers
 *   the stack and UA use (Via, CSeq, name-addr, URI) and checkRequest/checkResponse; StreamFramer;
 *   and the echo: the response the stack would build from the request's headers (200, or the
 *   stateless 400 from a malformed request's readable headers) must serialize into one well-formed
 *   response with the same Via/From/To/Call-ID/CSeq and nothing else (no header injection);
 * - `sdp`: parseSdp, then rtpmaps/direction per media and parseCryptoAttribute for every a=crypto;
 * - `info`: parseSipInfoDtmf (SIP INFO DTMF bodies, both content types);
 * - `rtp`, `rtcp`: parseRtp, parseRtcp;
 * - `srtp`, `srtcp`: unprotect/unprotectRtcp in a receiving context keyed like a real call.
 *
 * `runTarget` returns the outcome when the parser answered with a well-formed result value (ok
 * with a value, or not ok with a typed error) and throws otherwise: a thrown exception, or a result
 * of the wrong shape, is a finding.
 */
import { parseMessage, parseVia, parseCSeq, parseNameAddr, parseUri, checkRequest, checkResponse } from '../../src/sip/parse/index.js';
import { StreamFramer } from '../../src/sip/stream-framer.js';
import { createResponse } from '../../src/sip/response.js';
import { serializeMessage } from '../../src/sip/serialize.js';
import { Headers, type SipRequest } from '../../src/sip/message.js';
import { statelessAnswerFits } from '../../src/sip/stack.js';
import { parseSdp, rtpmaps, direction } from '../../src/sdp/parse.js';
import { parseCryptoAttribute } from '../../src/sdp/crypto.js';
import { parseRtp } from '../../src/media/rtp/packet.js';
import { parseRtcp } from '../../src/media/rtp/rtcp.js';
import { createSrtpContexts, type SrtpStreamContext } from '../../src/media/srtp/index.js';
import { parseSipInfoDtmf } from '../../src/media/dtmf/sip-info.js';

export const FUZZ_TARGETS = ['sip', 'sdp', 'info', 'rtp', 'rtcp', 'srtp', 'srtcp'] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

export interface FuzzOutcome {
  ok: boolean;
  /** The typed error of a refusal (reason text or code). */
  error?: string;
}

export class UntypedResult extends Error {}

/** Fixed test keys (not secret): the SRTP seeds are protected with them so unprotect gets past the header. */
export const FUZZ_SRTP_KEYS = {
  suite: 'AES_CM_128_HMAC_SHA1_80' as const,
  localKey: Buffer.alloc(16, 0x11),
  localSalt: Buffer.alloc(14, 0x22),
  remoteKey: Buffer.alloc(16, 0x11),
  remoteSalt: Buffer.alloc(14, 0x22),
};

type AnyResult = { ok: boolean; value?: unknown; error?: unknown };

function typed(r: unknown, what: string): FuzzOutcome {
  if (typeof r !== 'object' || r === null || typeof (r as AnyResult).ok !== 'boolean') throw new UntypedResult(`${what}: not a result value`);
  const res = r as AnyResult;
  if (res.ok) {
    if (res.value === undefined) throw new UntypedResult(`${what}: ok without a value`);
    return { ok: true };
  }
  const e = res.error;
  if (typeof e === 'string' && e.length > 0) return { ok: false, error: e };
  if (typeof e === 'object' && e !== null && typeof (e as { reason?: unknown }).reason === 'string') return { ok: false, error: (e as { reason: string }).reason };
  throw new UntypedResult(`${what}: failure without a typed error`);
}

/**
 * The response built from `req`'s headers re-parses as one response carrying exactly the echoed
 * headers. Stateless answers (`requestBytes` given) larger than the request are not sent by the
 * stack (statelessAnswerFits), so they are not checked.
 */
function echo(req: SipRequest, status: number, reason: string, requestBytes?: number): void {
  const res = createResponse(req, status, reason, { toTag: 'fuzz' });
  if (requestBytes !== undefined && !statelessAnswerFits(res, requestBytes)) return;
  // Size is not the question here (a 64 KB request echoes into a response just as large).
  const back = parseMessage(serializeMessage(res), { maxBytes: 1 << 22 });
  if (!back.ok) throw new UntypedResult(`echo: our ${status} does not parse: ${back.error.reason}`);
  if (back.value.kind !== 'response' || back.value.status !== status) throw new UntypedResult(`echo: our ${status} parses as something else`);
  const names = (h: Headers) => h.list().map((x) => x.name.toLowerCase()).filter((n) => n !== 'content-length').join(',');
  if (names(back.value.headers) !== names(res.headers)) throw new UntypedResult(`echo: headers changed on the wire (${names(res.headers)} → ${names(back.value.headers)})`);
  for (const h of ['Call-ID', 'CSeq']) {
    const sent = res.headers.get(h);
    if (back.value.headers.get(h) !== (sent === undefined ? undefined : trimSpTab(sent))) throw new UntypedResult(`echo: ${h} changed on the wire`);
  }
}

/** SP/HT trim as the parser does it. A loop: /^[ \t]+|[ \t]+$/ is quadratic on long inner space runs (the fuzzer found that here first). */
function trimSpTab(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return s.slice(a, b);
}

const truncateReason = (s: string) => {
  const clean = s.replace(/[\r\n]+/g, ' ');
  return clean.length > 120 ? clean.slice(0, 117) + '...' : clean;
};

function sip(buf: Buffer): FuzzOutcome {
  const r = parseMessage(buf);
  const out = typed(r, 'parseMessage');
  typed(parseMessage(buf, { stream: true }), 'parseMessage(stream)');
  if (!r.ok) {
    // What SipStack.receive answers a malformed request with (same condition, same reason text).
    const p = r.error.partial;
    const hs = p?.headers;
    if (p?.isRequest && p.method !== 'ACK' && hs && ['Via', 'Call-ID', 'CSeq', 'From', 'To'].every((h) => hs.get(h))) {
      const fake: SipRequest = { kind: 'request', method: p.method ?? 'UNKNOWN', uri: { scheme: 'sip', host: 'invalid', params: new Map(), headers: new Map() }, version: 'SIP/2.0', headers: hs, body: Buffer.alloc(0) };
      echo(fake, r.error.code ?? 400, truncateReason(`Bad Request - ${r.error.reason}`), buf.length);
    }
  }
  if (r.ok) {
    const m = r.value;
    for (const v of m.headers.getAll('Via')) typed(parseVia(v), 'parseVia');
    for (const h of ['From', 'To', 'Contact', 'Route', 'Record-Route', 'Refer-To']) for (const v of m.headers.getAll(h)) typed(parseNameAddr(v), 'parseNameAddr');
    const cseq = m.headers.get('CSeq');
    if (cseq !== undefined) typed(parseCSeq(cseq), 'parseCSeq');
    if (m.kind === 'request') {
      typed(parseUri(`${m.uri.scheme}:${m.uri.host}`), 'parseUri');
      const rej = checkRequest(m);
      if (rej !== undefined && (typeof rej.code !== 'number' || typeof rej.reason !== 'string')) throw new UntypedResult('checkRequest: malformed rejection');
      if (m.method !== 'ACK') echo(m, rej ? rej.code : 200, rej ? truncateReason(rej.reason) : 'OK', rej ? buf.length : undefined);
    } else {
      const why = checkResponse(m);
      if (why !== undefined && typeof why !== 'string') throw new UntypedResult('checkResponse: malformed reason');
    }
  }
  const framer = new StreamFramer({ maxBytes: 65535 });
  for (const f of framer.push(buf)) typed(f, 'StreamFramer.push');
  return out;
}

function sdp(buf: Buffer): FuzzOutcome {
  const r = parseSdp(buf.toString('utf8'));
  const out = typed(r, 'parseSdp');
  if (r.ok) {
    for (const m of r.value.media) {
      rtpmaps(m);
      direction(r.value, m);
      for (const a of m.attributes) if (a.name === 'crypto' && a.value !== null) typed(parseCryptoAttribute(a.value), 'parseCryptoAttribute');
    }
  }
  return out;
}

let srtpIn: SrtpStreamContext | undefined;
let srtcpIn: SrtpStreamContext | undefined;

/** Receiving contexts; replaced now and then so replay state does not grow the work per input. */
function receiver(kind: 'srtp' | 'srtcp', fresh: boolean): SrtpStreamContext {
  const current = kind === 'srtp' ? srtpIn : srtcpIn;
  if (current && !fresh) return current;
  current?.dispose();
  const next = createSrtpContexts(FUZZ_SRTP_KEYS).inbound;
  if (kind === 'srtp') srtpIn = next;
  else srtcpIn = next;
  return next;
}

/** Run one input through one parser family; `freshState` gives SRTP a new receiving context. */
export function runTarget(target: FuzzTarget, buf: Buffer, freshState = false): FuzzOutcome {
  switch (target) {
    case 'sip':
      return sip(buf);
    case 'sdp':
      return sdp(buf);
    case 'info': {
      const text = buf.toString('utf8');
      typed(parseSipInfoDtmf('application/dtmf', text), 'parseSipInfoDtmf(dtmf)');
      return typed(parseSipInfoDtmf('application/dtmf-relay', text), 'parseSipInfoDtmf(dtmf-relay)');
    }
    case 'rtp':
      return typed(parseRtp(buf), 'parseRtp');
    case 'rtcp':
      return typed(parseRtcp(buf), 'parseRtcp');
    case 'srtp': {
      // What the media path does next with an authenticated packet: parse it as RTP.
      const r = receiver('srtp', freshState).unprotect(buf);
      const out = typed(r, 'unprotect');
      if (r.ok) typed(parseRtp(r.value), 'parseRtp(after unprotect)');
      return out;
    }
    case 'srtcp': {
      const r = receiver('srtcp', freshState).unprotectRtcp(buf);
      const out = typed(r, 'unprotectRtcp');
      if (r.ok) typed(parseRtcp(r.value), 'parseRtcp(after unprotect)');
      return out;
    }
  }
}
