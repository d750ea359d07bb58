/** Digest authentication of incoming calls: the public surface of `sip/auth`, and its wiring from the `sip.auth` config section. */
import type { Logger } from 'pino';
import type { SipAuthConfig } from './config.js';
import { CidrAllowlist } from '../allowlist.js';
import { DigestVerifier } from './digest.js';
import { InviteAuthenticator } from './invite-auth.js';
import { AuthThrottle } from './throttle.js';

export { DigestVerifier, NonceTracker, authorizationFor, parseChallenge, parseDigestParams, digestResponse, digestHash, type DigestChallenge, type DigestUser, type VerifyResult } from './digest.js';
export { InviteAuthenticator, type AuthDecision, type InviteAuthCounters } from './invite-auth.js';
export { sipAuthSchema, type SipAuthConfig } from './config.js';
export { AuthThrottle, DEFAULT_AUTH_THROTTLE, sourceKey, type AuthThrottleConfig } from './throttle.js';

/** The authenticator the UA core consults for every new INVITE, built from `sip.auth`. */
export function inviteAuthenticator(auth: SipAuthConfig, log: Logger): InviteAuthenticator {
  const verifier = new DigestVerifier(auth.realm, auth.users, { nonceTtlSec: auth.nonceTtlSec, algorithms: auth.algorithms, maxTrackedNonces: auth.maxTrackedNonces });
  const { enabled, ...throttle } = auth.throttle;
  return new InviteAuthenticator(verifier, { exempt: new CidrAllowlist(auth.exemptFrom), ...(enabled ? { throttle: new AuthThrottle(throttle) } : {}), log });
}
