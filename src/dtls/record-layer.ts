/**
 * @module dtls/record-layer
 * Epoch-aware record protection shared by the handshake state machines (RFC 6347 4.1):
 * per-epoch write sequence numbers (4.1, never reused within an epoch), per-epoch read
 * ciphers and replay windows (4.1.2.6), and the bound on sequence numbers (4.1: a
 * sequence number MUST NOT wrap; we stop at 2^48 - 1).
 */
import { ReplayWindow } from './replay.js';
import { serializeRecord, RECORD_HEADER_LENGTH } from './record.js';
import type { DtlsRecord } from './record.js';
import type { AeadRecordCipher } from './keys12.js';
import { DtlsVersion } from './constants.js';

export const MAX_SEQUENCE_NUMBER = 2 ** 48 - 1;
/** TLSPlaintext.length limit (RFC 5246 6.2.1). */
export const MAX_PLAINTEXT_LENGTH = 16384;

export interface OpenedRecord {
  readonly contentType: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
  readonly plaintext: Uint8Array;
}

export class RecordLayer {
  /** Version written in record headers. */
  version: number = DtlsVersion.Dtls12;
  writeEpoch = 0;
  private readonly writeSeq = new Map<number, number>();
  private readonly writeCiphers = new Map<number, AeadRecordCipher>();
  private readonly readCiphers = new Map<number, AeadRecordCipher>();
  private readonly replay = new Map<number, ReplayWindow>();

  setWriteCipher(epoch: number, c: AeadRecordCipher): void {
    this.writeCiphers.set(epoch, c);
  }
  setReadCipher(epoch: number, c: AeadRecordCipher): void {
    this.readCiphers.set(epoch, c);
  }
  hasReadCipher(epoch: number): boolean {
    return epoch === 0 || this.readCiphers.has(epoch);
  }

  /**
   * Sets the next write sequence number of `epoch`: a stateless server mirrors the
   * ClientHello's record sequence number in its HelloVerifyRequest and initial ServerHello
   * (RFC 6347 4.2.1).
   */
  setNextWriteSequence(epoch: number, seq: number): void {
    this.writeSeq.set(epoch, Math.min(Math.max(0, seq), MAX_SEQUENCE_NUMBER + 1));
  }

  /** Bytes a record of `epoch` adds to its plaintext (header + AEAD overhead). */
  overhead(epoch: number): number {
    return RECORD_HEADER_LENGTH + (this.writeCiphers.get(epoch)?.overhead ?? 0);
  }

  /** Seals one record in `epoch` with the next sequence number; undefined when the sequence space is exhausted. */
  seal(contentType: number, epoch: number, plaintext: Uint8Array): Uint8Array | undefined {
    const seq = this.writeSeq.get(epoch) ?? 0;
    if (seq > MAX_SEQUENCE_NUMBER) return undefined;
    this.writeSeq.set(epoch, seq + 1);
    const cipher = epoch === 0 ? undefined : this.writeCiphers.get(epoch);
    // Sealed records are written in one array by the cipher (header, nonce, ciphertext, tag).
    if (cipher !== undefined) return cipher.sealRecord(contentType, this.version, epoch, seq, plaintext);
    return serializeRecord({ contentType, version: this.version, epoch, sequenceNumber: seq, fragment: plaintext });
  }

  /**
   * Authenticates and decrypts a record, checking replay; undefined means drop it silently
   * (4.1.2.7). For epochs >= 1 the plaintext is a new array written by the decryption,
   * aliasing neither the datagram nor anything kept here, so a caller may keep it without
   * copying; for epoch 0 it is the record's fragment (a view into the datagram).
   */
  open(r: DtlsRecord): OpenedRecord | undefined {
    let window = this.replay.get(r.epoch);
    if (window !== undefined && !window.check(r.sequenceNumber)) return undefined;
    let plaintext: Uint8Array | undefined;
    if (r.epoch === 0) plaintext = r.fragment;
    else {
      const c = this.readCiphers.get(r.epoch);
      if (c === undefined) return undefined;
      plaintext = c.open(r.contentType, r.version, r.epoch, r.sequenceNumber, r.fragment);
    }
    // RFC 5246 6.2.1: plaintext fragments are at most 2^14 bytes.
    if (plaintext === undefined || plaintext.length > MAX_PLAINTEXT_LENGTH) return undefined;
    if (window === undefined) {
      window = new ReplayWindow();
      this.replay.set(r.epoch, window);
    }
    window.accept(r.sequenceNumber);
    return { contentType: r.contentType, epoch: r.epoch, sequenceNumber: r.sequenceNumber, plaintext };
  }
}
