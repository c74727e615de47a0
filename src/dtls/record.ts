/**
 * @module dtls/record
 * The DTLS 1.2 record header (RFC 6347 4.1; also DTLSPlaintext in DTLS 1.3, RFC 9147
 * 4): type(1) version(2) epoch(2) sequence_number(6) length(2) fragment. One datagram
 * may carry several records (RFC 6347 4.1.1).
 *
 *   struct {
 *     ContentType type; ProtocolVersion version; uint16 epoch;
 *     uint48 sequence_number; uint16 length; opaque fragment[length];
 *   } DTLSPlaintext;
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';

export const RECORD_HEADER_LENGTH = 13;
/** Ciphertext may exceed 2^14 by at most 2048 bytes (RFC 5246 6.2.3). */
export const MAX_RECORD_FRAGMENT_LENGTH = 16384 + 2048;
/** Records read from one datagram; more are dropped (a 1500-byte datagram holds ~100 empty ones). */
export const MAX_RECORDS_PER_DATAGRAM = 128;

export interface DtlsRecord {
  readonly contentType: number;
  readonly version: number;
  readonly epoch: number;
  /** 48-bit record sequence number. */
  readonly sequenceNumber: number;
  readonly fragment: Uint8Array;
}

export function serializeRecord(r: DtlsRecord): Uint8Array {
  return new Writer(RECORD_HEADER_LENGTH + r.fragment.length)
    .u8(r.contentType)
    .u16(r.version)
    .u16(r.epoch)
    .u48(r.sequenceNumber)
    .u16(r.fragment.length)
    .bytes(r.fragment)
    .finish();
}

/** Reads one record at the reader's position. */
export function readRecord(reader: Reader): DtlsRecord {
  const contentType = reader.u8('record type');
  const version = reader.u16('record version');
  const epoch = reader.u16('record epoch');
  const sequenceNumber = reader.u48('record sequence');
  const length = reader.u16('record length');
  if (length > MAX_RECORD_FRAGMENT_LENGTH) throw new ParseError(`record: length ${length} too large`, { offset: reader.offset });
  const fragment = reader.bytesView(length, 'record fragment');
  return { contentType, version, epoch, sequenceNumber, fragment };
}

/**
 * All records of a datagram. Throws ParseError when the datagram does not split into
 * whole records (a receiver then drops the rest, RFC 6347 4.1.2.7).
 */
export function parseRecords(datagram: Uint8Array): DtlsRecord[] {
  const reader = new Reader(datagram);
  const out: DtlsRecord[] = [];
  while (!reader.done) {
    if (out.length >= MAX_RECORDS_PER_DATAGRAM) throw new ParseError('record: too many records in one datagram');
    const r = readRecord(reader);
    if (r.contentType < 20 || r.contentType > 63) throw new ParseError(`record: content type ${r.contentType} out of range`);
    out.push(r);
  }
  return out;
}

/** The 8-byte epoch || sequence_number used in nonces and MAC input (RFC 6347 4.1.2.1). */
export function epochAndSequence(epoch: number, sequenceNumber: number): Uint8Array {
  const out = new Uint8Array(8);
  writeEpochAndSequence(out, 0, epoch, sequenceNumber);
  return out;
}

/** Writes epoch(2) || sequence_number(6) big-endian at `offset` (the hot path: no Writer, no allocation). */
export function writeEpochAndSequence(out: Uint8Array, offset: number, epoch: number, sequenceNumber: number): void {
  const high = Math.floor(sequenceNumber / 0x100000000);
  const low = sequenceNumber >>> 0;
  out[offset] = (epoch >>> 8) & 0xff;
  out[offset + 1] = epoch & 0xff;
  out[offset + 2] = (high >>> 8) & 0xff;
  out[offset + 3] = high & 0xff;
  out[offset + 4] = low >>> 24;
  out[offset + 5] = (low >>> 16) & 0xff;
  out[offset + 6] = (low >>> 8) & 0xff;
  out[offset + 7] = low & 0xff;
}

/** Writes the 13-byte record header at `offset` of `out` (RFC 6347 4.1), for records sealed in place. */
export function writeRecordHeader(out: Uint8Array, offset: number, contentType: number, version: number, epoch: number, sequenceNumber: number, length: number): void {
  out[offset] = contentType;
  out[offset + 1] = (version >>> 8) & 0xff;
  out[offset + 2] = version & 0xff;
  writeEpochAndSequence(out, offset + 3, epoch, sequenceNumber);
  out[offset + 11] = (length >>> 8) & 0xff;
  out[offset + 12] = length & 0xff;
}
