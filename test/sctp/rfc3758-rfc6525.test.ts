/**
 * Partial reliability (RFC 3758: abandonment, FORWARD TSN) and stream reset (RFC 6525:
 * Outgoing SSN Reset Request and response), on the virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { parsePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

function indexOf(data: Uint8Array): number {
  return (data[0] as number) | ((data[1] as number) << 8);
}
function tagged(i: number, len: number): Uint8Array {
  const d = pattern(i, len);
  d[0] = i & 0xff;
  d[1] = i >> 8;
  return d;
}

describe('RFC 3758 partial reliability', () => {
  for (const ordered of [true, false]) {
    it(`maxRetransmits 0 (${ordered ? 'ordered' : 'unordered'}) loses some messages under 20% loss but never stalls`, () => {
      let forwardTsns = 0;
      const p = new Pair({
        seed: 4,
        a: { rtoMinMs: 200 },
        ab: { lossRate: 0.2, delayMs: 20, dropIf: (d) => (parsePacket(d).chunks.some((c) => c.type === 'forward-tsn') ? (forwardTsns++, false) : false) },
        ba: { delayMs: 20 },
      });
      p.connect();
      for (let i = 0; i < 300; i++) p.a.send(p.now, 1, 53, tagged(i, 500), { ordered, maxRetransmits: 0 });
      // a reliable message afterwards on another stream must get through
      p.a.send(p.now, 2, 51, tagged(9999, 10));
      // done when the sender has nothing left and the receiver let go of everything
      // (FORWARD TSNs lost on the way are resent on T3-rtx, RFC 3758 3.5 C3)
      p.run(() => p.a.bytesInFlight === 0 && p.a.totalBufferedAmount === 0 && p.b.receiveHeldChunks === 0 && messagesOf(p.eventsB).some((m) => m.streamId === 2), 1_000_000);
      const got = messagesOf(p.eventsB).filter((m) => m.streamId === 1);
      expect(got.length).toBeLessThan(300);
      expect(got.length).toBeGreaterThan(150);
      for (const m of got) expect(sameBytes(m.data, tagged(indexOf(m.data), 500))).toBe(true);
      if (ordered) {
        const idx = got.map((m) => indexOf(m.data));
        expect(idx).toEqual([...idx].sort((x, y) => x - y));
      }
      expect(p.a.stats.messagesAbandoned).toBeGreaterThan(0);
      expect(forwardTsns).toBeGreaterThan(0);
      expect(p.b.receiveHeldBytes).toBe(0);
      expect(p.a.state).toBe('established');
    });
  }

  it('maxPacketLifeTime drops what expired while the path was down, then carries on', () => {
    const p = new Pair({ a: { rtoMinMs: 200 }, ab: { delayMs: 10 }, ba: { delayMs: 10 } });
    p.connect();
    p.ab.down = true;
    for (let i = 0; i < 20; i++) p.a.send(p.now, 3, 53, tagged(i, 2000), { maxPacketLifeTimeMs: 500 });
    p.runFor(1500);
    p.ab.down = false;
    for (let i = 20; i < 25; i++) p.a.send(p.now, 3, 53, tagged(i, 2000), { maxPacketLifeTimeMs: 5000 });
    p.run(() => messagesOf(p.eventsB).length >= 5 && p.a.bytesInFlight === 0, 1_000_000);
    const idx = messagesOf(p.eventsB).map((m) => indexOf(m.data));
    expect(idx).toEqual([20, 21, 22, 23, 24]);
    expect(p.a.stats.messagesAbandoned).toBe(20);
  });

  it('reliable messages are never abandoned', () => {
    const p = new Pair({ seed: 8, a: { rtoMinMs: 200 }, ab: { lossRate: 0.3, delayMs: 10 }, ba: { delayMs: 10 } });
    p.connect();
    for (let i = 0; i < 50; i++) p.a.send(p.now, 0, 53, tagged(i, 3000));
    p.run(() => messagesOf(p.eventsB).length === 50, 1_000_000);
    expect(messagesOf(p.eventsB).map((m) => indexOf(m.data))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p.a.stats.messagesAbandoned).toBe(0);
  });
});

describe('RFC 6525 stream reset', () => {
  it('resets after queued data is delivered, and the stream restarts at SSN 0', () => {
    const p = new Pair({ seed: 2, ab: { delayMs: 15, lossRate: 0.05 }, ba: { delayMs: 15 }, a: { rtoMinMs: 200 } });
    p.connect();
    for (let i = 0; i < 10; i++) p.a.send(p.now, 4, 51, tagged(i, 5000));
    p.a.resetStreams(p.now, [4]);
    expect(() => p.a.send(p.now, 4, 51, tagged(99, 1))).toThrow(/reset/);
    p.run(() => p.eventsA.some((e) => e.type === 'outgoing-stream-reset'), 1_000_000);
    const resetAt = p.eventsB.findIndex((e) => e.type === 'incoming-stream-reset');
    expect(resetAt).toBeGreaterThan(0);
    expect(p.eventsB[resetAt]).toMatchObject({ streamIds: [4] });
    expect(messagesOf(p.eventsB.slice(0, resetAt)).map((m) => indexOf(m.data))).toEqual(Array.from({ length: 10 }, (_, i) => i));
    // the stream is usable again from SSN 0
    p.a.send(p.now, 4, 51, tagged(100, 10));
    p.a.send(p.now, 4, 51, tagged(101, 10));
    p.run(() => messagesOf(p.eventsB).length === 12, 100_000);
    expect(messagesOf(p.eventsB).slice(10).map((m) => indexOf(m.data))).toEqual([100, 101]);
  });

  it('both sides reset the same stream (data channel close from both ends)', () => {
    const p = new Pair({ ab: { delayMs: 5 }, ba: { delayMs: 5 } });
    p.connect();
    p.a.resetStreams(p.now, [6]);
    p.b.resetStreams(p.now, [6]);
    p.run(() => p.eventsA.some((e) => e.type === 'outgoing-stream-reset') && p.eventsB.some((e) => e.type === 'outgoing-stream-reset'), 100_000);
    expect(p.eventsA.some((e) => e.type === 'incoming-stream-reset')).toBe(true);
    expect(p.eventsB.some((e) => e.type === 'incoming-stream-reset')).toBe(true);
  });
});
