/**
 * @module sctp/chunk-data
 * Payload Data (DATA) chunk, RFC 9260 section 3.3.1 (I bit: RFC 7053).
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
 *    \                 User Data (seq n of Stream S)                 \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The parser returns `userData` as a view into the packet; the association copies what
 * it keeps.
 */
import type { Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType, DataFlag } from './constants.js';

export interface DataChunk {
  readonly type: 'data';
  readonly tsn: number;
  readonly streamId: number;
  readonly ssn: number;
  readonly ppid: number;
  readonly unordered: boolean;
  readonly beginning: boolean;
  readonly ending: boolean;
  readonly immediate: boolean;
  readonly userData: Uint8Array;
}

export function parseDataChunk(flags: number, value: Uint8Array): DataChunk {
  if (value.length < 12) throw new ParseError(`DATA: value of ${value.length} bytes, need 12`);
  // Read by hand rather than through a DataView: this runs for every DATA chunk received.
  const b = value;
  return {
    type: 'data',
    tsn: (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0,
    streamId: ((b[4] as number) << 8) | (b[5] as number),
    ssn: ((b[6] as number) << 8) | (b[7] as number),
    ppid: (((b[8] as number) << 24) | ((b[9] as number) << 16) | ((b[10] as number) << 8) | (b[11] as number)) >>> 0,
    unordered: (flags & DataFlag.Unordered) !== 0,
    beginning: (flags & DataFlag.Begin) !== 0,
    ending: (flags & DataFlag.End) !== 0,
    immediate: (flags & DataFlag.Immediate) !== 0,
    userData: value.subarray(12),
  };
}

export function dataChunkFlags(c: { unordered: boolean; beginning: boolean; ending: boolean; immediate: boolean }): number {
  return (
    (c.unordered ? DataFlag.Unordered : 0) |
    (c.beginning ? DataFlag.Begin : 0) |
    (c.ending ? DataFlag.End : 0) |
    (c.immediate ? DataFlag.Immediate : 0)
  );
}

export function writeDataChunk(w: Writer, c: DataChunk): void {
  const at = beginChunk(w, ChunkType.Data, dataChunkFlags(c));
  w.u32(c.tsn).u16(c.streamId).u16(c.ssn).u32(c.ppid).bytes(c.userData);
  endChunk(w, at);
}
