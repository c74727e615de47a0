/**
 * @module rtp/rtcp-sdes
 * RTCP source description (SDES, PT=202), RFC 3550 section 6.5.
 *
 * ```
 * |V=2|P|    SC   |  PT=SDES=202  |             length            |
 * |                          SSRC/CSRC_1                          |   chunk 1
 * |    item type  |     length    | text (length octets) ...       |
 * |  ... items, then a null octet (item type 0) and zero padding to 32 bits
 * ```
 */
import type { Reader, Writer } from '../common/bytes.js';
import { ParseError, InvalidArgumentError } from '../common/errors.js';

/** RFC 3550 6.5: SDES item types (CNAME 6.5.1 ... PRIV 6.5.8). */
export const SdesItemType = {
  End: 0,
  Cname: 1,
  Name: 2,
  Email: 3,
  Phone: 4,
  Loc: 5,
  Tool: 6,
  Note: 7,
  Priv: 8,
} as const;
export type SdesItemType = (typeof SdesItemType)[keyof typeof SdesItemType];

/** RFC 3550 6.5: the SC field is 5 bits. */
export const RTCP_MAX_SDES_CHUNKS = 31;
/** RFC 3550 6.5: an item's length is one octet. */
export const RTCP_SDES_ITEM_MAX_BYTES = 255;

export interface RtcpSdesItem {
  /** 1-255 (0 terminates the list and is not an item). */
  readonly type: number;
  /** UTF-8 text (RFC 3550 6.5: ISO 10646 in UTF-8). PRIV items keep their prefix length byte inside. */
  readonly text: string;
}
export interface RtcpSdesChunk {
  readonly ssrc: number;
  readonly items: readonly RtcpSdesItem[];
}
export interface RtcpSourceDescription {
  readonly type: 'sdes';
  readonly chunks: readonly RtcpSdesChunk[];
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

export function parseSourceDescription(r: Reader, count: number): RtcpSourceDescription {
  const start = r.offset;
  const chunks: RtcpSdesChunk[] = [];
  for (let i = 0; i < count; i++) {
    const ssrc = r.u32('SDES chunk SSRC');
    const items: RtcpSdesItem[] = [];
    for (;;) {
      // Lenient: a last chunk that ends exactly at the packet end without its null octet
      // (werift 0.25 omits it when the chunk is already 32-bit aligned) is accepted.
      if (r.remaining === 0 && i === count - 1) break;
      const type = r.u8('SDES item type');
      if (type === SdesItemType.End) break;
      const len = r.u8('SDES item length');
      items.push({ type, text: decoder.decode(r.bytesView(len, 'SDES item text')) });
    }
    // The null octet is followed by zero to three more to reach a 32-bit boundary.
    const pad = (4 - ((r.offset - start) % 4)) % 4;
    if (pad > r.remaining) throw new ParseError('SDES chunk padding overruns the packet', { offset: r.offset });
    r.skip(pad);
    chunks.push({ ssrc, items });
  }
  return { type: 'sdes', chunks };
}

export function writeSourceDescriptionBody(w: Writer, p: RtcpSourceDescription): void {
  if (p.chunks.length > RTCP_MAX_SDES_CHUNKS) throw new InvalidArgumentError(`${p.chunks.length} SDES chunks, at most 31`);
  for (const c of p.chunks) {
    const start = w.length;
    w.u32(c.ssrc);
    for (const it of c.items) {
      if (!(it.type >= 1 && it.type <= 255)) throw new InvalidArgumentError(`SDES item type ${it.type}`);
      const b = encoder.encode(it.text);
      if (b.length > RTCP_SDES_ITEM_MAX_BYTES) throw new InvalidArgumentError('SDES item longer than 255 bytes');
      w.u8(it.type).u8(b.length).bytes(b);
    }
    w.u8(SdesItemType.End);
    w.zeros((4 - ((w.length - start) % 4)) % 4);
  }
}
