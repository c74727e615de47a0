/**
 * @module rtp/rtcp
 * RTCP packets and compound packets (RFC 3550 section 6.1 and 6.4-6.7, appendix A.2),
 * feedback messages (RFC 4585 section 6.1: RTPFB/PSFB common format), extended reports
 * (RFC 3611) and reduced-size RTCP (RFC 5506 section 3: a datagram may hold any single
 * packet, so the parser does not insist on an SR/RR first; `isCompoundRtcp` checks that).
 *
 * ```
 * |V=2|P| RC/FMT  |      PT       |  length (32-bit words - 1)    |
 * ```
 * Packet types and feedback formats this module does not know are kept raw as
 * `{ type: 'unknown', packetType, count, body }`.
 */
import { Reader, Writer } from '../common/bytes.js';
import { ParseError, InvalidArgumentError } from '../common/errors.js';
import { parseSenderReport, parseReceiverReport, writeSenderReportBody, writeReceiverReportBody } from './rtcp-report.js';
import type { RtcpSenderReport, RtcpReceiverReport } from './rtcp-report.js';
import { parseSourceDescription, writeSourceDescriptionBody } from './rtcp-sdes.js';
import type { RtcpSourceDescription } from './rtcp-sdes.js';
import { parseBye, writeByeBody } from './rtcp-bye.js';
import type { RtcpBye } from './rtcp-bye.js';
import { parseApp, writeAppBody } from './rtcp-app.js';
import type { RtcpApp } from './rtcp-app.js';
import { parseExtendedReport, writeExtendedReportBody } from './rtcp-xr.js';
import type { RtcpExtendedReport } from './rtcp-xr.js';
import { parseNack, writeNackFci } from './rtcp-nack.js';
import type { RtcpNack } from './rtcp-nack.js';
import { parseTwcc, writeTwccFci } from './rtcp-twcc.js';
import type { RtcpTwcc } from './rtcp-twcc.js';
import { parseFir, parseRemb, writeFirFci, writeRembFci } from './rtcp-psfb.js';
import type { RtcpPli, RtcpFir, RtcpRemb } from './rtcp-psfb.js';

/** RTCP packet types (RFC 3550 12.1, RFC 4585 6.1, RFC 3611 2). */
export const RtcpPacketType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Bye: 203,
  App: 204,
  TransportFeedback: 205,
  PayloadFeedback: 206,
  ExtendedReport: 207,
} as const;

/** RTPFB formats (RFC 4585 6.2, draft-holmer-...-01 3.1). */
export const RtpfbFormat = { Nack: 1, TransportWideCc: 15 } as const;
/** PSFB formats (RFC 4585 6.3, RFC 5104 4.3, application layer feedback 6.4). */
export const PsfbFormat = { Pli: 1, Fir: 4, ApplicationLayer: 15 } as const;

/** RFC 3550 6.4.1: common header size. */
export const RTCP_HEADER_BYTES = 4;
/** RFC 4585 6.1: feedback messages carry sender and media source SSRCs. */
export const RTCP_FEEDBACK_HEADER_BYTES = 8;

/**
 * Bound on the entries one datagram may expand to (TWCC statuses plus NACKed sequence
 * numbers). A TWCC run length chunk names up to 8191 packets in 2 bytes (draft-holmer
 * 3.1.3), so without a datagram-wide cap a 1500-byte compound could expand to millions of
 * entries. Two full-size TWCC packets (2 x 65535, the 16-bit status count) still fit.
 */
export const RTCP_MAX_EXPANDED_ENTRIES_PER_DATAGRAM = 2 * 0xffff;

/** A packet type or feedback format this module does not decode, kept as its body (padding removed). */
export interface RtcpUnknown {
  readonly type: 'unknown';
  readonly packetType: number;
  /** The 5-bit RC/SC/FMT/subtype field. */
  readonly count: number;
  readonly body: Uint8Array;
}

export type RtcpPacket =
  | RtcpSenderReport
  | RtcpReceiverReport
  | RtcpSourceDescription
  | RtcpBye
  | RtcpApp
  | RtcpExtendedReport
  | RtcpNack
  | RtcpTwcc
  | RtcpPli
  | RtcpFir
  | RtcpRemb
  | RtcpUnknown;

function parseOne(pt: number, count: number, body: Uint8Array): RtcpPacket {
  const r = new Reader(body);
  switch (pt) {
    case RtcpPacketType.SenderReport:
      return parseSenderReport(r, count);
    case RtcpPacketType.ReceiverReport:
      return parseReceiverReport(r, count);
    case RtcpPacketType.SourceDescription:
      return parseSourceDescription(r, count);
    case RtcpPacketType.Bye:
      return parseBye(r, count);
    case RtcpPacketType.App:
      return parseApp(r, count);
    case RtcpPacketType.ExtendedReport:
      return parseExtendedReport(r);
    case RtcpPacketType.TransportFeedback:
    case RtcpPacketType.PayloadFeedback: {
      const senderSsrc = r.u32('feedback sender SSRC');
      const mediaSsrc = r.u32('feedback media SSRC');
      if (pt === RtcpPacketType.TransportFeedback) {
        if (count === RtpfbFormat.Nack) return parseNack(r, senderSsrc, mediaSsrc);
        if (count === RtpfbFormat.TransportWideCc) return parseTwcc(r, senderSsrc, mediaSsrc);
      } else {
        if (count === PsfbFormat.Pli) return { type: 'pli', senderSsrc, mediaSsrc };
        if (count === PsfbFormat.Fir) return parseFir(r, senderSsrc, mediaSsrc);
        if (count === PsfbFormat.ApplicationLayer) {
          const remb = parseRemb(r.rest(), senderSsrc, mediaSsrc);
          if (remb !== undefined) return remb;
        }
      }
      return { type: 'unknown', packetType: pt, count, body };
    }
    default:
      return { type: 'unknown', packetType: pt, count, body };
  }
}

/**
 * Parse a compound (or reduced-size, RFC 5506) RTCP datagram into its packets.
 * Throws only `ParseError`. Views into `bytes` are kept in `body`/`data` fields.
 */
export function parseRtcp(bytes: Uint8Array): RtcpPacket[] {
  const r = new Reader(bytes);
  const out: RtcpPacket[] = [];
  let expanded = 0;
  if (bytes.length === 0) throw new ParseError('RTCP: empty datagram', { offset: 0 });
  while (!r.done) {
    const at = r.offset;
    const b0 = r.u8('RTCP header');
    if (b0 >>> 6 !== 2) throw new ParseError(`RTCP: version ${b0 >>> 6}, expected 2`, { offset: at });
    const pt = r.u8('RTCP packet type');
    const len = r.u16('RTCP length') * 4;
    const body = r.bytesView(len, 'RTCP packet body');
    const count = b0 & 0x1f;
    let content = body;
    // TWCC deltas are self-delimiting; some senders set P with a zero count or pad inside
    // the deltas, so its padding is ignored rather than trusted (the FCI parser stops early).
    const twcc = pt === RtcpPacketType.TransportFeedback && count === RtpfbFormat.TransportWideCc;
    if ((b0 & 0x20) !== 0 && !twcc) {
      const pad = len === 0 ? 0 : (body[len - 1] as number);
      if (pad === 0 || pad > len) throw new ParseError(`RTCP: padding count ${pad} is invalid`, { offset: at });
      content = body.subarray(0, len - pad);
    }
    if ((pt === RtcpPacketType.TransportFeedback || pt === RtcpPacketType.PayloadFeedback) && content.length < RTCP_FEEDBACK_HEADER_BYTES) {
      throw new ParseError('RTCP feedback: shorter than its two SSRCs', { offset: at });
    }
    const p = parseOne(pt, count, content);
    if (p.type === 'twcc') expanded += p.statuses.length;
    else if (p.type === 'nack') expanded += p.lost.length;
    if (expanded > RTCP_MAX_EXPANDED_ENTRIES_PER_DATAGRAM) {
      throw new ParseError(`RTCP: datagram expands to more than ${RTCP_MAX_EXPANDED_ENTRIES_PER_DATAGRAM} feedback entries`, { offset: at });
    }
    out.push(p);
  }
  return out;
}

/** RFC 3550 6.1 / A.2: a compound packet starts with SR or RR (reduced-size packets need not). */
export function isCompoundRtcp(packets: readonly RtcpPacket[]): boolean {
  const first = packets[0];
  return first !== undefined && (first.type === 'sr' || first.type === 'rr');
}

function headerOf(p: RtcpPacket): { count: number; pt: number } {
  switch (p.type) {
    case 'sr':
      return { count: p.reports.length, pt: RtcpPacketType.SenderReport };
    case 'rr':
      return { count: p.reports.length, pt: RtcpPacketType.ReceiverReport };
    case 'sdes':
      return { count: p.chunks.length, pt: RtcpPacketType.SourceDescription };
    case 'bye':
      return { count: p.ssrcs.length, pt: RtcpPacketType.Bye };
    case 'app':
      return { count: p.subtype, pt: RtcpPacketType.App };
    case 'xr':
      return { count: 0, pt: RtcpPacketType.ExtendedReport };
    case 'nack':
      return { count: RtpfbFormat.Nack, pt: RtcpPacketType.TransportFeedback };
    case 'twcc':
      return { count: RtpfbFormat.TransportWideCc, pt: RtcpPacketType.TransportFeedback };
    case 'pli':
      return { count: PsfbFormat.Pli, pt: RtcpPacketType.PayloadFeedback };
    case 'fir':
      return { count: PsfbFormat.Fir, pt: RtcpPacketType.PayloadFeedback };
    case 'remb':
      return { count: PsfbFormat.ApplicationLayer, pt: RtcpPacketType.PayloadFeedback };
    case 'unknown':
      return { count: p.count, pt: p.packetType };
  }
}

/** Append one RTCP packet to `w`. Throws `InvalidArgumentError` on fields that do not fit. */
export function writeRtcpPacket(w: Writer, p: RtcpPacket): void {
  const { count, pt } = headerOf(p);
  if (!(count >= 0 && count <= 31)) throw new InvalidArgumentError(`RTCP count ${count} does not fit 5 bits`);
  if (!(pt >= 0 && pt <= 255)) throw new InvalidArgumentError(`RTCP packet type ${pt}`);
  const start = w.length;
  w.u8(0x80 | count).u8(pt).u16(0);
  switch (p.type) {
    case 'sr':
      writeSenderReportBody(w, p);
      break;
    case 'rr':
      writeReceiverReportBody(w, p);
      break;
    case 'sdes':
      writeSourceDescriptionBody(w, p);
      break;
    case 'bye':
      writeByeBody(w, p);
      break;
    case 'app':
      writeAppBody(w, p);
      break;
    case 'xr':
      writeExtendedReportBody(w, p);
      break;
    case 'nack':
      w.u32(p.senderSsrc).u32(p.mediaSsrc);
      writeNackFci(w, p);
      break;
    case 'twcc':
      w.u32(p.senderSsrc).u32(p.mediaSsrc);
      writeTwccFci(w, p);
      break;
    case 'pli':
      w.u32(p.senderSsrc).u32(p.mediaSsrc);
      break;
    case 'fir':
      w.u32(p.senderSsrc).u32(p.mediaSsrc);
      writeFirFci(w, p);
      break;
    case 'remb':
      w.u32(p.senderSsrc).u32(p.mediaSsrc);
      writeRembFci(w, p);
      break;
    case 'unknown':
      if (p.body.length % 4 !== 0) throw new InvalidArgumentError('RTCP unknown packet body must be whole 32-bit words');
      w.bytes(p.body);
      break;
  }
  const rem = (w.length - start) % 4;
  if (rem !== 0) {
    // Only TWCC ends off a word boundary: pad with the P bit as libwebrtc does (RFC 3550 6.4.1).
    const pad = 4 - rem;
    w.zeros(pad - 1).u8(pad);
    w.setU16(start, ((0xa0 | count) << 8) | pt);
  }
  const words = (w.length - start) / 4 - 1;
  if (words > 0xffff) throw new InvalidArgumentError('RTCP packet longer than 65535 words');
  w.setU16(start + 2, words);
}

/** Serialize packets back to back: a compound packet, or a single reduced-size one. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  const w = new Writer(256);
  for (const p of packets) writeRtcpPacket(w, p);
  return w.finish();
}
