/**
 * Packetization-layer PMTU discovery (RFC 8899) with HEARTBEAT + PAD probes (RFC 4820):
 * the packet size rises to what the path carries and never above it.
 */
import { describe, expect, it } from 'vitest';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

describe('RFC 8899 PMTU probing', () => {
  it('raises the packet size up to the largest the path carries', () => {
    const PATH_MTU = 4000;
    const p = new Pair({ a: { maxMtu: 9000, rtoMinMs: 200 }, ab: { delayMs: 5, dropIf: (d) => d.length > PATH_MTU }, ba: { delayMs: 5 } });
    p.connect();
    p.runFor(20_000);
    expect(p.a.mtu).toBeGreaterThan(3000);
    expect(p.a.mtu).toBeLessThanOrEqual(PATH_MTU);
    let biggest = 0;
    const q = new Pair({ a: { maxMtu: 9000, rtoMinMs: 200 }, ab: { delayMs: 5, dropIf: (d) => ((biggest = Math.max(biggest, d.length)), d.length > PATH_MTU) }, ba: { delayMs: 5 } });
    q.connect();
    q.runFor(20_000);
    biggest = 0;
    q.a.send(q.now, 0, 53, pattern(1, 100_000));
    q.run(() => messagesOf(q.eventsB).length === 1, 100_000);
    expect(sameBytes(messagesOf(q.eventsB)[0]?.data, pattern(1, 100_000))).toBe(true);
    expect(biggest).toBeGreaterThan(3000);
    expect(biggest).toBeLessThanOrEqual(PATH_MTU);
    expect(q.a.stats.dataChunksRetransmitted).toBe(0);
  });

  it('stays at 1200 bytes when the path carries nothing larger', () => {
    const p = new Pair({ a: { maxMtu: 9000 }, ab: { dropIf: (d) => d.length > 1200 } });
    p.connect();
    p.runFor(60_000);
    expect(p.a.mtu).toBe(1200);
    expect(p.a.state).toBe('established');
  });
});
