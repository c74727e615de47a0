/**
 * @module sctp/chunk-sack
 * Selective Acknowledgement (SACK), RFC 9260 section 3.3.4. Gap Ack Block offsets are
 * relative to the Cumulative TSN Ack.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 3    |Chunk  Flags   |      Chunk Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                      Cumulative TSN Ack                       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          Advertised Receiver Window Credit (a_rwnd)           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |    Gap Ack Block #1 Start     |     Gap Ack Block #1 End      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                              ...                              /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                        Duplicate TSN 1                        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                              ...                              /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { Reader } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType } from './constants.js';

export interface GapAckBlock {
  /** Offset from the Cumulative TSN Ack of the first TSN of the block. */
  readonly start: number;
  /** Offset of the last TSN of the block. */
  readonly end: number;
}

export interface SackChunk {
  readonly type: 'sack';
  readonly cumulativeTsnAck: number;
  readonly aRwnd: number;
  readonly gapBlocks: readonly GapAckBlock[];
  readonly duplicateTsns: readonly number[];
}

export function parseSackChunk(value: Uint8Array): SackChunk {
  const r = new Reader(value);
  const cumulativeTsnAck = r.u32('SACK cumulative TSN');
  const aRwnd = r.u32('SACK a_rwnd');
  const nGaps = r.u16('SACK gap count');
  const nDups = r.u16('SACK dup count');
  if (r.remaining < nGaps * 4 + nDups * 4) throw new ParseError(`SACK: ${nGaps} gaps and ${nDups} duplicates do not fit in ${r.remaining} bytes`);
  const gapBlocks: GapAckBlock[] = [];
  for (let i = 0; i < nGaps; i++) gapBlocks.push({ start: r.u16(), end: r.u16() });
  const duplicateTsns: number[] = [];
  for (let i = 0; i < nDups; i++) duplicateTsns.push(r.u32());
  return { type: 'sack', cumulativeTsnAck, aRwnd, gapBlocks, duplicateTsns };
}

export function writeSackChunk(w: Writer, c: SackChunk): void {
  const at = beginChunk(w, ChunkType.Sack, 0);
  w.u32(c.cumulativeTsnAck).u32(c.aRwnd).u16(c.gapBlocks.length).u16(c.duplicateTsns.length);
  for (const g of c.gapBlocks) w.u16(g.start).u16(g.end);
  for (const d of c.duplicateTsns) w.u32(d);
  endChunk(w, at);
}
