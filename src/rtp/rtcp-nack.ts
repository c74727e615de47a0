/**
 * @module rtp/rtcp-nack
 * Generic NACK (RTPFB, PT=205, FMT=1), RFC 4585 section 6.2.1.
 *
 * ```
 * |V=2|P|  FMT=1  |   PT=205      |          length               |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 * |            PID                |             BLP               |  (x n)
 * ```
 * PID is a lost sequence number; bit i of BLP (least significant first) marks PID+i+1 lost.
 */
import type { Reader, Writer } from '../common/bytes.js';

export interface RtcpNack {
  readonly type: 'nack';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  /** Lost sequence numbers, in the order the FCI entries list them. */
  readonly lost: readonly number[];
}

export function parseNack(r: Reader, senderSsrc: number, mediaSsrc: number): RtcpNack {
  const lost: number[] = [];
  while (r.remaining >= 4) {
    const pid = r.u16('NACK PID');
    const blp = r.u16('NACK BLP');
    lost.push(pid);
    for (let i = 0; i < 16; i++) if ((blp >>> i) & 1) lost.push((pid + i + 1) & 0xffff);
  }
  return { type: 'nack', senderSsrc, mediaSsrc, lost };
}

/**
 * Pack sequence numbers into PID/BLP pairs: each pair starts at the next unlisted number
 * and takes the following ones that lie 1-16 ahead of it (modulo 2^16), in list order.
 */
export function nackPairs(lost: readonly number[]): Array<{ pid: number; blp: number }> {
  const out: Array<{ pid: number; blp: number }> = [];
  let i = 0;
  while (i < lost.length) {
    const pid = (lost[i] as number) & 0xffff;
    let blp = 0;
    let last = 0;
    i++;
    while (i < lost.length) {
      const d = (((lost[i] as number) - pid) & 0xffff);
      if (d < 1 || d > 16 || d <= last) break;
      blp |= 1 << (d - 1);
      last = d;
      i++;
    }
    out.push({ pid, blp });
  }
  return out;
}

export function writeNackFci(w: Writer, p: RtcpNack): void {
  for (const { pid, blp } of nackPairs(p.lost)) w.u16(pid).u16(blp);
}
