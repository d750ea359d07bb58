/** SRTP (RFC 3711) for SDES-keyed media: public surface of `media/srtp`. See docs/security.md and docs/media-rtp.md. */
export { SRTP_SUITES, isSrtpSuiteName, type SrtpSuite, type SrtpSuiteName } from './suites.js';
export { SrtpContext, type SrtpMasterKey, type SrtpContextOptions } from './context.js';
export { type SrtpStreamContext, type SrtpBackend, type SrtpError, type SrtpCounters, SRTP_IN_PLACE_AUTH, SRTP_IN_PLACE_REPLAY, SRTP_IN_PLACE_MALFORMED, SRTP_TRAILER_ROOM, inPlaceError } from './stream-context.js';
export { LibsrtpContext } from './libsrtp-context.js';
export { createSrtpContext, createSrtpContexts, srtpBackendStatus, configureSrtpBackend, type SrtpBackendChoice, type SrtpFactoryOptions, type SdesKeyPair } from './backend.js';
export { deriveSrtpKeys, deriveSrtcpKeys, deriveSessionValue, SrtpLabel, type SessionKeys } from './kdf.js';
export { AesCmKeystream, aesCmKeystream } from './keystream.js';
export { createAuthenticator, NodeHmacSha1, type SrtpAuthenticator, type SrtpAuthenticatorKind } from './hmac-sha1.js';
export { ReplayWindow, REPLAY_WINDOW_SIZE } from './replay-window.js';
export { guessRollover, packetIndex } from './rollover.js';
