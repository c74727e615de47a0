/**
 * @module sctp/chunk-forward-tsn
 * Forward Cumulative TSN (FORWARD TSN), RFC 3758 section 3.2: moves the receiver's
 * cumulative TSN past abandoned chunks and names, per ordered stream, the largest
 * skipped Stream Sequence Number.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 192  |  Flags = 0x00 |        Length = Variable      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                      New Cumulative TSN                       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Stream-1              |       Stream Sequence-1       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                                                               /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { Reader } from '../common/bytes.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType } from './constants.js';

export interface ForwardTsnStream {
  readonly streamId: number;
  readonly ssn: number;
}

export interface ForwardTsnChunk {
  readonly type: 'forward-tsn';
  readonly newCumulativeTsn: number;
  readonly streams: readonly ForwardTsnStream[];
}

export function parseForwardTsnChunk(value: Uint8Array): ForwardTsnChunk {
  const r = new Reader(value);
  const newCumulativeTsn = r.u32('FORWARD TSN new cumulative TSN');
  const streams: ForwardTsnStream[] = [];
  while (r.remaining >= 4) streams.push({ streamId: r.u16(), ssn: r.u16() });
  return { type: 'forward-tsn', newCumulativeTsn, streams };
}

export function writeForwardTsnChunk(w: Writer, c: ForwardTsnChunk): void {
  const at = beginChunk(w, ChunkType.ForwardTsn, 0);
  w.u32(c.newCumulativeTsn);
  for (const s of c.streams) w.u16(s.streamId).u16(s.ssn);
  endChunk(w, at);
}
