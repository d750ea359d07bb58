/**
 * `StatsBlock`: a call's media counters in its SharedArrayBuffer, written by the worker every few
 * ticks and read by the main thread at any moment — so `WorkerCallAudio.stats()` answers
 * synchronously and at most `STATS_EVERY_TICKS` frames old (the call layer reads it when the call
 * ends, before it closes the media, for the CDR), with no message per call.
 *
 * A sequence lock makes a read consistent: the writer makes the version odd, writes, makes it even;
 * a reader that saw an odd version or a change retries (a write is ~40 stores, so a retry is rare).
 * Only numbers cross: `remoteReport` and `lastSr` (RTCP detail no CDR uses) read as null here and
 * arrive with the final stats of `close`.
 */
import type { RtpSessionStats } from '../rtp/session-types.js';
import type { JitterStats } from '../jitter-buffer.js';
import type { WorkerCallStats } from './protocol.js';

/** Write the block every this many 20 ms ticks (100 ms). */
export const STATS_EVERY_TICKS = 5;

const RTP_FIELDS = ['localPort', 'ssrc', 'remoteSsrc', 'packetsSent', 'octetsSent', 'packetsReceived', 'octetsReceived', 'lost', 'lossFraction', 'jitterMs', 'malformed', 'wrongVersion', 'unknownPayloadType', 'foreignSource', 'audioNotSent', 'rtcpSent', 'rtcpReceived', 'rtcpMalformed', 'rttMs', 'dtmfReceived', 'srtp', 'srtpAuthFailures', 'srtpReplays', 'mos'] as const satisfies readonly (keyof RtpSessionStats)[];
const JITTER_FIELDS = ['received', 'late', 'duplicate', 'lost', 'reordered', 'dropped', 'underruns', 'resets', 'depthMs', 'targetMs', 'jitterMs'] as const satisfies readonly (keyof JitterStats)[];
const CALL_FIELDS = ['framesDecoded', 'framesConcealed', 'framesSent', 'upDropped', 'downSkipped'] as const;
const COUNT = RTP_FIELDS.length + JITTER_FIELDS.length + CALL_FIELDS.length;
/** A null (remoteSsrc, rttMs) is stored as NaN. */
const NULLABLE = new Set<string>(['remoteSsrc', 'rttMs']);

export class StatsBlock {
  private readonly version: Int32Array;
  private readonly values: Float64Array;

  static bytes(): number {
    return 8 + COUNT * 8;
  }

  /** `offset` must be a multiple of 8. */
  constructor(buffer: SharedArrayBuffer, offset: number) {
    this.version = new Int32Array(buffer, offset, 1);
    this.values = new Float64Array(buffer, offset + 8, COUNT);
  }

  write(s: WorkerCallStats): void {
    const v = this.values;
    Atomics.add(this.version, 0, 1); // odd: writing
    let i = 0;
    const rtp = s.rtp as unknown as Record<string, number | boolean | null>;
    for (const k of RTP_FIELDS) {
      const x = rtp[k];
      v[i++] = x === null ? NaN : typeof x === 'boolean' ? (x ? 1 : 0) : (x as number);
    }
    const jb = s.jitter as unknown as Record<string, number>;
    for (const k of JITTER_FIELDS) v[i++] = jb[k]!;
    for (const k of CALL_FIELDS) v[i++] = s[k];
    Atomics.add(this.version, 0, 1); // even: done
  }

  /** The last complete write, or undefined before the first. */
  read(): WorkerCallStats | undefined {
    const copy = new Float64Array(COUNT);
    for (let attempt = 0; attempt < 100; attempt++) {
      const before = Atomics.load(this.version, 0);
      if (before === 0) return undefined;
      if (before & 1) continue;
      copy.set(this.values);
      if (Atomics.load(this.version, 0) === before) return decode(copy);
    }
    return undefined; // the writer never paused: treat as not yet available
  }
}

function decode(v: Float64Array): WorkerCallStats {
  let i = 0;
  const rtp: Record<string, unknown> = {};
  for (const k of RTP_FIELDS) {
    const x = v[i++]!;
    rtp[k] = k === 'srtp' ? x === 1 : NULLABLE.has(k) && Number.isNaN(x) ? null : x;
  }
  rtp.remoteReport = null;
  rtp.lastSr = null;
  const jitter: Record<string, number> = {};
  for (const k of JITTER_FIELDS) jitter[k] = v[i++]!;
  const calls: Record<string, number> = {};
  for (const k of CALL_FIELDS) calls[k] = v[i++]!;
  return { rtp: rtp as unknown as RtpSessionStats, jitter: jitter as unknown as JitterStats, ...(calls as Pick<WorkerCallStats, (typeof CALL_FIELDS)[number]>) };
}
