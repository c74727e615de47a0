/**
 * @module dtls/keys12
 * The DTLS 1.2 key schedule and AEAD record protection: extended master secret (RFC
 * 7627 4), key_block (RFC 5246 6.3), Finished verify_data (RFC 5246 7.4.9), keying
 * material exporters (RFC 5705 4; DTLS-SRTP label "EXTRACTOR-dtls_srtp", RFC 5764 4.2),
 * and record sealing with AES-GCM (RFC 5288 3, nonce = 4-byte salt || 8-byte explicit)
 * or ChaCha20-Poly1305 (RFC 7905 2, nonce = 12-byte IV XOR padded sequence), with the
 * additional data of RFC 5246 6.2.3.3 where seq_num is DTLS epoch || sequence (RFC 6347
 * 4.1.2.1).
 */
import { Writer, concatBytes } from '../common/bytes.js';
import { aeadOpen, aeadSeal, AEAD_TAG_LENGTH } from '../crypto/cipher.js';
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

function additionalData(epoch: number, seq: number, contentType: number, version: number, length: number): Uint8Array {
  return new Writer(13).u16(epoch).u48(seq).u8(contentType).u16(version).u16(length).finish();
}

/** One direction's AEAD state for epoch >= 1. */
export class AeadRecordCipher {
  private readonly suite: SuiteParameters;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;

  constructor(suite: SuiteParameters, key: Uint8Array, iv: Uint8Array) {
    this.suite = suite;
    this.key = key;
    this.iv = iv;
  }

  /** Bytes a record grows by when sealed. */
  get overhead(): number {
    return this.suite.explicitNonceLength + AEAD_TAG_LENGTH;
  }

  private nonce(epoch: number, seq: number): { nonce: Uint8Array; explicit: Uint8Array } {
    const explicit = new Writer(8).u16(epoch).u48(seq).finish();
    if (this.suite.explicitNonceLength === 8) return { nonce: concatBytes(this.iv, explicit), explicit };
    const nonce = this.iv.slice();
    for (let i = 0; i < 8; i++) nonce[4 + i] = (nonce[4 + i] as number) ^ (explicit[i] as number);
    return { nonce, explicit: new Uint8Array(0) };
  }

  seal(contentType: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    const { nonce, explicit } = this.nonce(epoch, seq);
    const sealed = aeadSeal(this.suite.aead, this.key, nonce, additionalData(epoch, seq, contentType, version, plaintext.length), plaintext);
    return explicit.length === 0 ? sealed : concatBytes(explicit, sealed);
  }

  /** The plaintext, or undefined when the record does not authenticate. */
  open(contentType: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array | undefined {
    const n = this.suite.explicitNonceLength;
    if (fragment.length < n + AEAD_TAG_LENGTH) return undefined;
    let nonce: Uint8Array;
    if (n === 8) nonce = concatBytes(this.iv, fragment.subarray(0, 8));
    else nonce = this.nonce(epoch, seq).nonce;
    const sealed = fragment.subarray(n);
    return aeadOpen(this.suite.aead, this.key, nonce, additionalData(epoch, seq, contentType, version, sealed.length - AEAD_TAG_LENGTH), sealed);
  }
}
