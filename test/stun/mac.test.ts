// The cached-key HMAC used for MESSAGE-INTEGRITY: RFC 2202 (HMAC-SHA1) and RFC 4231
// (HMAC-SHA256) vectors, and agreement with node's createHmac for random keys.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/common/hex.js';
import { stunHmac } from '../../src/stun/mac.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('stunHmac', () => {
  it('RFC 2202 test cases 1 and 6 (HMAC-SHA1), RFC 4231 test cases 1 and 6 (HMAC-SHA256)', () => {
    expect(toHex(stunHmac('sha1', new Uint8Array(20).fill(0x0b), text('Hi There')))).toBe('b617318655057264e28bc0b6fb378c8ef146be00');
    expect(toHex(stunHmac('sha1', new Uint8Array(80).fill(0xaa), text('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe(
      'aa4ae5e15272d00e95705637ce8a3b55ed402112',
    );
    expect(toHex(stunHmac('sha256', new Uint8Array(20).fill(0x0b), text('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(toHex(stunHmac('sha256', new Uint8Array(131).fill(0xaa), text('Test Using Large'), text('r Than Block-Size Key - Hash Key First')))).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('agrees with createHmac for random keys and data, including reuse of a cached key', () => {
    fc.assert(
      fc.property(fc.constantFrom('sha1' as const, 'sha256' as const), fc.uint8Array({ maxLength: 150 }), fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 3 }), (alg, key, parts) => {
        const expected = createHmac(alg, key);
        for (const p of parts) expected.update(p);
        const hex = expected.digest('hex');
        expect(toHex(stunHmac(alg, key, ...parts))).toBe(hex);
        expect(toHex(stunHmac(alg, key, ...parts))).toBe(hex);
      }),
      { numRuns: 500 },
    );
  });
});
