/**
 * CallMedia over real RTP: one shared port pool and one shared playout scheduler for the
 * process; each call gets an RtpSession wrapped in a CallAudio pipeline.
 */
import type { Logger } from 'pino';
import type { CallMediaFactory } from '../call/index.js';
import { CallAudio, type CallAudioOptions } from '../call/index.js';
import { PortPool, warmRtpPairs, closeWarmRtpPairs } from '../media/index.js';
import { RtpSession } from '../media/index.js';
import { PlayoutScheduler } from '../media/index.js';
import { systemClock } from '../time/index.js';

/** RTP/RTCP pairs kept bound ahead of need (a burst larger than this binds the rest inline). */
const WARM_RTP_PAIRS = 8;

export interface RtpMediaOptions {
  host: string;
  advertisedHost: string;
  portMin: number;
  portMax: number;
  logger: Logger;
  audio?: CallAudioOptions;
  /** Sub-slots of the 20 ms frame the calls are spread over (config `media.playoutPhases`, default 1). */
  playoutPhases?: number;
}

export class RtpMediaFactory implements CallMediaFactory {
  readonly pool: PortPool;
  readonly scheduler: PlayoutScheduler;
  private readonly open = new Set<CallAudio>();

  constructor(private readonly opts: RtpMediaOptions) {
    // A few pairs bound ahead of need: a new call's 200 does not wait for two binds (docs/sip.md "Call set-up rate").
    this.pool = new PortPool(opts.portMin, opts.portMax, { warmPairs: WARM_RTP_PAIRS });
    warmRtpPairs(this.pool, opts.host);
    this.scheduler = new PlayoutScheduler(systemClock, {
      // > 1 spreads the calls' work and sends over the frame instead of one burst (docs/media-rtp.md "Pauses").
      phases: opts.playoutPhases ?? 1,
      onStreamError: (err) => opts.logger.error({ err }, 'media stream tick failed'),
    });
  }

  async allocate(): Promise<CallAudio | undefined> {
    const r = await RtpSession.open({ ports: this.pool, address: this.opts.host });
    if (!r.ok) {
      this.opts.logger.warn({ reason: r.error }, 'no RTP port available');
      return undefined;
    }
    const audio = new CallAudio(r.value, this.opts.advertisedHost, this.scheduler, this.opts.audio);
    this.open.add(audio);
    const close = audio.close.bind(audio);
    audio.close = async () => {
      this.open.delete(audio);
      await close();
    };
    return audio;
  }

  get activeStreams(): number {
    return this.open.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open].map((m) => m.close()));
    closeWarmRtpPairs(this.pool);
    this.scheduler.stop();
  }
}
