/**
 * The AES-CM hot-path pieces against OpenSSL's own modes through node:crypto: our ECB-based
 * counter-mode keystream equals `aes-*-ctr`, and our pad-precomputed HMAC-SHA1 equals
 * `createHmac('sha1')`, for random keys, IVs, lengths and (mis)aligned buffer offsets.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../src/common/hex.js';
import { CounterModeKeystream } from '../../src/srtp/cipher-aes-cm.js';
import { HmacSha1 } from '../../src/crypto/hmac-sha1.js';

describe('CounterModeKeystream', () => {
  it('equals OpenSSL aes-ctr from the same IV, at any offsets', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 32),
        fc.uint8Array({ minLength: 14, maxLength: 14 }),
        fc.uint8Array({ maxLength: 2100 }),
        fc.nat({ max: 7 }),
        fc.nat({ max: 7 }),
        (keyLength, iv14, data, srcPad, dstPad) => {
          const key = new Uint8Array(keyLength).map((_, i) => (i * 7 + data.length) & 0xff);
          const iv = new Uint8Array(16);
          iv.set(iv14);
          const src = new Uint8Array(srcPad + data.length);
          src.set(data, srcPad);
          const dst = new Uint8Array(dstPad + data.length);
          new CounterModeKeystream(key).xor(iv, src, srcPad, dst, dstPad, data.length);
          const want = createCipheriv(keyLength === 32 ? 'aes-256-ctr' : 'aes-128-ctr', key, iv).update(data);
          expect(toHex(dst.subarray(dstPad))).toBe(toHex(want));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('works in place', () => {
    const key = new Uint8Array(16).fill(3);
    const iv = new Uint8Array(16).fill(9);
    iv[14] = 0;
    iv[15] = 0;
    const data = new Uint8Array(1001).map((_, i) => i & 0xff);
    const buf = data.slice();
    new CounterModeKeystream(key).xor(iv, buf, 0, buf, 0, buf.length);
    expect(toHex(buf)).toBe(toHex(createCipheriv('aes-128-ctr', key, iv).update(data)));
  });
});

describe('HmacSha1', () => {
  it('equals createHmac for any key (longer than a block too) and any message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 3000 }), fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }), (key, m, extra) => {
        const h = createHmac('sha1', key).update(m);
        if (extra !== undefined) h.update(extra);
        const mac = new HmacSha1(key);
        expect(toHex(mac.mac(m, extra))).toBe(toHex(h.digest()));
        expect(toHex(mac.mac(m, extra))).toBe(toHex(createHmac('sha1', key).update(m).update(extra ?? new Uint8Array(0)).digest()));
      }),
      { numRuns: 200 },
    );
  });
});
