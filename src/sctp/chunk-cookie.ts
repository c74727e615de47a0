/**
 * @module sctp/chunk-cookie
 * Cookie Echo (COOKIE ECHO, RFC 9260 section 3.3.11) and Cookie Acknowledgement
 * (COOKIE ACK, 3.3.12). The cookie is opaque here; its contents are `sctp/cookie`.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 10   |Chunk  Flags   |         Length                |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                     Cookie                                    /
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    COOKIE ACK: type 11, length 4, no value.
 */
import type { Writer } from '../common/bytes.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType } from './constants.js';

export interface CookieEchoChunk {
  readonly type: 'cookie-echo';
  readonly cookie: Uint8Array;
}
export interface CookieAckChunk {
  readonly type: 'cookie-ack';
}

export function parseCookieEchoChunk(value: Uint8Array): CookieEchoChunk {
  return { type: 'cookie-echo', cookie: value.slice() };
}

export function writeCookieEchoChunk(w: Writer, c: CookieEchoChunk): void {
  const at = beginChunk(w, ChunkType.CookieEcho, 0);
  w.bytes(c.cookie);
  endChunk(w, at);
}

export function writeCookieAckChunk(w: Writer): void {
  endChunk(w, beginChunk(w, ChunkType.CookieAck, 0));
}
