import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError, InvalidArgumentError } from '../../src/common/errors.js';
import {
  parseRtp,
  serializeRtp,
  writeRtp,
  rtpPacketBytes,
  rtpPacket,
  rtpExtensions,
  getRtpExtension,
  rewriteRtpHeader,
} from '../../src/rtp/index.js';
import type { RtpPacket } from '../../src/rtp/index.js';
import { rtpPacket as arbRtp, headerExtension } from './arbitraries.js';
import { rtpPacketVectors, vectorBytes, revive } from './vectors.js';

// Plain-object copy so toEqual compares Uint8Array views by content.
function norm(p: RtpPacket): unknown {
  const ext = p.headerExtension;
  return {
    ...p,
    csrcs: [...p.csrcs],
    payload: Uint8Array.from(p.payload),
    headerExtension:
      ext === undefined
        ? undefined
        : ext.type === 'raw'
          ? { ...ext, data: Uint8Array.from(ext.data) }
          : { ...ext, elements: ext.elements.map((e) => ({ id: e.id, data: Uint8Array.from(e.data) })) },
  };
}

describe('RTP vectors (RFC 3550 5.1, RFC 8285 4.2/4.3, ffmpeg capture)', () => {
  for (const v of rtpPacketVectors) {
    it(v.name, () => {
      const bytes = vectorBytes(v);
      const p = parseRtp(bytes);
      expect(norm(p)).toEqual(revive(v.expect));
      if (v.canonical) expect(serializeRtp(p)).toEqual(bytes);
      // Whatever the input form, our output parses back to the same packet.
      expect(norm(parseRtp(serializeRtp(p)))).toEqual(norm(p));
    });
  }
  it('payload and extension data are views into the datagram (zero copy)', () => {
    const bytes = vectorBytes(rtpPacketVectors[0]!);
    const p = parseRtp(bytes);
    expect(p.payload.buffer).toBe(bytes.buffer);
    expect(getRtpExtension(p, 2)?.buffer).toBe(bytes.buffer);
    expect(getRtpExtension(p, 9)).toBeUndefined();
  });
});

describe('RTP validity checks (RFC 3550 A.1)', () => {
  const good = serializeRtp(rtpPacket({ payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: Uint8Array.of(1, 2, 3) }));
  it('rejects version 1 and 3', () => {
    for (const b0 of [0x40, 0xc0]) {
      const bad = good.slice();
      bad[0] = b0;
      expect(() => parseRtp(bad)).toThrow(ParseError);
    }
  });
  it('rejects a header shorter than 12 bytes and CSRCs past the end', () => {
    expect(() => parseRtp(good.subarray(0, 11))).toThrow(ParseError);
    const bad = good.slice();
    bad[0] = 0x8f; // 15 CSRCs in a 15-byte packet
    expect(() => parseRtp(bad)).toThrow(ParseError);
  });
  it('rejects a padding count of zero or larger than the payload', () => {
    for (const last of [0, 4]) {
      const bad = good.slice();
      bad[0] = 0xa0;
      bad[bad.length - 1] = last;
      expect(() => parseRtp(bad)).toThrow(ParseError);
    }
  });
  it('rejects an extension block that overruns the packet and an element that overruns the block', () => {
    const hdr = [0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(() => parseRtp(Uint8Array.from([...hdr, 0xbe, 0xde, 0, 2, 0x10, 0, 0, 0]))).toThrow(ParseError);
    expect(() => parseRtp(Uint8Array.from([...hdr, 0xbe, 0xde, 0, 1, 0x13, 0, 0, 0]))).toThrow(ParseError);
    expect(() => parseRtp(Uint8Array.from([...hdr, 0x10, 0x00, 0, 1, 0, 0, 0x05, 9]))).toThrow(ParseError);
  });
  it('stops at an ID 0 element with non-zero length (RFC 8285 4.1.1)', () => {
    const hdr = [0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
    const p = parseRtp(Uint8Array.from([...hdr, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0x01, 0xff]));
    expect(p.headerExtension).toEqual({ type: 'one-byte', elements: [{ id: 1, data: Uint8Array.of(0xaa) }] });
  });
});

describe('RTP serialization', () => {
  it('chooses the one-byte form when it can and two-byte otherwise (RFC 8285 4.1.2)', () => {
    expect(rtpExtensions([{ id: 1, data: new Uint8Array(16) }]).type).toBe('one-byte');
    expect(rtpExtensions([{ id: 1, data: new Uint8Array(17) }]).type).toBe('two-byte');
    expect(rtpExtensions([{ id: 15, data: new Uint8Array(1) }]).type).toBe('two-byte');
    expect(rtpExtensions([{ id: 2, data: new Uint8Array(0) }]).type).toBe('two-byte');
  });
  it('refuses fields the wire cannot carry', () => {
    const base = { payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3 };
    expect(() => serializeRtp(rtpPacket({ ...base, csrcs: new Array(16).fill(1) }))).toThrow(InvalidArgumentError);
    expect(() => serializeRtp(rtpPacket({ ...base, headerExtension: { type: 'one-byte', elements: [{ id: 15, data: Uint8Array.of(1) }] } }))).toThrow(InvalidArgumentError);
    expect(() => serializeRtp(rtpPacket({ ...base, headerExtension: { type: 'one-byte', elements: [{ id: 1, data: new Uint8Array(17) }] } }))).toThrow(InvalidArgumentError);
    expect(() => serializeRtp(rtpPacket({ ...base, headerExtension: { type: 'two-byte', appBits: 0, elements: [{ id: 0, data: Uint8Array.of(1) }] } }))).toThrow(InvalidArgumentError);
    expect(() => serializeRtp(rtpPacket({ ...base, headerExtension: { type: 'raw', profile: 1, data: new Uint8Array(3) } }))).toThrow(InvalidArgumentError);
    expect(() => serializeRtp(rtpPacket({ ...base, paddingBytes: 256 }))).toThrow(InvalidArgumentError);
  });
  it('writeRtp writes at an offset and returns the end', () => {
    fc.assert(
      fc.property(arbRtp, fc.nat(16), (p, off) => {
        const n = rtpPacketBytes(p);
        const out = new Uint8Array(off + n + 3).fill(0x55);
        expect(writeRtp(p, out, off)).toBe(off + n);
        expect(out.subarray(off, off + n)).toEqual(serializeRtp(p));
        expect(out[off + n]).toBe(0x55);
      }),
      { numRuns: 200 },
    );
  });
});

describe('in-place rewriting (SFU forwarding)', () => {
  it('rewriteRtpHeader changes only the named fields', () => {
    fc.assert(
      fc.property(
        arbRtp,
        fc.record(
          { payloadType: fc.integer({ min: 0, max: 127 }), marker: fc.boolean(), sequenceNumber: fc.integer({ min: 0, max: 0xffff }), timestamp: fc.integer({ min: 0, max: 0xffffffff }), ssrc: fc.integer({ min: 0, max: 0xffffffff }) },
          { requiredKeys: [] },
        ),
        (p, fields) => {
          const b = serializeRtp(p);
          rewriteRtpHeader(b, fields);
          expect(norm(parseRtp(b))).toEqual(norm({ ...p, ...fields }));
        },
      ),
      { numRuns: 300 },
    );
    expect(() => rewriteRtpHeader(new Uint8Array(11), { ssrc: 1 })).toThrow(ParseError);
  });
  it('extension data views write through to the datagram', () => {
    const bytes = vectorBytes(rtpPacketVectors[0]!);
    getRtpExtension(parseRtp(bytes), 3)!.set([0x12, 0x34]); // transport-cc sequence number
    expect(getRtpExtension(parseRtp(bytes), 3)).toEqual(Uint8Array.of(0x12, 0x34));
  });
});

describe('RTP properties', () => {
  it('parse(serialize(p)) equals p', () => {
    fc.assert(fc.property(arbRtp, (p) => { expect(norm(parseRtp(serializeRtp(p)))).toEqual(norm(p)); }), { numRuns: 500 });
  });
  it('serialize is a fixed point after one parse (byte-exact re-serialization)', () => {
    fc.assert(
      fc.property(arbRtp, (p) => {
        const b = serializeRtp(p);
        expect(serializeRtp(parseRtp(b))).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });
  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        try {
          parseRtp(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('random bytes behind a valid RTP first byte throw only ParseError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x80, max: 0xbf }), fc.uint8Array({ maxLength: 120 }), (b0, rest) => {
        try {
          parseRtp(Uint8Array.from([b0, ...rest]));
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('mutating one byte of a valid packet throws only ParseError', () => {
    fc.assert(
      fc.property(arbRtp, fc.nat(), u8ish, (p, at, v) => {
        const b = serializeRtp(p);
        b[at % b.length] = v;
        try {
          parseRtp(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 500 },
    );
  });
  it('the extension block is always a whole number of words', () => {
    fc.assert(
      fc.property(headerExtension, (ext) => {
        const b = serializeRtp(rtpPacket({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, headerExtension: ext }));
        const words = (b[14]! << 8) | b[15]!;
        expect(b.length).toBe(12 + 4 + words * 4);
      }),
    );
  });
});
const u8ish = fc.integer({ min: 0, max: 255 });
