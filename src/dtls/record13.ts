/**
 * @module dtls/record13
 * The DTLS 1.3 record layer (RFC 9147 4): DTLSPlaintext for epoch 0, DTLSCiphertext with
 * the unified header (4, Figure 3: 001CSLEE, we send S=1 and L=1, no CID) for epochs 2
 * and 3, DTLSInnerPlaintext (content || type || zeros), record number encryption (4.2.3:
 * AES-ECB or ChaCha20 mask over the first 16 ciphertext bytes), sequence number
 * reconstruction (4.2.2), AEAD nonce from the 64-bit sequence number (RFC 8446 5.3, the
 * epoch not included) and the header as additional data (RFC 9147 4).
 */
import { Reader } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { aeadOpen, aeadSealInto, allocBytes, AesEcbBlockCipher, chacha20Block16 } from '../crypto/cipher.js';
import { ReplayWindow } from './replay.js';
import { serializeRecord, writeEpochAndSequence, RECORD_HEADER_LENGTH, MAX_RECORDS_PER_DATAGRAM, MAX_RECORD_FRAGMENT_LENGTH } from './record.js';
import { DtlsVersion } from './constants.js';
import type { TrafficKeys } from './keys13.js';

export type Aead13 = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** TLS 1.3 cipher suites (RFC 8446 B.4). */
export const Suites13 = [
  { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', aead: 'aes-128-gcm', keyLength: 16, hash: 'sha256' },
  { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', aead: 'aes-256-gcm', keyLength: 32, hash: 'sha384' },
  { id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', aead: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' },
] as const;
export type Suite13 = (typeof Suites13)[number];

export const CONTENT_TYPE_ACK = 26;
/** Unified header we send: 001 C=0 S=1 L=1 EE (RFC 9147 4). */
const UNIFIED_HEADER_BITS = 0x2c;
const UNIFIED_HEADER_LENGTH = 5;
const AEAD_TAG = 16;

/** One record of a DTLS 1.3 datagram, before deprotection. */
export type Record13 =
  | { readonly kind: 'plaintext'; readonly contentType: number; readonly epoch: number; readonly sequenceNumber: number; readonly fragment: Uint8Array }
  | { readonly kind: 'ciphertext'; readonly header: Uint8Array; readonly epochBits: number; readonly seqLength: 1 | 2; readonly encrypted: Uint8Array };

/** Splits a datagram into DTLS 1.3 records. Throws ParseError. */
export function parseRecords13(datagram: Uint8Array): Record13[] {
  const r = new Reader(datagram);
  const out: Record13[] = [];
  while (!r.done) {
    if (out.length >= MAX_RECORDS_PER_DATAGRAM) throw new ParseError('record13: too many records');
    const start = r.offset;
    const first = r.u8('first byte');
    if ((first & 0xe0) === 0x20) {
      if (first & 0x10) throw new ParseError('record13: connection IDs are not negotiated');
      const seqLength = first & 0x08 ? 2 : 1;
      r.skip(seqLength, 'sequence');
      let len: number;
      if (first & 0x04) len = r.u16('length');
      else len = r.remaining;
      const header = datagram.subarray(start, r.offset);
      out.push({ kind: 'ciphertext', header, epochBits: first & 0x03, seqLength, encrypted: r.bytesView(len, 'encrypted record') });
    } else {
      r.offset = start;
      const contentType = r.u8('type');
      r.u16('version');
      const epoch = r.u16('epoch');
      const sequenceNumber = r.u48('sequence');
      const length = r.u16('length');
      if (length > MAX_RECORD_FRAGMENT_LENGTH) throw new ParseError('record13: too long');
      out.push({ kind: 'plaintext', contentType, epoch, sequenceNumber, fragment: r.bytesView(length, 'fragment') });
    }
  }
  return out;
}

const NONCE_LENGTH = 12;

/**
 * One direction's keys for one epoch, with what a record reuses: the nonce scratch (the
 * AEAD copies it) and, for AES suites, one AES-ECB context for record number masks.
 */
class EpochKeys {
  readonly aead: Aead13;
  readonly keys: TrafficKeys;
  private readonly nonceScratch = new Uint8Array(NONCE_LENGTH);
  private readonly ecb: AesEcbBlockCipher | undefined;

  constructor(aead: Aead13, keys: TrafficKeys) {
    this.aead = aead;
    this.keys = keys;
    this.ecb = aead === 'chacha20-poly1305' ? undefined : new AesEcbBlockCipher(keys.sn);
  }

  /** Record number mask from the first 16 ciphertext bytes (RFC 9147 4.2.3). */
  snMask(ciphertext: Uint8Array): Uint8Array {
    const sample = ciphertext.subarray(0, 16);
    if (this.ecb === undefined) return chacha20Block16(this.keys.sn, sample);
    return this.ecb.encryptBlock(sample);
  }

  /** iv XOR the 64-bit record sequence number, left-padded (RFC 8446 5.3; the epoch is not included). */
  nonce(seq: number): Uint8Array {
    const n = this.nonceScratch;
    const iv = this.keys.iv;
    n.set(iv);
    writeEpochAndSequence(n, 4, 0, seq);
    for (let i = 4; i < NONCE_LENGTH; i++) n[i] = (n[i] as number) ^ (iv[i] as number);
    return n;
  }
}

export interface Opened13 {
  readonly contentType: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
  readonly plaintext: Uint8Array;
}

/** Per-epoch keys, sequence numbers and replay windows for DTLS 1.3. */
export class RecordLayer13 {
  private readonly write = new Map<number, EpochKeys>();
  private readonly read = new Map<number, EpochKeys>();
  private readonly writeSeq = new Map<number, number>();
  private readonly highest = new Map<number, number>();
  private readonly replay = new Map<number, ReplayWindow>();
  /** Record numbers of what `seal` produced since the last `takeSent()` (for ACK bookkeeping, RFC 9147 7.2). */
  private sent: [number, number][] = [];

  setWriteKeys(epoch: number, aead: Aead13, keys: TrafficKeys): void {
    this.write.set(epoch, new EpochKeys(aead, keys));
  }
  setReadKeys(epoch: number, aead: Aead13, keys: TrafficKeys): void {
    this.read.set(epoch, new EpochKeys(aead, keys));
  }
  hasReadKeys(epoch: number): boolean {
    return this.read.has(epoch);
  }

  setNextWriteSequence(epoch: number, seq: number): void {
    this.writeSeq.set(epoch, Math.max(0, seq));
  }

  overhead(epoch: number): number {
    return epoch === 0 ? RECORD_HEADER_LENGTH : UNIFIED_HEADER_LENGTH + 1 + AEAD_TAG;
  }

  takeSent(): [number, number][] {
    const s = this.sent;
    this.sent = [];
    return s;
  }

  seal(contentType: number, epoch: number, plaintext: Uint8Array): Uint8Array | undefined {
    const seq = this.writeSeq.get(epoch) ?? 0;
    this.writeSeq.set(epoch, seq + 1);
    this.sent.push([epoch, seq]);
    if (epoch === 0) return serializeRecord({ contentType, version: DtlsVersion.Dtls12, epoch: 0, sequenceNumber: seq, fragment: plaintext });
    const k = this.write.get(epoch);
    if (!k) return undefined;
    // One array: unified header || AEAD(content || type) || tag; the header (unmasked) is the additional data.
    const length = plaintext.length + 1 + AEAD_TAG;
    const out = allocBytes(UNIFIED_HEADER_LENGTH + length);
    out[0] = UNIFIED_HEADER_BITS | (epoch & 3);
    out[1] = (seq >>> 8) & 0xff;
    out[2] = seq & 0xff;
    out[3] = (length >>> 8) & 0xff;
    out[4] = length & 0xff;
    aeadSealInto(k.aead, k.keys.key, k.nonce(seq), out.subarray(0, UNIFIED_HEADER_LENGTH), plaintext, out, UNIFIED_HEADER_LENGTH, contentType);
    const mask = k.snMask(out.subarray(UNIFIED_HEADER_LENGTH));
    out[1] = (out[1] as number) ^ (mask[0] as number);
    out[2] = (out[2] as number) ^ (mask[1] as number);
    return out;
  }

  /** Deprotects a record; undefined means drop it (RFC 9147 4.5.2). */
  open(r: Record13, epochs: readonly number[]): Opened13 | undefined {
    if (r.kind === 'plaintext') {
      if (r.epoch !== 0) return undefined;
      return this.accept(0, r.sequenceNumber, r.contentType, r.fragment);
    }
    const epoch = epochs.find((e) => (e & 3) === r.epochBits && this.read.has(e));
    if (epoch === undefined) return undefined;
    const k = this.read.get(epoch) as EpochKeys;
    if (r.encrypted.length < 16 + 1) return undefined;
    const mask = k.snMask(r.encrypted);
    const header = r.header.slice();
    header[1] = (header[1] as number) ^ (mask[0] as number);
    if (r.seqLength === 2) header[2] = (header[2] as number) ^ (mask[1] as number);
    const low = r.seqLength === 2 ? ((header[1] as number) << 8) | (header[2] as number) : (header[1] as number);
    const seq = reconstruct(this.highest.get(epoch) ?? -1, low, r.seqLength * 8);
    const window = this.replay.get(epoch);
    if (window && !window.check(seq)) return undefined;
    const inner = aeadOpen(k.aead, k.keys.key, k.nonce(seq), header, r.encrypted);
    if (!inner) return undefined;
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) return undefined;
    return this.accept(epoch, seq, inner[end] as number, inner.subarray(0, end));
  }

  private accept(epoch: number, seq: number, contentType: number, plaintext: Uint8Array): Opened13 | undefined {
    let window = this.replay.get(epoch);
    if (!window) {
      window = new ReplayWindow();
      this.replay.set(epoch, window);
    }
    if (!window.check(seq)) return undefined;
    window.accept(seq);
    this.highest.set(epoch, Math.max(this.highest.get(epoch) ?? -1, seq));
    return { contentType, epoch, sequenceNumber: seq, plaintext };
  }
}

/** The full sequence number closest to highest + 1 whose low `bits` are `low` (RFC 9147 4.2.2). */
export function reconstruct(highest: number, low: number, bits: number): number {
  const span = 2 ** bits;
  const expected = highest + 1;
  let candidate = expected - (expected % span) + low;
  if (candidate - expected > span / 2 && candidate >= span) candidate -= span;
  else if (expected - candidate > span / 2) candidate += span;
  return Math.max(0, candidate);
}
