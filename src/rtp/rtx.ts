/**
 * @module rtp/rtx
 * RTP retransmission payload format (RFC 4588 section 4): the retransmission packet
 * carries the original sequence number (OSN) in the first two payload octets, then the
 * original payload; it uses its own SSRC, payload type and sequence space (session
 * multiplexing, section 6 / 8.3), with the original marker, timestamp and CSRCs.
 *
 * ```
 * |                         RTP Header                            |
 * |            OSN                |                               |
 * |                  Original RTP Packet Payload                  |
 * ```
 */
import { ParseError } from '../common/errors.js';
import type { RtpPacket } from './rtp-packet.js';

/** RFC 4588 4: the OSN field. */
export const RTX_OSN_BYTES = 2;

/** Wrap `original` for retransmission on the RTX stream. The original's padding is dropped (the RTX sender pads on its own). */
export function rtxEncode(original: RtpPacket, rtx: { readonly payloadType: number; readonly ssrc: number; readonly sequenceNumber: number }): RtpPacket {
  const payload = new Uint8Array(RTX_OSN_BYTES + original.payload.length);
  payload[0] = (original.sequenceNumber >>> 8) & 0xff;
  payload[1] = original.sequenceNumber & 0xff;
  payload.set(original.payload, RTX_OSN_BYTES);
  return {
    ...original,
    payloadType: rtx.payloadType,
    ssrc: rtx.ssrc,
    sequenceNumber: rtx.sequenceNumber & 0xffff,
    payload,
    paddingBytes: 0,
  };
}

/**
 * Recover the original packet from an RTX packet, given the original stream's payload
 * type (from a=fmtp apt=) and SSRC. The payload is a view into the RTX payload.
 * Throws `ParseError` when the payload has no OSN (for example padding-only probes).
 */
export function rtxDecode(rtx: RtpPacket, original: { readonly payloadType: number; readonly ssrc: number }): RtpPacket {
  if (rtx.payload.length < RTX_OSN_BYTES) throw new ParseError('RTX packet without an original sequence number', { offset: 0 });
  const osn = ((rtx.payload[0] as number) << 8) | (rtx.payload[1] as number);
  return {
    ...rtx,
    payloadType: original.payloadType,
    ssrc: original.ssrc,
    sequenceNumber: osn,
    payload: rtx.payload.subarray(RTX_OSN_BYTES),
    paddingBytes: 0,
  };
}
