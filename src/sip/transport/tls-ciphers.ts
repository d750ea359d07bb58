/**
 * The TLS cipher policy: forward secrecy only (issue 14 item 6). TLS 1.3 suites are all
 * forward-secret (ECDHE/DHE key exchange is built in); for TLS 1.2 only ephemeral (EC)DHE key
 * exchange with an AEAD cipher is allowed, so a recorded session cannot be decrypted later with
 * the server's key, and no CBC padding-oracle suite is offered.
 *
 * An operator's `ciphers` must be an explicit colon-separated list of such suites. OpenSSL
 * aliases (`HIGH`, `DEFAULT`, `!aNULL`, `@SECLEVEL=…`) are refused too: what they expand to
 * depends on the OpenSSL build, so they cannot be checked here — fail closed.
 */
import { getCiphers } from 'node:tls';

/** TLS 1.3 suites, then TLS 1.2 ECDHE/DHE + AEAD, strongest-and-fastest first. */
export const DEFAULT_TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
].join(':');

const TLS13 = /^TLS_(AES_(128_GCM_SHA256|256_GCM_SHA384|128_CCM_SHA256|128_CCM_8_SHA256)|CHACHA20_POLY1305_SHA256)$/;
const TLS12_FS_AEAD = /^(ECDHE-(ECDSA|RSA)|DHE-(RSA|DSS))-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305|AES(128|256)-CCM8?|ARIA(128|256)-GCM-SHA(256|384))$/;

let known: Set<string> | undefined;

/** The entries of a cipher string that are not forward-secret AEAD suites OpenSSL knows. */
export function nonForwardSecretCiphers(ciphers: string): string[] {
  known ??= new Set(getCiphers().map((c) => c.toUpperCase()));
  const entries = ciphers.split(':').map((s) => s.trim());
  const bad = entries.filter((e) => !(TLS13.test(e) || TLS12_FS_AEAD.test(e)) || !known!.has(e.toUpperCase()));
  if (entries.every((e) => e === '')) return [ciphers];
  return bad;
}

/** The error message for a refused cipher string (names the field and what was wrong). */
export function cipherPolicyError(bad: string[]): string {
  return (
    `ciphers: only forward-secret AEAD suites are allowed (TLS 1.3 TLS_* suites; TLS 1.2 ECDHE-/DHE- with GCM, CHACHA20-POLY1305 or CCM), ` +
    `listed by name without OpenSSL aliases; refused: ${bad.map((b) => b || '(empty)').join(', ')}`
  );
}
