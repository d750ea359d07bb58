/**
 * SDP offer/answer for one call, in one place: the INVITE's offer (early offer), our offer in the
 * 200 when the INVITE had none (late offer, answered in the ACK), and re-offers in re-INVITE and
 * UPDATE. One SRTP policy holds for all three: under `secureMedia: required` only RTP/SAVP keyed by
 * SDES is accepted (a late offer offers RTP/SAVP and holds the ACK's answer to the same rule).
 * Negotiated keys go into the media's SRTP contexts only; the call record keeps no key material.
 *
 * A late offer whose ACK brings no usable answer leaves `unanswered` set: the call must then be
 * ended at the ACK (RFC 3264 §4, RFC 3261 §13.2.1) — InboundCalls does that.
 */
import type { InviteServerSession } from '../sip/index.js';
import { parseSdp, serializeSdp, negotiate, buildOffer, type NegotiatedAudio, type LocalMediaOffer, type SessionDescription } from '../sdp/index.js';
import { createSdesNegotiator, createSdesOffer, type SdesKeys } from '../sdp/index.js';
import type { Clock } from '../time/index.js';
import type { CallAudioPort } from './call-audio-port.js';
import type { CallInfo } from './active-call.js';
import type { Rejection } from './admission.js';

/** Where offers and answers arrive: an `InviteServerSession`, or an outbound call's hooks (outbound-calls.ts). */
export type OfferHooks = Pick<InviteServerSession, 'onOffer' | 'onAnswer'>;

export type NegotiatedMedia = Pick<CallAudioPort, 'configure' | 'setSrtpKeys' | 'localAddress' | 'localPort'>;

export interface AnswerProblem {
  reason: 'no-sdp-answer' | 'sdp-answer-refused';
  text: string;
}

export class OfferAnswer {
  #unanswered?: AnswerProblem;
  #lateOffer = false;

  constructor(
    private readonly session: OfferHooks,
    private readonly media: NegotiatedMedia,
    private readonly secureMedia: 'off' | 'optional' | 'required',
    private readonly info: CallInfo,
    private readonly nextVersion: () => number,
    private readonly clock: Clock,
    /** The address the call was signalled from: media may come from it too (a NAT, an SBC). */
    private readonly signalledFrom?: string,
  ) {
    session.onOffer = (sdp) => {
      const parsed = parseSdp(sdp);
      if (!parsed.ok) return { ok: false, code: 400, reason: `Bad Request - SDP: ${parsed.error}` };
      const n = negotiate(parsed.value, { ...this.local(), sessionId: String(info.startedAt) });
      if (!n.ok) return { ok: false, code: 488, reason: `Not Acceptable Here - ${n.reason}` };
      this.apply(n.audio);
      return { ok: true, sdp: serializeSdp(n.answer) };
    };
  }

  /** A late offer whose ACK has brought no acceptable answer (yet). */
  get unanswered(): AnswerProblem | undefined {
    return this.#lateOffer ? this.#unanswered : undefined;
  }

  /** The SDP for our 200: the answer to the INVITE's offer (488 when nothing is common), or our own offer. */
  initial(offer: SessionDescription | undefined): { ok: true; sdp: string } | ({ ok: false } & Rejection) {
    if (offer) {
      const n = negotiate(offer, this.local());
      if (!n.ok) return { ok: false, code: 488, reason: `Not Acceptable Here - ${n.reason}`, headers: [['Warning', `304 hushgate "${n.reason}"`]] };
      this.apply(n.audio);
      return { ok: true, sdp: serializeSdp(n.answer) };
    }
    // Late offer: we offer in the 200, the caller answers in the ACK. A secure-only application
    // offers RTP/SAVP with our SDES keys and reads the caller's key from the answer.
    const sdes = this.secureMedia === 'required' ? createSdesOffer() : undefined;
    const sdp = buildOffer(this.local(), sdes ? sdes.lines.map((l) => `a=crypto:${l}`) : []);
    const answerKeys = sdes?.answerNegotiator();
    this.#lateOffer = true;
    // Until the ACK's answer has been applied, a late offer has no answer (RFC 3264 §4: the ACK must carry it).
    this.#unanswered = { reason: 'no-sdp-answer', text: 'ACK carried no SDP answer to our offer' };
    // The answer is held to the same policy as an offer would be: under `required` an RTP/AVP
    // answer (or one without a usable a=crypto) is refused; the call then ends at the ACK.
    this.session.onAnswer = (answer) => {
      const parsed = parseSdp(answer);
      const n = parsed.ok ? negotiate(parsed.value, { ...this.local(), srtp: answerKeys }) : undefined;
      if (n?.ok) {
        this.apply(n.audio);
        this.#unanswered = undefined;
        return;
      }
      this.#unanswered = { reason: 'sdp-answer-refused', text: parsed.ok ? n!.reason : `SDP: ${parsed.error}` };
    };
    return { ok: true, sdp };
  }

  private local(): LocalMediaOffer<SdesKeys> {
    return {
      address: this.media.localAddress,
      port: this.media.localPort,
      codecs: ['PCMU', 'PCMA'],
      telephoneEvent: true,
      sessionId: String(this.clock.epochMs()),
      sessionVersion: this.nextVersion(),
      secureMedia: this.secureMedia,
      srtp: createSdesNegotiator(),
    };
  }

  /** Configure the media from a negotiation: SRTP keyed by SDES when the offer was RTP/SAVP. */
  private apply(audio: NegotiatedAudio<SdesKeys>): void {
    // The media hears only the SDP's address and the signalling peer's (media.latching 'signalled').
    this.media.configure(this.signalledFrom ? { ...audio, alsoFrom: [this.signalledFrom] } : audio);
    this.media.setSrtpKeys(audio.srtp ?? null);
    this.info.audio = { ...audio, srtp: undefined };
  }
}
