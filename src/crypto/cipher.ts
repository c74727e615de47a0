/**
 * @module crypto/cipher
 * Bulk ciphers on `node:crypto` (OpenSSL, AES-NI where present: an order of magnitude
 * faster than JS): AES-GCM (NIST SP 800-38D; TLS use RFC 5288), ChaCha20-Poly1305
 * (RFC 8439 2.8; TLS use RFC 7905) and AES-CTR (NIST SP 800-38A; SRTP's AES-CM, RFC 3711
 * 4.1.1). AEAD `open` returns undefined when authentication fails; it never throws on
 * wire input.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Cipher, CipherGCMTypes } from 'node:crypto';

export const AEAD_TAG_LENGTH = 16;
export const AES_BLOCK_LENGTH = 16;

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** createCipheriv options, hoisted so a record does not allocate them. */
const TAG_OPTIONS = { authTagLength: AEAD_TAG_LENGTH } as const;

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A fresh byte array of `length` bytes whose contents are unspecified (the caller
 * overwrites every byte). Small ones come from Node's Buffer pool rather than a new
 * zero-filled ArrayBuffer each; returned as a plain Uint8Array view so `slice()` still
 * copies.
 */
export function allocBytes(length: number): Uint8Array {
  return u8(Buffer.allocUnsafe(length));
}

/**
 * Encrypts `plaintext` (followed by `trailingByte` when given: DTLS 1.3's inner content
 * type, RFC 9147 4) and writes ciphertext || 16-byte tag into `out` at `offset`
 * (`plaintext.length (+ 1) + 16` bytes). node:crypto has no update-into-buffer call, so
 * the ciphertext is copied once from the Buffer `update` returns. `nonce` and `aad` are
 * read before the call returns (scratch buffers may be reused).
 */
export function aeadSealInto(
  algorithm: AeadAlgorithm,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array,
  offset: number,
  trailingByte?: number,
): void {
  const c = createCipheriv(algorithm as CipherGCMTypes, key, nonce, TAG_OPTIONS);
  c.setAAD(aad);
  out.set(c.update(plaintext), offset);
  let end = offset + plaintext.length;
  if (trailingByte !== undefined) {
    out.set(c.update(Uint8Array.of(trailingByte)), end);
    end++;
  }
  // GCM and ChaCha20-Poly1305 are stream modes: final() yields no bytes.
  c.final();
  out.set(c.getAuthTag(), end);
}

/** Encrypts and returns ciphertext || 16-byte tag. */
export function aeadSeal(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = allocBytes(plaintext.length + AEAD_TAG_LENGTH);
  aeadSealInto(algorithm, key, nonce, aad, plaintext, out, 0);
  return out;
}

/**
 * Decrypts `sealed` = ciphertext || tag (a view; it is not modified or kept); undefined
 * when too short or the tag does not verify. The plaintext is a new array (the one
 * output `update` allocates, no further copy).
 */
export function aeadOpen(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < AEAD_TAG_LENGTH) return undefined;
  const bodyLength = sealed.length - AEAD_TAG_LENGTH;
  try {
    const d = createDecipheriv(algorithm as CipherGCMTypes, key, nonce, TAG_OPTIONS);
    d.setAuthTag(sealed.subarray(bodyLength));
    d.setAAD(aad);
    const head = d.update(sealed.subarray(0, bodyLength));
    // Throws when the tag does not verify; stream modes yield no bytes here.
    d.final();
    return u8(head);
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

/**
 * AES-ECB encryption of single blocks under one key, keeping one OpenSSL context: ECB has
 * no IV or chaining, so each `update` of a whole block yields its block and the context
 * is reused (DTLS 1.3 record number masks, RFC 9147 4.2.3, cost one context per epoch
 * instead of one per record).
 */
export class AesEcbBlockCipher {
  private readonly cipher: Cipher;

  constructor(key: Uint8Array) {
    this.cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    this.cipher.setAutoPadding(false);
  }

  /** E(key, block) for one 16-byte block (throws on another length: a caller bug). */
  encryptBlock(block: Uint8Array): Uint8Array {
    if (block.length !== AES_BLOCK_LENGTH) throw new RangeError(`aes-ecb: block of ${block.length} bytes`);
    return u8(this.cipher.update(block));
  }
}

/** 16 bytes of the ChaCha20 keystream for a 16-byte counter(4, little-endian) || nonce(12) block input (RFC 8439 2.3; DTLS 1.3 record number masks, RFC 9147 4.2.3). */
export function chacha20Block16(key: Uint8Array, counterAndNonce: Uint8Array): Uint8Array {
  return u8(createCipheriv('chacha20', key, counterAndNonce).update(new Uint8Array(16)));
}
