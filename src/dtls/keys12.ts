/**
 * @module dtls/keys12
 * The DTLS 1.2 key schedule and AEAD record protection: extended master secret (RFC
 * 7627 4), key_block (RFC 5246 6.3), Finished verify_data (RFC 5246 7.4.9), keying
 * material exporters (RFC 5705 4; DTLS-SRTP label "EXTRACTOR-dtls_srtp", RFC 5764 4.2),
 * and record sealing with AES-GCM (RFC 5288 3, nonce = 4-byte salt || 8-byte explicit)
 * or ChaCha20-Poly1305 (RFC 7905 2, nonce = 12-byte IV XOR padded sequence), with the
 * additional data of RFC 5246 6.2.3.3 where seq_num is DTLS epoch || sequence (RFC 6347
 * 4.1.2.1). A record is sealed into one array (header, explicit nonce, ciphertext, tag:
 * one copy of the ciphertext out of node:crypto) and opened from a view of the datagram.
 */
import { concatBytes } from '../common/bytes.js';
import { aeadOpen, aeadSealInto, allocBytes, AEAD_TAG_LENGTH } from '../crypto/cipher.js';
import { RECORD_HEADER_LENGTH, writeEpochAndSequence, writeRecordHeader } from './record.js';
import { tls12Prf } from '../crypto/prf.js';
import type { SuiteParameters } from './constants.js';

export const MASTER_SECRET_LENGTH = 48;

/** master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47] (RFC 7627 4). */
export function extendedMasterSecret(suite: SuiteParameters, preMasterSecret: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return tls12Prf(suite.prfHash, preMasterSecret, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
}

export interface KeyBlock {
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
}

/** key_block = PRF(master_secret, "key expansion", server_random + client_random) (RFC 5246 6.3). */
export function keyBlock(suite: SuiteParameters, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
  const k = suite.keyLength;
  const iv = suite.fixedIvLength;
  const b = tls12Prf(suite.prfHash, masterSecret, 'key expansion', concatBytes(serverRandom, clientRandom), 2 * k + 2 * iv);
  return {
    clientWriteKey: b.slice(0, k),
    serverWriteKey: b.slice(k, 2 * k),
    clientWriteIv: b.slice(2 * k, 2 * k + iv),
    serverWriteIv: b.slice(2 * k + iv, 2 * k + 2 * iv),
  };
}

/** verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
export function finishedVerifyData(suite: SuiteParameters, masterSecret: Uint8Array, label: 'client finished' | 'server finished', transcriptHash: Uint8Array): Uint8Array {
  return tls12Prf(suite.prfHash, masterSecret, label, transcriptHash, 12);
}

/**
 * RFC 5705 4 exporter: PRF(master_secret, label, client_random + server_random
 * [+ context_value_length + context_value])[length]. No context is distinct from an
 * empty one; DTLS-SRTP uses none (RFC 5764 4.2).
 */
export function exportKeyingMaterial12(
  suite: SuiteParameters,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  length: number,
  context?: Uint8Array,
): Uint8Array {
  const seed = context === undefined ? concatBytes(clientRandom, serverRandom) : concatBytes(clientRandom, serverRandom, Uint8Array.of(context.length >> 8, context.length & 0xff), context);
  return tls12Prf(suite.prfHash, masterSecret, label, seed, length);
}

/** AEAD additional data length: seq_num(8) + type(1) + version(2) + length(2) (RFC 5246 6.2.3.3). */
const ADDITIONAL_DATA_LENGTH = 13;
/** AEAD nonce length of both suites' AEADs (RFC 5288 3, RFC 7905 2). */
const NONCE_LENGTH = 12;

/**
 * One direction's AEAD state for epoch >= 1. A sealed record is written into one array
 * (header, explicit nonce, ciphertext and tag); the nonce and additional data are built
 * in per-direction scratch arrays, which node:crypto copies before returning, so a record
 * allocates only its output and the cipher context.
 */
export class AeadRecordCipher {
  private readonly suite: SuiteParameters;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;
  private readonly explicitNonceLength: number;
  /** AES-GCM: salt(4) || explicit(8); ChaCha20-Poly1305: iv XOR (0(4) || epoch || seq). */
  private readonly nonce = new Uint8Array(NONCE_LENGTH);
  private readonly additionalData = new Uint8Array(ADDITIONAL_DATA_LENGTH);

  constructor(suite: SuiteParameters, key: Uint8Array, iv: Uint8Array) {
    this.suite = suite;
    this.key = key;
    this.iv = iv;
    this.explicitNonceLength = suite.explicitNonceLength;
    this.nonce.set(iv.subarray(0, Math.min(iv.length, NONCE_LENGTH)));
  }

  /** Bytes a record grows by when sealed. */
  get overhead(): number {
    return this.explicitNonceLength + AEAD_TAG_LENGTH;
  }

  /** Fills the nonce scratch for epoch || seq (RFC 5288 3 explicit part, or RFC 7905 2 XOR). */
  private setNonce(epoch: number, seq: number): void {
    const n = this.nonce;
    writeEpochAndSequence(n, 4, epoch, seq);
    if (this.explicitNonceLength === 8) return;
    const iv = this.iv;
    for (let i = 4; i < NONCE_LENGTH; i++) n[i] = (n[i] as number) ^ (iv[i] as number);
  }

  private setAdditionalData(epoch: number, seq: number, contentType: number, version: number, length: number): void {
    const a = this.additionalData;
    writeEpochAndSequence(a, 0, epoch, seq);
    a[8] = contentType;
    a[9] = (version >>> 8) & 0xff;
    a[10] = version & 0xff;
    a[11] = (length >>> 8) & 0xff;
    a[12] = length & 0xff;
  }

  /**
   * The whole protected record: header (RFC 6347 4.1) || explicit nonce (AES-GCM) ||
   * ciphertext || tag, in one array.
   */
  sealRecord(contentType: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    const explicit = this.explicitNonceLength;
    const fragmentLength = explicit + plaintext.length + AEAD_TAG_LENGTH;
    const out = allocBytes(RECORD_HEADER_LENGTH + fragmentLength);
    writeRecordHeader(out, 0, contentType, version, epoch, seq, fragmentLength);
    this.setNonce(epoch, seq);
    // The explicit nonce is epoch || seq, as in the header (RFC 5288 3 leaves it to the sender; RFC 6347 4.1.2.1 as usual).
    if (explicit === 8) out.copyWithin(RECORD_HEADER_LENGTH, 3, 11);
    this.setAdditionalData(epoch, seq, contentType, version, plaintext.length);
    aeadSealInto(this.suite.aead, this.key, this.nonce, this.additionalData, plaintext, out, RECORD_HEADER_LENGTH + explicit);
    return out;
  }

  /** The record's fragment alone: explicit nonce || ciphertext || tag. */
  seal(contentType: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    return this.sealRecord(contentType, version, epoch, seq, plaintext).subarray(RECORD_HEADER_LENGTH);
  }

  /** The plaintext, or undefined when the record does not authenticate. `fragment` may be a view into the datagram; it is not kept. */
  open(contentType: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array | undefined {
    const explicit = this.explicitNonceLength;
    if (fragment.length < explicit + AEAD_TAG_LENGTH) return undefined;
    if (explicit === 8) {
      const n = this.nonce;
      for (let i = 0; i < 8; i++) n[4 + i] = fragment[i] as number;
    } else this.setNonce(epoch, seq);
    this.setAdditionalData(epoch, seq, contentType, version, fragment.length - explicit - AEAD_TAG_LENGTH);
    return aeadOpen(this.suite.aead, this.key, this.nonce, this.additionalData, explicit === 0 ? fragment : fragment.subarray(explicit));
  }
}
