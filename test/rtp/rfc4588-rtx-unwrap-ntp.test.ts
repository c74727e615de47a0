// RTX (RFC 4588 4), RTP/RTCP demux (RFC 5761 4, RFC 7983 7), sequence/timestamp
// unwrapping (RFC 3550 A.1), NTP helpers and RTT (RFC 3550 6.4.1).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/common/errors.js';
import {
  rtxEncode,
  rtxDecode,
  rtpPacket,
  serializeRtp,
  parseRtp,
  isRtcp,
  isRtpOrRtcp,
  serializeRtcp,
  SequenceNumberUnwrapper,
  TimestampUnwrapper,
  Unwrapper,
  isSequenceNewer,
  ntpFromUnixMs,
  ntpToUnixMs,
  compactNtp,
  compactNtpFromMs,
  roundTripTimeMs,
} from '../../src/rtp/index.js';
import { rtpPacket as arbRtp, rtcpPacket } from './arbitraries.js';
import { rtcpPacketVectors, vectorBytes } from './vectors.js';

describe('RTX (RFC 4588 section 4)', () => {
  it('puts the OSN in the first two payload bytes, big-endian', () => {
    const p = rtpPacket({ payloadType: 96, sequenceNumber: 0xabcd, timestamp: 9, ssrc: 1, marker: true, payload: Uint8Array.of(7, 8) });
    const rtx = rtxEncode(p, { payloadType: 97, ssrc: 2, sequenceNumber: 5 });
    expect(serializeRtp(rtx)).toEqual(Uint8Array.of(0x80, 0x80 | 97, 0, 5, 0, 0, 0, 9, 0, 0, 0, 2, 0xab, 0xcd, 7, 8));
  });
  it('decode(encode(p)) restores the packet', () => {
    fc.assert(
      fc.property(arbRtp, fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), (p, pt, seq, ssrc) => {
        const rtx = parseRtp(serializeRtp(rtxEncode(p, { payloadType: pt, ssrc, sequenceNumber: seq })));
        expect(serializeRtp(rtxDecode(rtx, p))).toEqual(serializeRtp({ ...p, paddingBytes: 0 }));
      }),
      { numRuns: 200 },
    );
  });
  it('a padding-only RTX packet (bandwidth probe) has no OSN', () => {
    expect(() => rtxDecode(rtpPacket({ payloadType: 97, sequenceNumber: 1, timestamp: 1, ssrc: 1, paddingBytes: 200 }), { payloadType: 96, ssrc: 2 })).toThrow(ParseError);
  });
});

describe('demultiplexing (RFC 5761 4, RFC 7983 7)', () => {
  it('every RTCP packet we write is RTCP; every RTP packet with PT outside 64-95 is RTP', () => {
    fc.assert(fc.property(rtcpPacket, (p) => void expect(isRtcp(serializeRtcp([p]))).toBe(((serializeRtcp([p])[1]! >= 192) && serializeRtcp([p])[1]! <= 223))));
    fc.assert(
      fc.property(arbRtp.filter((p) => p.payloadType < 64 || p.payloadType > 95), (p) => {
        const b = serializeRtp(p);
        expect(isRtpOrRtcp(b)).toBe(true);
        expect(isRtcp(b)).toBe(false);
      }),
    );
    for (const v of rtcpPacketVectors) expect(isRtcp(vectorBytes(v))).toBe(true);
  });
  it('first byte outside 128-191 is not RTP/RTCP (STUN, DTLS)', () => {
    expect(isRtpOrRtcp(Uint8Array.of(0x00, 0x01))).toBe(false);
    expect(isRtpOrRtcp(Uint8Array.of(22, 0xfe))).toBe(false);
    expect(isRtpOrRtcp(new Uint8Array(0))).toBe(false);
  });
});

describe('unwrapping', () => {
  it('extends 16-bit sequence numbers across wraps and places reordered packets before', () => {
    const u = new SequenceNumberUnwrapper();
    expect([65534, 65535, 0, 1, 65535, 2].map((s) => u.unwrap(s))).toEqual([65534, 65535, 65536, 65537, 65535, 65538]);
    const t = new TimestampUnwrapper();
    expect([0xfffffff0, 0x10, 0xffffffff].map((s) => t.unwrap(s))).toEqual([0xfffffff0, 0x100000010, 0xffffffff]);
  });
  it('recovers any walk whose steps stay under half the range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(fc.integer({ min: -32767, max: 32767 }), { maxLength: 300 }), (start, steps) => {
        const u = new SequenceNumberUnwrapper();
        let x = start;
        const first = u.unwrap(x);
        for (const d of steps) {
          x += d;
          expect(u.unwrap(x) - first).toBe(x - start);
        }
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(fc.integer({ min: -(2 ** 31 - 1), max: 2 ** 31 - 1 }), { maxLength: 100 }), (start, steps) => {
        const u = new Unwrapper(32);
        let x = start;
        const first = u.unwrap(x);
        for (const d of steps) {
          x += d;
          expect(u.unwrap(x) - first).toBe(x - start);
        }
      }),
    );
  });
  it('isSequenceNewer follows serial number arithmetic', () => {
    expect(isSequenceNewer(1, 65535)).toBe(true);
    expect(isSequenceNewer(65535, 1)).toBe(false);
    expect(isSequenceNewer(5, 5)).toBe(false);
  });
});

describe('NTP (RFC 3550 4, 6.4.1)', () => {
  it('converts Unix ms to NTP and back', () => {
    expect(ntpFromUnixMs(0)).toBe(2_208_988_800n << 32n);
    expect(ntpFromUnixMs(500)).toBe((2_208_988_800n << 32n) | 0x80000000n);
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), (ms) => void expect(Math.abs(ntpToUnixMs(ntpFromUnixMs(ms)) - ms)).toBeLessThan(0.001)));
  });
  it('the ffmpeg SR carries a 2026 wall-clock time', () => {
    const ntp = 0xeeb147dd353f7cedn; // from vectors/rtp/rtcp-packets.json (captured SR)
    expect(new Date(ntpToUnixMs(ntp)).getUTCFullYear()).toBe(2026);
    expect(compactNtp(ntp)).toBe(0x47dd353f);
  });
  it('computes RTT as A - LSR - DLSR (RFC 3550 6.4.1 example: 0.8 ms... in 1/65536 s)', () => {
    // The RFC's example: A = 0xb710:8000 (46864.5 s), LSR = 0xb705:2000, DLSR = 0x0005:4000 (5.25 s) -> delay 0x0006:2000 = 6.125 s.
    expect(roundTripTimeMs(0xb7108000, 0xb7052000, 0x00054000)).toBe(6125);
    expect(roundTripTimeMs(0xb7108000, 0, 0)).toBeUndefined();
    expect(compactNtpFromMs(5250)).toBe(0x00054000);
  });
});
