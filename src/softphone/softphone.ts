/**
 * The test softphone: a SIP UAC with media, built from the same parts as the gateway (SIP stack,
 * UAC invite session, RtpSession, CallAudio pipeline, shared scheduler). It dials, plays audio
 * (WAV, PCM, TTS streams) paced at 20 ms, sends RFC 4733 digits, hears the far end through the
 * endpointer, and keeps an exact record of every packet it receives (for pacing and audio
 * checks). `hushgate call` and the end-to-end tests drive it.
 *
 * Secure calls: `transport: 'tls'` with `tls` options (our certificate, and the CA that issued the
 * gateway's) dials `sips:` targets over TLS; `srtp: true` offers RTP/SAVP with SDES `a=crypto`
 * lines and protects the call's media with the keys agreed in the answer.
 *
 * `answerNext()` answers the next call that comes in (plain RTP, PCMU/PCMA): the far end of the
 * gateway's outbound calls in tests.
 */
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { UdpTransport } from '../sip/index.js';
import { listenTcp } from '../sip/index.js';
import { listenTls, type TlsTransportOptions } from '../sip/index.js';
import { createSdesOffer, type SdesKeys } from '../sdp/index.js';
import { createSrtpContexts } from '../media/index.js';
import type { Transport } from '../sip/index.js';
import { SipStack } from '../sip/index.js';
import { UserAgent } from '../sip/index.js';
import { InviteClientSession } from '../sip/index.js';
import type { SipRequest, InviteServerSession } from '../sip/index.js';
import { parseSdp, negotiate, buildOffer, serializeSdp } from '../sdp/index.js';
import { PortPool } from '../media/index.js';
import { RtpSession } from '../media/index.js';
import { PlayoutScheduler } from '../media/index.js';
import { FRAME_SAMPLES } from '../media/index.js';
import { systemClock } from '../time/index.js';
import { ulawDecode, alawDecode } from '../media/index.js';
import type { PlaySource } from '../media/index.js';
import type { EndpointerOptions } from '../media/index.js';
import { CallAudio } from '../call/index.js';

export interface SoftphoneOptions {
  host?: string;
  transport?: 'udp' | 'tcp' | 'tls';
  /** TLS: our certificate and key, `ca` to verify the gateway (needed with `transport: 'tls'`). */
  tls?: TlsTransportOptions;
  /** Offer RTP/SAVP (SRTP keyed by SDES) instead of RTP/AVP. */
  srtp?: boolean;
  rtpPortMin?: number;
  rtpPortMax?: number;
  logger?: Logger;
  endpointer?: EndpointerOptions;
  /** Answer a gateway's or proxy's digest challenge (401/407) with these. */
  credentials?: { username: string; password: string };
}

export interface ReceivedPacket {
  seq: number;
  timestamp: number;
  arrivalMs: number;
  pt: number;
  payload: Uint8Array;
}

export class Softphone {
  /** Every call's media this phone opened (dialled, answered, or placed for a REFER): closed with the phone. */
  private readonly media = new Set<CallAudio>();
  private closed = false;

  private constructor(
    readonly ua: UserAgent,
    private readonly pool: PortPool,
    readonly scheduler: PlayoutScheduler,
    private readonly opts: SoftphoneOptions,
  ) {}

  static async create(opts: SoftphoneOptions = {}): Promise<Softphone> {
    const host = opts.host ?? '127.0.0.1';
    const log = opts.logger ?? pino({ level: 'silent' });
    const transports: Transport[] = [await UdpTransport.listen(host, 0)];
    if (opts.transport === 'tcp') transports.unshift(await listenTcp(host, 0, 65535));
    if (opts.transport === 'tls') {
      if (!opts.tls) throw new Error('softphone: transport tls needs tls options (cert, key, ca)');
      transports.unshift(await listenTls(host, 0, opts.tls));
    }
    const stack = new SipStack({ transports, logger: log, advertisedHost: host, userAgent: 'Hushgate-softphone' });
    const ua = new UserAgent(stack, { logger: log, sessionTimer: { sessionExpires: 0, minSE: 90 } });
    const pool = new PortPool(opts.rtpPortMin ?? 40000, opts.rtpPortMax ?? 40999);
    return new Softphone(ua, pool, new PlayoutScheduler(systemClock), { ...opts, host });
  }

  /** Dial `sip:user@host:port` (add `;transport=tcp` for TCP). Rejects with the status on failure. `fromUser`: the From URI's user part (e.g. a caller number). */
  async dial(target: string, headers: [string, string][] = [], fromUser = 'softphone'): Promise<PhoneCall> {
    if (this.closed) throw new Error('softphone: closed');
    const rtp = await RtpSession.open({ ports: this.pool, address: this.opts.host! });
    if (!rtp.ok) throw new Error(`no RTP port: ${rtp.error}`);
    const audio = this.track(new CallAudio(rtp.value, this.opts.host!, this.scheduler, { endpointer: this.opts.endpointer, player: { fetch: { allowInsecure: true, maxBytes: 20 << 20, timeoutMs: 10_000 } } }));
    const local = { address: this.opts.host!, port: audio.localPort, codecs: ['PCMU', 'PCMA'] as ('PCMU' | 'PCMA')[], telephoneEvent: true, sessionId: String(Date.now()), sessionVersion: 1 };
    const sdes = this.opts.srtp ? createSdesOffer() : undefined;
    const offer = buildOffer(local, sdes ? sdes.lines.map((l) => `a=crypto:${l}`) : []);
    const r = await InviteClientSession.dial(this.ua, { target, fromUser, sdp: offer, headers, ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}) });
    if (!r.ok) {
      await audio.close();
      throw Object.assign(new Error(`call failed: ${r.status} ${r.reason}`), { status: r.status });
    }
    const answer = parseSdp(r.answer);
    if (!answer.ok) throw new Error(`bad SDP answer: ${answer.error}`);
    // Negotiating the answer against our own capabilities gives the agreed codec and the far end's RTP address.
    // With SRTP, the answer's a=crypto line must name one of our offered tags; its key keys our inbound direction.
    const answerKeys = sdes?.answerNegotiator();
    const n = negotiate<SdesKeys>(answer.value, { ...local, secureMedia: sdes ? 'required' : 'off', srtp: answerKeys });
    if (!n.ok) {
      await r.session.bye().catch(() => undefined);
      await audio.close();
      throw new Error(`answer has no usable audio: ${n.reason}`);
    }
    audio.configure(n.audio);
    if (n.audio.srtp) audio.setSrtp(createSrtpContexts(n.audio.srtp));
    return new PhoneCall(r.session, audio, this, { offer, answer: r.answer });
  }

  /** The SIP port this phone listens on (UDP): where calls to it go. */
  get sipPort(): number {
    return this.ua.stack.transports.find((t) => t.protocol === 'UDP')?.localPort ?? 0;
  }

  /** Answer the next incoming call; resolves at its ACK. */
  answerNext(timeoutMs = 30_000): Promise<AnsweredCall> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no call came in time')), timeoutMs);
      this.ua.onInvite = (session) => {
        this.ua.onInvite = undefined;
        void this.answer(session).then((c) => {
          if (!c) return;
          session.once('confirmed', () => (clearTimeout(t), resolve(c)));
        });
      };
    });
  }

  private async answer(session: InviteServerSession): Promise<AnsweredCall | undefined> {
    const offer = parseSdp(session.request.body.toString('utf8'));
    if (!offer.ok) return void session.reject(400, 'Bad Request - SDP');
    const rtp = await RtpSession.open({ ports: this.pool, address: this.opts.host! });
    if (!rtp.ok) return void session.reject(503);
    const audio = this.track(new CallAudio(rtp.value, this.opts.host!, this.scheduler, { endpointer: this.opts.endpointer }));
    const local = { address: this.opts.host!, port: audio.localPort, codecs: ['PCMU', 'PCMA'] as ('PCMU' | 'PCMA')[], telephoneEvent: true, sessionId: String(Date.now()), sessionVersion: 1, secureMedia: 'off' as const };
    const n = negotiate(offer.value, local);
    if (!n.ok) {
      await audio.close();
      return void session.reject(488);
    }
    audio.configure(n.audio);
    session.accept(serializeSdp(n.answer));
    return new AnsweredCall(session, audio);
  }

  private track(audio: CallAudio): CallAudio {
    for (const a of this.media) if (a.closed) this.media.delete(a); // ended calls: nothing to hold on to
    this.media.add(audio);
    return audio;
  }

  /** Close the SIP stack and every call's RTP sockets, including a call a REFER placed after the test stopped looking. */
  async close(): Promise<void> {
    this.closed = true;
    this.scheduler.stop();
    await Promise.all([...this.media].map((a) => a.close().catch(() => undefined)));
    this.media.clear();
    await this.ua.stack.close();
  }
}

export class PhoneCall extends EventEmitter<{ ended: [string]; request: [SipRequest]; transferred: [PhoneCall]; transferFailed: [number] }> {
  readonly received: ReceivedPacket[] = [];
  ended = false;
  /** The call placed to the REFER target, once the far end transferred us. */
  transferredTo?: PhoneCall;

  constructor(
    readonly session: InviteClientSession,
    readonly audio: CallAudio,
    private readonly phone: Softphone,
    /** The SDP we offered and the answer (tests check that the gateway never logs their SRTP keys). */
    readonly sdp: { offer: string; answer: string } = { offer: '', answer: '' },
  ) {
    super();
    // REFER (RFC 3515): accept, call the target, report progress with NOTIFY message/sipfrag.
    session.onRequest = (req) => (req.method === 'REFER' ? (/<?(sips?:[^>\s]+)>?/.exec(req.headers.get('Refer-To') ?? '') ? 202 : 400) : 200);
    session.on('request', (req) => {
      if (req.method === 'REFER') void this.followRefer(req);
    });
    audio.tap = (payload, pt, seq, timestamp, arrivalMs) => this.received.push({ seq, timestamp, arrivalMs, pt, payload: Uint8Array.from(payload) });
    session.on('ended', (reason) => {
      this.ended = true;
      // The far end hung up right after speaking: deliver what it said before the media closes.
      this.audio.endpointer.flush();
      void audio.close();
      this.emit('ended', reason);
    });
    session.on('request', (req) => this.emit('request', req));
  }

  private async followRefer(req: SipRequest): Promise<void> {
    const target = /<?(sips?:[^>\s]+)>?/.exec(req.headers.get('Refer-To') ?? '')?.[1];
    if (!target) return;
    const notify = (frag: string, state: string) =>
      this.session.sendInDialog('NOTIFY', {
        headers: [['Event', 'refer'], ['Subscription-State', state]],
        body: Buffer.from(frag + '\r\n'),
        contentType: 'message/sipfrag;version=2.0',
      });
    await notify('SIP/2.0 100 Trying', 'active;expires=60');
    try {
      const call = await this.phone.dial(target, [['Referred-By', req.headers.get('Referred-By') ?? '']]);
      this.transferredTo = call;
      await notify('SIP/2.0 200 OK', 'terminated;reason=noresource');
      this.emit('transferred', call);
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      await notify(`SIP/2.0 ${status} Failed`, 'terminated;reason=noresource');
      this.emit('transferFailed', status);
    }
  }

  /** The next thing the far end says (an utterance found by this phone's endpointer). */
  nextUtterance(timeoutMs = 15_000): Promise<import('../media/index.js').Utterance> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (this.audio.off('utterance', on), reject(new Error('the far end said nothing in time'))), timeoutMs);
      const on = (u: import('../media/index.js').Utterance) => (clearTimeout(t), this.off('ended', onEnd), resolve(u));
      const onEnd = () => setTimeout(() => (clearTimeout(t), this.audio.off('utterance', on), reject(new Error('the call ended'))), 50);
      this.audio.once('utterance', on);
      this.once('ended', onEnd);
    });
  }

  /** Resolve when the far end starts speaking. */
  nextSpeechStart(timeoutMs = 15_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (this.audio.off('speechStart', on), reject(new Error('the far end did not start speaking in time'))), timeoutMs);
      const on = (at: number) => (clearTimeout(t), resolve(at));
      this.audio.once('speechStart', on);
    });
  }

  /** Play a source and resolve when it has been sent (or stopped). */
  play(source: PlaySource): Promise<'done' | 'stopped'> {
    return new Promise((resolve) => {
      this.audio.once('playbackFinished', resolve);
      this.audio.play(source);
    });
  }

  async sendDigits(digits: string, durationMs = 120, gapMs = 120): Promise<void> {
    for (const d of digits) {
      this.audio.sendDtmf(d, durationMs);
      await new Promise((r) => setTimeout(r, durationMs + gapMs + 60));
    }
  }

  /** Everything received so far, decoded and laid out by RTP timestamp (gaps become silence). */
  receivedPcm(): Int16Array {
    const pkts = [...this.received].sort((a, b) => a.arrivalMs - b.arrivalMs);
    if (pkts.length === 0) return new Int16Array(0);
    const base = pkts[0]!.timestamp;
    let end = 0;
    for (const p of pkts) end = Math.max(end, ((p.timestamp - base) >>> 0) + p.payload.length);
    const out = new Int16Array(end);
    const tmp = new Int16Array(FRAME_SAMPLES * 8);
    for (const p of pkts) {
      const off = (p.timestamp - base) >>> 0;
      const dst = tmp.subarray(0, p.payload.length);
      if (p.pt === 8) alawDecode(p.payload, dst);
      else ulawDecode(p.payload, dst);
      out.set(dst, off);
    }
    return out;
  }

  async hangup(): Promise<void> {
    if (this.ended) return;
    await this.session.bye();
    await this.audio.close();
  }

  /** Resolve when the far end hangs up (or `timeoutMs` passes: then reject). */
  waitForEnd(timeoutMs = 30_000): Promise<string> {
    if (this.ended) return Promise.resolve('ended');
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('call did not end in time')), timeoutMs);
      this.once('ended', (r) => (clearTimeout(t), resolve(r)));
    });
  }
}

/** A call this phone answered (`Softphone.answerNext`). */
export class AnsweredCall extends EventEmitter<{ ended: [string] }> {
  ended = false;

  constructor(
    readonly session: InviteServerSession,
    readonly audio: CallAudio,
  ) {
    super();
    session.once('ended', (reason) => {
      this.ended = true;
      this.audio.endpointer.flush();
      void audio.close();
      this.emit('ended', reason);
    });
  }

  /** The next thing the far end says. */
  nextUtterance(timeoutMs = 15_000): Promise<import('../media/index.js').Utterance> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (this.audio.off('utterance', on), reject(new Error('the far end said nothing in time'))), timeoutMs);
      const on = (u: import('../media/index.js').Utterance) => (clearTimeout(t), resolve(u));
      this.audio.once('utterance', on);
    });
  }

  async hangup(): Promise<void> {
    if (this.ended) return;
    await this.session.bye();
  }
}
