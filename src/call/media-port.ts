/**
 * What the call layer needs from the media plane for one call: a local RTP address to put in
 * the SDP answer, remote parameters once negotiated (and again on re-INVITE), and release.
 * `media/` implements it with an RtpSession; the call layer never touches sockets.
 */
import type { NegotiatedAudio } from '../sdp/index.js';
import type { VadKind } from '../media/index.js';

export interface CallMedia {
  readonly localAddress: string;
  readonly localPort: number;
  /** Apply (or re-apply after a re-INVITE/UPDATE) the negotiated remote side. */
  configure(audio: NegotiatedAudio): void;
  close(): Promise<void>;
}

/** What the call's application asks of its media (per-application settings). */
export interface CallMediaRequest {
  /** The application's `speech.vad`: which voice activity detector hears the caller. */
  vad?: VadKind;
}

export interface CallMediaFactory<M extends CallMedia = CallMedia> {
  /** Allocate media for a new call; `undefined` when no RTP port is free (the call gets 503). */
  allocate(callId: string, request?: CallMediaRequest): Promise<M | undefined>;
}
