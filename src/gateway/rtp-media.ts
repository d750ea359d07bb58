/**
 * CallMedia over real RTP sockets: binds an RTP/RTCP pair from the port pool per call.
 */
import type { Logger } from 'pino';
import type { CallMedia, CallMediaFactory } from '../call/media-port.js';
import type { NegotiatedAudio } from '../sdp/index.js';
import { PortPool } from '../media/port-pool.js';
import { bindRtpPair, type BoundPair } from '../media/rtp/socket-pair.js';

export interface RtpMediaOptions {
  host: string;
  advertisedHost: string;
  portMin: number;
  portMax: number;
  logger: Logger;
}

class RtpCallMedia implements CallMedia {
  audio?: NegotiatedAudio;
  constructor(
    private readonly pair: BoundPair,
    readonly localAddress: string,
    private readonly release: () => void,
  ) {}
  get localPort(): number {
    return this.pair.port;
  }
  configure(audio: NegotiatedAudio): void {
    this.audio = audio;
  }
  async close(): Promise<void> {
    await Promise.all([new Promise<void>((r) => this.pair.rtp.close(() => r())), new Promise<void>((r) => this.pair.rtcp.close(() => r()))]);
    this.release();
  }
}

export class RtpMediaFactory implements CallMediaFactory {
  readonly pool: PortPool;
  private readonly open = new Set<RtpCallMedia>();

  constructor(private readonly opts: RtpMediaOptions) {
    this.pool = new PortPool(opts.portMin, opts.portMax);
  }

  async allocate(): Promise<CallMedia | undefined> {
    const r = await bindRtpPair(this.pool, this.opts.host);
    if (!r.ok) {
      this.opts.logger.warn({ reason: r.error }, 'no RTP port available');
      return undefined;
    }
    const pair = r.value;
    const m: RtpCallMedia = new RtpCallMedia(pair, this.opts.advertisedHost, () => {
      this.pool.release(pair.port);
      this.open.delete(m);
    });
    this.open.add(m);
    return m;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open].map((m) => m.close()));
  }
}
