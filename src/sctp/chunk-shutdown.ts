/**
 * @module sctp/chunk-shutdown
 * SHUTDOWN (RFC 9260 section 3.3.8), SHUTDOWN ACK (3.3.9) and SHUTDOWN COMPLETE (3.3.13).
 *
 *    SHUTDOWN:
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 7    | Chunk  Flags  |          Length = 8           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                      Cumulative TSN Ack                       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    SHUTDOWN ACK (8) and SHUTDOWN COMPLETE (14, with the T bit):
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 14   |  Reserved   |T|          Length = 4           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType } from './constants.js';

export interface ShutdownChunk {
  readonly type: 'shutdown';
  readonly cumulativeTsnAck: number;
}
export interface ShutdownAckChunk {
  readonly type: 'shutdown-ack';
}
export interface ShutdownCompleteChunk {
  readonly type: 'shutdown-complete';
  readonly reflected: boolean;
}

export function parseShutdownChunk(value: Uint8Array): ShutdownChunk {
  if (value.length < 4) throw new ParseError(`SHUTDOWN: value of ${value.length} bytes, need 4`);
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return { type: 'shutdown', cumulativeTsnAck: v.getUint32(0) };
}

export function writeShutdownChunk(w: Writer, c: ShutdownChunk): void {
  const at = beginChunk(w, ChunkType.Shutdown, 0);
  w.u32(c.cumulativeTsnAck);
  endChunk(w, at);
}

export function writeShutdownAckChunk(w: Writer): void {
  endChunk(w, beginChunk(w, ChunkType.ShutdownAck, 0));
}

export function writeShutdownCompleteChunk(w: Writer, c: ShutdownCompleteChunk): void {
  endChunk(w, beginChunk(w, ChunkType.ShutdownComplete, c.reflected ? 1 : 0));
}
