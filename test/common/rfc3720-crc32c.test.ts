import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, crc32c } from '../../src/common/crc32.js';
import { fromHex } from '../../src/common/hex.js';
import vectors from '../../vectors/rfc3720/crc32c.json' with { type: 'json' };

function leBytes(v: number): string {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('CRC32c, RFC 3720 appendix B.4', () => {
  for (const v of vectors.vectors) {
    it(v.name, () => {
      expect(leBytes(crc32c(fromHex(v.data)))).toBe(v.crcBytes);
    });
  }
  it('check value of "123456789" (the CRC catalogue value for CRC-32C)', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });
  it('can be computed in pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (data, cut) => {
        const at = data.length === 0 ? 0 : cut % data.length;
        expect(crc32c(data.subarray(at), crc32c(data.subarray(0, at)))).toBe(crc32c(data));
      }),
    );
  });
});

describe('CRC32 (STUN FINGERPRINT polynomial)', () => {
  it('check value of "123456789" (the CRC catalogue value for CRC-32/ISO-HDLC)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('agrees with zlib.crc32 from node', async () => {
    const zlib = (await import('node:zlib')) as { crc32?: (d: Uint8Array) => number };
    if (typeof zlib.crc32 !== 'function') return; // Node 20.15+ has it
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (d) => {
      expect(crc32(d)).toBe(zlib.crc32!(d));
    }));
  });
});
