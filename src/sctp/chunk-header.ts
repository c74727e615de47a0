/**
 * @module sctp/chunk-header
 * The chunk header shared by every chunk (RFC 9260 section 3.2) and the TLV parameter
 * format of section 3.2.1, with the padding rules of both.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |   Chunk Type  | Chunk  Flags  |        Chunk Length           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    \                          Chunk Value                          \
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import type { Writer } from '../common/bytes.js';
import { Reader } from '../common/bytes.js';
import { ParseError } from '../common/errors.js';

/** Starts a chunk; returns the offset to pass to `endChunk`. */
export function beginChunk(w: Writer, type: number, flags: number): number {
  const at = w.length;
  w.u8(type).u8(flags).u16(0);
  return at;
}

/** Writes the chunk length (without padding) and pads to a multiple of 4 (RFC 9260 3.2). */
export function endChunk(w: Writer, at: number): void {
  const len = w.length - at;
  w.setU16(at + 2, len);
  const pad = (4 - (len & 3)) & 3;
  if (pad) w.zeros(pad);
}

/** A TLV parameter (RFC 9260 3.2.1) kept as raw bytes. */
export interface RawParam {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * Writes one TLV parameter. Padding is written unless `last`: RFC 9260 3.2 counts the
 * padding of every parameter in the chunk length except the last one's, which
 * `endChunk` adds as chunk padding.
 */
export function writeParam(w: Writer, type: number, value: Uint8Array, last = false): void {
  const at = w.length;
  w.u16(type).u16(4 + value.length).bytes(value);
  const pad = (4 - ((w.length - at) & 3)) & 3;
  if (pad && !last) w.zeros(pad);
}

/** Writes a run of parameters, the last one without its padding (see `writeParam`). */
export function writeParams(w: Writer, params: readonly RawParam[]): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i] as RawParam;
    writeParam(w, p.type, p.value, i === params.length - 1);
  }
}

/**
 * Parses a run of TLV parameters. The last parameter's padding may be absent (RFC 9260
 * 3.2: the chunk length excludes the final padding). Values are copies.
 */
export function parseParams(bytes: Uint8Array, what: string): RawParam[] {
  const r = new Reader(bytes);
  const out: RawParam[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 4) throw new ParseError(`${what}: truncated parameter header`, { offset: r.offset });
    const type = r.u16();
    const len = r.u16();
    if (len < 4) throw new ParseError(`${what}: parameter length ${len} below 4`, { offset: r.offset - 2 });
    const value = r.bytesCopy(len - 4, `${what} parameter ${type}`);
    out.push({ type, value });
    const pad = (4 - (len & 3)) & 3;
    r.offset = Math.min(r.bytes.length, r.offset + pad);
  }
  return out;
}
