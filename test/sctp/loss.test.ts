/**
 * Reliability on a hostile path (RFC 9260 6.3 T3-rtx, 7.2.4 fast retransmit, 6.2 SACK
 * with gaps and duplicates): every byte arrives, in order, under loss, reordering,
 * duplication and delay, on a virtual clock.
 */
import { describe, expect, it } from 'vitest';
import type { LinkOptions } from './helpers.js';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

const FAST_RTO = { rtoInitialMs: 1000, rtoMinMs: 200 };

function transfer(link: LinkOptions, seed: number, count: number, sizeOf: (i: number) => number) {
  const p = new Pair({ seed, ab: link, ba: link, a: FAST_RTO, b: FAST_RTO });
  p.connect();
  for (let i = 0; i < count; i++) p.a.send(p.now, i % 3, 53, pattern(i, sizeOf(i)));
  for (let i = 0; i < count / 4; i++) p.b.send(p.now, 1, 51, pattern(1000 + i, sizeOf(i)));
  p.run(() => messagesOf(p.eventsB).length === count && messagesOf(p.eventsA).length === Math.ceil(count / 4), 2_000_000);
  return p;
}

describe('delivery under loss, reordering, duplication and delay', () => {
  const cases: [string, LinkOptions][] = [
    ['0% loss, 10 ms', { delayMs: 10 }],
    ['1% loss, 50 ms', { lossRate: 0.01, delayMs: 50 }],
    ['5% loss, 100 ms, jitter', { lossRate: 0.05, delayMs: 100, jitterMs: 20 }],
    ['20% loss, 200 ms', { lossRate: 0.2, delayMs: 200 }],
    ['reordering 10%, duplication 5%', { delayMs: 20, reorderRate: 0.1, reorderDelayMs: 15, duplicateRate: 0.05 }],
    ['everything at once', { lossRate: 0.05, delayMs: 30, jitterMs: 30, reorderRate: 0.05, duplicateRate: 0.05 }],
  ];
  for (const [name, link] of cases) {
    it(`delivers every byte in order: ${name}`, () => {
      for (const seed of [1, 2]) {
        const p = transfer(link, seed, 40, (i) => [10, 1000, 3000, 20_000, 70_000][i % 5] as number);
        const gotB = messagesOf(p.eventsB);
        // ordered per stream: group by stream and compare with what was sent on it
        for (const stream of [0, 1, 2]) {
          const sent = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 === stream);
          const got = gotB.filter((m) => m.streamId === stream);
          expect(got.length).toBe(sent.length);
          sent.forEach((i, k) => expect(sameBytes(got[k]?.data, pattern(i, [10, 1000, 3000, 20_000, 70_000][i % 5] as number))).toBe(true));
        }
        const gotA = messagesOf(p.eventsA);
        gotA.forEach((m, k) => expect(sameBytes(m.data, pattern(1000 + k, [10, 1000, 3000, 20_000, 70_000][k % 5] as number))).toBe(true));
        if (link.lossRate) expect(p.a.stats.dataChunksRetransmitted).toBeGreaterThan(0);
        // nothing left behind in the receive buffers
        expect([p.b.receiveHeldBytes, p.b.receiveHeldChunks, p.a.receiveHeldBytes, p.a.receiveHeldChunks]).toEqual([0, 0, 0, 0]);
        if (link.duplicateRate) expect(p.b.stats.duplicateTsnsReceived).toBeGreaterThan(0);
      }
    });
  }

  it('detects a dead peer in bounded time (8.1 Association.Max.Retrans)', () => {
    const p = new Pair({ a: { ...FAST_RTO, rtoMaxMs: 4000, maxRetransmits: 5 } });
    p.connect();
    p.ab.down = true;
    p.ba.down = true;
    const start = p.now;
    p.a.send(p.now, 0, 53, pattern(0, 100));
    p.run(() => p.a.state === 'closed', 100_000);
    expect(p.eventsA.find((e) => e.type === 'closed')).toMatchObject({ error: true, reason: expect.stringContaining('unreachable') });
    // RTO doubles from its value at the loss up to rtoMax: at most 6 timeouts of <= 4 s.
    expect(p.now - start).toBeLessThanOrEqual(6 * 4000);
  });

  it('detects a dead idle peer through heartbeats (8.3)', () => {
    const p = new Pair({ a: { heartbeatIntervalMs: 1000, maxRetransmits: 3 } });
    p.connect();
    p.runFor(5000);
    expect(p.a.state).toBe('established');
    p.ba.down = true;
    p.run(() => p.a.state === 'closed', 100_000);
    expect(p.a.state).toBe('closed');
  });
});
