/**
 * @module sctp/chunk-idata
 * I-DATA chunk, RFC 8260 section 2.1: DATA with a 32-bit Message Identifier (MID) and a
 * Fragment Sequence Number (FSN) so that fragments of different messages may interleave.
 * The PPID sits where the FSN goes: in the first fragment (B bit) the field is the PPID
 * and the FSN is 0.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 64   |  Res  |I|U|B|E|       Length = Variable       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                              TSN                              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |        Stream Identifier      |           Reserved            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                      Message Identifier                       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |    Payload Protocol Identifier / Fragment Sequence Number     |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                           User Data                           \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { dataChunkFlags } from './chunk-data.js';
import { ChunkType, DataFlag } from './constants.js';

export interface IDataChunk {
  readonly type: 'idata';
  readonly tsn: number;
  readonly streamId: number;
  readonly mid: number;
  /** The PPID (first fragment only; 0 otherwise). */
  readonly ppid: number;
  /** The FSN (0 in the first fragment). */
  readonly fsn: number;
  readonly unordered: boolean;
  readonly beginning: boolean;
  readonly ending: boolean;
  readonly immediate: boolean;
  readonly userData: Uint8Array;
}

export function parseIDataChunk(flags: number, value: Uint8Array): IDataChunk {
  if (value.length < 16) throw new ParseError(`I-DATA: value of ${value.length} bytes, need 16`);
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const beginning = (flags & DataFlag.Begin) !== 0;
  const field = v.getUint32(12);
  return {
    type: 'idata',
    tsn: v.getUint32(0),
    streamId: v.getUint16(4),
    mid: v.getUint32(8),
    ppid: beginning ? field : 0,
    fsn: beginning ? 0 : field,
    unordered: (flags & DataFlag.Unordered) !== 0,
    beginning,
    ending: (flags & DataFlag.End) !== 0,
    immediate: (flags & DataFlag.Immediate) !== 0,
    userData: value.subarray(16),
  };
}

export function writeIDataChunk(w: Writer, c: IDataChunk): void {
  const at = beginChunk(w, ChunkType.IData, dataChunkFlags(c));
  w.u32(c.tsn).u16(c.streamId).u16(0).u32(c.mid).u32(c.beginning ? c.ppid : c.fsn).bytes(c.userData);
  endChunk(w, at);
}
