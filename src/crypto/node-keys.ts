/**
 * @module crypto/node-keys
 * Raw curve keys on `node:crypto` (OpenSSL), so that the P-256 (FIPS 186-4, SEC 1) and
 * X25519 (RFC 7748 5, 6.1) scalar multiplications of a handshake do not run in JS
 * bignums. The wire formats stay raw: 32-byte scalars, 65-byte uncompressed P-256
 * points (SEC 1 2.3.3, RFC 8422 5.4.1), 32-byte X25519 u-coordinates.
 *
 * P-256 scalar multiplication goes through `createECDH('prime256v1')` (fastest: no key
 * decoding); public keys for ECDSA verification are imported as JWK (RFC 7518 6.2),
 * which makes OpenSSL check the point is on the curve (SEC 1 2.3.4). JWK import is used
 * rather than DER because OpenSSL 3's DER decoder costs ~0.4 ms per key here.
 *
 * Public KeyObjects are cached per Uint8Array in a WeakMap (no growth beyond the live
 * keys); a hit is used only while the bytes still equal the copy taken at import.
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';

export const P256_SCALAR_LENGTH = 32;
export const P256_UNCOMPRESSED_LENGTH = 65;
export const X25519_KEY_LENGTH = 32;
/** The X25519 base point u = 9 (RFC 7748 4.1). */
const X25519_BASE_POINT = Uint8Array.of(9, ...new Array<number>(31).fill(0));

interface Cached {
  readonly bytes: Uint8Array;
  readonly key: KeyObject;
}

const p256PublicCache = new WeakMap<Uint8Array, Cached>();
const x25519PrivateCache = new WeakMap<Uint8Array, Cached>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
}

function cached(cache: WeakMap<Uint8Array, Cached>, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const hit = cache.get(raw);
  if (hit && sameBytes(hit.bytes, raw)) return hit.key;
  const key = make();
  cache.set(raw, { bytes: raw.slice(), key });
  return key;
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

function p256Ecdh(d: Uint8Array): ReturnType<typeof createECDH> {
  if (d.length !== P256_SCALAR_LENGTH) throw new RangeError(`p256: private key must be ${P256_SCALAR_LENGTH} bytes`);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d); // throws unless 1 <= d < n
  return ecdh;
}

/** d * G as a 65-byte uncompressed point (SEC 1 3.2.1). */
export function p256PublicFromPrivate(d: Uint8Array): Uint8Array {
  return new Uint8Array(p256Ecdh(d).getPublicKey());
}

/** The X coordinate of d * peer (RFC 8422 5.10); throws if `peer` is not an uncompressed point on the curve. */
export function p256SharedX(d: Uint8Array, peer: Uint8Array): Uint8Array {
  if (peer.length !== P256_UNCOMPRESSED_LENGTH || peer[0] !== 4) throw new RangeError('p256: point must be 65-byte uncompressed');
  return new Uint8Array(p256Ecdh(d).computeSecret(peer));
}

/** The public KeyObject for a 65-byte uncompressed point; throws if off the curve. */
export function p256PublicKeyObject(point: Uint8Array): KeyObject {
  if (point.length !== P256_UNCOMPRESSED_LENGTH || point[0] !== 4) throw new RangeError('p256: public key must be a 65-byte uncompressed point');
  return cached(p256PublicCache, point, () =>
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33)) }, format: 'jwk' }),
  );
}

/**
 * The private KeyObject for a 32-byte X25519 scalar (clamped by OpenSSL, RFC 7748 5).
 * Node's JWK import insists on an `x` member but builds the key from `d` alone (the
 * public value is derived from it), so the base point stands in for `x`.
 */
function x25519PrivateKeyObject(k: Uint8Array): KeyObject {
  if (k.length !== X25519_KEY_LENGTH) throw new RangeError(`x25519: private key must be ${X25519_KEY_LENGTH} bytes`);
  return cached(x25519PrivateCache, k, () =>
    createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(k), x: b64url(X25519_BASE_POINT) }, format: 'jwk' }),
  );
}

/** X25519(k, u) (RFC 7748 5); no all-zero check here. */
export function x25519(k: Uint8Array, u: Uint8Array): Uint8Array {
  if (u.length !== X25519_KEY_LENGTH) throw new RangeError(`x25519: public value must be ${X25519_KEY_LENGTH} bytes`);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(u) }, format: 'jwk' });
  return new Uint8Array(diffieHellman({ privateKey: x25519PrivateKeyObject(k), publicKey }));
}

/**
 * X25519(k, 9): the 32-byte public value of a private key (RFC 7748 6.1). OpenSSL derives
 * it with the private KeyObject (cached for the shared secret that follows), about twice
 * as fast as a Diffie-Hellman with the base point.
 */
export function x25519PublicFromPrivate(k: Uint8Array): Uint8Array {
  const x = createPublicKey(x25519PrivateKeyObject(k)).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new RangeError('x25519: no public value');
  const out = new Uint8Array(Buffer.from(x, 'base64url'));
  if (out.length !== X25519_KEY_LENGTH) throw new RangeError('x25519: bad public value');
  return out;
}
