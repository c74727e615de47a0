/** RFC 3711 3.3.1 / appendix A index estimation and 3.3.2 replay windows. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { estimateSrtpIndex, REPLAY_WINDOW_MAX, REPLAY_WINDOW_MIN, ReplayWindow } from '../../src/srtp/replay.js';

describe('estimateSrtpIndex (RFC 3711 appendix A)', () => {
  it('worked cases around the wrap', () => {
    expect(estimateSrtpIndex(65535, 0)).toBe(65536); // s_l = 65535, SEQ wraps: ROC + 1
    expect(estimateSrtpIndex(65536, 65535)).toBe(65535); // late packet from before the wrap: ROC - 1
    expect(estimateSrtpIndex(100, 65500)).toBe(65500 - 65536); // before index 0: negative, caller drops
    expect(estimateSrtpIndex(3 * 65536 + 40000, 100)).toBe(4 * 65536 + 100);
    expect(estimateSrtpIndex(3 * 65536 + 40000, 20000)).toBe(3 * 65536 + 20000);
  });

  it('recovers the true index whenever it is within 2^15 - 1 of the highest one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -0x7fff, max: 0x7fff }), (highest, d) => {
        const truth = highest + d;
        fc.pre(truth >= 0);
        expect(estimateSrtpIndex(highest, truth % 0x10000)).toBe(truth);
      }),
      { numRuns: 2000 },
    );
  });

  it('tracks random sequence walks with bounded jumps, forwards and backwards', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.integer({ min: -3000, max: 0x7fff }), { minLength: 1, maxLength: 300 }), (start, steps) => {
        let truth = start;
        let highest = start;
        for (const step of steps) {
          truth = Math.max(truth + step, highest - 0x7fff, 0);
          const est = estimateSrtpIndex(highest, truth & 0xffff);
          expect(est).toBe(truth);
          highest = Math.max(highest, est);
        }
      }),
    );
  });
});

describe('ReplayWindow (RFC 3711 3.3.2)', () => {
  it('accepts new, rejects duplicates and too-old, accepts in-window reordering', () => {
    const w = new ReplayWindow(64);
    expect(w.check(1000)).toBe('new');
    w.accept(1000);
    expect(w.check(1000)).toBe('replayed');
    expect(w.check(999)).toBe('new');
    expect(w.check(1000 - 63)).toBe('new');
    expect(w.check(1000 - 64)).toBe('too-old');
    w.accept(990);
    expect(w.check(990)).toBe('replayed');
    w.accept(1100); // jump forward past the window
    expect(w.check(990)).toBe('too-old');
    expect(w.check(1099)).toBe('new');
    expect(w.check(1100)).toBe('replayed');
  });

  it('validates its size', () => {
    expect(() => new ReplayWindow(REPLAY_WINDOW_MIN - 1)).toThrow(InvalidArgumentError);
    expect(() => new ReplayWindow(REPLAY_WINDOW_MAX + 1)).toThrow(InvalidArgumentError);
    expect(() => new ReplayWindow(100.5)).toThrow(InvalidArgumentError);
    expect(new ReplayWindow(1000).size).toBe(1000);
  });

  it('agrees with a set-based model for any size and arrival order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: REPLAY_WINDOW_MIN, max: 1100 }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }),
        (size, arrivals) => {
          const w = new ReplayWindow(size);
          const seen = new Set<number>();
          let top = -1;
          for (const i of arrivals) {
            const want = i > top ? 'new' : top - i >= size ? 'too-old' : seen.has(i) ? 'replayed' : 'new';
            expect(w.check(i)).toBe(want);
            if (want === 'new') {
              w.accept(i);
              seen.add(i);
              top = Math.max(top, i);
            }
            expect(w.highest).toBe(top);
          }
        },
      ),
    );
  });
});
