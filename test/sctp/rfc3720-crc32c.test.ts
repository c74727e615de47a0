/** The SCTP checksum (RFC 9260 6.8) with the RFC 3720 B.4 CRC32c vectors, and equality with common/crc32. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/common/crc32.js';
import { crc32cFast } from '../../src/sctp/crc32c.js';

describe('crc32cFast', () => {
  it('matches RFC 3720 B.4', () => {
    expect(crc32cFast(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32cFast(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32cFast(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32cFast(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });
  it('equals common/crc32 crc32c, also when continued', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
        expect(crc32cFast(a)).toBe(crc32c(a));
        expect(crc32cFast(b, crc32cFast(a))).toBe(crc32c(b, crc32c(a)));
      }),
      { numRuns: 500 },
    );
  });
});
