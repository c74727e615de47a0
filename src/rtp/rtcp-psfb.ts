/**
 * @module rtp/rtcp-psfb
 * Payload-specific feedback (PSFB, PT=206): picture loss indication (FMT=1, RFC 4585
 * section 6.3.1), full intra request (FMT=4, RFC 5104 section 4.3.1) and receiver
 * estimated maximum bitrate (FMT=15 application layer feedback, RFC 4585 6.4, with the
 * "REMB" identifier of draft-alvestrand-rmcat-remb-03 section 2.2).
 *
 * ```
 * |V=2|P|   FMT   |   PT=206      |          length               |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 * FIR FCI (x n):  |  SSRC  | Seq nr. |  reserved (24 bits)  |
 * REMB FCI:       |  'R' 'E' 'M' 'B'  | Num SSRC | BR Exp (6) | BR Mantissa (18) |
 *                 |   SSRC feedback ... (x Num SSRC)                              |
 * ```
 */
import type { Reader, Writer } from '../common/bytes.js';
import { InvalidArgumentError } from '../common/errors.js';

export interface RtcpPli {
  readonly type: 'pli';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
}

export interface RtcpFirEntry {
  readonly ssrc: number;
  /** 8 bits, incremented per new request (RFC 5104 4.3.1.2). */
  readonly sequenceNumber: number;
}
export interface RtcpFir {
  readonly type: 'fir';
  readonly senderSsrc: number;
  /** RFC 5104 4.3.1.2: SHALL be 0; the targets are in the entries. */
  readonly mediaSsrc: number;
  readonly entries: readonly RtcpFirEntry[];
}

export interface RtcpRemb {
  readonly type: 'remb';
  readonly senderSsrc: number;
  /** draft-alvestrand-rmcat-remb 2.2: always 0. */
  readonly mediaSsrc: number;
  /** Mantissa x 2^exp; large values are rounded down to 18 significant bits on the wire. */
  readonly bitrateBps: number;
  readonly ssrcs: readonly number[];
}

/** draft-alvestrand-rmcat-remb 2.2: the unique identifier 'R' 'E' 'M' 'B'. */
export const REMB_IDENTIFIER = 0x52454d42;
/** Num SSRC is one octet. */
export const REMB_MAX_SSRCS = 255;

export function parseFir(r: Reader, senderSsrc: number, mediaSsrc: number): RtcpFir {
  const entries: RtcpFirEntry[] = [];
  while (r.remaining >= 8) {
    const ssrc = r.u32('FIR SSRC');
    const sequenceNumber = r.u8('FIR sequence number');
    r.skip(3, 'FIR reserved');
    entries.push({ ssrc, sequenceNumber });
  }
  return { type: 'fir', senderSsrc, mediaSsrc, entries };
}

export function writeFirFci(w: Writer, p: RtcpFir): void {
  for (const e of p.entries) w.u32(e.ssrc).u8(e.sequenceNumber & 0xff).u24(0);
}

/** Parse an AFB FCI; `undefined` when it is not a well-formed REMB (the caller keeps it raw). */
export function parseRemb(fci: Uint8Array, senderSsrc: number, mediaSsrc: number): RtcpRemb | undefined {
  if (fci.length < 8) return undefined;
  const v = new DataView(fci.buffer, fci.byteOffset, fci.byteLength);
  if (v.getUint32(0) !== REMB_IDENTIFIER) return undefined;
  const num = v.getUint8(4);
  if (8 + num * 4 > fci.length) return undefined;
  const b = v.getUint32(4) & 0xffffff;
  const exp = b >>> 18;
  const mantissa = b & 0x3ffff;
  const ssrcs: number[] = [];
  for (let i = 0; i < num; i++) ssrcs.push(v.getUint32(8 + i * 4));
  return { type: 'remb', senderSsrc, mediaSsrc, bitrateBps: mantissa * 2 ** exp, ssrcs };
}

/** The (exponent, mantissa) pair for a bitrate: the smallest exponent whose mantissa fits 18 bits. */
export function rembExpMantissa(bitrateBps: number): { exp: number; mantissa: number } {
  if (!(bitrateBps >= 0) || !Number.isFinite(bitrateBps)) throw new InvalidArgumentError('REMB bitrate must be a finite non-negative number');
  let exp = 0;
  let m = Math.floor(bitrateBps);
  while (m > 0x3ffff) {
    exp++;
    m = Math.floor(bitrateBps / 2 ** exp);
  }
  if (exp > 63) throw new InvalidArgumentError('REMB bitrate too large');
  return { exp, mantissa: m };
}

export function writeRembFci(w: Writer, p: RtcpRemb): void {
  if (p.ssrcs.length > REMB_MAX_SSRCS) throw new InvalidArgumentError(`REMB: ${p.ssrcs.length} SSRCs, at most 255`);
  const { exp, mantissa } = rembExpMantissa(p.bitrateBps);
  w.u32(REMB_IDENTIFIER).u8(p.ssrcs.length).u24((exp << 18) | mantissa);
  for (const s of p.ssrcs) w.u32(s);
}
