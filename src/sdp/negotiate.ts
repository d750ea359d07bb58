/**
 * RFC 3264 offer/answer for one audio stream. We accept the first audio m-line with a codec in
 * common (PCMU/PCMA, in the offerer's order restricted to what we allow) and answer every other
 * m-line with port 0. telephone-event (RFC 4733) is echoed with the offerer's payload type.
 * Direction answers mirror the offer (sendonly → recvonly, ...); a hold offer (`sendonly`,
 * `inactive` or `c=0.0.0.0`) is reported so the call can stop sending.
 *
 * Secure media: `RTP/SAVP` lines are answered only when an `srtp` negotiator is given (it picks an
 * `a=crypto` line and returns our answer line); `secureMedia: 'required'` refuses plain `RTP/AVP`.
 */
import type { SessionDescription, SdpMedia, Direction, SdpAttribute } from './types.js';
import { rtpmaps, direction as mediaDirection, attr } from './parse.js';

export type AudioCodec = 'PCMU' | 'PCMA';

export interface SrtpNegotiator<C> {
  /** Given the offered `a=crypto` values, return our answer value (`1 AES_CM_128_HMAC_SHA1_80 inline:...`) and the keys context, or undefined if none is acceptable. */
  accept(offered: string[]): { answer: string; context: C } | undefined;
}

export interface LocalMediaOffer<C = unknown> {
  address: string;
  port: number;
  codecs: AudioCodec[];
  telephoneEvent: boolean;
  ptime?: number;
  sessionId: string;
  sessionVersion: number;
  secureMedia?: 'off' | 'optional' | 'required';
  srtp?: SrtpNegotiator<C>;
  /** Our own preferred direction (e.g. `sendonly` when we put the caller on hold). */
  localDirection?: Direction;
}

export interface NegotiatedAudio<C = unknown> {
  codec: AudioCodec;
  pt: number;
  telephoneEventPt?: number;
  ptime: number;
  remoteAddress: string;
  remotePort: number;
  /** Our direction in the answer. */
  direction: Direction;
  /** The caller put us on hold (sendonly/inactive/0.0.0.0). */
  onHold: boolean;
  secure: boolean;
  srtp?: C;
  /**
   * Not from the SDP: other addresses the call layer knows media may come from (the signalling
   * peer's), for the media's `sources: 'signalled'` rule (docs/security.md, RTP bleed).
   */
  alsoFrom?: readonly string[];
}

export type NegotiateResult<C> =
  | { ok: true; answer: SessionDescription; audio: NegotiatedAudio<C> }
  | { ok: false; code: 488; reason: string };

const ANSWER_DIRECTION: Record<Direction, Direction> = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };

function combineDirection(answer: Direction, local: Direction): Direction {
  const send = (answer === 'sendrecv' || answer === 'sendonly') && (local === 'sendrecv' || local === 'sendonly');
  const recv = (answer === 'sendrecv' || answer === 'recvonly') && (local === 'sendrecv' || local === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

export function negotiate<C>(offer: SessionDescription, local: LocalMediaOffer<C>): NegotiateResult<C> {
  const secure = local.secureMedia ?? 'off';
  let chosen: { index: number; audio: NegotiatedAudio<C>; cryptoAnswer?: string; formats: string[]; attrs: SdpAttribute[] } | undefined;
  let lastReason = 'no audio stream offered';

  offer.media.forEach((m, index) => {
    if (chosen || m.type !== 'audio' || m.port === 0) return;
    const isSavp = m.proto === 'RTP/SAVP';
    if (m.proto !== 'RTP/AVP' && !isSavp) {
      lastReason = `unsupported media profile ${m.proto}`;
      return;
    }
    if (!isSavp && secure === 'required') {
      lastReason = 'secure media required: offer RTP/SAVP with a=crypto';
      return;
    }
    let srtpContext: C | undefined;
    let cryptoAnswer: string | undefined;
    if (isSavp) {
      if (secure === 'off' || !local.srtp) {
        lastReason = 'SRTP (RTP/SAVP) not enabled for this application';
        return;
      }
      const offered = m.attributes.filter((a) => a.name === 'crypto' && a.value).map((a) => a.value!);
      const acc = local.srtp.accept(offered);
      if (!acc) {
        lastReason = 'no acceptable a=crypto suite';
        return;
      }
      srtpContext = acc.context;
      cryptoAnswer = acc.answer;
    }
    const maps = rtpmaps(m);
    let codec: { pt: number; name: AudioCodec } | undefined;
    for (const f of m.formats) {
      const r = maps.get(Number(f));
      if (!r || r.clockRate !== 8000) continue;
      const name = r.encoding.toUpperCase();
      if ((name === 'PCMU' || name === 'PCMA') && local.codecs.includes(name)) {
        codec = { pt: r.pt, name };
        break;
      }
    }
    if (!codec) {
      lastReason = 'no common codec (we accept ' + local.codecs.join(', ') + ')';
      return;
    }
    let te: number | undefined;
    if (local.telephoneEvent) {
      for (const r of maps.values()) if (r.encoding.toLowerCase() === 'telephone-event' && r.clockRate === 8000) te = r.pt;
    }
    const conn = m.connection ?? offer.connection;
    if (!conn) {
      lastReason = 'no connection address for the audio stream';
      return;
    }
    const remoteDir = mediaDirection(offer, m);
    const onHold = remoteDir === 'sendonly' || remoteDir === 'inactive' || conn.address === '0.0.0.0';
    const ptimeOffered = Number(attr(m.attributes, 'ptime'));
    const ptime = local.ptime ?? (ptimeOffered >= 10 && ptimeOffered <= 60 && ptimeOffered % 10 === 0 ? 20 : 20);
    const dir = combineDirection(ANSWER_DIRECTION[remoteDir], local.localDirection ?? 'sendrecv');
    const formats = [String(codec.pt)];
    const attrs: SdpAttribute[] = [{ name: 'rtpmap', value: `${codec.pt} ${codec.name}/8000` }];
    if (te !== undefined) {
      formats.push(String(te));
      attrs.push({ name: 'rtpmap', value: `${te} telephone-event/8000` }, { name: 'fmtp', value: `${te} 0-16` });
    }
    attrs.push({ name: 'ptime', value: String(ptime) });
    if (cryptoAnswer) attrs.push({ name: 'crypto', value: cryptoAnswer });
    attrs.push({ name: dir, value: null });
    chosen = {
      index,
      formats,
      attrs,
      cryptoAnswer,
      audio: {
        codec: codec.name,
        pt: codec.pt,
        telephoneEventPt: te,
        ptime,
        remoteAddress: conn.address,
        remotePort: m.port,
        direction: dir,
        onHold,
        secure: isSavp,
        srtp: srtpContext,
      },
    };
  });

  if (!chosen) return { ok: false, code: 488, reason: lastReason };
  const c = chosen;
  const addrType = local.address.includes(':') ? 'IP6' : 'IP4';
  const answer: SessionDescription = {
    version: 0,
    origin: { username: 'hushgate', sessionId: local.sessionId, sessionVersion: String(local.sessionVersion), netType: 'IN', addrType, address: local.address },
    sessionName: 'Hushgate',
    connection: { netType: 'IN', addrType, address: local.address },
    bandwidths: [],
    timing: ['0 0'],
    attributes: [],
    other: [],
    media: offer.media.map((m: SdpMedia, i): SdpMedia =>
      i === c.index
        ? { type: 'audio', port: local.port, proto: m.proto, formats: c.formats, bandwidths: [], attributes: c.attrs, other: [] }
        : { type: m.type, port: 0, proto: m.proto, formats: m.formats, bandwidths: [], attributes: [], other: [] },
    ),
  };
  return { ok: true, answer, audio: c.audio };
}
