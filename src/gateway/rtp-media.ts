/**
 * CallMedia over real RTP: one shared port pool and one shared playout scheduler for the
 * process; each call gets an RtpSession wrapped in a CallAudio pipeline, whose endpointer hears
 * with the VAD its application chose (`speech.vad`; the Silero model loaded once, by `prepareVad`).
 */
import type { Logger } from 'pino';
import type { CallMediaFactory, CallMediaRequest } from '../call/index.js';
import { loadFrameVadFactory, type FrameVadFactory, type VadKind } from '../media/index.js';
import { CallAudio, type CallAudioOptions } from '../call/index.js';
import { PortPool } from '../media/index.js';
import { RtpSession } from '../media/index.js';
import { PlayoutScheduler } from '../media/index.js';
import { systemClock } from '../time/index.js';

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
  /** VADs other than the energy default, by kind, once their model is loaded. */
  private readonly vads = new Map<VadKind, FrameVadFactory>();
  private readonly vadsLoading = new Map<VadKind, Promise<void>>();

  constructor(private readonly opts: RtpMediaOptions) {
    this.pool = new PortPool(opts.portMin, opts.portMax);
    this.scheduler = new PlayoutScheduler(systemClock, {
      // > 1 spreads the calls' work and sends over the frame instead of one burst (docs/media-rtp.md "Pauses").
      phases: opts.playoutPhases ?? 1,
      onStreamError: (err) => opts.logger.error({ err }, 'media stream tick failed'),
    });
  }

  /** Load the model of a VAD kind (once); rejects when it cannot be loaded. */
  prepareVad(kind: VadKind): Promise<void> {
    if (kind === 'energy' || this.vads.has(kind)) return Promise.resolve();
    let loading = this.vadsLoading.get(kind);
    if (!loading) {
      loading = loadFrameVadFactory(kind).then(
        (f) => void this.vads.set(kind, f),
        (err: unknown) => {
          this.vadsLoading.delete(kind); // a later prepare retries
          throw err;
        },
      );
      this.vadsLoading.set(kind, loading);
    }
    return loading;
  }

  /**
   * The endpointer options for a call of an application that chose `kind`. A model not loaded (an
   * application added through the admin API whose model failed to load) leaves the call on the
   * energy VAD — hearing the caller matters more than how — and the failure was logged by prepare.
   */
  private audioOptions(kind: VadKind | undefined): CallAudioOptions | undefined {
    const vad = kind && kind !== 'energy' ? this.vads.get(kind) : undefined;
    if (!vad) return this.opts.audio;
    return { ...this.opts.audio, endpointer: { ...this.opts.audio?.endpointer, vad } };
  }

  async allocate(_callId?: string, request?: CallMediaRequest): Promise<CallAudio | undefined> {
    const r = await RtpSession.open({ ports: this.pool, address: this.opts.host });
    if (!r.ok) {
      this.opts.logger.warn({ reason: r.error }, 'no RTP port available');
      return undefined;
    }
    const audio = new CallAudio(r.value, this.opts.advertisedHost, this.scheduler, this.audioOptions(request?.vad));
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
    this.scheduler.stop();
  }
}
