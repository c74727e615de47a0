/**
 * fast-check properties of the RFC 8866 codec: every valid description survives
 * serialize -> parse unchanged; random strings and random soups of SDP lines throw only
 * `ParseError` (with the 1-based line number); whatever parses re-serializes to a
 * fixed point.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import {
  MAX_FEEDBACK_PER_CODEC,
  MAX_SDP_LENGTH,
  answerBundleGroups,
  codecs,
  headerExtensions,
  iceCredentials,
  mid,
  negotiateCodecs,
  negotiateHeaderExtensions,
  parseAttribute,
  parseSdp,
  serializeAttribute,
  serializeSdp,
  ssrcs,
  verifyDescription,
} from '../../src/sdp/index.js';
import { attributeArbitrary, sessionArbitrary } from './arbitraries.js';

const CHROME_LINES = readFileSync(new URL('../../vectors/chromium-156/offer-audio-video-datachannel.sdp', import.meta.url), 'utf8').split('\r\n').filter((l) => l !== '');

/** Runs `fn`; on error, checks it is a ParseError that names a line within the input. */
function onlyParseError(fn: () => void, lineCount?: number): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    const err = e as ParseError;
    expect(err.message.length).toBeGreaterThan(0);
    if (lineCount !== undefined) {
      expect(err.line).toBeGreaterThanOrEqual(1);
      expect(err.line).toBeLessThanOrEqual(Math.max(lineCount, 1));
    }
    // A wrapped error must itself be a ParseError: anything else would be a bug in a parser.
    if (err.cause !== undefined) expect(err.cause).toBeInstanceOf(ParseError);
  }
}

describe('SDP properties', () => {
  it('parseAttribute(serializeAttribute(a)) equals a', () => {
    fc.assert(fc.property(attributeArbitrary, (a) => {
      const copy = JSON.parse(JSON.stringify(a)) as typeof a;
      expect(parseAttribute(serializeAttribute(copy))).toStrictEqual(copy);
    }), { numRuns: 2000 });
  });
  it('parseSdp(serializeSdp(d)) equals d', () => {
    fc.assert(fc.property(sessionArbitrary, (d) => {
      const text = serializeSdp(d);
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
      expect(parseSdp(text)).toStrictEqual(d);
      // Bare LF line ends are accepted too (RFC 8866 section 5).
      expect(parseSdp(text.replaceAll('\r\n', '\n'))).toStrictEqual(d);
    }), { numRuns: 300 });
  });
  it('random strings throw only ParseError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => onlyParseError(() => parseSdp(s))), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => onlyParseError(() => parseSdp(`v=0\r\n${s}`))), { numRuns: 2000 });
  });
  it('random soups of SDP lines throw only ParseError naming a line, or re-serialize to a fixed point', () => {
    const letters = fc.constantFrom(...'vosiuepcbtrzkamx'.split(''));
    const fragment = fc.oneof(fc.constantFrom(...CHROME_LINES.map((l) => l.slice(2))), fc.string({ maxLength: 30 }), fc.constantFrom('', ' ', ':', '0', '-1', 'IN IP4', '999999999999999999'));
    const randomLine = fc.tuple(letters, fragment).map(([t, v]) => `${t}=${v}`);
    const mutatedChrome = fc.tuple(fc.constantFrom(...CHROME_LINES), fc.nat(80), fc.string({ maxLength: 4 })).map(([l, at, ins]) => l.slice(0, at) + ins + l.slice(at + ins.length));
    const line = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...CHROME_LINES) }, { weight: 2, arbitrary: mutatedChrome }, { weight: 1, arbitrary: randomLine });
    const soup = fc.tuple(fc.array(line, { maxLength: 40 }), fc.boolean(), fc.boolean()).map(([lines, keepHeader, crlf]) => {
      const body = keepHeader ? [...CHROME_LINES.slice(0, 4), ...lines] : lines;
      return { text: body.join(crlf ? '\r\n' : '\n'), count: body.length };
    });
    fc.assert(fc.property(soup, ({ text, count }) => {
      onlyParseError(() => {
        const d = parseSdp(text);
        expect(parseSdp(serializeSdp(d))).toStrictEqual(d);
      }, count);
    }), { numRuns: 3000 });
  });
  it('random attribute values after known names throw only ParseError', () => {
    const names = fc.constantFrom('group', 'msid-semantic', 'ice-ufrag', 'ice-options', 'fingerprint', 'setup', 'mid', 'extmap', 'msid', 'rtcp',
      'rtpmap', 'fmtp', 'rtcp-fb', 'ssrc', 'ssrc-group', 'rid', 'simulcast', 'sctp-port', 'max-message-size', 'candidate', 'rtcp-mux', 'sendrecv');
    fc.assert(fc.property(names, fc.option(fc.string({ maxLength: 60 })), (name, value) => {
      onlyParseError(() => {
        const a = parseAttribute(value === null ? name : `${name}:${value}`);
        expect(parseAttribute(serializeAttribute(a))).toStrictEqual(a);
      });
    }), { numRuns: 3000 });
  });
  it('accessors and JSEP helpers never throw on any valid description', () => {
    const caps = [
      { kind: 'audio', name: 'opus', clockRate: 48000, channels: 2, feedback: [{ type: 'transport-cc' }] },
      { kind: 'video', name: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1;profile-level-id=42e01f', rtx: true },
    ] as const;
    fc.assert(fc.property(sessionArbitrary, (d) => {
      for (const m of d.media) {
        codecs(m);
        ssrcs(m);
        headerExtensions(m, d);
        iceCredentials(m, d);
        negotiateCodecs(m, caps);
        negotiateHeaderExtensions(m, ['urn:ietf:params:rtp-hdrext:sdes:mid']);
      }
      verifyDescription(d, { type: 'offer', rtcpMuxRequired: true });
      verifyDescription(d, { type: 'answer', offer: d });
      answerBundleGroups(d, new Set(d.media.map((m) => mid(m) ?? '')));
    }), { numRuns: 300 });
  });
  it('a hostile description near the size bound stays bounded in what accessors build', () => {
    const formats = Array.from({ length: 20_000 }, (_, i) => String(i % 128)).join(' ');
    const fb = 'a=rtcp-fb:* nack\r\n'.repeat(20_000);
    const maps = Array.from({ length: 128 }, (_, i) => `a=rtpmap:${i} X/90000\r\n`).join('');
    const text = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVPF ${formats}\r\n${maps}${fb}`;
    expect(text.length).toBeLessThan(MAX_SDP_LENGTH);
    const list = codecs(parseSdp(text).media[0]!);
    expect(list).toHaveLength(128);
    expect(list.every((c) => c.feedback.length === MAX_FEEDBACK_PER_CODEC)).toBe(true);
  });
});
