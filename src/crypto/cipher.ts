/**
 * @module crypto/cipher
 * Bulk ciphers on `node:crypto` (OpenSSL, AES-NI where present: an order of magnitude
 * faster than JS): AES-GCM (NIST SP 800-38D; TLS use RFC 5288), ChaCha20-Poly1305
 * (RFC 8439 2.8; TLS use RFC 7905) and AES-CTR (NIST SP 800-38A; SRTP's AES-CM, RFC 3711
 * 4.1.1). AEAD `open` returns undefined when authentication fails; it never throws on
 * wire input.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherGCMTypes } from 'node:crypto';

export const AEAD_TAG_LENGTH = 16;

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Encrypts and returns ciphertext || 16-byte tag. */
export function aeadSeal(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv(algorithm as CipherGCMTypes, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const head = c.update(plaintext);
  const tail = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(head.length + tail.length + tag.length);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(tag, head.length + tail.length);
  return out;
}

/** Decrypts ciphertext || tag; undefined when too short or the tag does not verify. */
export function aeadOpen(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < AEAD_TAG_LENGTH) return undefined;
  const body = sealed.subarray(0, sealed.length - AEAD_TAG_LENGTH);
  try {
    const d = createDecipheriv(algorithm as CipherGCMTypes, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
    d.setAuthTag(sealed.subarray(sealed.length - AEAD_TAG_LENGTH));
    d.setAAD(aad, { plaintextLength: body.length });
    const head = d.update(body);
    const tail = d.final();
    if (tail.length === 0) return u8(head);
    const out = new Uint8Array(head.length + tail.length);
    out.set(head, 0);
    out.set(tail, head.length);
    return out;
  } catch {
    return undefined;
  }
}

export const aesGcmSeal = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array =>
  aeadSeal(key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm', key, nonce, aad, plaintext);
export const aesGcmOpen = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined =>
  aeadOpen(key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm', key, nonce, aad, sealed);
export const chacha20Poly1305Seal = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array =>
  aeadSeal('chacha20-poly1305', key, nonce, aad, plaintext);
export const chacha20Poly1305Open = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined =>
  aeadOpen('chacha20-poly1305', key, nonce, aad, sealed);

/** AES-CTR keystream XOR (encrypt and decrypt are the same); key 16, 24 or 32 bytes, 16-byte counter block. */
export function aesCtr(key: Uint8Array, counterBlock: Uint8Array, data: Uint8Array): Uint8Array {
  const bits = key.length * 8;
  const c = createCipheriv(`aes-${bits}-ctr`, key, counterBlock);
  const head = c.update(data);
  const tail = c.final();
  if (tail.length === 0) return u8(head);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

/** AES-ECB of one block (SRTP key derivation and AES-CM IV building use it). */
export function aesEcbBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return u8(Buffer.concat([c.update(block), c.final()]));
}

/** 16 bytes of the ChaCha20 keystream for a 16-byte counter(4, little-endian) || nonce(12) block input (RFC 8439 2.3; DTLS 1.3 record number masks, RFC 9147 4.2.3). */
export function chacha20Block16(key: Uint8Array, counterAndNonce: Uint8Array): Uint8Array {
  return u8(createCipheriv('chacha20', key, counterAndNonce).update(new Uint8Array(16)));
}
