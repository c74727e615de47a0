/**
 * @module crypto/hash
 * Digests and HMAC on `node:crypto` (OpenSSL: the fastest provider on Node for these).
 * Used by STUN MESSAGE-INTEGRITY (RFC 8489 14.5, 14.6: HMAC-SHA1, HMAC-SHA256; long-term
 * keys are MD5 or SHA-256 of "user:realm:pass", 9.2.2), certificate fingerprints (RFC
 * 8122 5) and the TLS PRF.
 */
import { createHash, createHmac } from 'node:crypto';

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export function hash(algorithm: HashAlgorithm, ...data: readonly Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const d of data) h.update(d);
  const out = h.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function hmac(algorithm: HashAlgorithm, key: Uint8Array, ...data: readonly Uint8Array[]): Uint8Array {
  const h = createHmac(algorithm, key);
  for (const d of data) h.update(d);
  const out = h.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export const sha1 = (...data: readonly Uint8Array[]): Uint8Array => hash('sha1', ...data);
export const sha256 = (...data: readonly Uint8Array[]): Uint8Array => hash('sha256', ...data);
export const md5 = (...data: readonly Uint8Array[]): Uint8Array => hash('md5', ...data);
