/**
 * @module sctp/chunk-iforward-tsn
 * I-FORWARD-TSN chunk, RFC 8260 section 2.3.1: FORWARD-TSN for I-DATA, naming per
 * stream and per ordering (U bit) the largest skipped Message Identifier.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 194  | Flags = 0x00  |      Length = Variable        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                       New Cumulative TSN                      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |       Stream Identifier       |          Reserved           |U|
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                       Message Identifier                      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                              ...                              /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { Reader } from '../common/bytes.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType } from './constants.js';

export interface IForwardTsnEntry {
  readonly streamId: number;
  readonly unordered: boolean;
  readonly mid: number;
}

export interface IForwardTsnChunk {
  readonly type: 'iforward-tsn';
  readonly newCumulativeTsn: number;
  readonly entries: readonly IForwardTsnEntry[];
}

export function parseIForwardTsnChunk(value: Uint8Array): IForwardTsnChunk {
  const r = new Reader(value);
  const newCumulativeTsn = r.u32('I-FORWARD-TSN new cumulative TSN');
  const entries: IForwardTsnEntry[] = [];
  while (r.remaining >= 8) {
    const streamId = r.u16();
    const unordered = (r.u16() & 1) !== 0;
    entries.push({ streamId, unordered, mid: r.u32() });
  }
  return { type: 'iforward-tsn', newCumulativeTsn, entries };
}

export function writeIForwardTsnChunk(w: Writer, c: IForwardTsnChunk): void {
  const at = beginChunk(w, ChunkType.IForwardTsn, 0);
  w.u32(c.newCumulativeTsn);
  for (const e of c.entries) w.u16(e.streamId).u16(e.unordered ? 1 : 0).u32(e.mid);
  endChunk(w, at);
}
