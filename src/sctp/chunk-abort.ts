/**
 * @module sctp/chunk-abort
 * Abort Association (ABORT, RFC 9260 section 3.3.7) and Operation Error (ERROR, 3.3.10):
 * both a list of error causes; ABORT has the T bit (tag reflected, 8.5.1).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Type = 6    |  Reserved   |T|           Length              |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                                                               \
 *    /                   zero or more Error Causes                   /
 *    \                                                               \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { beginChunk, endChunk } from './chunk-header.js';
import { ChunkType } from './constants.js';
import type { ErrorCause } from './error-cause.js';
import { parseErrorCauses, writeErrorCauses } from './error-cause.js';

export interface AbortChunk {
  readonly type: 'abort';
  /** T bit: the verification tag is the sender's own (reflected), RFC 9260 8.5.1. */
  readonly reflected: boolean;
  readonly causes: readonly ErrorCause[];
}

export interface ErrorChunk {
  readonly type: 'error';
  readonly causes: readonly ErrorCause[];
}

export function parseAbortChunk(flags: number, value: Uint8Array): AbortChunk {
  return { type: 'abort', reflected: (flags & 1) !== 0, causes: parseErrorCauses(value, 'ABORT') };
}

export function parseErrorChunk(value: Uint8Array): ErrorChunk {
  return { type: 'error', causes: parseErrorCauses(value, 'ERROR') };
}

export function writeAbortChunk(w: Writer, c: AbortChunk): void {
  const at = beginChunk(w, ChunkType.Abort, c.reflected ? 1 : 0);
  writeErrorCauses(w, c.causes);
  endChunk(w, at);
}

export function writeErrorChunk(w: Writer, c: ErrorChunk): void {
  const at = beginChunk(w, ChunkType.Error, 0);
  writeErrorCauses(w, c.causes);
  endChunk(w, at);
}
