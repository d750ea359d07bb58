/**
 * Which library protects SRTP: libsrtp 2 through the native addon when it is built (the field's
 * library, about 4× cheaper per packet than node:crypto, see docs/media-rtp.md), else the
 * OpenSSL path in `SrtpContext`. Both pass the RFC 3711 vectors and interoperate (test/media).
 *
 * `backend: 'auto'` (default) picks libsrtp when loadable; 'libsrtp' insists (throws when the addon
 * is missing, for tests and benches that must measure it); 'openssl' forces the fallback. Without
 * an explicit `backend`, the process-wide choice applies (`configureSrtpBackend`, from config
 * `media.srtpBackend` at gateway start).
 */
import { SrtpContext, type SrtpContextOptions, type SrtpMasterKey } from './context.js';
import { LibsrtpContext } from './libsrtp-context.js';
import { loadLibsrtpAddon } from './libsrtp-addon.js';
import type { SrtpBackend, SrtpStreamContext } from './stream-context.js';
import type { SrtpSuiteName } from './suites.js';

export type SrtpBackendChoice = SrtpBackend | 'auto';

export interface SrtpFactoryOptions extends SrtpContextOptions {
  backend?: SrtpBackendChoice;
}

/** What `auto` resolves to here, and why (health output, startup log, benches). */
export function srtpBackendStatus(): { backend: SrtpBackend; libsrtpVersion: string | null; libsrtpHmac: string | null; reason: string | null } {
  const addon = loadLibsrtpAddon();
  return addon.loaded
    ? { backend: 'libsrtp', libsrtpVersion: addon.version, libsrtpHmac: addon.hmac, reason: null }
    : { backend: 'openssl', libsrtpVersion: null, libsrtpHmac: null, reason: addon.reason };
}

/**
 * libsrtp up to 2.6 finds the MKI of an SRTCP packet with the *SRTP* tag length, so with an MKI and
 * the _32 suite (SRTP tag 4, SRTCP tag 10) every SRTCP packet fails to unprotect (cisco/libsrtp#733,
 * fixed after the 2.5 Debian ships). That combination stays on the OpenSSL path.
 */
export function libsrtpCannot(key: SrtpMasterKey): string | null {
  return key.mki && key.mki.length > 0 && key.suite === 'AES_CM_128_HMAC_SHA1_32' ? 'libsrtp 2.5 cannot open SRTCP with an MKI and the _32 suite (cisco/libsrtp#733)' : null;
}

/** The process-wide choice (config `media.srtpBackend`), used when a caller does not name one. */
let processChoice: SrtpBackendChoice = 'auto';

/**
 * Set the process-wide choice at start-up. Fails (naming the reason) when 'libsrtp' is asked for
 * and the addon is not loadable, so a gateway configured for libsrtp never runs on the fallback.
 */
export function configureSrtpBackend(
  choice: SrtpBackendChoice,
): { ok: true; backend: SrtpBackend; libsrtpVersion: string | null; libsrtpHmac: string | null } | { ok: false; reason: string } {
  const status = srtpBackendStatus();
  if (choice === 'libsrtp' && status.backend !== 'libsrtp') return { ok: false, reason: status.reason ?? 'libsrtp unavailable' };
  processChoice = choice;
  const openssl = choice === 'openssl';
  return { ok: true, backend: openssl ? 'openssl' : status.backend, libsrtpVersion: openssl ? null : status.libsrtpVersion, libsrtpHmac: openssl ? null : status.libsrtpHmac };
}

export function createSrtpContext(key: SrtpMasterKey, opts: SrtpFactoryOptions = {}): SrtpStreamContext {
  const choice = opts.backend ?? processChoice;
  if (choice === 'openssl') return new SrtpContext(key, opts);
  const cannot = libsrtpCannot(key);
  if (cannot !== null) {
    if (choice === 'libsrtp') throw new RangeError(cannot);
    return new SrtpContext(key, opts);
  }
  const addon = loadLibsrtpAddon();
  if (addon.loaded) return new LibsrtpContext(addon.addon, key, opts);
  if (choice === 'libsrtp') throw new Error(`libsrtp SRTP backend unavailable: ${addon.reason}`);
  return new SrtpContext(key, opts);
}

/** Both directions of one SDES-keyed stream: outbound with our key, inbound with the peer's. */
export interface SdesKeyPair {
  suite: SrtpSuiteName;
  localKey: Uint8Array;
  localSalt: Uint8Array;
  localMki?: Uint8Array;
  remoteKey: Uint8Array;
  remoteSalt: Uint8Array;
  remoteMki?: Uint8Array;
}

export function createSrtpContexts(keys: SdesKeyPair, opts: SrtpFactoryOptions = {}): { outbound: SrtpStreamContext; inbound: SrtpStreamContext } {
  return {
    outbound: createSrtpContext({ suite: keys.suite, masterKey: keys.localKey, masterSalt: keys.localSalt, mki: keys.localMki }, opts),
    inbound: createSrtpContext({ suite: keys.suite, masterKey: keys.remoteKey, masterSalt: keys.remoteSalt, mki: keys.remoteMki }, opts),
  };
}
