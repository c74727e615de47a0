import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError, InvalidArgumentError } from '../../src/common/errors.js';
import { parseRtcp, serializeRtcp, isCompoundRtcp, nackPairs, rembExpMantissa, RTCP_MAX_EXPANDED_ENTRIES_PER_DATAGRAM } from '../../src/rtp/index.js';
import type { RtcpPacket, RtcpTwcc } from '../../src/rtp/index.js';
import { rtcpPacket, nackLost } from './arbitraries.js';
import { rtcpPacketVectors, vectorBytes, revive } from './vectors.js';

describe('RTCP vectors (RFC 3550 6, RFC 4585 6, RFC 5104, RFC 3611, REMB, TWCC, ffmpeg capture)', () => {
  for (const v of rtcpPacketVectors) {
    it(v.name, () => {
      const bytes = vectorBytes(v);
      const packets = parseRtcp(bytes);
      expect(packets).toEqual(revive(v.expect));
      if (v.canonical) expect(serializeRtcp(packets)).toEqual(bytes);
      expect(parseRtcp(serializeRtcp(packets))).toEqual(packets);
    });
  }
  it('the ffmpeg compound packet is a valid compound packet (SR first)', () => {
    expect(isCompoundRtcp(parseRtcp(vectorBytes(rtcpPacketVectors[0]!)))).toBe(true);
    const nack = rtcpPacketVectors.find((v) => v.name === 'generic NACK')!;
    expect(isCompoundRtcp(parseRtcp(vectorBytes(nack)))).toBe(false); // RFC 5506 reduced-size
  });
});

describe('RTCP header checks', () => {
  const pli = Uint8Array.from([0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2]);
  it('rejects an empty datagram, a wrong version and a length past the end', () => {
    expect(() => parseRtcp(new Uint8Array(0))).toThrow(ParseError);
    expect(() => parseRtcp(Uint8Array.from([0x41, ...pli.subarray(1)]))).toThrow(ParseError);
    expect(() => parseRtcp(Uint8Array.from([0x81, 0xce, 0x00, 0x03, ...pli.subarray(4)]))).toThrow(ParseError);
    expect(() => parseRtcp(pli.subarray(0, 3))).toThrow(ParseError);
  });
  it('rejects feedback shorter than its two SSRCs and invalid padding', () => {
    expect(() => parseRtcp(Uint8Array.from([0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1]))).toThrow(ParseError);
    expect(() => parseRtcp(Uint8Array.from([0xa0, 0xd1, 0x00, 0x01, 0, 0, 0, 0]))).toThrow(ParseError);
    expect(() => parseRtcp(Uint8Array.from([0xa0, 0xd1, 0x00, 0x01, 0, 0, 0, 5]))).toThrow(ParseError);
  });
  it('parses packets back to back and keeps their order', () => {
    const both = Uint8Array.from([...pli, ...pli]);
    expect(parseRtcp(both)).toEqual([
      { type: 'pli', senderSsrc: 1, mediaSsrc: 2 },
      { type: 'pli', senderSsrc: 1, mediaSsrc: 2 },
    ]);
  });
});

describe('bounds on remote input', () => {
  it('a datagram of TWCC run length chunks cannot expand past the datagram-wide cap', () => {
    // One TWCC packet: 65535 statuses "not received" in 9 run length chunks of up to 8191 (40 bytes).
    const one = Uint8Array.from([
      0x8f, 0xcd, 0x00, 0x09, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x00, 0xff, 0xff, 0, 0, 0, 0,
      ...Array.from({ length: 9 }, () => [0x1f, 0xff]).flat(), 0, 0,
    ]);
    expect((parseRtcp(one)[0] as RtcpTwcc).statuses.length).toBe(0xffff);
    expect(parseRtcp(Uint8Array.from([...one, ...one])).length).toBe(2);
    expect(() => parseRtcp(Uint8Array.from([...one, ...one, ...one]))).toThrow(ParseError);
    expect(RTCP_MAX_EXPANDED_ENTRIES_PER_DATAGRAM).toBe(2 * 0xffff);
  });
});

describe('generic NACK packing (RFC 4585 6.2.1)', () => {
  it('packs 17 consecutive losses into one PID/BLP pair', () => {
    const lost = Array.from({ length: 17 }, (_, i) => (65530 + i) & 0xffff);
    expect(nackPairs(lost)).toEqual([{ pid: 65530, blp: 0xffff }]);
    expect(nackPairs([...lost, 11])).toEqual([{ pid: 65530, blp: 0xffff }, { pid: 11, blp: 0 }]);
  });
  it('expands and packs inversely for increasing sequences', () => {
    fc.assert(
      fc.property(nackLost, (lost) => {
        const [p] = parseRtcp(serializeRtcp([{ type: 'nack', senderSsrc: 1, mediaSsrc: 2, lost }]));
        expect(p).toEqual({ type: 'nack', senderSsrc: 1, mediaSsrc: 2, lost });
      }),
    );
  });
});

describe('REMB mantissa and exponent (draft-alvestrand-rmcat-remb 2.2)', () => {
  it('uses the smallest exponent and rounds down', () => {
    expect(rembExpMantissa(2_000_000)).toEqual({ exp: 3, mantissa: 250_000 });
    expect(rembExpMantissa(0x3ffff)).toEqual({ exp: 0, mantissa: 0x3ffff });
    expect(rembExpMantissa(0x40001)).toEqual({ exp: 1, mantissa: 0x20000 });
    expect(() => rembExpMantissa(-1)).toThrow(InvalidArgumentError);
  });
  it('never reports more than the given bitrate, and within one part in 2^17', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bps) => {
        const { exp, mantissa } = rembExpMantissa(bps);
        const back = mantissa * 2 ** exp;
        expect(back).toBeLessThanOrEqual(bps);
        expect(bps - back).toBeLessThanOrEqual(bps / 2 ** 17 + 1);
      }),
    );
  });
});

describe('RTCP serialization refuses what the wire cannot carry', () => {
  const cases: Array<[string, RtcpPacket]> = [
    ['32 report blocks', { type: 'rr', ssrc: 1, reports: new Array(32).fill({ ssrc: 1, fractionLost: 0, cumulativeLost: 0, highestSequence: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }) }],
    ['cumulative lost beyond 24 bits', { type: 'rr', ssrc: 1, reports: [{ ssrc: 1, fractionLost: 0, cumulativeLost: 0x800000, highestSequence: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }] }],
    ['a 256-byte SDES item', { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'x'.repeat(256) }] }] }],
    ['APP name of 3 characters', { type: 'app', subtype: 0, ssrc: 1, name: 'abc', data: new Uint8Array(0) }],
    ['APP name beyond one byte per character', { type: 'app', subtype: 0, ssrc: 1, name: 'ab\u0100c', data: new Uint8Array(0) }],
    ['APP data of 3 bytes', { type: 'app', subtype: 0, ssrc: 1, name: 'abcd', data: new Uint8Array(3) }],
    ['unknown body of 3 bytes', { type: 'unknown', packetType: 210, count: 0, body: new Uint8Array(3) }],
    ['TWCC small delta 256', { type: 'twcc', senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0, statuses: [1], deltas: [256] }],
    ['TWCC deltas missing', { type: 'twcc', senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0, statuses: [1, 2], deltas: [1] }],
  ];
  for (const [name, p] of cases) it(name, () => expect(() => serializeRtcp([p])).toThrow(InvalidArgumentError));
});

describe('RTCP properties', () => {
  it('parse(serialize(packets)) equals packets, for compounds of every type', () => {
    fc.assert(
      fc.property(fc.array(rtcpPacket, { minLength: 1, maxLength: 4 }), (packets) => {
        expect(parseRtcp(serializeRtcp(packets))).toEqual(packets);
      }),
      { numRuns: 600 },
    );
  });
  it('every serialized packet is a whole number of words with a matching length field', () => {
    fc.assert(
      fc.property(rtcpPacket, (p) => {
        const b = serializeRtcp([p]);
        expect(b.length % 4).toBe(0);
        expect(((b[2]! << 8) | b[3]!) * 4 + 4).toBe(b.length);
      }),
      { numRuns: 300 },
    );
  });
  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          parseRtcp(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('random bodies behind a valid header of every type throw only ParseError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 192, max: 223 }),
        fc.integer({ min: 0, max: 20 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 })),
        (rcP, pt, body) => {
          const b = Uint8Array.from([0x80 | rcP, pt, 0, body.length / 4 - 1, ...body]);
          if (body.length === 0) return;
          try {
            parseRtcp(b);
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
  it('mutating one byte of a valid compound throws only ParseError', () => {
    fc.assert(
      fc.property(fc.array(rtcpPacket, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (packets, at, v) => {
        const b = serializeRtcp(packets);
        b[at % b.length] = v;
        try {
          parseRtcp(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
