/**
 * CallMedia over real RTP: one shared port pool and one shared playout scheduler for the
 * process; each call gets an RtpSession wrapped in a CallAudio pipeline — or, with
 * `media.workers` > 0, its RTP session on a media worker thread and a WorkerCallAudio here
 * (docs/media-flow.md "Media workers"). The choice is made once, at start. Either way the call's
 * endpointer hears with the VAD its application chose (`speech.vad`; the Silero model loaded once,
 * by `prepareVad`).
 */
import type { Logger } from 'pino';
import type { CallMediaFactory, CallMediaRequest } from '../call/index.js';
import { loadFrameVadFactory, type FrameVadFactory, type VadKind } from '../media/index.js';
import { CallAudio, WorkerCallAudio, type CallAudioOptions, type CallAudioPort } from '../call/index.js';
import { PortPool, MediaWorkerPool, warmRtpPairs, closeWarmRtpPairs } from '../media/index.js';
import { RtpSession } from '../media/index.js';
import { PlayoutScheduler } from '../media/index.js';
import { systemClock } from '../time/index.js';

/** RTP/RTCP pairs kept bound ahead of need (a burst larger than this binds the rest inline). */
const WARM_RTP_PAIRS = 8;
/**
 * A closed call's pair serves a later call after this long with nothing received (docs/media-rtp.md
 * "A pair's life"): no bind, close or reader start/stop per call; at most RECYCLE_MAX_PAIRS parked.
 */
const RECYCLE_QUIET_MS = 1000;
const RECYCLE_MAX_PAIRS = 2048;

export interface RtpMediaOptions {
  host: string;
  advertisedHost: string;
  portMin: number;
  portMax: number;
  logger: Logger;
  audio?: CallAudioOptions;
  /** Sub-slots of the 20 ms frame the calls are spread over (config `media.playoutPhases`, default 1). */
  playoutPhases?: number;
  /** Media worker threads (config `media.workers`): 0 keeps every call's packets on this thread. */
  workers?: number | 'auto';
  /** The SRTP library the workers load (config `media.srtpBackend`). */
  srtpBackend?: 'auto' | 'libsrtp' | 'openssl';
  /** Which sources a call's RTP may come from (config `media.latching`, default 'signalled'). */
  latching?: 'signalled' | 'any';
  /** Each playout tick's deadline, lateness and cost (the pause trace, pause-trace.ts); unset normally. */
  onTick?: (deadlineMs: number, latenessMs: number, costMs: number) => void;
}

export class RtpMediaFactory implements CallMediaFactory {
  readonly pool: PortPool;
  readonly scheduler: PlayoutScheduler;
  /** Set when calls' media runs on worker threads. */
  readonly workers: MediaWorkerPool | undefined;
  private readonly open = new Set<CallAudioPort>();
  /** VADs other than the energy default, by kind, once their model is loaded. */
  private readonly vads = new Map<VadKind, FrameVadFactory>();
  private readonly vadsLoading = new Map<VadKind, Promise<void>>();

  constructor(private readonly opts: RtpMediaOptions) {
    const workers = opts.workers ?? 0;
    // Calls on this thread take a pair bound ahead of need: a new call's 200 does not wait for two
    // binds (docs/sip.md "Call set-up rate"), or a parked one a closed call left. With workers the
    // ports are theirs: nothing bound or parked here.
    this.pool = new PortPool(opts.portMin, opts.portMax, workers === 0 ? { warmPairs: WARM_RTP_PAIRS, recycleQuietMs: RECYCLE_QUIET_MS, recycleMaxPairs: RECYCLE_MAX_PAIRS } : {});
    warmRtpPairs(this.pool, opts.host);
    this.scheduler = new PlayoutScheduler(systemClock, {
      // > 1 spreads the calls' work and sends over the frame instead of one burst (docs/media-rtp.md "Pauses").
      phases: opts.playoutPhases ?? 1,
      onStreamError: (err) => opts.logger.error({ err }, 'media stream tick failed'),
      onTick: opts.onTick,
    });
    this.workers =
      workers === 0
        ? undefined
        : new MediaWorkerPool({
            workers,
            host: opts.host,
            portMin: opts.portMin,
            portMax: opts.portMax,
            srtpBackend: opts.srtpBackend ?? 'auto',
            sources: opts.latching ?? 'signalled',
            phases: opts.playoutPhases ?? 1,
            onWorkerExit: (w) => opts.logger.error({ worker: w.worker, calls: w.calls, code: w.code, err: w.error }, 'media worker exited; its calls were ended and a new worker started'),
          });
  }

  /** Resolves when the media workers (if any) have started. */
  async ready(): Promise<void> {
    await this.workers?.ready();
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

  async allocate(_callId?: string, request?: CallMediaRequest): Promise<CallAudioPort | undefined> {
    const options = this.audioOptions(request?.vad);
    const audio = this.workers ? await this.onWorker(this.workers, options) : await this.onMainThread(options);
    if (!audio) return undefined;
    this.open.add(audio);
    const close = audio.close.bind(audio);
    audio.close = async () => {
      this.open.delete(audio);
      await close();
    };
    return audio;
  }

  private async onMainThread(options: CallAudioOptions | undefined): Promise<CallAudio | undefined> {
    const r = await RtpSession.open({ ports: this.pool, address: this.opts.host, sources: this.opts.latching ?? 'signalled' });
    if (!r.ok) {
      this.opts.logger.warn({ reason: r.error }, 'no RTP port available');
      return undefined;
    }
    return new CallAudio(r.value, this.opts.advertisedHost, this.scheduler, options);
  }

  private async onWorker(workers: MediaWorkerPool, options: CallAudioOptions | undefined): Promise<WorkerCallAudio | undefined> {
    const handle = await workers.open();
    if (!handle) {
      this.opts.logger.warn({ reason: 'exhausted' }, 'no RTP port available');
      return undefined;
    }
    return new WorkerCallAudio(handle, this.opts.advertisedHost, this.scheduler, options);
  }

  get activeStreams(): number {
    return this.open.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.open].map((m) => m.close()));
    closeWarmRtpPairs(this.pool);
    await this.workers?.close();
    this.scheduler.stop();
  }
}
