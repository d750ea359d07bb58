/**
 * SRTP key derivation (RFC 3711 §4.3) with the AES-CM PRF (§4.3.3) and key_derivation_rate 0,
 * the only rate SDES (RFC 4568) uses by default and the only one we accept.
 *
 * Owns: master key + master salt → the six session values:
 *   label 0x00 SRTP encryption key, 0x01 SRTP auth key, 0x02 SRTP salt,
 *   label 0x03 SRTCP encryption key, 0x04 SRTCP auth key, 0x05 SRTCP salt.
 * With rate 0, r = index DIV kdr = 0, so key_id = label || 0^48 and x = key_id XOR master_salt:
 * only octet 7 of the 14-octet salt changes. The PRF output is the AES-CM keystream for IV x·2^16.
 * Session keys are derived once per master key; they are never logged (see SrtpContext).
 */
import { aesCmKeystream } from './keystream.js';

export const SrtpLabel = {
  rtpEncryption: 0x00,
  rtpAuthentication: 0x01,
  rtpSalt: 0x02,
  rtcpEncryption: 0x03,
  rtcpAuthentication: 0x04,
  rtcpSalt: 0x05,
} as const;

export interface SessionKeys {
  encKey: Buffer;
  authKey: Buffer;
  salt: Buffer;
}

/** AES-CM PRF (RFC 3711 §4.3.3) for one label at key_derivation_rate 0. */
export function deriveSessionValue(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  if (masterKey.length !== 16) throw new RangeError('master key must be 16 bytes');
  if (masterSalt.length !== 14) throw new RangeError('master salt must be 14 bytes');
  const iv = Buffer.alloc(16);
  iv.set(masterSalt, 0);
  iv[7] = iv[7]! ^ label;
  return aesCmKeystream(masterKey, iv, length);
}

export function deriveSrtpKeys(masterKey: Uint8Array, masterSalt: Uint8Array, authKeyLength = 20): SessionKeys {
  return {
    encKey: deriveSessionValue(masterKey, masterSalt, SrtpLabel.rtpEncryption, 16),
    authKey: deriveSessionValue(masterKey, masterSalt, SrtpLabel.rtpAuthentication, authKeyLength),
    salt: deriveSessionValue(masterKey, masterSalt, SrtpLabel.rtpSalt, 14),
  };
}

export function deriveSrtcpKeys(masterKey: Uint8Array, masterSalt: Uint8Array, authKeyLength = 20): SessionKeys {
  return {
    encKey: deriveSessionValue(masterKey, masterSalt, SrtpLabel.rtcpEncryption, 16),
    authKey: deriveSessionValue(masterKey, masterSalt, SrtpLabel.rtcpAuthentication, authKeyLength),
    salt: deriveSessionValue(masterKey, masterSalt, SrtpLabel.rtcpSalt, 14),
  };
}
