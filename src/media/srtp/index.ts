/** SRTP (RFC 3711) for SDES-keyed media: public surface of `media/srtp`. See docs/security.md. */
export { SRTP_SUITES, isSrtpSuiteName, type SrtpSuite, type SrtpSuiteName } from './suites.js';
export { SrtpContext, createSrtpContexts, type SrtpError, type SrtpMasterKey, type SrtpContextOptions, type SrtpCounters, type SdesKeyPair } from './context.js';
export { deriveSrtpKeys, deriveSrtcpKeys, deriveSessionValue, SrtpLabel, type SessionKeys } from './kdf.js';
export { AesCmKeystream, aesCmKeystream } from './keystream.js';
export { createAuthenticator, NodeHmacSha1, type SrtpAuthenticator, type SrtpAuthenticatorKind } from './hmac-sha1.js';
export { ReplayWindow, REPLAY_WINDOW_SIZE } from './replay-window.js';
export { guessRollover, packetIndex } from './rollover.js';
