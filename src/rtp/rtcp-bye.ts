/**
 * @module rtp/rtcp-bye
 * RTCP goodbye (BYE, PT=203), RFC 3550 section 6.6.
 *
 * ```
 * |V=2|P|    SC   |   PT=BYE=203  |             length            |
 * |                           SSRC/CSRC                           |  x SC
 * |     length    |               reason for leaving ...    (opt)  |
 * ```
 */
import type { Reader, Writer } from '../common/bytes.js';
import { InvalidArgumentError } from '../common/errors.js';

/** RFC 3550 6.6: the SC field is 5 bits. */
export const RTCP_MAX_BYE_SOURCES = 31;
/** RFC 3550 6.6: the reason's length is one octet. */
export const RTCP_BYE_REASON_MAX_BYTES = 255;

export interface RtcpBye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

export function parseBye(r: Reader, count: number): RtcpBye {
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(r.u32('BYE SSRC'));
  if (r.remaining > 0) {
    const len = r.u8('BYE reason length');
    const reason = decoder.decode(r.bytesView(len, 'BYE reason'));
    r.rest(); // zero padding to 32 bits
    return { type: 'bye', ssrcs, reason };
  }
  return { type: 'bye', ssrcs };
}

export function writeByeBody(w: Writer, p: RtcpBye): void {
  if (p.ssrcs.length > RTCP_MAX_BYE_SOURCES) throw new InvalidArgumentError(`${p.ssrcs.length} BYE sources, at most 31`);
  for (const s of p.ssrcs) w.u32(s);
  if (p.reason !== undefined) {
    const b = encoder.encode(p.reason);
    if (b.length > RTCP_BYE_REASON_MAX_BYTES) throw new InvalidArgumentError('BYE reason longer than 255 bytes');
    w.u8(b.length).bytes(b).zeros((4 - ((1 + b.length) % 4)) % 4);
  }
}
