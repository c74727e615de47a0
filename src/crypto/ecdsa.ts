/**
 * @module crypto/ecdsa
 * ECDSA over P-256 with SHA-256 (FIPS 186-4 6.4; curve and encoding RFC 5480; TLS use RFC
 * 8422 5.4 and 5.10: the signature is the DER `Ecdsa-Sig-Value` SEQUENCE { r, s }).
 *
 * The point multiplications run on `node:crypto` (OpenSSL, node-keys.ts): verification
 * is `crypto.verify` with a JWK-imported public key, and signing computes k*G with
 * OpenSSL while the nonce k is derived deterministically (RFC 6979 3.2, HMAC-SHA-256),
 * so signatures stay byte-identical to the previous @noble/curves ones and a seeded
 * RandomSource still reproduces certificates and handshakes exactly. The scalar
 * arithmetic mod n and the DER encoding are @noble/curves' (cheap, no point operation).
 */
import { verify as nodeVerify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { concatBytes } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import type { RandomSource } from '../common/random.js';
import { sha256, hash, hmac } from './hash.js';
import { P256_SCALAR_LENGTH, p256PublicFromPrivate, p256PublicKeyObject } from './node-keys.js';

/** A P-256 key pair: 32-byte scalar, 65-byte uncompressed point (04 || X || Y). */
export interface EcdsaKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

const Fn = p256.Point.Fn;
/** RFC 6979 3.2 h: candidate nonces drawn before giving up (each fails with probability ~2^-32). */
const MAX_NONCE_CANDIDATES = 16;

/** Random P-256 key pair drawn from `rng` (48 bytes reduced mod n, FIPS 186-4 B.4.1). */
export function generateP256KeyPair(rng: RandomSource): EcdsaKeyPair {
  const privateKey = p256.utils.randomSecretKey(rng.fill(new Uint8Array(48)));
  return { privateKey, publicKey: p256PublicFromPrivate(privateKey) };
}

export function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  return p256PublicFromPrivate(privateKey);
}

function bytesToInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
}

function intToBytes(x: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(x.toString(16).padStart(P256_SCALAR_LENGTH * 2, '0'), 'hex'));
}

/**
 * DER signature of SHA-256(message), deterministic (RFC 6979 3.2 with HMAC-SHA-256; qlen =
 * hlen = 256, so bits2int is plain big-endian and bits2octets is a reduction mod n).
 */
export function ecdsaP256Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const x = bytesToInt(privateKey);
  if (privateKey.length !== P256_SCALAR_LENGTH || !Fn.isValidNot0(x)) throw new RangeError('p256: private key out of range');
  const h = bytesToInt(sha256(message));
  const xOctets = intToBytes(x);
  const hOctets = intToBytes(Fn.create(h));
  // 3.2 b-g
  let v: Uint8Array = new Uint8Array(32).fill(1);
  let k: Uint8Array = new Uint8Array(32);
  k = hmac('sha256', k, v, Uint8Array.of(0), xOctets, hOctets);
  v = hmac('sha256', k, v);
  k = hmac('sha256', k, v, Uint8Array.of(1), xOctets, hOctets);
  v = hmac('sha256', k, v);
  for (let i = 0; i < MAX_NONCE_CANDIDATES; i++) {
    // 3.2 h: one HMAC output is exactly qlen bits.
    v = hmac('sha256', k, v);
    const nonce = bytesToInt(v);
    if (Fn.isValidNot0(nonce)) {
      const kG = p256PublicFromPrivate(v); // OpenSSL: k * G
      const r = Fn.create(bytesToInt(kG.subarray(1, 33)));
      if (r !== 0n) {
        const s = Fn.mul(Fn.inv(nonce), Fn.add(Fn.create(h), Fn.mul(r, x)));
        if (s !== 0n) return new p256.Signature(r, s).toBytes('der');
      }
    }
    k = hmac('sha256', k, concatBytes(v, Uint8Array.of(0)));
    v = hmac('sha256', k, v);
  }
  throw new Error('p256: no valid RFC 6979 nonce');
}

/**
 * Checks a DER signature over `message` hashed with `hashName` (TLS 1.2 lets the hash
 * differ from the curve size: RFC 5246 7.4.1.4.1). False on any malformed input: a key
 * that is not a point on the curve, a signature that is not DER, r or s outside [1, n-1].
 * A 33-byte compressed key, which no caller produces, goes through @noble/curves.
 */
export function ecdsaP256Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  hashName: 'sha256' | 'sha384' = 'sha256',
): boolean {
  try {
    if (publicKey.length !== 65) {
      return p256.verify(signature, hash(hashName, message), publicKey, { prehash: false, format: 'der', lowS: false });
    }
    return nodeVerify(hashName, message, { key: p256PublicKeyObject(publicKey), dsaEncoding: 'der' }, signature);
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
