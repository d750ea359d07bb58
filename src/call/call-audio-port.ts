/**
 * A call's audio as the call layer uses it, whichever thread carries the packets: `CallAudio`
 * (sockets, jitter buffer and codecs on the main thread) or `WorkerCallAudio` (those on a media
 * worker, src/media/worker/). The endpointer and the player live on the main thread in both.
 */
import type { EventEmitter } from 'node:events';
import type { SdesKeyPair, Endpointer, Player, PlaySource, BargeInOptions, EchoReference } from '../media/index.js';
import type { CallMedia } from './media-port.js';
import type { CallAudioEvents } from './call-audio.js';
import type { RtpSessionStats, JitterStats, EndpointerOptions, PlayerOptions } from '../media/index.js';

/** A call's media counters (the CDR's media section). */
export interface CallAudioStats {
  rtp: RtpSessionStats;
  jitter: JitterStats;
  /** RTP audio packets decoded (any ptime). */
  framesDecoded: number;
  framesConcealed: number;
  framesSent: number;
}

export interface CallAudioOptions {
  endpointer?: EndpointerOptions;
  player?: PlayerOptions;
}

export interface CallAudioPort extends CallMedia, EventEmitter<CallAudioEvents> {
  codec: 'PCMU' | 'PCMA';
  readonly player: Player;
  readonly endpointer: Endpointer;
  /** Echo the caller's audio back (the `loopback` application). */
  loopback: boolean;
  /** Feed the endpointer (off while STT is paused or nobody listens). */
  listening: boolean;
  /** A bot's audio (media streams): while set it plays instead of the player, one frame per tick. */
  feed?: { next(): Int16Array | undefined };
  readonly closed: boolean;
  readonly playing: boolean;
  /** SRTP keyed from the SDES offer/answer (null: plain RTP); the contexts are built where the packets are. */
  setSrtpKeys(keys: SdesKeyPair | null): void;
  play(source: PlaySource): void;
  stopPlayback(): void;
  /** Hold the prompt where it is (a possible barge-in being judged); `resumePlayback` goes on from there. */
  pausePlayback(): void;
  resumePlayback(): void;
  readonly paused: boolean;
  /** The endpointer is inside an utterance (the caller is still speaking). */
  readonly callerSpeaking: boolean;
  /** What this call sent, per tick, for the echo test of barge-in. */
  readonly echoReference: EchoReference;
  /** The application's barge-in rule (speech.bargeIn), judged against what this call sends. */
  setBargeIn(opts: BargeInOptions): void;
  endAtPause(id: number, hangoverMs: number): boolean;
  sendDtmf(digit: string, durationMs?: number): boolean;
  stats(): CallAudioStats;
}
