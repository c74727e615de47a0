/**
 * @module crypto/ecdsa
 * ECDSA over P-256 with SHA-256 (FIPS 186-4; curve and encoding RFC 5480; TLS use RFC
 * 8422 5.4 and 5.10: the signature is the DER `Ecdsa-Sig-Value` SEQUENCE { r, s }).
 * Provider: @noble/curves (pure JS, audited; keeps the stack free of key-object glue).
 */
import { p256 } from '@noble/curves/nist.js';
import { ParseError } from '../common/errors.js';
import type { RandomSource } from '../common/random.js';
import { sha256, hash } from './hash.js';

/** A P-256 key pair: 32-byte scalar, 65-byte uncompressed point (04 || X || Y). */
export interface EcdsaKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Random P-256 key pair drawn from `rng` (48 bytes reduced mod n, FIPS 186-4 B.4.1). */
export function generateP256KeyPair(rng: RandomSource): EcdsaKeyPair {
  const privateKey = p256.utils.randomSecretKey(rng.fill(new Uint8Array(48)));
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

export function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  return p256.getPublicKey(privateKey, false);
}

/** DER signature of SHA-256(message). Deterministic (RFC 6979). */
export function ecdsaP256Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return p256.sign(sha256(message), privateKey, { prehash: false, format: 'der', lowS: false });
}

/**
 * Checks a DER signature over `message` hashed with `hashName` (TLS 1.2 lets the hash
 * differ from the curve size: RFC 5246 7.4.1.4.1). False on any malformed input.
 */
export function ecdsaP256Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  hashName: 'sha256' | 'sha384' = 'sha256',
): boolean {
  try {
    const digest = hash(hashName, message);
    return p256.verify(signature, digest, publicKey, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false;
  }
}

/** Throws ParseError unless `point` is a valid uncompressed P-256 point. */
export function assertP256Point(point: Uint8Array): void {
  if (point.length !== 65 || point[0] !== 4) throw new ParseError('p256: point is not 65-byte uncompressed');
  try {
    p256.Point.fromBytes(point).assertValidity();
  } catch (e) {
    throw new ParseError('p256: point not on curve', { cause: e });
  }
}
