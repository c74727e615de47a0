/**
 * @module stun/demux
 * First-byte demultiplexing of one UDP 5-tuple carrying STUN, ZRTP, DTLS, TURN
 * ChannelData and RTP/RTCP (RFC 7983 section 7, updated by RFC 8656 section 12.6 for
 * the ChannelData range 64..79):
 *
 * ```
 *                  +----------------+
 *                  |        [0..3] -+--> forward to STUN
 *                  |                |
 *                  |      [16..19] -+--> forward to ZRTP
 *                  |                |
 *      packet -->  |      [20..63] -+--> forward to DTLS
 *                  |                |
 *                  |      [64..79] -+--> forward to TURN Channel
 *                  |                |
 *                  |    [128..191] -+--> forward to RTP/RTCP
 *                  +----------------+
 * ```
 */

export type PacketKind = 'stun' | 'zrtp' | 'dtls' | 'channel-data' | 'rtp' | 'unknown';

/** The protocol the first byte of `bytes` says it is (RFC 7983 7). */
export function classifyPacket(bytes: Uint8Array): PacketKind {
  const b = bytes[0];
  if (b === undefined) return 'unknown';
  if (b <= 3) return 'stun';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return 'channel-data';
  if (b >= 128 && b <= 191) return 'rtp';
  return 'unknown';
}

export function isStun(bytes: Uint8Array): boolean {
  return classifyPacket(bytes) === 'stun';
}
export function isDtls(bytes: Uint8Array): boolean {
  return classifyPacket(bytes) === 'dtls';
}
export function isChannelData(bytes: Uint8Array): boolean {
  return classifyPacket(bytes) === 'channel-data';
}
export function isRtpOrRtcp(bytes: Uint8Array): boolean {
  return classifyPacket(bytes) === 'rtp';
}
