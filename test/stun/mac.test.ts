// The pad-precomputed HMAC shared by STUN MESSAGE-INTEGRITY and SRTP
// (src/crypto/hmac-sha1.ts): RFC 2202 (HMAC-SHA1) and RFC 4231 (HMAC-SHA256) vectors,
// and agreement with node's createHmac for random keys, including a cached key reused,
// a message longer than the bounded scratch buffer, and a caller mutating its key array.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/common/hex.js';
import { KeyedHmac, keyedHmac } from '../../src/crypto/hmac-sha1.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('keyedHmac (MESSAGE-INTEGRITY, RFC 8489 14.5, 14.6)', () => {
  it('RFC 2202 test cases 1 and 6 (HMAC-SHA1), RFC 4231 test cases 1 and 6 (HMAC-SHA256)', () => {
    expect(toHex(keyedHmac('sha1', new Uint8Array(20).fill(0x0b)).mac(text('Hi There')))).toBe('b617318655057264e28bc0b6fb378c8ef146be00');
    expect(toHex(keyedHmac('sha1', new Uint8Array(80).fill(0xaa)).mac(text('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe(
      'aa4ae5e15272d00e95705637ce8a3b55ed402112',
    );
    expect(toHex(keyedHmac('sha256', new Uint8Array(20).fill(0x0b)).mac(text('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(toHex(keyedHmac('sha256', new Uint8Array(131).fill(0xaa)).mac(text('Test Using Large'), text('r Than Block-Size Key - Hash Key First')))).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('agrees with createHmac for random keys and data, including reuse of a cached key', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sha1' as const, 'sha256' as const),
        fc.uint8Array({ maxLength: 150 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
        (alg, key, m, extra) => {
          const expected = createHmac(alg, key).update(m);
          if (extra !== undefined) expected.update(extra);
          const hex = expected.digest('hex');
          expect(toHex(keyedHmac(alg, key).mac(m, extra))).toBe(hex);
          expect(toHex(keyedHmac(alg, key).mac(m, extra))).toBe(hex);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a message longer than one datagram takes the bounded path and still agrees', () => {
    const key = new Uint8Array(20).fill(7);
    const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
    const h = new KeyedHmac(key, 'sha1');
    expect(toHex(h.mac(big))).toBe(createHmac('sha1', key).update(big).digest('hex'));
    expect(toHex(h.mac(text('small after big')))).toBe(createHmac('sha1', key).update('small after big').digest('hex'));
  });

  it('copies the key: a caller reusing its key array does not change a KeyedHmac', () => {
    const key = new Uint8Array(20).fill(1);
    const h = new KeyedHmac(key);
    key.fill(2);
    expect(toHex(h.mac(text('x')))).toBe(createHmac('sha1', new Uint8Array(20).fill(1)).update('x').digest('hex'));
  });
});
