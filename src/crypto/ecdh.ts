/**
 * @module crypto/ecdh
 * Ephemeral ECDH for (D)TLS key exchange: X25519 (RFC 7748 5, 6.1; TLS use RFC 8422 5.11)
 * and secp256r1 (uncompressed points, RFC 8422 5.4.1; shared secret is the X coordinate,
 * RFC 8422 5.10). Provider: @noble/curves.
 */
import { p256 } from '@noble/curves/nist.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { ProtocolError } from '../common/errors.js';
import type { RandomSource } from '../common/random.js';

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
    const privateKey = rng.fill(new Uint8Array(32));
    return { group, privateKey, publicKey: x25519.getPublicKey(privateKey) };
  }
  const privateKey = p256.utils.randomSecretKey(rng.fill(new Uint8Array(48)));
  return { group, privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

/**
 * The shared secret with a peer's public value. Throws ProtocolError('remote') for a
 * point off the curve or an all-zero X25519 result (RFC 7748 6.1, RFC 8422 5.11).
 */
export function ecdheSharedSecret(own: EcdheKeyPair, peerPublic: Uint8Array): Uint8Array {
  try {
    if (own.group === NamedGroup.x25519) {
      if (peerPublic.length !== 32) throw new Error('x25519 public value must be 32 bytes');
      const s = x25519.getSharedSecret(own.privateKey, peerPublic);
      if (s.every((b) => b === 0)) throw new Error('x25519 shared secret is all zero');
      return s;
    }
    if (peerPublic.length !== 65 || peerPublic[0] !== 4) throw new Error('secp256r1 point must be uncompressed');
    return p256.getSharedSecret(own.privateKey, peerPublic, true).subarray(1);
  } catch (e) {
    throw new ProtocolError('remote', `ecdhe: bad peer public value (${(e as Error).message})`, { cause: e });
  }
}
