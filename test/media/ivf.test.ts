// IVF container (libvpx ivfenc/ivfdec layout): round trips and hostile input. The
// ffmpeg-made file is checked in rfc7741-vp8.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/common/errors.js';
import { parseIvf, serializeIvf, serializeIvfHeader, IVF_FILE_HEADER_BYTES } from '../../src/media/index.js';
import type { IvfHeader } from '../../src/media/index.js';

const header: fc.Arbitrary<IvfHeader> = fc.record({
  fourcc: fc.constantFrom('VP80', 'VP90', 'AV01'),
  width: fc.integer({ min: 0, max: 0xffff }),
  height: fc.integer({ min: 0, max: 0xffff }),
  timebaseDenominator: fc.integer({ min: 1, max: 0xffffffff }),
  timebaseNumerator: fc.integer({ min: 1, max: 0xffffffff }),
  frameCount: fc.constant(0),
});
const frames = fc.array(fc.record({ timestamp: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), data: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 10 });

describe('IVF', () => {
  it('parse(serialize(file)) equals the file', () => {
    fc.assert(
      fc.property(header, frames, (h, fs) => {
        const parsed = parseIvf(serializeIvf(h, fs));
        expect(parsed.header).toEqual({ ...h, frameCount: fs.length });
        expect(parsed.frames).toEqual(fs);
      }),
      { numRuns: 200 },
    );
  });
  it('the header layout: DKIF, version 0, 32-byte header, little-endian fields', () => {
    const b = serializeIvfHeader({ fourcc: 'VP80', width: 320, height: 240, timebaseDenominator: 30, timebaseNumerator: 1, frameCount: 60 });
    expect(Array.from(b.subarray(0, 16))).toEqual([0x44, 0x4b, 0x49, 0x46, 0, 0, 32, 0, 0x56, 0x50, 0x38, 0x30, 0x40, 0x01, 0xf0, 0x00]);
    expect(Array.from(b.subarray(16, 28))).toEqual([30, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0, 0]);
    expect(b.length).toBe(IVF_FILE_HEADER_BYTES);
  });
  it('truncated files and random bytes throw only ParseError', () => {
    const file = serializeIvf({ fourcc: 'VP80', width: 1, height: 1, timebaseDenominator: 1, timebaseNumerator: 1, frameCount: 0 }, [{ timestamp: 0n, data: new Uint8Array(10) }]);
    expect(() => parseIvf(file.subarray(0, file.length - 1))).toThrow(ParseError);
    expect(() => parseIvf(file.subarray(0, 31))).toThrow(ParseError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (junk, at, v) => {
        for (const b of [junk, Uint8Array.from([...file.subarray(0, 4), ...junk])]) {
          try {
            parseIvf(b);
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        }
        const m = file.slice();
        m[at % m.length] = v;
        try {
          parseIvf(m);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
    );
  });
});
