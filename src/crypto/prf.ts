/**
 * @module crypto/prf
 * The TLS 1.2 PRF (RFC 5246 5: P_hash with HMAC, PRF = P_<hash>(secret, label || seed))
 * with SHA-256 and SHA-384, and HKDF (RFC 5869 2.2 Extract, 2.3 Expand) with the TLS 1.3
 * HKDF-Expand-Label (RFC 8446 7.1). HMAC from `node:crypto` (crypto/hash).
 */
import { concatBytes } from '../common/bytes.js';
import { hmac } from './hash.js';

export type PrfHash = 'sha256' | 'sha384';

/** P_hash(secret, seed) truncated to `length` bytes (RFC 5246 5). */
export function pHash(hashName: PrfHash, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed;
  let at = 0;
  while (at < length) {
    a = hmac(hashName, secret, a);
    const block = hmac(hashName, secret, a, seed);
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

/** PRF(secret, label, seed) = P_hash(secret, label || seed) (RFC 5246 5). */
export function tls12Prf(hashName: PrfHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  return pHash(hashName, secret, concatBytes(new TextEncoder().encode(label), seed), length);
}

const HASH_LENGTH: Record<PrfHash, number> = { sha256: 32, sha384: 48 };

/** HKDF-Extract(salt, IKM) (RFC 5869 2.2); an empty salt means HashLen zeros. */
export function hkdfExtract(hashName: PrfHash, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(hashName, salt.length === 0 ? new Uint8Array(HASH_LENGTH[hashName]) : salt, ikm);
}

/** HKDF-Expand(PRK, info, L) (RFC 5869 2.3). */
export function hkdfExpand(hashName: PrfHash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * HASH_LENGTH[hashName]) throw new RangeError('hkdf: output too long');
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  let at = 0;
  for (let i = 1; at < length; i++) {
    t = hmac(hashName, prk, t, info, Uint8Array.of(i));
    out.set(t.subarray(0, Math.min(t.length, length - at)), at);
    at += t.length;
  }
  return out;
}

/** HKDF-Expand-Label (RFC 8446 7.1; DTLS 1.3 uses the "dtls13" prefix, RFC 9147 5.9). */
export function hkdfExpandLabel(
  hashName: PrfHash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
  prefix = 'tls13 ',
): Uint8Array {
  const full = new TextEncoder().encode(prefix + label);
  const info = concatBytes(Uint8Array.of(length >> 8, length & 0xff, full.length), full, Uint8Array.of(context.length), context);
  return hkdfExpand(hashName, secret, info, length);
}
