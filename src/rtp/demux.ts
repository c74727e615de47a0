/**
 * @module rtp/demux
 * Telling RTP from RTCP on one port (RFC 5761 section 4): the second octet holds the
 * RTCP packet type where RTP holds M and PT. RTCP types 192-223 fall on RTP payload
 * types 64-95 (with or without the marker), which RFC 5761 forbids for RTP when muxing.
 * Whether the datagram is RTP/RTCP at all is RFC 7983 (first byte 128-191).
 */

/** RFC 5761 4: the range of the second octet that marks RTCP. */
export const RTCP_PACKET_TYPE_MIN = 192;
export const RTCP_PACKET_TYPE_MAX = 223;

/** RFC 7983 section 7: first byte 128-191 is RTP or RTCP. */
export function isRtpOrRtcp(bytes: Uint8Array): boolean {
  const b = bytes[0];
  return b !== undefined && b >= 128 && b <= 191;
}

/** RFC 5761 4: true when the datagram is RTCP rather than RTP. */
export function isRtcp(bytes: Uint8Array): boolean {
  const pt = bytes[1];
  return bytes.length >= 4 && pt !== undefined && pt >= RTCP_PACKET_TYPE_MIN && pt <= RTCP_PACKET_TYPE_MAX;
}
