/**
 * @module srtp/kdf
 * The SRTP key derivation function: AES_CM PRF of RFC 3711 section 4.3 (4.3.1 and 4.3.3),
 * with AES-256 for AES_256_CM_PRF (RFC 6188 section 3), used by the GCM suites as RFC 7714
 * section 11 requires. Only key_derivation_rate 0 is supported (the DTLS-SRTP default,
 * RFC 5764 4.1.2), so `index DIV kdr` is always zero and keys are derived once.
 *
 *   key_id = label || r            (r = index DIV kdr = 0, 48 bits)
 *   x      = key_id XOR master_salt  (both right-aligned in 112 bits)
 *   out    = AES-CM(master_key, IV = x * 2^16), first n bytes
 *
 * A 96-bit GCM master salt (RFC 7714 12) is padded with two zero bytes on the right to the
 * 112-bit PRF input, as libsrtp and other deployed stacks do.
 */
import { createCipheriv } from 'node:crypto';
import { InvalidArgumentError } from '../common/errors.js';
import { srtpProfileParams } from './profile.js';
import type { SrtpProfile } from './profile.js';

/** RFC 3711 4.3.1 / 4.3.2 key derivation labels. */
export const SrtpKdfLabel = {
  RtpEncryption: 0x00,
  RtpAuthentication: 0x01,
  RtpSalt: 0x02,
  RtcpEncryption: 0x03,
  RtcpAuthentication: 0x04,
  RtcpSalt: 0x05,
} as const;
export type SrtpKdfLabel = (typeof SrtpKdfLabel)[keyof typeof SrtpKdfLabel];

/** Width of the PRF salt input, 112 bits (RFC 3711 4.3.3; RFC 6188 3). */
const PRF_SALT_LENGTH = 14;

/**
 * AES_CM PRF: `length` bytes of key stream for `label`, with kdr = 0. `masterKey` is 16 or
 * 32 bytes (AES-128 / AES-256 PRF); `masterSalt` at most 14 bytes (shorter is zero-padded
 * on the right).
 */
export function srtpPrf(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Uint8Array {
  if (masterKey.length !== 16 && masterKey.length !== 24 && masterKey.length !== 32) {
    throw new InvalidArgumentError(`srtp kdf: master key must be 16, 24 or 32 bytes, got ${masterKey.length}`);
  }
  if (masterSalt.length > PRF_SALT_LENGTH) {
    throw new InvalidArgumentError(`srtp kdf: master salt longer than ${PRF_SALT_LENGTH} bytes`);
  }
  const iv = new Uint8Array(16);
  iv.set(masterSalt, 0);
  // label sits 7 bytes from the right end of the 14-byte x (r, 6 bytes of zeros, follows it).
  iv[PRF_SALT_LENGTH - 7] = (iv[PRF_SALT_LENGTH - 7] as number) ^ label;
  const algorithm = masterKey.length === 16 ? 'aes-128-ctr' : masterKey.length === 24 ? 'aes-192-ctr' : 'aes-256-ctr';
  const cipher = createCipheriv(algorithm, masterKey, iv);
  const out = cipher.update(new Uint8Array(length));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The six session keys of one direction (RFC 3711 4.3.1). */
export interface SrtpSessionKeys {
  readonly rtpKey: Uint8Array;
  readonly rtpSalt: Uint8Array;
  /** HMAC-SHA1 key; empty for GCM. */
  readonly rtpAuthKey: Uint8Array;
  readonly rtcpKey: Uint8Array;
  readonly rtcpSalt: Uint8Array;
  readonly rtcpAuthKey: Uint8Array;
}

/** Derives the session keys of `profile` from a master key and salt. */
export function deriveSrtpSessionKeys(profile: SrtpProfile, masterKey: Uint8Array, masterSalt: Uint8Array): SrtpSessionKeys {
  const p = srtpProfileParams(profile);
  if (masterKey.length !== p.keyLength) {
    throw new InvalidArgumentError(`${profile}: master key must be ${p.keyLength} bytes, got ${masterKey.length}`);
  }
  if (masterSalt.length !== p.saltLength) {
    throw new InvalidArgumentError(`${profile}: master salt must be ${p.saltLength} bytes, got ${masterSalt.length}`);
  }
  const prf = (label: number, n: number): Uint8Array => (n === 0 ? new Uint8Array(0) : srtpPrf(masterKey, masterSalt, label, n));
  return {
    rtpKey: prf(SrtpKdfLabel.RtpEncryption, p.keyLength),
    rtpAuthKey: prf(SrtpKdfLabel.RtpAuthentication, p.authKeyLength),
    rtpSalt: prf(SrtpKdfLabel.RtpSalt, p.saltLength),
    rtcpKey: prf(SrtpKdfLabel.RtcpEncryption, p.keyLength),
    rtcpAuthKey: prf(SrtpKdfLabel.RtcpAuthentication, p.authKeyLength),
    rtcpSalt: prf(SrtpKdfLabel.RtcpSalt, p.saltLength),
  };
}
