// RFC 8445 6.1.2.3 pair priority and ordering, as fast-check properties. The reference
// below is the RFC's formula written out with Number arithmetic on exact halves, to be
// independent of the bigint code under test. (werift's version computes 1 << 32 in
// 32-bit arithmetic, which is 1, so it cannot serve as the reference here.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePairs, pairPriority, pairPriorityFor } from '../../src/ice/index.js';

const prio = fc.integer({ min: 1, max: 2 ** 31 - 1 });

function reference(g: number, d: number): string {
  // 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), as a decimal string via two 32-bit halves.
  const hi = Math.min(g, d);
  const lo = 2 * Math.max(g, d) + (g > d ? 1 : 0); // < 2^33
  const carry = Math.floor(lo / 2 ** 32);
  return (BigInt(hi + carry) * 4294967296n + BigInt(lo % 2 ** 32)).toString();
}

describe('RFC 8445 6.1.2.3 pair priority', () => {
  it('matches the formula', () => {
    fc.assert(fc.property(prio, prio, (g, d) => {
      expect(pairPriority(g, d).toString()).toBe(reference(g, d));
    }));
    expect(pairPriority(2130706431, 1694498815)).toBe(1694498815n * 2n ** 32n + 2n * 2130706431n + 1n);
  });

  it('both agents compute the same priority for the same pair (controlling/controlled symmetry)', () => {
    fc.assert(fc.property(prio, prio, (ours, theirs) => {
      // Our candidate `ours`, theirs `theirs`: as controlling we see G=ours; the peer, controlled, sees D=ours.
      expect(pairPriorityFor(ours, theirs, true)).toBe(pairPriorityFor(theirs, ours, false));
      expect(pairPriorityFor(ours, theirs, false)).toBe(pairPriorityFor(theirs, ours, true));
    }));
  });

  it('distinct (G, D) give distinct priorities, and the order is the same on both sides', () => {
    fc.assert(fc.property(fc.array(fc.tuple(prio, prio), { minLength: 2, maxLength: 20 }), (pairs) => {
      const mine = pairs.map(([l, r], i) => ({ i, priority: pairPriorityFor(l, r, true) }));
      const peer = pairs.map(([l, r], i) => ({ i, priority: pairPriorityFor(r, l, false) }));
      mine.sort(comparePairs);
      peer.sort(comparePairs);
      expect(mine.map((p) => p.priority)).toEqual(peer.map((p) => p.priority));
      for (let a = 0; a < pairs.length; a++) {
        for (let b = a + 1; b < pairs.length; b++) {
          const same = pairs[a]?.[0] === pairs[b]?.[0] && pairs[a]?.[1] === pairs[b]?.[1];
          const pa = pairPriority(...(pairs[a] as [number, number]));
          const pb = pairPriority(...(pairs[b] as [number, number]));
          expect(pa === pb).toBe(same);
        }
      }
    }));
  });

  it('the lower of the two candidate priorities dominates; then the higher; then G > D', () => {
    fc.assert(fc.property(prio, prio, prio, prio, (g1, d1, g2, d2) => {
      const p1 = pairPriority(g1, d1);
      const p2 = pairPriority(g2, d2);
      const m1 = Math.min(g1, d1);
      const m2 = Math.min(g2, d2);
      if (m1 > m2) expect(p1 > p2).toBe(true);
      else if (m1 === m2 && Math.max(g1, d1) > Math.max(g2, d2)) expect(p1 > p2).toBe(true);
    }));
    expect(pairPriority(5, 3) > pairPriority(3, 5)).toBe(true);
  });

  it('comparePairs sorts in decreasing priority', () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 63n }), { maxLength: 30 }), (xs) => {
      const sorted = xs.map((priority) => ({ priority })).sort(comparePairs).map((p) => p.priority);
      for (let i = 1; i < sorted.length; i++) expect((sorted[i - 1] as bigint) >= (sorted[i] as bigint)).toBe(true);
    }));
  });
});
