/**
 * The SRTP backends the suite runs against. libsrtp runs wherever its headers are installed
 * (scripts/deps.sh installs libsrtp2-dev and builds the addon): then a missing or unloadable
 * addon is a failure, not a skip — a broken build must not quietly test only the fallback.
 */
import { existsSync } from 'node:fs';
import { createSrtpContext, srtpBackendStatus, type SrtpBackend, type SrtpMasterKey, type SrtpStreamContext } from '../../src/media/srtp/index.js';

const LIBSRTP_HEADER = '/usr/include/srtp2/srtp.h';

/** `available`: true, or the reason the backend's tests are skipped. */
export const SRTP_BACKENDS: { backend: SrtpBackend; available: true | string }[] = [
  { backend: 'openssl', available: true },
  { backend: 'libsrtp', available: existsSync(LIBSRTP_HEADER) || srtpBackendStatus().backend === 'libsrtp' ? true : `libsrtp2-dev not installed (${LIBSRTP_HEADER})` },
];

export function srtpContext(backend: SrtpBackend, key: SrtpMasterKey, opts: { maxStreams?: number } = {}): SrtpStreamContext {
  return createSrtpContext(key, { ...opts, backend });
}
