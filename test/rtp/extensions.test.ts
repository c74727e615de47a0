// Header extension values: RFC 6464 3, RFC 8852/8843 SDES ids, abs-send-time,
// transport-cc (draft-holmer-...-01 section 2), CVO (3GPP TS 26.114), playout-delay, abs-capture-time.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError, InvalidArgumentError } from '../../src/common/errors.js';
import {
  parseSdesExtension,
  serializeSdesExtension,
  parseAbsSendTime,
  serializeAbsSendTime,
  absSendTimeFromNtp,
  absSendTimeFromMs,
  parseTransportCc,
  serializeTransportCc,
  parseAudioLevel,
  serializeAudioLevel,
  parseVideoOrientation,
  serializeVideoOrientation,
  parsePlayoutDelay,
  serializePlayoutDelay,
  parseAbsCaptureTime,
  serializeAbsCaptureTime,
  ntpFromUnixMs,
  parseRtp,
  getRtpExtension,
} from '../../src/rtp/index.js';
import { rtpPacketVectors, vectorBytes } from './vectors.js';

describe('extension values in the vectors', () => {
  it('vector 1 carries mid "0", abs-send-time 0x123456 and transport-cc 42', () => {
    const p = parseRtp(vectorBytes(rtpPacketVectors[0]!));
    expect(parseSdesExtension(getRtpExtension(p, 1)!)).toBe('0');
    expect(parseAbsSendTime(getRtpExtension(p, 2)!)).toBe(0x123456);
    expect(parseTransportCc(getRtpExtension(p, 3)!)).toBe(42);
  });
  it('RFC 6464 vector: V=1, level 42', () => {
    const v = rtpPacketVectors.find((x) => x.name.startsWith('RFC 6464'))!;
    expect(parseAudioLevel(getRtpExtension(parseRtp(vectorBytes(v)), 1)!)).toEqual({ voiceActivity: true, levelDbov: 42 });
  });
  it('two-byte vector: a 17-byte rid', () => {
    const p = parseRtp(vectorBytes(rtpPacketVectors[1]!));
    expect(parseSdesExtension(getRtpExtension(p, 5)!)).toBe('abcdefghijklmnopq');
  });
});

describe('abs-send-time', () => {
  it('is the 6.18 fixed-point middle of NTP time', () => {
    // 1.5 s after an NTP second boundary: 1.5 * 2^18 = 0x60000.
    expect(absSendTimeFromNtp((5n << 32n) | 0x80000000n)).toBe((5 << 18) | 0x20000);
    expect(absSendTimeFromMs(1500)).toBe(0x60000);
    expect(absSendTimeFromMs(64_000)).toBe(0);
  });
  it('agrees between the ms and NTP forms to one unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), (ms) => {
        const a = absSendTimeFromMs(ms);
        const b = absSendTimeFromNtp(ntpFromUnixMs(ms));
        // 2208988800 s is a multiple of 64 s? No: compare modulo 64 s after removing the epoch offset.
        const offset = absSendTimeFromMs(2_208_988_800_000);
        const d = (((b - offset - a) % 0x1000000) + 0x1000000) % 0x1000000;
        expect(Math.min(d, 0x1000000 - d)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('round trips and length checks', () => {
  it('every value codec round-trips', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffff }), (v) => void expect(parseAbsSendTime(serializeAbsSendTime(v))).toBe(v)));
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (v) => void expect(parseTransportCc(serializeTransportCc(v))).toBe(v)));
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 127 }), (voiceActivity, levelDbov) => {
        expect(parseAudioLevel(serializeAudioLevel({ voiceActivity, levelDbov }))).toEqual({ voiceActivity, levelDbov });
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(0 as const, 1 as const), fc.boolean(), fc.constantFrom(0 as const, 90 as const, 180 as const, 270 as const), (camera, flip, rotationDegrees) => {
        expect(parseVideoOrientation(serializeVideoOrientation({ camera, flip, rotationDegrees }))).toEqual({ camera, flip, rotationDegrees });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 4095 }), (a, b) => {
        expect(parsePlayoutDelay(serializePlayoutDelay({ minMs: a * 10, maxMs: b * 10 }))).toEqual({ minMs: a * 10, maxMs: b * 10 });
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.option(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), { nil: undefined }), (t, o) => {
        const v = o === undefined ? { absoluteCaptureTimestamp: t } : { absoluteCaptureTimestamp: t, estimatedCaptureClockOffset: o };
        expect(parseAbsCaptureTime(serializeAbsCaptureTime(v))).toEqual(v);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }), (s) => {
        expect(parseSdesExtension(serializeSdesExtension(s))).toBe(s.replace(/\0+$/, ''));
      }),
    );
  });
  it('playout-delay bytes: min 100 ms, max 1000 ms (12-bit fields of 10 ms)', () => {
    expect(serializePlayoutDelay({ minMs: 100, maxMs: 1000 })).toEqual(Uint8Array.of(0x00, 0xa0, 0x64));
    expect(() => serializePlayoutDelay({ minMs: 5, maxMs: 10 })).toThrow(InvalidArgumentError);
  });
  it('CVO byte layout: C=1 F=1 R=270 is 0x0f', () => {
    expect(serializeVideoOrientation({ camera: 1, flip: true, rotationDegrees: 270 })).toEqual(Uint8Array.of(0x0f));
  });
  it('wrong lengths throw ParseError, random data throws only ParseError', () => {
    expect(() => parseAbsSendTime(new Uint8Array(2))).toThrow(ParseError);
    expect(() => parseTransportCc(new Uint8Array(3))).toThrow(ParseError);
    expect(() => parseAbsCaptureTime(new Uint8Array(9))).toThrow(ParseError);
    expect(() => parseSdesExtension(new Uint8Array(0))).toThrow(ParseError);
    const parsers = [parseSdesExtension, parseAbsSendTime, parseTransportCc, parseAudioLevel, parseVideoOrientation, parsePlayoutDelay, parseAbsCaptureTime];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (b) => {
        for (const parse of parsers) {
          try {
            parse(b);
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        }
      }),
    );
  });
});
