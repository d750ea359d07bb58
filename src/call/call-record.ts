/**
 * The record of one call: its times and end reason, the media statistics taken when it ends (the
 * CDR's media part), and the application's time limit (`maxCallSeconds`, on the Clock) that ends
 * the call from our side.
 */
import type { Clock, TimerHandle } from '../time/index.js';
import type { CallAudioStats } from './call-audio.js';
import type { CallInfo } from './active-call.js';
import type { MediaStatsSnapshot } from './call-events.js';

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The CDR's media part from the call's audio statistics. */
export function mediaSnapshot(st: CallAudioStats, codec: string | undefined): MediaStatsSnapshot {
  return {
    codec,
    packetsReceived: st.rtp.packetsReceived,
    packetsSent: st.rtp.packetsSent,
    lost: st.rtp.lost,
    jitterMs: round2(st.rtp.jitterMs),
    mos: round2(st.rtp.mos),
    malformed: st.rtp.malformed,
    framesDecoded: st.framesDecoded,
    framesConcealed: st.framesConcealed,
    framesSent: st.framesSent,
    jitterBuffer: { late: st.jitter.late, dropped: st.jitter.dropped, duplicate: st.jitter.duplicate, underruns: st.jitter.underruns, resets: st.jitter.resets, depthMs: st.jitter.depthMs },
  };
}

/** SRTP counters for the end-of-call log line (no key material). */
export function srtpSummary(st: CallAudioStats): { packetsReceived: number; packetsSent: number; authFailures: number; replays: number } | undefined {
  return st.rtp.srtp ? { packetsReceived: st.rtp.packetsReceived, packetsSent: st.rtp.packetsSent, authFailures: st.rtp.srtpAuthFailures, replays: st.rtp.srtpReplays } : undefined;
}

export class CallRecord {
  readonly info: CallInfo;
  #limit?: TimerHandle;

  constructor(
    ids: { callId: string; accountId: string; applicationId: string },
    private readonly clock: Clock,
  ) {
    this.info = { ...ids, startedAt: clock.epochMs() };
  }

  /** The call was answered: start the time limit (`onLimit` hangs up). */
  answered(maxCallSeconds: number, onLimit: () => void): void {
    this.info.answeredAt = this.clock.epochMs();
    this.#limit = this.clock.setTimeout(onLimit, maxCallSeconds * 1000);
  }

  /** The call ended: stop the limit, stamp the end and take the media statistics. */
  ended(reason: CallInfo['endReason'], stats: CallAudioStats): void {
    this.clock.clearTimeout(this.#limit);
    this.info.endedAt = this.clock.epochMs();
    this.info.endReason ??= reason;
    this.info.media = mediaSnapshot(stats, this.info.audio?.codec);
  }

  get durationMs(): number {
    return this.info.answeredAt && this.info.endedAt ? this.info.endedAt - this.info.answeredAt : 0;
  }
}
