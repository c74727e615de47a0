/**
 * @module sctp/chunk
 * The chunk union and the dispatch from chunk type to codec (RFC 9260 section 3.2; I-DATA
 * and I-FORWARD-TSN of RFC 8260 2.1 and 2.3.1).
 * Chunk types we do not know are kept as `{ type: 'unknown' }` so the association can
 * apply the upper-two-bits rule of RFC 9260 3.2 (skip, report, or stop).
 */
import type { Writer } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';
import { beginChunk, endChunk } from './chunk-header.js';
import type { AbortChunk, ErrorChunk } from './chunk-abort.js';
import { parseAbortChunk, parseErrorChunk, writeAbortChunk, writeErrorChunk } from './chunk-abort.js';
import type { CookieAckChunk, CookieEchoChunk } from './chunk-cookie.js';
import { parseCookieEchoChunk, writeCookieAckChunk, writeCookieEchoChunk } from './chunk-cookie.js';
import type { DataChunk } from './chunk-data.js';
import { parseDataChunk, writeDataChunk } from './chunk-data.js';
import type { ForwardTsnChunk } from './chunk-forward-tsn.js';
import { parseForwardTsnChunk, writeForwardTsnChunk } from './chunk-forward-tsn.js';
import type { HeartbeatChunk } from './chunk-heartbeat.js';
import { parseHeartbeatChunk, writeHeartbeatChunk } from './chunk-heartbeat.js';
import type { IDataChunk } from './chunk-idata.js';
import { parseIDataChunk, writeIDataChunk } from './chunk-idata.js';
import type { IForwardTsnChunk } from './chunk-iforward-tsn.js';
import { parseIForwardTsnChunk, writeIForwardTsnChunk } from './chunk-iforward-tsn.js';
import type { InitChunk } from './chunk-init.js';
import { parseInitChunk, writeInitChunk } from './chunk-init.js';
import type { PadChunk } from './chunk-pad.js';
import { parsePadChunk, writePadChunk } from './chunk-pad.js';
import type { ReconfigChunk } from './chunk-reconfig.js';
import { parseReconfigChunk, writeReconfigChunk } from './chunk-reconfig.js';
import type { SackChunk } from './chunk-sack.js';
import { parseSackChunk, writeSackChunk } from './chunk-sack.js';
import type { ShutdownAckChunk, ShutdownChunk, ShutdownCompleteChunk } from './chunk-shutdown.js';
import { parseShutdownChunk, writeShutdownAckChunk, writeShutdownChunk, writeShutdownCompleteChunk } from './chunk-shutdown.js';
import { ChunkType } from './constants.js';

export interface UnknownChunk {
  readonly type: 'unknown';
  readonly chunkType: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

export type Chunk =
  | DataChunk
  | IDataChunk
  | InitChunk
  | SackChunk
  | HeartbeatChunk
  | AbortChunk
  | ErrorChunk
  | ShutdownChunk
  | ShutdownAckChunk
  | ShutdownCompleteChunk
  | CookieEchoChunk
  | CookieAckChunk
  | ForwardTsnChunk
  | IForwardTsnChunk
  | ReconfigChunk
  | PadChunk
  | UnknownChunk;

/** Decodes one chunk value of type `type`. */
export function parseChunkValue(type: number, flags: number, value: Uint8Array): Chunk {
  switch (type) {
    case ChunkType.Data:
      return parseDataChunk(flags, value);
    case ChunkType.Init:
      return parseInitChunk('init', value);
    case ChunkType.InitAck:
      return parseInitChunk('init-ack', value);
    case ChunkType.Sack:
      return parseSackChunk(value);
    case ChunkType.Heartbeat:
      return parseHeartbeatChunk('heartbeat', value);
    case ChunkType.HeartbeatAck:
      return parseHeartbeatChunk('heartbeat-ack', value);
    case ChunkType.Abort:
      return parseAbortChunk(flags, value);
    case ChunkType.Error:
      return parseErrorChunk(value);
    case ChunkType.Shutdown:
      return parseShutdownChunk(value);
    case ChunkType.ShutdownAck:
      return { type: 'shutdown-ack' };
    case ChunkType.ShutdownComplete:
      return { type: 'shutdown-complete', reflected: (flags & 1) !== 0 };
    case ChunkType.CookieEcho:
      return parseCookieEchoChunk(value);
    case ChunkType.CookieAck:
      return { type: 'cookie-ack' };
    case ChunkType.ForwardTsn:
      return parseForwardTsnChunk(value);
    case ChunkType.ReConfig:
      return parseReconfigChunk(value);
    case ChunkType.IData:
      return parseIDataChunk(flags, value);
    case ChunkType.IForwardTsn:
      return parseIForwardTsnChunk(value);
    case ChunkType.Pad:
      return parsePadChunk(value);
    default:
      return { type: 'unknown', chunkType: type, flags, value: value.slice() };
  }
}

/**
 * Parses the chunks of a packet body (everything after the common header). Each chunk
 * is `length` bytes then padding to 4; the final chunk's padding may be missing.
 */
export function parseChunks(body: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 4) throw new ParseError('chunk header truncated', { offset: at });
    const type = body[at] as number;
    const flags = body[at + 1] as number;
    const len = ((body[at + 2] as number) << 8) | (body[at + 3] as number);
    if (len < 4) throw new ParseError(`chunk length ${len} below 4`, { offset: at });
    if (at + len > body.length) throw new ParseError(`chunk length ${len} past the packet end`, { offset: at });
    out.push(parseChunkValue(type, flags, body.subarray(at + 4, at + len)));
    at += (len + 3) & ~3;
  }
  return out;
}

/** Serializes one chunk (header, value, padding). */
export function writeChunk(w: Writer, c: Chunk): void {
  switch (c.type) {
    case 'data':
      return writeDataChunk(w, c);
    case 'init':
    case 'init-ack':
      return writeInitChunk(w, c);
    case 'sack':
      return writeSackChunk(w, c);
    case 'heartbeat':
    case 'heartbeat-ack':
      return writeHeartbeatChunk(w, c);
    case 'abort':
      return writeAbortChunk(w, c);
    case 'error':
      return writeErrorChunk(w, c);
    case 'shutdown':
      return writeShutdownChunk(w, c);
    case 'shutdown-ack':
      return writeShutdownAckChunk(w);
    case 'shutdown-complete':
      return writeShutdownCompleteChunk(w, c);
    case 'cookie-echo':
      return writeCookieEchoChunk(w, c);
    case 'cookie-ack':
      return writeCookieAckChunk(w);
    case 'forward-tsn':
      return writeForwardTsnChunk(w, c);
    case 'reconfig':
      return writeReconfigChunk(w, c);
    case 'idata':
      return writeIDataChunk(w, c);
    case 'iforward-tsn':
      return writeIForwardTsnChunk(w, c);
    case 'pad':
      return writePadChunk(w, c);
    case 'unknown': {
      const at = beginChunk(w, c.chunkType, c.flags);
      w.bytes(c.value);
      endChunk(w, at);
      return;
    }
  }
}
