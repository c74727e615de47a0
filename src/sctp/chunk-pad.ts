/**
 * @module sctp/chunk-pad
 * Padding chunk (PAD), RFC 4820 section 3: filler bytes the receiver discards, used to
 * build PMTU probe packets of a chosen size (RFC 8899 section 6.2.1.2: HEARTBEAT + PAD).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    | Type = 0x84   |   Flags=0x00  |             Length            |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                         Padding Data                          /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType } from './constants.js';

export interface PadChunk {
  readonly type: 'pad';
  /** Number of padding bytes (the value length). */
  readonly paddingBytes: number;
}

export function parsePadChunk(value: Uint8Array): PadChunk {
  return { type: 'pad', paddingBytes: value.length };
}

export function writePadChunk(w: Writer, c: PadChunk): void {
  const at = beginChunk(w, ChunkType.Pad, 0);
  w.zeros(c.paddingBytes);
  endChunk(w, at);
}
