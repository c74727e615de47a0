/**
 * @module rtp/rtcp-xr
 * RTCP extended reports (XR, PT=207), RFC 3611 section 2 and 3 (packet and block
 * framing), 4.4 (Receiver Reference Time block, BT=4) and 4.5 (DLRR block, BT=5).
 * Other block types are kept raw.
 *
 * ```
 * |V=2|P|reserved |   PT=XR=207   |             length            |
 * |                              SSRC                             |
 * :                         report blocks                         :
 * block: |      BT       | type-specific |         block length          |  (words - 1)
 * RRTR:  |     BT=4      |   reserved    |       block length = 2        |
 *        |              NTP timestamp, most significant word             |
 *        |             NTP timestamp, least significant word             |
 * DLRR:  |     BT=5      |   reserved    |         block length          |
 *        |                 SSRC_1 (SSRC of first receiver)               | sub-
 *        |                         last RR (LRR)                         | block
 *        |                   delay since last RR (DLRR)                  | (x n)
 * ```
 */
import type { Reader, Writer } from '../common/bytes.js';
import { InvalidArgumentError } from '../common/errors.js';

export const XrBlockType = { ReceiverReferenceTime: 4, Dlrr: 5 } as const;

export interface XrDlrrSubBlock {
  readonly ssrc: number;
  /** Middle 32 bits of the NTP timestamp of the last RRTR received from `ssrc`. */
  readonly lastRr: number;
  /** In units of 1/65536 s. */
  readonly delaySinceLastRr: number;
}

export type RtcpXrBlock =
  | { readonly type: 'rrtr'; readonly ntpTimestamp: bigint }
  | { readonly type: 'dlrr'; readonly subBlocks: readonly XrDlrrSubBlock[] }
  | { readonly type: 'unknown'; readonly blockType: number; readonly typeSpecific: number; readonly data: Uint8Array };

export interface RtcpExtendedReport {
  readonly type: 'xr';
  readonly ssrc: number;
  readonly blocks: readonly RtcpXrBlock[];
}

/** RFC 3611 3: the block length field is 16 bits of 32-bit words. */
export const XR_MAX_BLOCK_WORDS = 0xffff;

export function parseExtendedReport(r: Reader): RtcpExtendedReport {
  const ssrc = r.u32('XR SSRC');
  const blocks: RtcpXrBlock[] = [];
  while (r.remaining > 0) {
    const bt = r.u8('XR block type');
    const typeSpecific = r.u8('XR type-specific');
    const words = r.u16('XR block length');
    const data = r.bytesView(words * 4, 'XR block');
    if (bt === XrBlockType.ReceiverReferenceTime && words === 2) {
      const v = new DataView(data.buffer, data.byteOffset, 8);
      blocks.push({ type: 'rrtr', ntpTimestamp: v.getBigUint64(0) });
    } else if (bt === XrBlockType.Dlrr && words % 3 === 0) {
      const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const subBlocks: XrDlrrSubBlock[] = [];
      for (let at = 0; at < data.length; at += 12) {
        subBlocks.push({ ssrc: v.getUint32(at), lastRr: v.getUint32(at + 4), delaySinceLastRr: v.getUint32(at + 8) });
      }
      blocks.push({ type: 'dlrr', subBlocks });
    } else {
      blocks.push({ type: 'unknown', blockType: bt, typeSpecific, data });
    }
  }
  return { type: 'xr', ssrc, blocks };
}

export function writeExtendedReportBody(w: Writer, p: RtcpExtendedReport): void {
  w.u32(p.ssrc);
  for (const b of p.blocks) {
    switch (b.type) {
      case 'rrtr':
        w.u8(XrBlockType.ReceiverReferenceTime).u8(0).u16(2).u64(BigInt.asUintN(64, b.ntpTimestamp));
        break;
      case 'dlrr':
        if (b.subBlocks.length * 3 > XR_MAX_BLOCK_WORDS) throw new InvalidArgumentError('too many DLRR sub-blocks');
        w.u8(XrBlockType.Dlrr).u8(0).u16(b.subBlocks.length * 3);
        for (const s of b.subBlocks) w.u32(s.ssrc).u32(s.lastRr).u32(s.delaySinceLastRr);
        break;
      case 'unknown':
        if (b.data.length % 4 !== 0 || b.data.length / 4 > XR_MAX_BLOCK_WORDS) throw new InvalidArgumentError('XR block data must be whole 32-bit words');
        w.u8(b.blockType & 0xff).u8(b.typeSpecific & 0xff).u16(b.data.length / 4).bytes(b.data);
        break;
    }
  }
}
