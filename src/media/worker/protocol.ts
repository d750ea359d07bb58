/**
 * The control messages between the main thread and a media worker (postMessage, structured clone).
 * Audio never travels here: it goes through the call's FrameRings (frame-ring.ts). These are the
 * rare things — a call opened, configured, keyed, closed; a DTMF digit; the worker's CPU each second
 * (the calls' counters are in shared memory: stats-block.ts).
 * Nothing here carries caller data except DTMF digits (which the call layer treats as it always has).
 */
import type { DtmfEvent } from '../dtmf/event.js';
import type { SdesKeyPair, SrtpBackendChoice } from '../srtp/index.js';
import type { RtpSessionStats } from '../rtp/session-types.js';
import type { JitterStats } from '../jitter-buffer.js';

export interface WorkerInit {
  /** This worker's own slice of the RTP port range (slices never overlap, so no cross-thread pool). */
  portMin: number;
  portMax: number;
  host: string;
  srtpBackend: SrtpBackendChoice;
  /** The worker's playout scheduler phases (config media.playoutPhases). */
  phases: number;
  /** Every how many ms the worker posts its thread CPU time (default 1000). */
  statsIntervalMs?: number;
  /** Which sources a call's RTP may come from (config media.latching; RtpSession `sources`). */
  sources?: 'signalled' | 'any';
}

export interface NegotiatedStream {
  codec: 'PCMU' | 'PCMA';
  pt: number;
  telephoneEventPt: number | null;
  remoteAddress: string;
  remotePort: number;
  /** Other addresses media may come from (the signalling peer's; RtpSession `sources`). */
  alsoFrom?: string[];
}

export type ToWorker =
  | { op: 'open'; id: number; buffer: SharedArrayBuffer }
  | { op: 'configure'; id: number; stream: NegotiatedStream }
  | { op: 'srtp'; id: number; keys: SdesKeyPair | null }
  | { op: 'loopback'; id: number; on: boolean }
  | { op: 'dtmf'; id: number; digit: string; durationMs: number }
  | { op: 'close'; id: number }
  /** Test hook: the worker throws from its event loop, or spins forever (proves a crash or a hang ends its calls). */
  | { op: 'crash'; how: 'throw' | 'hang' };

export interface WorkerCallStats {
  rtp: RtpSessionStats;
  jitter: JitterStats;
  framesDecoded: number;
  framesConcealed: number;
  framesSent: number;
  /** Caller frames the main thread did not take in time (its ring was full). */
  upDropped: number;
  /** Frames to send that waited too long in the ring and were skipped (main thread ran ahead). */
  downSkipped: number;
}

export type FromWorker =
  | { op: 'ready' }
  | { op: 'opened'; id: number; port: number }
  | { op: 'openFailed'; id: number; reason: string }
  | { op: 'dtmf'; id: number; event: DtmfEvent }
  | { op: 'dtmfStart'; id: number; digit: string }
  | { op: 'stats'; calls: number; cpuMs: number }
  | { op: 'closed'; id: number; stats: WorkerCallStats };
