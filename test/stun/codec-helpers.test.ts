// IP text (RFC 4291 2.2, RFC 5952 4), ChannelData (RFC 8656 12.4), RFC 7983 demux,
// and credential helpers (RFC 8489 9.2.2, 14.4; RFC 4013).
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ParseError } from '../../src/common/errors.js';
import { toHex } from '../../src/common/hex.js';
import { md5 } from '../../src/crypto/hash.js';
import {
  classifyPacket,
  decodeChannelData,
  encodeChannelData,
  formatIp,
  isChannelData,
  isDtls,
  isRtpOrRtcp,
  isStun,
  longTermKey,
  parseIp,
  PasswordAlgorithm,
  saslPrep,
  userHash,
} from '../../src/stun/index.js';

describe('IP text', () => {
  it('formats IPv6 per RFC 5952 section 4 examples', () => {
    expect(formatIp(parseIp('2001:0db8:0000:0000:0000:0000:0001:0000'))).toBe('2001:db8::1:0');
    expect(formatIp(parseIp('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1'); // 4.2.3: first of equal runs
    expect(formatIp(parseIp('2001:db8:0:1:1:1:1:1'))).toBe('2001:db8:0:1:1:1:1:1'); // 4.2.2: no :: for one group
    expect(formatIp(parseIp('::'))).toBe('::');
    expect(formatIp(parseIp('::1'))).toBe('::1');
    expect(formatIp(parseIp('::ffff:192.0.2.1'))).toBe('::ffff:c000:201');
    expect(formatIp(parseIp('192.0.2.1'))).toBe('192.0.2.1');
  });

  it('round trips every address, and agrees with node:net on what is an address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), (b) => {
        const text = formatIp(b);
        expect(isIP(text)).toBe(b.length === 4 ? 4 : 6);
        expect(parseIp(text)).toEqual(b);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })), (text) => {
        let ours: Uint8Array | undefined;
        try {
          ours = parseIp(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
        }
        expect(ours !== undefined).toBe(isIP(text) !== 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ChannelData (RFC 8656 12.4)', () => {
  it('round trips, with and without TCP padding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x4000, max: 0x4fff }), fc.uint8Array({ maxLength: 300 }), fc.boolean(), (channel, data, pad) => {
        const bytes = encodeChannelData(channel, data, pad);
        expect(bytes.length % 4 === 0 || !pad).toBe(true);
        expect(decodeChannelData(bytes)).toEqual({ channel, data });
        expect(isChannelData(bytes)).toBe(true);
      }),
    );
  });

  it('random bytes throw only ParseError; channel numbers outside 0x4000-0x4FFF are rejected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          const cd = decodeChannelData(b);
          expect(cd.channel >= 0x4000 && cd.channel <= 0x4fff).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
    expect(() => decodeChannelData(new Uint8Array([0x50, 0, 0, 0]))).toThrow(ParseError);
    expect(() => encodeChannelData(0x3fff, new Uint8Array(1))).toThrow(InvalidArgumentError);
  });
});

describe('RFC 7983 demultiplexing', () => {
  it('classifies each first-byte range', () => {
    const kind = (b: number) => classifyPacket(new Uint8Array([b]));
    expect([0, 3].map(kind)).toEqual(['stun', 'stun']);
    expect([16, 19].map(kind)).toEqual(['zrtp', 'zrtp']);
    expect([20, 63].map(kind)).toEqual(['dtls', 'dtls']);
    expect([64, 79].map(kind)).toEqual(['channel-data', 'channel-data']);
    expect([128, 191].map(kind)).toEqual(['rtp', 'rtp']);
    expect([4, 15, 80, 127, 192, 255].map(kind)).toEqual(Array(6).fill('unknown'));
    expect(classifyPacket(new Uint8Array(0))).toBe('unknown');
    expect(isStun(new Uint8Array([1]))).toBe(true);
    expect(isDtls(new Uint8Array([22]))).toBe(true);
    expect(isRtpOrRtcp(new Uint8Array([0x80]))).toBe(true);
  });
});

describe('credentials', () => {
  it('long-term keys: MD5 per RFC 8489 9.2.2 and SHA-256 per 18.5.1.2', () => {
    expect(toHex(longTermKey('user', 'realm', 'pass'))).toBe(toHex(md5(new TextEncoder().encode('user:realm:pass'))));
    expect(longTermKey('user', 'realm', 'pass', { algorithm: PasswordAlgorithm.SHA256 }).length).toBe(32);
  });

  it('USERHASH matches the RFC 8489 B.1 vector', () => {
    expect(toHex(userHash('\u30de\u30c8\u30ea\u30c3\u30af\u30b9', 'example.org'))).toBe('4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704');
  });

  it('SASLprep (RFC 4013 3 examples)', () => {
    expect(saslPrep('I\u00adX')).toBe('IX');
    expect(saslPrep('user')).toBe('user');
    expect(saslPrep('USER')).toBe('USER');
    expect(saslPrep('\u00aa')).toBe('a');
    expect(saslPrep('\u2168')).toBe('IX');
    expect(() => saslPrep('\u0007')).toThrow();
  });
});
