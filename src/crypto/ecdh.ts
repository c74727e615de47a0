/**
 * @module crypto/ecdh
 * Ephemeral ECDH for (D)TLS key exchange: X25519 (RFC 7748 5, 6.1; TLS use RFC 8422 5.11)
 * and secp256r1 (uncompressed points, RFC 8422 5.4.1; shared secret is the X coordinate,
 * RFC 8422 5.10). The scalar multiplications run on `node:crypto` (OpenSSL, node-keys.ts:
 * `diffieHellman` on X25519 KeyObjects, `createECDH('prime256v1')` for P-256, which
 * rejects points off the curve); private keys are still drawn from the caller's
 * RandomSource, so a seeded source gives the same key pairs and shared secrets as
 * before. @noble/curves only reduces the P-256 scalar mod n.
 */
import { p256 } from '@noble/curves/nist.js';
import { ProtocolError } from '../common/errors.js';
import type { RandomSource } from '../common/random.js';
import { X25519_KEY_LENGTH, p256PublicFromPrivate, p256SharedX, x25519, x25519PublicFromPrivate } from './node-keys.js';

/** TLS NamedGroup code points (RFC 8422 5.1.1, RFC 8446 4.2.7). */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  x25519: 0x001d,
  X25519MLKEM768: 0x11ec,
} as const;
export type NamedGroup = (typeof NamedGroup)[keyof typeof NamedGroup];

export type EcdheGroup = typeof NamedGroup.secp256r1 | typeof NamedGroup.x25519;

export interface EcdheKeyPair {
  readonly group: EcdheGroup;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateEcdheKeyPair(group: EcdheGroup, rng: RandomSource): EcdheKeyPair {
  if (group === NamedGroup.x25519) {
    const privateKey = rng.fill(new Uint8Array(X25519_KEY_LENGTH));
    return { group, privateKey, publicKey: x25519PublicFromPrivate(privateKey) };
  }
  const privateKey = p256.utils.randomSecretKey(rng.fill(new Uint8Array(48)));
  return { group, privateKey, publicKey: p256PublicFromPrivate(privateKey) };
}

/**
 * X25519(k, u) on OpenSSL; throws for a wrong-size value or an all-zero result
 * (RFC 7748 6.1: small-order u). For the X25519 half of hybrid groups as well.
 */
export function x25519SharedSecret(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  if (peerPublic.length !== X25519_KEY_LENGTH) throw new Error('x25519 public value must be 32 bytes');
  const s = x25519(privateKey, peerPublic);
  if (s.every((b) => b === 0)) throw new Error('x25519 shared secret is all zero');
  return s;
}

/** X25519(k, 9): the public value of a 32-byte private key (RFC 7748 6.1). */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  return x25519PublicFromPrivate(privateKey);
}

/**
 * The shared secret with a peer's public value. Throws ProtocolError('remote') for a
 * point off the curve or an all-zero X25519 result (RFC 7748 6.1, RFC 8422 5.11).
 */
export function ecdheSharedSecret(own: EcdheKeyPair, peerPublic: Uint8Array): Uint8Array {
  try {
    if (own.group === NamedGroup.x25519) return x25519SharedSecret(own.privateKey, peerPublic);
    if (peerPublic.length !== 65 || peerPublic[0] !== 4) throw new Error('secp256r1 point must be uncompressed');
    return p256SharedX(own.privateKey, peerPublic);
  } catch (e) {
    throw new ProtocolError('remote', `ecdhe: bad peer public value (${(e as Error).message})`, { cause: e });
  }
}
