/**
 * @module crypto
 * The primitives the stack needs: digests/HMAC, TLS PRF and HKDF, AEAD and AES-CTR on
 * `node:crypto`; ECDHE and ECDSA point arithmetic on `node:crypto` (OpenSSL), scalar arithmetic and point checks on `@noble/curves`; X.509 certificates built and read
 * here (DER by hand).
 */
export { hash, hmac, sha1, sha256, md5 } from './hash.js';
export type { HashAlgorithm } from './hash.js';
export { pHash, tls12Prf, hkdfExtract, hkdfExpand, hkdfExpandLabel } from './prf.js';
export type { PrfHash } from './prf.js';
export {
  AEAD_TAG_LENGTH,
  aeadSeal,
  aeadOpen,
  aesGcmSeal,
  aesGcmOpen,
  chacha20Poly1305Seal,
  chacha20Poly1305Open,
  aesCtr,
  aesEcbBlock,
  chacha20Block16,
  aeadSealInto,
  allocBytes,
  AesEcbBlockCipher,
  AES_BLOCK_LENGTH,
} from './cipher.js';
export type { AeadAlgorithm } from './cipher.js';
export { NamedGroup, generateEcdheKeyPair, ecdheSharedSecret } from './ecdh.js';
export type { EcdheGroup, EcdheKeyPair } from './ecdh.js';
export { generateP256KeyPair, p256PublicKey, ecdsaP256Sign, ecdsaP256Verify, assertP256Point } from './ecdsa.js';
export type { EcdsaKeyPair } from './ecdsa.js';
export {
  Oid,
  generateCertificate,
  parseCertificate,
  certificateP256PublicKey,
  verifySelfSigned,
  certificateFingerprint,
  formatFingerprint,
  parseFingerprint,
  fingerprintMatches,
  certificateToPem,
  privateKeyToPkcs8,
  privateKeyToPem,
  pemToDer,
  parseP256PrivateKey,
} from './x509.js';
export type { Certificate, CertificateOptions, ParsedCertificate, Fingerprint, FingerprintAlgorithm } from './x509.js';
export { DerReader, DerTag, MAX_DER_DEPTH, decodeOid } from './der.js';
export type { DerElement } from './der.js';
export {
  MLKEM768_ENCAPSULATION_KEY_LENGTH,
  MLKEM768_CIPHERTEXT_LENGTH,
  X25519MLKEM768_CLIENT_SHARE_LENGTH,
  X25519MLKEM768_SERVER_SHARE_LENGTH,
  x25519Mlkem768ClientShare,
  x25519Mlkem768ServerEncapsulate,
  x25519Mlkem768ClientDecapsulate,
} from './hybrid-kem.js';
export type { HybridClientKeyShare } from './hybrid-kem.js';
export { KeyedHmac, HmacSha1, keyedHmac } from './hmac-sha1.js';
export type { KeyedHmacAlgorithm } from './hmac-sha1.js';
