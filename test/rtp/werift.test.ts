// Cross-validation with werift 0.25.2 (a TypeScript stack we did not write): werift parses
// what we serialize and we parse what werift serializes, field by field.
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RtpPacket as WRtpPacket,
  RtpHeader as WRtpHeader,
  RtcpPacketConverter,
  RtcpSrPacket,
  RtcpSenderInfo,
  RtcpRrPacket,
  RtcpReceiverInfo,
  RtcpSourceDescriptionPacket,
  SourceDescriptionChunk,
  SourceDescriptionItem,
  RtcpTransportLayerFeedback,
  GenericNack,
  TransportWideCC,
  RunLengthChunk,
  StatusVectorChunk,
  RecvDelta,
  RtcpPayloadSpecificFeedback,
  PictureLossIndication,
  ReceiverEstimatedMaxBitrate,
  RtcpHeader,
  wrapRtx,
  unwrapRtx,
  serializeAbsSendTime as wSerializeAbsSendTime,
  deserializeAudioLevelIndication,
  deserializeVideoOrientation,
  isRtcp as wIsRtcp,
} from 'werift';
import {
  parseRtp,
  serializeRtp,
  parseRtcp,
  serializeRtcp,
  rtxEncode,
  rtxDecode,
  absSendTimeFromNtp,
  serializeAbsSendTime,
  serializeAudioLevel,
  serializeVideoOrientation,
  isRtcp,
} from '../../src/rtp/index.js';
import type { RtpPacket, RtcpPacket, RtcpTwcc, TwccStatus } from '../../src/rtp/index.js';
import { expectSameRtp, weriftView, comparable } from './werift-helpers.js';
import { rtpPacket as arbRtp, rtcpPacket, twcc as arbTwcc, reportBlock, u8, u16, u32, u64 } from './arbitraries.js';

const wreq = createRequire(import.meta.url);
const { FullIntraRequest } = wreq(path.resolve('node_modules/werift/lib/rtp/src/rtcp/psfb/fullIntraRequest.js')) as {
  FullIntraRequest: new (p: { senderSsrc: number; mediaSsrc: number; fir: { ssrc: number; sequenceNumber: number }[] }) => unknown;
};

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

// werift's wrapRtx keeps extension elements but not their profile, so RTX is compared on the one-byte form.
const weriftRtxPacket = arbRtp.filter(
  (p) => p.headerExtension === undefined || (p.headerExtension.type === 'one-byte' && p.headerExtension.elements.length > 0),
);

// werift reads the RFC 8285 forms only with appbits 0, and cannot express an empty one-byte block with no elements in its model.
const weriftRtp = arbRtp.filter((p) => {
  const e = p.headerExtension;
  if (e === undefined) return true;
  if (e.type === 'two-byte') return e.appBits === 0;
  if (e.type === 'raw') return e.data.length > 0;
  return true;
});

function toWerift(p: RtpPacket): WRtpPacket {
  const e = p.headerExtension;
  const header = new WRtpHeader({
    marker: p.marker,
    payloadType: p.payloadType,
    sequenceNumber: p.sequenceNumber,
    timestamp: p.timestamp,
    ssrc: p.ssrc,
    csrc: [...p.csrcs],
    padding: p.paddingBytes > 0,
    paddingSize: p.paddingBytes,
    extension: e !== undefined,
    extensionProfile: (e === undefined ? 0xbede : e.type === 'raw' ? e.profile : e.type === 'one-byte' ? 0xbede : 0x1000) as 0xbede,
    extensions:
      e === undefined ? [] : e.type === 'raw' ? [{ id: 0, payload: Buffer.from(e.data) }] : e.elements.map((x) => ({ id: x.id, payload: Buffer.from(x.data) })),
  });
  return new WRtpPacket(header, Buffer.from(p.payload));
}

describe('RTP against werift', () => {
  it('werift parses what we serialize', () => {
    fc.assert(fc.property(weriftRtp, (p) => expectSameRtp(p, WRtpPacket.deSerialize(buf(serializeRtp(p))))), { numRuns: 400 });
  });
  it('we parse what werift serializes (byte for byte the same as ours)', () => {
    fc.assert(
      fc.property(weriftRtp, (p) => {
        const wire = toWerift(p).serialize();
        const ours = parseRtp(new Uint8Array(wire));
        expectSameRtp(ours, WRtpPacket.deSerialize(wire));
        expect(serializeRtp(ours)).toEqual(new Uint8Array(wire));
      }),
      { numRuns: 400 },
    );
  });
  it('RTX (RFC 4588): our encoding equals werift wrapRtx, and each side unwraps the other', () => {
    fc.assert(
      fc.property(weriftRtxPacket, fc.integer({ min: 0, max: 127 }), u16, u32, (p0, rtxPt, rtxSeq, rtxSsrc) => {
        const p = { ...p0, paddingBytes: 0 };
        const ours = serializeRtp(rtxEncode(p, { payloadType: rtxPt, ssrc: rtxSsrc, sequenceNumber: rtxSeq }));
        const theirs = wrapRtx(WRtpPacket.deSerialize(buf(serializeRtp(p))), rtxPt, rtxSeq, rtxSsrc).serialize();
        expect(ours).toEqual(new Uint8Array(theirs));
        // werift's unwrapRtx keeps marker, timestamp and payload only (no CSRCs, no extensions).
        const back = unwrapRtx(WRtpPacket.deSerialize(buf(ours)), p.payloadType, p.ssrc);
        expectSameRtp({ ...p, csrcs: [], headerExtension: undefined }, back);
        expect(serializeRtp(rtxDecode(parseRtp(new Uint8Array(theirs)), p))).toEqual(serializeRtp(p));
      }),
      { numRuns: 200 },
    );
  });
  it('header extension values match werift encoders and decoders', () => {
    fc.assert(
      fc.property(u64, (ntp) => {
        expect(serializeAbsSendTime(absSendTimeFromNtp(ntp))).toEqual(new Uint8Array(wSerializeAbsSendTime(ntp)));
      }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 127 }), (voiceActivity, levelDbov) => {
        expect(deserializeAudioLevelIndication(buf(serializeAudioLevel({ voiceActivity, levelDbov })))).toEqual({ v: voiceActivity, level: levelDbov });
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(0 as const, 1 as const), fc.boolean(), fc.constantFrom(0 as const, 90 as const, 180 as const, 270 as const), (camera, flip, rotationDegrees) => {
        const w = deserializeVideoOrientation(buf(serializeVideoOrientation({ camera, flip, rotationDegrees })));
        expect(w).toEqual({ c: camera, f: flip ? 1 : 0, r1: rotationDegrees >= 180 ? 1 : 0, r0: rotationDegrees === 90 || rotationDegrees === 270 ? 1 : 0 });
      }),
    );
  });
  it('RTP/RTCP demultiplexing agrees with werift on SR..PSFB (RFC 5761 4)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (b1) => {
        const d = Uint8Array.of(0x80, b1, 0, 1, 0, 0, 0, 0);
        // werift accepts 192-208; RFC 5761 reserves through 223.
        if (b1 <= 208) expect(isRtcp(d)).toBe(wIsRtcp(buf(d)));
        else expect(isRtcp(d)).toBe(b1 <= 223);
      }),
    );
  });
});

// ---- RTCP ----

// The packet types werift 0.25 models (no BYE, APP or XR). It ignores SR/RR profile
// extensions, so `comparable` leaves them out.
const weriftRtcp = rtcpPacket.filter((p) => ['sr', 'rr', 'sdes', 'nack', 'twcc', 'pli', 'fir', 'remb'].includes(p.type));

describe('RTCP: werift parses what we serialize', () => {
  it('every packet type werift knows, field by field', () => {
    fc.assert(
      fc.property(weriftRtcp, (p) => {
        const ws = RtcpPacketConverter.deSerialize(buf(serializeRtcp([p])));
        expect(ws.length).toBe(1);
        expect(weriftView(ws[0])).toEqual(comparable(p));
      }),
      { numRuns: 800 },
    );
  });
  it('random TWCC feedback, field by field and through werift packetResults', () => {
    fc.assert(
      fc.property(arbTwcc, (p) => {
        const [w] = RtcpPacketConverter.deSerialize(buf(serializeRtcp([p])));
        expect(weriftView(w)).toEqual(comparable(p));
      }),
      { numRuns: 400 },
    );
  });
  it('an SR + SDES compound packet', () => {
    const packets: RtcpPacket[] = [
      { type: 'sr', ssrc: 1, ntpTimestamp: 0xeeb147dd353f7cedn, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reports: [] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'cname-x' }] }] },
    ];
    const ws = RtcpPacketConverter.deSerialize(buf(serializeRtcp(packets)));
    expect(ws.map(weriftView)).toEqual(packets.map(comparable));
  });
});

// ---- werift -> us ----

const wReport = reportBlock.map((b) => ({ ...b, cumulativeLost: b.cumulativeLost & 0x7fffff }));

type Chunk = { kind: 'run'; status: TwccStatus; run: number } | { kind: 'v1'; symbols: TwccStatus[] } | { kind: 'v2'; symbols: TwccStatus[] };
const chunkArb: fc.Arbitrary<Chunk> = fc.oneof(
  fc.record({ kind: fc.constant('run' as const), status: fc.constantFrom<TwccStatus>(0, 1, 2, 3), run: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ kind: fc.constant('v1' as const), symbols: fc.array(fc.constantFrom<TwccStatus>(0, 1), { minLength: 14, maxLength: 14 }) }),
  fc.record({ kind: fc.constant('v2' as const), symbols: fc.array(fc.constantFrom<TwccStatus>(0, 1, 2, 3), { minLength: 7, maxLength: 7 }) }),
);
const weriftTwccArb = fc.array(chunkArb, { minLength: 1, maxLength: 12 }).chain((chunks) => {
  const statuses = chunks.flatMap((c) => (c.kind === 'run' ? Array<TwccStatus>(c.run).fill(c.status) : c.symbols));
  const deltas = fc.tuple(...statuses.filter((s) => s === 1 || s === 2).map((s) => (s === 1 ? u8 : fc.integer({ min: -32768, max: 32767 }))));
  return fc.record({ chunks: fc.constant(chunks), statuses: fc.constant(statuses), deltas, senderSsrc: u32, mediaSsrc: u32, base: u16, ref: fc.integer({ min: 0, max: 0xffffff }), fb: u8 });
});

describe('RTCP: we parse what werift serializes', () => {
  it('SR with report blocks', () => {
    fc.assert(
      fc.property(u32, u64, u32, u32, u32, fc.array(wReport, { maxLength: 5 }), (ssrc, ntp, rtpTs, pc, oc, reports) => {
        const w = new RtcpSrPacket({
          ssrc,
          senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp, rtpTimestamp: rtpTs, packetCount: pc, octetCount: oc }),
          reports: reports.map((b) => new RtcpReceiverInfo({ ssrc: b.ssrc, fractionLost: b.fractionLost, packetsLost: b.cumulativeLost, highestSequence: b.highestSequence, jitter: b.jitter, lsr: b.lastSr, dlsr: b.delaySinceLastSr })),
        });
        expect(parseRtcp(new Uint8Array(w.serialize()))).toEqual([{ type: 'sr', ssrc, ntpTimestamp: ntp, rtpTimestamp: rtpTs, packetCount: pc, octetCount: oc, reports }]);
      }),
      { numRuns: 200 },
    );
  });
  it('RR with report blocks', () => {
    fc.assert(
      fc.property(u32, fc.array(wReport, { maxLength: 5 }), (ssrc, reports) => {
        const w = new RtcpRrPacket({
          ssrc,
          reports: reports.map((b) => new RtcpReceiverInfo({ ssrc: b.ssrc, fractionLost: b.fractionLost, packetsLost: b.cumulativeLost, highestSequence: b.highestSequence, jitter: b.jitter, lsr: b.lastSr, dlsr: b.delaySinceLastSr })),
        });
        expect(parseRtcp(new Uint8Array(w.serialize()))).toEqual([{ type: 'rr', ssrc, reports }]);
      }),
      { numRuns: 200 },
    );
  });
  it('SDES', () => {
    const item = fc.record({ type: fc.integer({ min: 1, max: 8 }), text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) });
    fc.assert(
      fc.property(fc.array(fc.record({ ssrc: u32, items: fc.array(item, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 4 }), (chunks) => {
        // werift 0.25 omits a chunk's null octet when the chunk is already 32-bit aligned
        // (RFC 3550 6.5 requires it); only a last chunk can survive that, so keep the others unaligned.
        const enc = new TextEncoder();
        const aligned = (c: (typeof chunks)[number]) => c.items.reduce((n, i) => n + 2 + enc.encode(i.text).length, 4) % 4 === 0;
        fc.pre(chunks.slice(0, -1).every((c) => !aligned(c)));
        const w = new RtcpSourceDescriptionPacket({
          chunks: chunks.map((c) => new SourceDescriptionChunk({ source: c.ssrc, items: c.items.map((i) => new SourceDescriptionItem(i)) })),
        });
        expect(parseRtcp(new Uint8Array(w.serialize()))).toEqual([{ type: 'sdes', chunks }]);
      }),
      { numRuns: 200 },
    );
  });
  it('generic NACK', () => {
    const lostArb = fc.record({ start: fc.integer({ min: 0, max: 60000 }), steps: fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 40 }) }).map(({ start, steps }) => {
      const out = [start];
      for (const d of steps) out.push(out[out.length - 1]! + d);
      return out.filter((s) => s <= 0xffff);
    });
    fc.assert(
      fc.property(u32, u32, lostArb, (senderSsrc, mediaSsrc, lost) => {
        const w = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc, mediaSourceSsrc: mediaSsrc, lost }) });
        expect(parseRtcp(new Uint8Array(w.serialize()))).toEqual([{ type: 'nack', senderSsrc, mediaSsrc, lost }]);
      }),
      { numRuns: 200 },
    );
  });
  it('TWCC with run length, 1-bit and 2-bit chunks in any mix', () => {
    fc.assert(
      fc.property(weriftTwccArb, (t) => {
        const packetChunks = t.chunks.map((c) =>
          c.kind === 'run'
            ? new RunLengthChunk({ packetStatus: c.status as number, runLength: c.run })
            : new StatusVectorChunk({ symbolSize: c.kind === 'v1' ? 0 : 1, symbolList: [...c.symbols] }),
        );
        let d = 0;
        const recvDeltas: RecvDelta[] = [];
        for (const s of t.statuses) if (s === 1 || s === 2) recvDeltas.push(new RecvDelta({ type: s, delta: (t.deltas[d++] as number) * 250 }));
        const w = new TransportWideCC({
          senderSsrc: t.senderSsrc,
          mediaSourceSsrc: t.mediaSsrc,
          baseSequenceNumber: t.base,
          packetStatusCount: t.statuses.length,
          referenceTime: t.ref,
          fbPktCount: t.fb,
          packetChunks: packetChunks as TransportWideCC['packetChunks'],
          recvDeltas,
          // werift pads TWCC only when asked; without it the length field truncates.
          header: new RtcpHeader({ type: 205, count: 15, version: 2, padding: true }),
        });
        const expected: RtcpTwcc = {
          type: 'twcc',
          senderSsrc: t.senderSsrc,
          mediaSsrc: t.mediaSsrc,
          baseSequenceNumber: t.base,
          referenceTime: (t.ref << 8) >> 8,
          feedbackPacketCount: t.fb,
          statuses: t.statuses,
          deltas: t.deltas as number[],
        };
        expect(parseRtcp(new Uint8Array(new RtcpTransportLayerFeedback({ feedback: w }).serialize()))).toEqual([expected]);
      }),
      { numRuns: 300 },
    );
  });
  it('PLI, FIR and REMB', () => {
    fc.assert(
      fc.property(u32, u32, fc.array(fc.record({ ssrc: u32, sequenceNumber: u8 }), { maxLength: 4 }), fc.integer({ min: 0, max: 0x3ffff }), fc.integer({ min: 0, max: 40 }), fc.array(u32, { maxLength: 5 }), (a, b, fir, mantissa, exp, ssrcs) => {
        const pli = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: a, mediaSsrc: b }) }).serialize();
        expect(parseRtcp(new Uint8Array(pli))).toEqual([{ type: 'pli', senderSsrc: a, mediaSsrc: b }]);
        const firW = new RtcpPayloadSpecificFeedback({ feedback: new FullIntraRequest({ senderSsrc: a, mediaSsrc: 0, fir }) as never }).serialize();
        // werift 0.25 writes FIR's length field one word short (it counts the FCI without the
        // header); with it corrected the bytes are a valid FIR.
        expect(firW.readUInt16BE(2)).toBe(firW.length / 4 - 2);
        firW.writeUInt16BE(firW.length / 4 - 1, 2);
        expect(parseRtcp(new Uint8Array(firW))).toEqual([{ type: 'fir', senderSsrc: a, mediaSsrc: 0, entries: fir }]);
        const remb = new RtcpPayloadSpecificFeedback({
          feedback: new ReceiverEstimatedMaxBitrate({ senderSsrc: a, mediaSsrc: 0, brExp: exp, brMantissa: mantissa, ssrcNum: ssrcs.length, ssrcFeedbacks: ssrcs }),
        }).serialize();
        expect(parseRtcp(new Uint8Array(remb))).toEqual([{ type: 'remb', senderSsrc: a, mediaSsrc: 0, bitrateBps: mantissa * 2 ** exp, ssrcs }]);
      }),
      { numRuns: 200 },
    );
  });
});
