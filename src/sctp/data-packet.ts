/**
 * @module sctp/data-packet
 * The sender's fast path for packets that carry only DATA (RFC 9260 3.3.1) or I-DATA
 * (RFC 8260 2.1) chunks behind the common header (RFC 9260 3): written byte by byte into
 * memory that is not zero-filled first (from Node's Buffer pool when small), instead of
 * a growable `Writer` over a fresh zeroed MTU-sized buffer. Every byte of the packet is
 * written: header, chunk headers, user data and the zero padding to 4 bytes (3.2).
 * The receiver's steady state has its own: a packet with one SACK chunk (RFC 9260
 * 3.3.4) that reports no gaps and no duplicates. Packets with other control chunks
 * (FORWARD TSN, RE-CONFIG, ...) take the `Writer` path.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 0    |  Res  |I|U|B|E|            Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                              TSN                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |      Stream Identifier S      |   Stream Sequence Number n    |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                  Payload Protocol Identifier                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                          User Data                            \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { allocBytes } from '../crypto/cipher.js';
import { COMMON_HEADER_BYTES, ChunkType, DATA_CHUNK_HEADER_BYTES, IDATA_CHUNK_HEADER_BYTES } from './constants.js';

/** A SACK chunk without Gap Ack Blocks or Duplicate TSNs (RFC 9260 3.3.4): header, Cumulative TSN Ack, a_rwnd, two zero counts. */
export const PLAIN_SACK_CHUNK_BYTES = 16;

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** One packet of DATA or I-DATA chunks being written; `length` counts the bytes written so far. */
export class DataPacket {
  private readonly buf: Uint8Array;
  length = COMMON_HEADER_BYTES;

  /**
   * Room for `capacity` bytes (the packet size limit); the common header is written now,
   * checksum 0. With `scratch` (at least `capacity` bytes) the packet is written there
   * instead of into new memory.
   */
  constructor(capacity: number, sourcePort: number, destinationPort: number, verificationTag: number, scratch?: Uint8Array) {
    if (scratch !== undefined && scratch.length < capacity) throw new RangeError(`scratch of ${scratch.length} bytes for a packet of ${capacity}`);
    this.buf = scratch !== undefined ? scratch.subarray(0, capacity) : allocBytes(capacity);
    const b = this.buf;
    put16(b, 0, sourcePort);
    put16(b, 2, destinationPort);
    put32(b, 4, verificationTag);
    put32(b, 8, 0);
  }

  /** Bytes still free. */
  get room(): number {
    return this.buf.length - this.length;
  }

  /** A DATA chunk (RFC 9260 3.3.1) and its padding. Throws RangeError past the capacity (a caller bug). */
  data(flags: number, tsn: number, streamId: number, ssn: number, ppid: number, userData: Uint8Array): void {
    const at = this.reserve(DATA_CHUNK_HEADER_BYTES, userData.length);
    const b = this.buf;
    b[at] = ChunkType.Data;
    b[at + 1] = flags;
    put16(b, at + 2, DATA_CHUNK_HEADER_BYTES + userData.length);
    put32(b, at + 4, tsn);
    put16(b, at + 8, streamId);
    put16(b, at + 10, ssn);
    put32(b, at + 12, ppid);
    this.finishChunk(at + DATA_CHUNK_HEADER_BYTES, userData);
  }

  /** An I-DATA chunk (RFC 8260 2.1): MID, then the PPID on a first fragment or the FSN on later ones. */
  idata(flags: number, tsn: number, streamId: number, mid: number, ppidOrFsn: number, userData: Uint8Array): void {
    const at = this.reserve(IDATA_CHUNK_HEADER_BYTES, userData.length);
    const b = this.buf;
    b[at] = ChunkType.IData;
    b[at + 1] = flags;
    put16(b, at + 2, IDATA_CHUNK_HEADER_BYTES + userData.length);
    put32(b, at + 4, tsn);
    put16(b, at + 8, streamId);
    put16(b, at + 10, 0);
    put32(b, at + 12, mid);
    put32(b, at + 16, ppidOrFsn);
    this.finishChunk(at + IDATA_CHUNK_HEADER_BYTES, userData);
  }

  /** A SACK chunk with no Gap Ack Blocks and no Duplicate TSNs (RFC 9260 3.3.4). */
  sack(cumulativeTsnAck: number, aRwnd: number): void {
    const at = this.reserve(PLAIN_SACK_CHUNK_BYTES, 0);
    const b = this.buf;
    b[at] = ChunkType.Sack;
    b[at + 1] = 0;
    put16(b, at + 2, PLAIN_SACK_CHUNK_BYTES);
    put32(b, at + 4, cumulativeTsnAck);
    put32(b, at + 8, aRwnd);
    put32(b, at + 12, 0);
    this.length = at + PLAIN_SACK_CHUNK_BYTES;
  }

  /** The packet: a view of what was written. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  private reserve(header: number, dataLength: number): number {
    const at = this.length;
    const end = at + header + dataLength + ((4 - (dataLength & 3)) & 3);
    if (end > this.buf.length) throw new RangeError(`DATA chunk of ${header + dataLength} bytes past the packet's ${this.buf.length}`);
    return at;
  }

  private finishChunk(dataAt: number, userData: Uint8Array): void {
    const b = this.buf;
    b.set(userData, dataAt);
    let end = dataAt + userData.length;
    // RFC 9260 3.2: chunks are padded with zero bytes to a multiple of 4.
    while ((end & 3) !== 0) b[end++] = 0;
    this.length = end;
  }
}
