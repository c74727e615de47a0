/**
 * @module rtp/rtcp-app
 * RTCP application-defined packet (APP, PT=204), RFC 3550 section 6.7.
 *
 * ```
 * |V=2|P| subtype |   PT=APP=204  |             length            |
 * |                           SSRC/CSRC                           |
 * |                          name (ASCII)                         |
 * |                   application-dependent data ...              |
 * ```
 */
import type { Reader, Writer } from '../common/bytes.js';
import { InvalidArgumentError } from '../common/errors.js';

export interface RtcpApp {
  readonly type: 'app';
  /** 5 bits. */
  readonly subtype: number;
  readonly ssrc: number;
  /** Four ASCII characters (RFC 3550 6.7: case-sensitive). */
  readonly name: string;
  /** A multiple of 32 bits long. A view into the input when parsed. */
  readonly data: Uint8Array;
}

export function parseApp(r: Reader, subtype: number): RtcpApp {
  const ssrc = r.u32('APP SSRC');
  const nameBytes = r.bytesView(4, 'APP name');
  return { type: 'app', subtype, ssrc, name: String.fromCharCode(...nameBytes), data: r.rest() };
}

export function writeAppBody(w: Writer, p: RtcpApp): void {
  if (!(p.subtype >= 0 && p.subtype <= 31)) throw new InvalidArgumentError('APP subtype must be 5 bits');
  // RFC 3550 6.7 asks for ASCII; any four single-byte characters are written so that a
  // received packet with other octets still re-serializes unchanged.
  if (p.name.length !== 4 || !/^[\x00-\xff]{4}$/.test(p.name)) throw new InvalidArgumentError('APP name must be 4 single-byte characters');
  if (p.data.length % 4 !== 0) throw new InvalidArgumentError('APP data must be a multiple of 4 bytes');
  w.u32(p.ssrc);
  for (let i = 0; i < 4; i++) w.u8(p.name.charCodeAt(i));
  w.bytes(p.data);
}
