/**
 * @module srtp/header
 * Just enough RTP and RTCP header reading for SRTP (RFC 3711 3.1, 3.4): where the RTP
 * header ends (RFC 3550 5.1: 12 bytes + 4 per CSRC + the RFC 3550 5.3.1 / RFC 8285
 * header extension), the sequence number and the SSRC; for RTCP, the sender SSRC of the
 * first packet of a compound (RFC 3550 6.4). The full RTP codec lives in src/rtp.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |           synchronization source (SSRC) identifier            |
 *   |            contributing source (CSRC) identifiers             |  CC x 4 bytes
 *   |      defined by profile       |           length              |  if X
 *   |                        header extension                       |  length x 4 bytes
 */
import { ParseError } from '../common/errors.js';

/**
 * Largest packet an SRTP context accepts: 65535 bytes, the most a UDP datagram (RFC 768)
 * or an RFC 4571 TCP frame can carry. Bounds every scratch buffer sized by packets.
 */
export const MAX_SRTP_PACKET_LENGTH = 0xffff;
/** Fixed RTP header (RFC 3550 5.1). */
export const RTP_FIXED_HEADER_LENGTH = 12;
/** Fixed RTCP header plus sender SSRC, left in the clear by SRTCP (RFC 3711 3.4). */
export const RTCP_FIXED_HEADER_LENGTH = 8;

/**
 * Length of the RTP header of `packet` when it must end at or before `limit`; a negative
 * number when the bytes are not such a header (-1 too short, -2 not version 2, -3 header
 * runs past `limit`). No exceptions: this runs on every remote packet.
 */
export function rtpHeaderLength(packet: Uint8Array, limit: number): number {
  if (limit < RTP_FIXED_HEADER_LENGTH || packet.length < limit) return -1;
  const b0 = packet[0] as number;
  if (b0 >> 6 !== 2) return -2;
  let n = RTP_FIXED_HEADER_LENGTH + 4 * (b0 & 0x0f);
  if (b0 & 0x10) {
    if (n + 4 > limit) return -3;
    n += 4 + 4 * (((packet[n + 2] as number) << 8) | (packet[n + 3] as number));
  }
  return n > limit ? -3 : n;
}

/** The RTP sequence number (bytes 2-3). `packet` must hold a fixed header. */
export function rtpSequenceNumber(packet: Uint8Array): number {
  return ((packet[2] as number) << 8) | (packet[3] as number);
}

/** Big-endian u32 at `at`. */
export function readU32(packet: Uint8Array, at: number): number {
  return (((packet[at] as number) << 24) | ((packet[at + 1] as number) << 16) | ((packet[at + 2] as number) << 8) | (packet[at + 3] as number)) >>> 0;
}

/** What SRTP reads from an RTP header. */
export interface SrtpRtpHeaderInfo {
  readonly headerLength: number;
  readonly sequenceNumber: number;
  readonly ssrc: number;
}

/**
 * Reads the SRTP-relevant fields of the RTP packet `packet`, whose last `trailerLength`
 * bytes (an authentication tag) are not part of it. Throws `ParseError` when malformed.
 */
export function readRtpHeader(packet: Uint8Array, trailerLength = 0): SrtpRtpHeaderInfo {
  const limit = packet.length - trailerLength;
  const n = rtpHeaderLength(packet, limit);
  if (n === -1) throw new ParseError(`rtp: ${packet.length} bytes is too short for an RTP header`, { offset: 0 });
  if (n === -2) throw new ParseError(`rtp: version ${(packet[0] as number) >> 6}, expected 2`, { offset: 0 });
  if (n < 0) throw new ParseError('rtp: CSRC list or header extension runs past the end of the packet', { offset: 0 });
  return { headerLength: n, sequenceNumber: rtpSequenceNumber(packet), ssrc: readU32(packet, 8) };
}

/** Reads the sender SSRC of an RTCP packet (bytes 4-7). Throws `ParseError` when malformed. */
export function readRtcpSenderSsrc(packet: Uint8Array): number {
  if (packet.length < RTCP_FIXED_HEADER_LENGTH) throw new ParseError(`rtcp: ${packet.length} bytes is too short for an RTCP header`, { offset: 0 });
  if ((packet[0] as number) >> 6 !== 2) throw new ParseError(`rtcp: version ${(packet[0] as number) >> 6}, expected 2`, { offset: 0 });
  return readU32(packet, 4);
}

/**
 * RFC 5761 4 (RTP and RTCP on one port): a packet whose second byte, the RTCP packet type,
 * is in 192..223 is RTCP (payload types 64-95 with the marker bit set are never used).
 */
export function isRtcpPacket(packet: Uint8Array): boolean {
  const pt = packet[1];
  return pt !== undefined && pt >= 192 && pt <= 223;
}
