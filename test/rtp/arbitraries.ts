// fast-check generators for RTP and RTCP packets, shared by the RTP tests.
import fc from 'fast-check';
import type {
  RtpPacket,
  RtpHeaderExtension,
  RtcpPacket,
  RtcpReportBlock,
  RtcpTwcc,
  TwccStatus,
  RtcpXrBlock,
} from '../../src/rtp/index.js';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const words = (maxWords: number) => fc.integer({ min: 0, max: maxWords }).chain((n) => bytes(n * 4, n * 4));
// Text whose UTF-8 form fits an 8-bit length.
const text = fc.string({ unit: 'grapheme', maxLength: 20 });

export const oneByteElements = fc.uniqueArray(
  fc.record({ id: fc.integer({ min: 1, max: 14 }), data: bytes(1, 16) }),
  { selector: (e) => e.id, maxLength: 14 },
);
export const twoByteElements = fc.array(fc.record({ id: fc.integer({ min: 1, max: 255 }), data: bytes(0, 40) }), { maxLength: 8 });

export const headerExtension: fc.Arbitrary<RtpHeaderExtension> = fc.oneof(
  oneByteElements.map((elements) => ({ type: 'one-byte' as const, elements })),
  fc.record({ appBits: fc.integer({ min: 0, max: 15 }), elements: twoByteElements }).map(({ appBits, elements }) => ({ type: 'two-byte' as const, appBits, elements })),
  fc
    .record({ profile: u16.filter((p) => p !== 0xbede && p >>> 4 !== 0x100), data: words(4) })
    .map(({ profile, data }) => ({ type: 'raw' as const, profile, data })),
);

export const rtpPacket: fc.Arbitrary<RtpPacket> = fc.record({
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequenceNumber: u16,
  timestamp: u32,
  ssrc: u32,
  csrcs: fc.array(u32, { maxLength: 15 }),
  headerExtension: fc.option(headerExtension, { nil: undefined }),
  payload: bytes(0, 200),
  paddingBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
});

export const reportBlock: fc.Arbitrary<RtcpReportBlock> = fc.record({
  ssrc: u32,
  fractionLost: u8,
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSequence: u32,
  jitter: u32,
  lastSr: u32,
  delaySinceLastSr: u32,
});

const reports = fc.array(reportBlock, { maxLength: 31 });
const profileExtension = fc.option(
  words(3).filter((b) => b.length > 0),
  { nil: undefined },
);

export const twccStatuses = fc.array(fc.constantFrom<TwccStatus>(0, 1, 2, 3), { maxLength: 300 });
/** Runs make the encoder pick run length chunks too. */
export const twccStatusesWithRuns = fc
  .array(fc.record({ s: fc.constantFrom<TwccStatus>(0, 1, 2, 3), n: fc.integer({ min: 1, max: 40 }) }), { maxLength: 20 })
  .map((runs) => runs.flatMap(({ s, n }) => Array<TwccStatus>(n).fill(s)));

export function twccFor(statuses: readonly TwccStatus[]): fc.Arbitrary<RtcpTwcc> {
  const deltas = fc.tuple(
    ...statuses.filter((s) => s === 1 || s === 2).map((s) => (s === 1 ? u8 : fc.integer({ min: -32768, max: 32767 }))),
  );
  return fc.record({
    type: fc.constant('twcc' as const),
    senderSsrc: u32,
    mediaSsrc: u32,
    baseSequenceNumber: u16,
    referenceTime: fc.integer({ min: -0x800000, max: 0x7fffff }),
    feedbackPacketCount: u8,
    statuses: fc.constant(statuses),
    deltas: deltas.map((d) => d as number[]),
  });
}
export const twcc: fc.Arbitrary<RtcpTwcc> = fc.oneof(twccStatuses, twccStatusesWithRuns).chain(twccFor);

/** Strictly increasing (mod 2^16) sequence numbers spanning less than half the space. */
export const nackLost = fc
  .record({ start: u16, steps: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 60 }) })
  .map(({ start, steps }) => {
    const out = [start];
    let s = start;
    for (const d of steps) {
      s += d;
      out.push(s & 0xffff);
    }
    return out;
  });

const xrBlock: fc.Arbitrary<RtcpXrBlock> = fc.oneof(
  u64.map((ntpTimestamp) => ({ type: 'rrtr' as const, ntpTimestamp })),
  fc
    .array(fc.record({ ssrc: u32, lastRr: u32, delaySinceLastRr: u32 }), { maxLength: 4 })
    .map((subBlocks) => ({ type: 'dlrr' as const, subBlocks })),
  fc
    .record({ blockType: u8.filter((b) => b !== 4 && b !== 5), typeSpecific: u8, data: words(3) })
    .map((b) => ({ type: 'unknown' as const, ...b })),
);

/** REMB bitrates that the 18-bit mantissa carries exactly. */
const rembBitrate = fc
  .record({ mantissa: fc.integer({ min: 0, max: 0x3ffff }), exp: fc.integer({ min: 0, max: 40 }) })
  .map(({ mantissa, exp }) => mantissa * 2 ** exp);

export const rtcpPacket: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({ type: fc.constant('sr' as const), ssrc: u32, ntpTimestamp: u64, rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports, profileExtension }),
  fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports, profileExtension }),
  fc.record({
    type: fc.constant('sdes' as const),
    chunks: fc.array(
      fc.record({ ssrc: u32, items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 255 }), text }), { maxLength: 4 }) }),
      { maxLength: 5 },
    ),
  }),
  fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 31 }), reason: fc.option(text, { nil: undefined }) }),
  fc.record({
    type: fc.constant('app' as const),
    subtype: fc.integer({ min: 0, max: 31 }),
    ssrc: u32,
    name: fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 4, maxLength: 4 }),
    data: words(4),
  }),
  fc.record({ type: fc.constant('xr' as const), ssrc: u32, blocks: fc.array(xrBlock, { maxLength: 4 }) }),
  fc.record({ type: fc.constant('nack' as const), senderSsrc: u32, mediaSsrc: u32, lost: nackLost }),
  twcc,
  fc.record({ type: fc.constant('pli' as const), senderSsrc: u32, mediaSsrc: u32 }),
  fc.record({ type: fc.constant('fir' as const), senderSsrc: u32, mediaSsrc: u32, entries: fc.array(fc.record({ ssrc: u32, sequenceNumber: u8 }), { maxLength: 5 }) }),
  fc.record({ type: fc.constant('remb' as const), senderSsrc: u32, mediaSsrc: u32, bitrateBps: rembBitrate, ssrcs: fc.array(u32, { maxLength: 10 }) }),
  fc.record({
    type: fc.constant('unknown' as const),
    packetType: fc.integer({ min: 0, max: 255 }).filter((t) => t < 200 || t > 207),
    count: fc.integer({ min: 0, max: 31 }),
    body: words(4),
  }),
);
