/**
 * Loads the libsrtp 2 addon (native/srtp, built by scripts/build-native.sh) once per thread.
 *
 * Owns: finding the compiled `.node` file next to the source tree (the same relative path from
 * src/ under tsx and from dist/ when compiled) and saying why it is unavailable. Never throws:
 * an absent or unloadable addon is reported, and backend.ts falls back to the OpenSSL path.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { SrtpSuiteName } from './suites.js';

/** The addon's class (native/srtp/srtp_addon.c). Packet methods return the output length, or < 0 (−libsrtp status). */
export interface NativeSrtp {
  protect(input: Uint8Array, output: Uint8Array): number;
  unprotect(input: Uint8Array, output: Uint8Array): number;
  /** This context's handle for the addon's in-place functions (a small integer, per thread). */
  readonly handle: number;
  protectRtcp(input: Uint8Array, output: Uint8Array): number;
  unprotectRtcp(input: Uint8Array, output: Uint8Array): number;
  removeStream(receive: boolean, ssrc: number): boolean;
  roc(receive: boolean, ssrc: number): number;
  dispose(): void;
}

export interface LibsrtpAddon {
  NativeSrtp: new (tagBits: 80 | 32, key: Uint8Array, salt: Uint8Array, mki: Uint8Array | null, replayWindow: number) => NativeSrtp;
  libsrtpVersion: string;
  /**
   * Which HMAC-SHA1 libsrtp authenticates with (native/srtp/hmac_sha1_openssl.c): "libsrtp hmac.c over
   * OpenSSL SHA-1" when the addon built libsrtp from source, else libsrtp's own default. Absent in an older addon.
   */
  libsrtpHmac?: string;
  /**
   * In place, by a context's handle (module functions: a method call unwraps the context object each
   * time, ≈ 3.5 % of a 400-call SRTP gateway's CPU in cold caches — srtp_addon.c "Handles").
   * buf[0..len) → SRTP (needs SRTP_MAX_TRAILER_LEN bytes of room past len).
   */
  protectInPlace(handle: number, buf: Uint8Array, len: number): number;
  /** In place: buf[0..len) → RTP. */
  unprotectInPlace(handle: number, buf: Uint8Array, len: number): number;
  /**
   * The protect as a C function for the native UDP batch (an External; native/srtp/batch_protect.h):
   * the batch protects a tick's packets back to back by handle. Absent in an addon older than its source.
   */
  batchProtectHook?: object;
}

export type AddonState = { loaded: true; addon: LibsrtpAddon; version: string; hmac: string; path: string } | { loaded: false; reason: string; path: string };

/** native/srtp/build/Release/hushgate_srtp.node, three levels above this file (src|dist)/media/srtp/. */
export const ADDON_PATH = fileURLToPath(new URL('../../../native/srtp/build/Release/hushgate_srtp.node', import.meta.url));

let state: AddonState | undefined;

export function loadLibsrtpAddon(): AddonState {
  if (state) return state;
  if (!existsSync(ADDON_PATH)) {
    state = { loaded: false, reason: 'addon not built (install libsrtp2-dev, run scripts/build-native.sh)', path: ADDON_PATH };
    return state;
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as LibsrtpAddon;
    if (typeof addon.NativeSrtp !== 'function') throw new Error('addon has no NativeSrtp class');
    if (typeof addon.protectInPlace !== 'function') throw new Error('addon is older than its source (no protectInPlace): run scripts/build-native.sh');
    state = { loaded: true, addon, version: addon.libsrtpVersion, hmac: addon.libsrtpHmac ?? 'libsrtp default', path: ADDON_PATH };
  } catch (e) {
    state = { loaded: false, reason: `addon failed to load: ${(e as Error).message}`, path: ADDON_PATH };
  }
  return state;
}

export function tagBitsOf(suite: SrtpSuiteName): 80 | 32 {
  return suite === 'AES_CM_128_HMAC_SHA1_32' ? 32 : 80;
}
