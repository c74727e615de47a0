/**
 * @module sctp/packet
 * The SCTP packet: common header (RFC 9260 section 3 and 3.1) followed by chunks, with
 * the CRC32c checksum of section 6.8 (computed with the checksum field zeroed, stored
 * least significant byte first as in appendix A's reference code). RFC 9653 4-5 (zero
 * checksum): where the receiver announced an alternate error detection method (SCTP over
 * DTLS), a packet may carry 0 in the checksum field instead of the CRC32c, and the
 * receiver accepts it (`acceptZeroChecksum`); any other wrong value is still dropped.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |     Source Port Number        |     Destination Port Number   |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                      Verification Tag                         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                           Checksum                            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { Writer } from '../common/bytes.js';
import { crc32c } from '../common/crc32.js';
import { ParseError } from '../common/errors.js';
import type { Chunk } from './chunk.js';
import { parseChunks, writeChunk } from './chunk.js';
import { COMMON_HEADER_BYTES } from './constants.js';

export interface SctpPacket {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly verificationTag: number;
  readonly chunks: readonly Chunk[];
}

/** The CRC32c of a packet with its checksum field taken as zero. */
export function packetChecksum(bytes: Uint8Array): number {
  let crc = crc32c(bytes.subarray(0, 8));
  crc = crc32c(ZERO4, crc);
  return crc32c(bytes.subarray(12), crc);
}
const ZERO4 = new Uint8Array(4);

function storedChecksum(bytes: Uint8Array): number {
  return ((bytes[8] as number) | ((bytes[9] as number) << 8) | ((bytes[10] as number) << 16) | ((bytes[11] as number) << 24)) >>> 0;
}

/** Writes the checksum of a finished packet into bytes 8..11. */
export function stampChecksum(bytes: Uint8Array): void {
  const crc = packetChecksum(bytes);
  bytes[8] = crc & 0xff;
  bytes[9] = (crc >>> 8) & 0xff;
  bytes[10] = (crc >>> 16) & 0xff;
  bytes[11] = crc >>> 24;
}

export interface ParsePacketOptions {
  /** Check the CRC32c (default true). */
  readonly verifyChecksum?: boolean;
  /**
   * RFC 9653 5.3: we announced an alternate error detection method (Zero Checksum
   * Acceptable), so a checksum field of exactly 0 is accepted without computing the
   * CRC32c. Other values are verified as usual. Default false.
   */
  readonly acceptZeroChecksum?: boolean;
}

/** True when the packet's checksum field is 0 (RFC 9653 5.2: what a sender writes instead of the CRC32c). */
export function hasZeroChecksum(bytes: Uint8Array): boolean {
  return bytes.length >= COMMON_HEADER_BYTES && bytes[8] === 0 && bytes[9] === 0 && bytes[10] === 0 && bytes[11] === 0;
}

export function parsePacket(bytes: Uint8Array, options: ParsePacketOptions = {}): SctpPacket {
  if (bytes.length < COMMON_HEADER_BYTES) throw new ParseError(`SCTP packet of ${bytes.length} bytes, need ${COMMON_HEADER_BYTES}`);
  if (options.verifyChecksum !== false && !(options.acceptZeroChecksum === true && hasZeroChecksum(bytes))) {
    const want = packetChecksum(bytes);
    const got = storedChecksum(bytes);
    if (want !== got) throw new ParseError(`SCTP checksum mismatch: got ${got.toString(16)}, computed ${want.toString(16)}`, { offset: 8 });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    sourcePort: v.getUint16(0),
    destinationPort: v.getUint16(2),
    verificationTag: v.getUint32(4),
    chunks: parseChunks(bytes.subarray(COMMON_HEADER_BYTES)),
  };
}

export function serializePacket(p: SctpPacket): Uint8Array {
  const w = new Writer(256);
  w.u16(p.sourcePort).u16(p.destinationPort).u32(p.verificationTag).u32(0);
  for (const c of p.chunks) writeChunk(w, c);
  const out = w.finish();
  stampChecksum(out);
  return out;
}
