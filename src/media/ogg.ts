/**
 * @module media/ogg
 * The Ogg encapsulation format (RFC 3533): pages (section 6: capture pattern "OggS",
 * version 0, header_type flags continued/BOS/EOS, granule position, serial number, page
 * sequence number, CRC, segment table) with lacing values (section 5: a packet is a run of
 * 255-byte segments ended by one below 255), and the page CRC (section 6: the generator
 * polynomial 0x04c11db7, no reflection, initial value 0, computed with the CRC field zero).
 *
 * ```
 *  0                   1                   2                   3
 *  | capture_pattern "OggS"                                        |
 *  | version | header_type | granule_position (64 bits, LE) ...    |
 *  | bitstream_serial_number (LE) | page_sequence_number (LE)      |
 *  | CRC_checksum (LE) | page_segments | segment_table (n) ...     |
 * ```
 */
import { InvalidArgumentError, ParseError } from '../common/errors.js';
import { joinBytes } from './frame.js';

/** RFC 3533 6: the fixed part of the page header. */
export const OGG_PAGE_HEADER_BYTES = 27;
/** RFC 3533 6: at most 255 segments of at most 255 bytes. */
export const OGG_MAX_SEGMENTS = 255;
export const OGG_MAX_PAGE_BODY_BYTES = 255 * 255;
/** Bound on one reassembled packet when reading (Opus packets are < 64 KiB; headers may carry cover art). */
export const OGG_MAX_PACKET_BYTES = 16 * 1024 * 1024;

export const OggHeaderType = { Continued: 0x01, BeginningOfStream: 0x02, EndOfStream: 0x04 } as const;

const OGG_CAPTURE = [0x4f, 0x67, 0x67, 0x53] as const; // "OggS"

const OGG_CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** The Ogg page CRC (RFC 3533 6). */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ (OGG_CRC_TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0;
  return crc;
}

export interface OggPage {
  readonly headerType: number;
  /** Granule position; -1n means no packet ends on this page. */
  readonly granulePosition: bigint;
  readonly serialNumber: number;
  readonly sequenceNumber: number;
  /** The lacing values. */
  readonly segments: readonly number[];
  readonly body: Uint8Array;
}

/** Parse one page at `offset` (CRC checked); returns the page and its length in bytes. */
export function parseOggPage(bytes: Uint8Array, offset = 0): { page: OggPage; pageBytes: number } {
  if (offset + OGG_PAGE_HEADER_BYTES > bytes.length) throw new ParseError('Ogg: truncated page header', { offset });
  for (let k = 0; k < 4; k++) if (bytes[offset + k] !== OGG_CAPTURE[k]) throw new ParseError('Ogg: missing capture pattern OggS', { offset });
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
  const version = view.getUint8(4);
  if (version !== 0) throw new ParseError(`Ogg: unsupported version ${version}`, { offset: offset + 4 });
  const headerType = view.getUint8(5);
  if (headerType & 0xf8) throw new ParseError('Ogg: reserved header_type bits set', { offset: offset + 5 });
  const granulePosition = view.getBigInt64(6, true);
  const serialNumber = view.getUint32(14, true);
  const sequenceNumber = view.getUint32(18, true);
  const crc = view.getUint32(22, true);
  const n = view.getUint8(26);
  const tableEnd = offset + OGG_PAGE_HEADER_BYTES + n;
  if (tableEnd > bytes.length) throw new ParseError('Ogg: truncated segment table', { offset: offset + 27 });
  const segments = Array.from(bytes.subarray(offset + OGG_PAGE_HEADER_BYTES, tableEnd));
  let bodySize = 0;
  for (const s of segments) bodySize += s;
  const end = tableEnd + bodySize;
  if (end > bytes.length) throw new ParseError('Ogg: truncated page body', { offset: tableEnd });
  const copy = new Uint8Array(end - offset); // a real copy even when `bytes` is a Buffer (whose slice is a view)
  copy.set(bytes.subarray(offset, end));
  copy.fill(0, 22, 26);
  if (oggCrc(copy) !== crc) throw new ParseError('Ogg: CRC mismatch', { offset: offset + 22 });
  return { page: { headerType, granulePosition, serialNumber, sequenceNumber, segments, body: bytes.subarray(tableEnd, end) }, pageBytes: end - offset };
}

/** Serialize a page, computing the CRC. */
export function serializeOggPage(page: OggPage): Uint8Array {
  if (page.segments.length > OGG_MAX_SEGMENTS) throw new InvalidArgumentError('Ogg: more than 255 segments');
  let bodySize = 0;
  for (const s of page.segments) {
    if (!Number.isInteger(s) || s < 0 || s > 255) throw new InvalidArgumentError('Ogg: lacing value out of range');
    bodySize += s;
  }
  if (bodySize !== page.body.length) throw new InvalidArgumentError('Ogg: lacing values do not add up to the body');
  const out = new Uint8Array(OGG_PAGE_HEADER_BYTES + page.segments.length + bodySize);
  const view = new DataView(out.buffer);
  out.set(OGG_CAPTURE, 0);
  view.setUint8(4, 0);
  view.setUint8(5, page.headerType);
  view.setBigInt64(6, page.granulePosition, true);
  view.setUint32(14, page.serialNumber >>> 0, true);
  view.setUint32(18, page.sequenceNumber >>> 0, true);
  view.setUint8(26, page.segments.length);
  out.set(page.segments, OGG_PAGE_HEADER_BYTES);
  out.set(page.body, OGG_PAGE_HEADER_BYTES + page.segments.length);
  view.setUint32(22, oggCrc(out), true);
  return out;
}

/** Parse every page of a physical bitstream, in order. */
export function parseOggPages(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const { page, pageBytes } = parseOggPage(bytes, at);
    pages.push(page);
    at += pageBytes;
  }
  return pages;
}

export interface OggPacket {
  readonly data: Uint8Array;
  readonly serialNumber: number;
  /** The granule position of the page on which this packet ends, when it is the last packet ending there; otherwise undefined. */
  readonly granulePosition: bigint | undefined;
}

/**
 * Reassemble packets from pages (RFC 3533 5). Packets of one logical stream must not be
 * interleaved with another's continuation; a page marked continued must follow an
 * unfinished packet of its stream.
 */
export function oggPackets(pages: readonly OggPage[]): OggPacket[] {
  const out: OggPacket[] = [];
  const pending = new Map<number, { parts: Uint8Array[]; size: number }>();
  for (const page of pages) {
    let partial = pending.get(page.serialNumber);
    const continued = (page.headerType & OggHeaderType.Continued) !== 0;
    if (continued !== (partial !== undefined)) throw new ParseError(continued ? 'Ogg: continued page without an open packet' : 'Ogg: open packet not continued');
    pending.delete(page.serialNumber);
    let at = 0;
    const ending: number[] = [];
    page.segments.forEach((s) => {
      const seg = page.body.subarray(at, at + s);
      at += s;
      partial ??= { parts: [], size: 0 };
      partial.parts.push(seg);
      partial.size += s;
      if (partial.size > OGG_MAX_PACKET_BYTES) throw new ParseError('Ogg: packet exceeds OGG_MAX_PACKET_BYTES');
      if (s < 255) {
        ending.push(out.length);
        out.push({ data: joinBytes(partial.parts), serialNumber: page.serialNumber, granulePosition: undefined });
        partial = undefined;
      }
    });
    if (partial !== undefined) pending.set(page.serialNumber, partial);
    const last = ending[ending.length - 1];
    if (last !== undefined && page.granulePosition !== -1n) {
      const p = out[last] as OggPacket;
      out[last] = { ...p, granulePosition: page.granulePosition };
    }
  }
  if (pending.size > 0) throw new ParseError('Ogg: stream ends inside a packet');
  return out;
}

/**
 * Builds pages of one logical stream from packets (RFC 3533 5-6): each packet is laced
 * into segments, pages hold at most 255 segments, and a page's granule position is that
 * of the last packet completed on it (-1 when none completes).
 */
export class OggPageWriter {
  readonly serialNumber: number;
  private sequenceNumber = 0;
  private first = true;

  constructor(serialNumber: number) {
    this.serialNumber = serialNumber >>> 0;
  }

  /**
   * Pages for packets that end at the given granule positions; the last page is flushed
   * (so header packets get pages of their own, RFC 7845 3) and `eos` marks it.
   */
  writePackets(packets: readonly { readonly data: Uint8Array; readonly granulePosition: bigint }[], eos = false): Uint8Array[] {
    const pages: Uint8Array[] = [];
    let segs: number[] = [];
    let body: Uint8Array[] = [];
    let granule = -1n;
    let continued = false;
    const emit = (last: boolean) => {
      let type = 0;
      if (continued) type |= OggHeaderType.Continued;
      if (this.first) type |= OggHeaderType.BeginningOfStream;
      if (last && eos) type |= OggHeaderType.EndOfStream;
      pages.push(serializeOggPage({ headerType: type, granulePosition: granule, serialNumber: this.serialNumber, sequenceNumber: this.sequenceNumber, segments: segs, body: joinBytes(body) }));
      this.first = false;
      this.sequenceNumber = (this.sequenceNumber + 1) >>> 0;
      segs = [];
      body = [];
      granule = -1n;
    };
    if (packets.length === 0) {
      if (eos) emit(true);
      return pages;
    }
    packets.forEach((pkt, idx) => {
      const data = pkt.data;
      let at = 0;
      let firstSegment = true;
      // lacing (RFC 3533 5): floor(n / 255) segments of 255, then one of n % 255 (possibly 0)
      for (;;) {
        if (segs.length === OGG_MAX_SEGMENTS) emit(false);
        if (segs.length === 0) continued = !firstSegment;
        const s = Math.min(255, data.length - at);
        segs.push(s);
        body.push(data.subarray(at, at + s));
        at += s;
        firstSegment = false;
        if (s < 255) break;
      }
      granule = pkt.granulePosition;
      if (idx === packets.length - 1) emit(true);
    });
    return pages;
  }
}
