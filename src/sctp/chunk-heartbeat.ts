/**
 * @module sctp/chunk-heartbeat
 * Heartbeat Request (HEARTBEAT, RFC 9260 section 3.3.5) and Heartbeat Acknowledgement
 * (HEARTBEAT ACK, 3.3.6): one Heartbeat Info TLV (type 1) whose value is opaque to the
 * receiver and echoed back unchanged.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 4    | Chunk  Flags  |      Heartbeat Length         |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |    Heartbeat Info Type = 1    |      HB Info Length           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                  Sender-Specific Heartbeat Info               /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { beginChunk, endChunk, parseParams, writeParam } from './chunk-header.js';
import { ChunkType, ParamType } from './constants.js';

export interface HeartbeatChunk {
  readonly type: 'heartbeat' | 'heartbeat-ack';
  readonly info: Uint8Array;
}

export function parseHeartbeatChunk(type: 'heartbeat' | 'heartbeat-ack', value: Uint8Array): HeartbeatChunk {
  const params = parseParams(value, type);
  const info = params.find((p) => p.type === ParamType.HeartbeatInfo);
  if (!info) throw new ParseError(`${type}: no Heartbeat Info parameter`);
  return { type, info: info.value };
}

export function writeHeartbeatChunk(w: Writer, c: HeartbeatChunk): void {
  const at = beginChunk(w, c.type === 'heartbeat' ? ChunkType.Heartbeat : ChunkType.HeartbeatAck, 0);
  writeParam(w, ParamType.HeartbeatInfo, c.info, true);
  endChunk(w, at);
}
