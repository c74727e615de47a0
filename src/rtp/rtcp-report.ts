/**
 * @module rtp/rtcp-report
 * RTCP sender report (SR, PT=200, RFC 3550 section 6.4.1), receiver report (RR, PT=201,
 * section 6.4.2) and the report block they share.
 *
 * ```
 * SR:  |V=2|P|    RC   |   PT=SR=200   |             length            |
 *      |                         SSRC of sender                        |
 *      |              NTP timestamp, most significant word             |
 *      |             NTP timestamp, least significant word             |
 *      |                         RTP timestamp                         |
 *      |                     sender's packet count                     |
 *      |                      sender's octet count                     |
 *      |                 report blocks (24 bytes each) ...             |
 *      |                  profile-specific extensions                  |
 * block: SSRC | fraction lost (8) | cumulative lost (24, signed) | ext. highest seq |
 *        interarrival jitter | last SR (LSR) | delay since last SR (DLSR)
 * ```
 */
import type { Reader, Writer } from '../common/bytes.js';
import { InvalidArgumentError } from '../common/errors.js';

/** RFC 3550 6.4.1: the RC field is 5 bits. */
export const RTCP_MAX_REPORT_BLOCKS = 31;
export const RTCP_REPORT_BLOCK_BYTES = 24;

export interface RtcpReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the previous report, as a fixed-point number with the binary point at the left (0-255). */
  readonly fractionLost: number;
  /** Cumulative number of packets lost, signed 24 bits (duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  readonly highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR, or 0. */
  readonly lastSr: number;
  /** Delay since that SR, in units of 1/65536 s. */
  readonly delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** 64-bit NTP timestamp (RFC 5905 format: seconds since 1900 << 32 | fraction). */
  readonly ntpTimestamp: bigint;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
  /** Profile-specific extension bytes after the report blocks (RFC 3550 6.4.1), when present. */
  readonly profileExtension?: Uint8Array;
}

export interface RtcpReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
  readonly profileExtension?: Uint8Array;
}

export function readReportBlock(r: Reader): RtcpReportBlock {
  const ssrc = r.u32('report block SSRC');
  const fractionLost = r.u8('fraction lost');
  const lost24 = r.u24('cumulative lost');
  return {
    ssrc,
    fractionLost,
    cumulativeLost: (lost24 << 8) >> 8,
    highestSequence: r.u32('highest sequence'),
    jitter: r.u32('jitter'),
    lastSr: r.u32('LSR'),
    delaySinceLastSr: r.u32('DLSR'),
  };
}

export function writeReportBlock(w: Writer, b: RtcpReportBlock): void {
  if (!(b.cumulativeLost >= -0x800000 && b.cumulativeLost <= 0x7fffff)) throw new InvalidArgumentError('cumulative lost must fit 24 signed bits');
  w.u32(b.ssrc).u8(b.fractionLost & 0xff).u24(b.cumulativeLost & 0xffffff).u32(b.highestSequence).u32(b.jitter).u32(b.lastSr).u32(b.delaySinceLastSr);
}

function readBlocks(r: Reader, count: number): RtcpReportBlock[] {
  const out: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) out.push(readReportBlock(r));
  return out;
}

export function parseSenderReport(r: Reader, count: number): RtcpSenderReport {
  const ssrc = r.u32('SR SSRC');
  const ntpTimestamp = r.u64('SR NTP timestamp');
  const rtpTimestamp = r.u32('SR RTP timestamp');
  const packetCount = r.u32('SR packet count');
  const octetCount = r.u32('SR octet count');
  const reports = readBlocks(r, count);
  const ext = r.rest();
  const sr: RtcpSenderReport = { type: 'sr', ssrc, ntpTimestamp, rtpTimestamp, packetCount, octetCount, reports };
  return ext.length > 0 ? { ...sr, profileExtension: ext } : sr;
}

export function parseReceiverReport(r: Reader, count: number): RtcpReceiverReport {
  const ssrc = r.u32('RR SSRC');
  const reports = readBlocks(r, count);
  const ext = r.rest();
  const rr: RtcpReceiverReport = { type: 'rr', ssrc, reports };
  return ext.length > 0 ? { ...rr, profileExtension: ext } : rr;
}

function checkReports(reports: readonly RtcpReportBlock[], ext: Uint8Array | undefined): void {
  if (reports.length > RTCP_MAX_REPORT_BLOCKS) throw new InvalidArgumentError(`${reports.length} report blocks, at most 31`);
  if (ext !== undefined && ext.length % 4 !== 0) throw new InvalidArgumentError('profile extension must be a multiple of 4 bytes');
}

/** Writes the body (after the common header) of an SR; the caller writes the header with RC = reports.length. */
export function writeSenderReportBody(w: Writer, p: RtcpSenderReport): void {
  checkReports(p.reports, p.profileExtension);
  w.u32(p.ssrc).u64(BigInt.asUintN(64, p.ntpTimestamp)).u32(p.rtpTimestamp).u32(p.packetCount).u32(p.octetCount);
  for (const b of p.reports) writeReportBlock(w, b);
  if (p.profileExtension !== undefined) w.bytes(p.profileExtension);
}

export function writeReceiverReportBody(w: Writer, p: RtcpReceiverReport): void {
  checkReports(p.reports, p.profileExtension);
  w.u32(p.ssrc);
  for (const b of p.reports) writeReportBlock(w, b);
  if (p.profileExtension !== undefined) w.bytes(p.profileExtension);
}
