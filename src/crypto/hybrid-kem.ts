/**
 * @module crypto/hybrid-kem
 * The TLS hybrid key exchange X25519MLKEM768 (group 0x11ec, draft-ietf-tls-ecdhe-mlkem
 * 3; the construction of draft-ietf-tls-hybrid-design 3.2: concatenated shares and
 * concatenated shared secrets), as Chrome offers it in DTLS 1.3 (RFC 9147, RFC 8446
 * 4.2.8 key_share). ML-KEM-768 (FIPS 203) is @noble/post-quantum, X25519 (RFC 7748) is
 * @noble/curves.
 *
 *   client share = ML-KEM-768 encapsulation key (1184) || X25519 public (32)
 *   server share = ML-KEM-768 ciphertext (1088)       || X25519 public (32)
 *   shared secret = ML-KEM shared secret (32)          || X25519 shared secret (32)
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { ProtocolError } from '../common/errors.js';
import type { RandomSource } from '../common/random.js';
import { concatBytes } from '../common/bytes.js';

export const MLKEM768_ENCAPSULATION_KEY_LENGTH = 1184;
export const MLKEM768_CIPHERTEXT_LENGTH = 1088;
export const X25519MLKEM768_CLIENT_SHARE_LENGTH = MLKEM768_ENCAPSULATION_KEY_LENGTH + 32;
export const X25519MLKEM768_SERVER_SHARE_LENGTH = MLKEM768_CIPHERTEXT_LENGTH + 32;

/** The client's half: keep `secretKey` and `x25519Private`, send `share`. */
export interface HybridClientKeyShare {
  readonly share: Uint8Array;
  readonly mlkemSecretKey: Uint8Array;
  readonly x25519Private: Uint8Array;
}

export function x25519Mlkem768ClientShare(rng: RandomSource): HybridClientKeyShare {
  const { publicKey, secretKey } = ml_kem768.keygen(rng.fill(new Uint8Array(64)));
  const x25519Private = rng.fill(new Uint8Array(32));
  return { share: concatBytes(publicKey, x25519.getPublicKey(x25519Private)), mlkemSecretKey: secretKey, x25519Private };
}

function x25519Shared(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  const s = x25519.getSharedSecret(priv, pub);
  if (s.every((b) => b === 0)) throw new Error('x25519 shared secret is all zero');
  return s;
}

/**
 * Server side: answers a client share with the server share and the 64-byte shared
 * secret. Throws ProtocolError('remote') for a share of the wrong size or an invalid
 * encapsulation key (FIPS 203 7.2 modulus check).
 */
export function x25519Mlkem768ServerEncapsulate(clientShare: Uint8Array, rng: RandomSource): { share: Uint8Array; sharedSecret: Uint8Array } {
  if (clientShare.length !== X25519MLKEM768_CLIENT_SHARE_LENGTH) throw new ProtocolError('remote', `X25519MLKEM768 client share must be ${X25519MLKEM768_CLIENT_SHARE_LENGTH} bytes`);
  try {
    const ek = clientShare.subarray(0, MLKEM768_ENCAPSULATION_KEY_LENGTH);
    const xPub = clientShare.subarray(MLKEM768_ENCAPSULATION_KEY_LENGTH);
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(ek, rng.fill(new Uint8Array(32)));
    const xPriv = rng.fill(new Uint8Array(32));
    return { share: concatBytes(cipherText, x25519.getPublicKey(xPriv)), sharedSecret: concatBytes(sharedSecret, x25519Shared(xPriv, xPub)) };
  } catch (e) {
    throw new ProtocolError('remote', `X25519MLKEM768: bad client share (${(e as Error).message})`, { cause: e });
  }
}

/** Client side: the 64-byte shared secret from the server's share. */
export function x25519Mlkem768ClientDecapsulate(own: HybridClientKeyShare, serverShare: Uint8Array): Uint8Array {
  if (serverShare.length !== X25519MLKEM768_SERVER_SHARE_LENGTH) throw new ProtocolError('remote', `X25519MLKEM768 server share must be ${X25519MLKEM768_SERVER_SHARE_LENGTH} bytes`);
  try {
    const ss = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM768_CIPHERTEXT_LENGTH), own.mlkemSecretKey);
    return concatBytes(ss, x25519Shared(own.x25519Private, serverShare.subarray(MLKEM768_CIPHERTEXT_LENGTH)));
  } catch (e) {
    throw new ProtocolError('remote', `X25519MLKEM768: bad server share (${(e as Error).message})`, { cause: e });
  }
}
