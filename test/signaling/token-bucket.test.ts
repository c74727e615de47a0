/**
 * The token bucket (src/signaling/token-bucket.ts) against its definition (the rate
 * bound of RFC 8085 section 3.1.5's shaping idea): over any run of calls, what it
 * accepts never exceeds burst + rate x elapsed, and a caller that keeps under the rate
 * is never refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/signaling/index.js';

describe('TokenBucket', () => {
  it('property: accepted <= burst + rate x elapsed, for any call times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 300 }),
        (rate, burst, gaps) => {
          const b = new TokenBucket(rate, burst);
          let now = 1000;
          let accepted = 0;
          for (const gap of gaps) {
            now += gap;
            if (b.take(now)) accepted++;
            expect(accepted).toBeLessThanOrEqual(burst + Math.floor(((now - 1000) * rate) / 1000) + 1e-9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a sender at or under the rate is never refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 50 }), fc.nat(200), (rate, burst, n) => {
        const b = new TokenBucket(rate, burst);
        const gapMs = Math.ceil(1000 / rate);
        for (let i = 0; i < n; i++) expect(b.take(i * gapMs)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a clock that goes backwards adds nothing; rate 0 is no limit', () => {
    const b = new TokenBucket(1, 1);
    expect(b.take(10_000)).toBe(true);
    expect(b.take(5_000)).toBe(false);
    expect(b.take(10_999)).toBe(false);
    expect(b.take(11_000)).toBe(true);
    const free = new TokenBucket(0, 1);
    for (let i = 0; i < 1000; i++) expect(free.take(0)).toBe(true);
  });
});
