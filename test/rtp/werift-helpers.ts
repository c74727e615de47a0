// werift-side views shared by the cross-validation tests: what werift 0.25.2 decodes from
// a packet, in our field names, so tests can compare field by field.
import { expect } from 'vitest';
import {
  RtpPacket as WRtpPacket,
  RtcpSrPacket,
  RtcpRrPacket,
  RtcpReceiverInfo,
  RtcpSourceDescriptionPacket,
  RtcpTransportLayerFeedback,
  GenericNack,
  TransportWideCC,
  RunLengthChunk,
  StatusVectorChunk,
  RtcpPayloadSpecificFeedback,
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
} from 'werift';
import type { RtpPacket, RtcpPacket, RtcpReportBlock } from '../../src/rtp/index.js';

export function expectSameRtp(ours: RtpPacket, w: WRtpPacket): void {
  const h = w.header;
  expect(h.version).toBe(2);
  expect(h.marker).toBe(ours.marker);
  expect(h.payloadType).toBe(ours.payloadType);
  expect(h.sequenceNumber).toBe(ours.sequenceNumber);
  expect(h.timestamp).toBe(ours.timestamp);
  expect(h.ssrc).toBe(ours.ssrc);
  expect(h.csrc).toEqual([...ours.csrcs]);
  expect(h.padding).toBe(ours.paddingBytes > 0);
  if (ours.paddingBytes > 0) expect(h.paddingSize).toBe(ours.paddingBytes);
  const e = ours.headerExtension;
  expect(h.extension).toBe(e !== undefined);
  if (e !== undefined) {
    if (e.type === 'raw') {
      expect(h.extensionProfile).toBe(e.profile);
      expect(h.extensions.map((x) => Uint8Array.from(x.payload))).toEqual([Uint8Array.from(e.data)]);
    } else {
      expect(h.extensionProfile).toBe(e.type === 'one-byte' ? 0xbede : 0x1000);
      expect(h.extensions.map((x) => ({ id: x.id, data: Uint8Array.from(x.payload) }))).toEqual(
        e.elements.map((x) => ({ id: x.id, data: Uint8Array.from(x.data) })),
      );
    }
  }
  expect(Uint8Array.from(w.payload)).toEqual(Uint8Array.from(ours.payload));
}

export function weriftReport(b: RtcpReportBlock): Record<string, number> {
  return {
    ssrc: b.ssrc,
    fractionLost: b.fractionLost,
    packetsLost: b.cumulativeLost & 0xffffff, // werift reads the field unsigned
    highestSequence: b.highestSequence,
    jitter: b.jitter,
    lsr: b.lastSr,
    dlsr: b.delaySinceLastSr,
  };
}

export function expandWeriftTwcc(w: TransportWideCC): { statuses: number[]; deltas: number[] } {
  const statuses: number[] = [];
  for (const c of w.packetChunks) {
    if (c instanceof RunLengthChunk) for (let i = 0; i < c.runLength; i++) statuses.push(c.packetStatus);
    else statuses.push(...(c as StatusVectorChunk).symbolList);
  }
  return { statuses: statuses.slice(0, w.packetStatusCount), deltas: w.recvDeltas.map((d) => d.delta / 250) };
}

/** What werift sees in one of our packets, in our terms (undefined where werift has no such packet). */
export function weriftView(w: unknown): unknown {
  if (w instanceof RtcpSrPacket) {
    return {
      type: 'sr',
      ssrc: w.ssrc,
      ntpTimestamp: w.senderInfo.ntpTimestamp,
      rtpTimestamp: w.senderInfo.rtpTimestamp,
      packetCount: w.senderInfo.packetCount,
      octetCount: w.senderInfo.octetCount,
      reports: w.reports.map((r) => ({ ...weriftReportOf(r) })),
    };
  }
  if (w instanceof RtcpRrPacket) return { type: 'rr', ssrc: w.ssrc, reports: w.reports.map((r) => weriftReportOf(r)) };
  if (w instanceof RtcpSourceDescriptionPacket) {
    return { type: 'sdes', chunks: w.chunks.map((c) => ({ ssrc: c.source, items: c.items.map((i) => ({ type: i.type, text: i.text })) })) };
  }
  if (w instanceof RtcpTransportLayerFeedback) {
    const f = w.feedback;
    if (f instanceof GenericNack) return { type: 'nack', senderSsrc: f.senderSsrc, mediaSsrc: f.mediaSourceSsrc, lost: f.lost.map((s) => s & 0xffff) };
    if (f instanceof TransportWideCC) {
      return {
        type: 'twcc',
        senderSsrc: f.senderSsrc,
        mediaSsrc: f.mediaSourceSsrc,
        baseSequenceNumber: f.baseSequenceNumber,
        referenceTime: (f.referenceTime << 8) >> 8,
        feedbackPacketCount: f.fbPktCount,
        ...expandWeriftTwcc(f),
      };
    }
  }
  if (w instanceof RtcpPayloadSpecificFeedback) {
    const f = w.feedback as unknown;
    if (f instanceof PictureLossIndication) return { type: 'pli', senderSsrc: f.senderSsrc, mediaSsrc: f.mediaSsrc };
    if (f instanceof ReceiverEstimatedMaxBitrate) {
      return { type: 'remb', senderSsrc: f.senderSsrc, mediaSsrc: f.mediaSsrc, bitrateBps: Number(f.bitrate), ssrcs: f.ssrcFeedbacks };
    }
    if (f !== null && typeof f === 'object' && Array.isArray((f as { fir?: unknown }).fir)) {
      const fir = f as unknown as { senderSsrc: number; mediaSsrc: number; fir: { ssrc: number; sequenceNumber: number }[] };
      return { type: 'fir', senderSsrc: fir.senderSsrc, mediaSsrc: fir.mediaSsrc, entries: fir.fir };
    }
  }
  return undefined;
}
export function weriftReportOf(r: RtcpReceiverInfo): Record<string, number> {
  return { ssrc: r.ssrc, fractionLost: r.fractionLost, packetsLost: r.packetsLost, highestSequence: r.highestSequence, jitter: r.jitter, lsr: r.lsr, dlsr: r.dlsr };
}
/** Our packet as werift can represent it. */
export function comparable(p: RtcpPacket): unknown {
  switch (p.type) {
    case 'sr':
      return { type: 'sr', ssrc: p.ssrc, ntpTimestamp: p.ntpTimestamp, rtpTimestamp: p.rtpTimestamp, packetCount: p.packetCount, octetCount: p.octetCount, reports: p.reports.map(weriftReport) };
    case 'rr':
      return { type: 'rr', ssrc: p.ssrc, reports: p.reports.map(weriftReport) };
    case 'sdes':
      return { type: 'sdes', chunks: p.chunks.map((c) => ({ ssrc: c.ssrc, items: c.items.map((i) => ({ ...i })) })) };
    case 'nack':
      return { ...p, lost: [...p.lost] };
    case 'twcc':
      return { ...p, statuses: [...p.statuses], deltas: [...p.deltas] };
    case 'fir':
      return { ...p, entries: p.entries.map((e) => ({ ...e })) };
    case 'remb':
      return { ...p, ssrcs: [...p.ssrcs] };
    default:
      return p;
  }
}

