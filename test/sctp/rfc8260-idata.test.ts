/**
 * I-DATA and I-FORWARD-TSN (RFC 8260): negotiated only when both ends offer them; a
 * large message no longer blocks the other streams; loss, partial reliability and stream
 * reset still hold. The I-DATA header layout is checked by hand against RFC 8260 2.1.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/common/hex.js';
import { parseChunks } from '../../src/sctp/chunk.js';
import { parsePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

const IDATA = { iData: true, rtoMinMs: 200 };

describe('RFC 8260 I-DATA', () => {
  it('decodes an I-DATA chunk laid out as in RFC 8260 figure 3', () => {
    // 40 type 64 | 06 U+B | 0018 length 24 | 00000010 TSN 16 | 0003 stream 3 | 0000 reserved |
    // 00000007 MID 7 | 00000035 PPID 53 (B set) | 41424344 user data "ABCD"
    const [c] = parseChunks(fromHex('40' + '06' + '0018' + '00000010' + '0003' + '0000' + '00000007' + '00000035' + '41424344'));
    expect(c).toMatchObject({ type: 'idata', tsn: 16, streamId: 3, mid: 7, ppid: 53, fsn: 0, unordered: true, beginning: true, ending: false });
    // a middle fragment: B clear, so the field is the FSN
    const [d] = parseChunks(fromHex('40' + '00' + '0018' + '00000011' + '0003' + '0000' + '00000007' + '00000001' + '45464748'));
    expect(d).toMatchObject({ type: 'idata', fsn: 1, ppid: 0, beginning: false, ending: false });
  });

  it('is used only when both ends offer it', () => {
    const one = new Pair({ a: IDATA });
    one.connect();
    expect(one.a.usesIData).toBe(false);
    expect(one.b.usesIData).toBe(false);
    const both = new Pair({ a: IDATA, b: IDATA });
    both.connect();
    expect(both.a.usesIData).toBe(true);
    expect(both.b.usesIData).toBe(true);
    let sawIData = false;
    const p = new Pair({ a: IDATA, b: IDATA, ab: { dropIf: (d) => ((sawIData ||= parsePacket(d).chunks.some((c) => c.type === 'idata')), false) } });
    p.connect();
    p.a.send(p.now, 0, 53, pattern(1, 5000));
    p.run(() => messagesOf(p.eventsB).length === 1, 10_000);
    expect(sawIData).toBe(true);
    expect(sameBytes(messagesOf(p.eventsB)[0]?.data, pattern(1, 5000))).toBe(true);
  });

  it('a small message on another stream overtakes a large one (no head-of-line blocking)', () => {
    for (const iData of [false, true]) {
      const o = { iData, rtoMinMs: 200 };
      const p = new Pair({ a: o, b: o, ab: { delayMs: 10, bandwidthBps: 10e6 }, ba: { delayMs: 10 } });
      p.connect();
      p.a.send(p.now, 1, 53, pattern(1, 250_000));
      p.runFor(5);
      p.a.send(p.now, 2, 51, pattern(2, 50));
      p.run(() => messagesOf(p.eventsB).length === 2, 100_000);
      const order = messagesOf(p.eventsB).map((m) => m.streamId);
      expect(order).toEqual(iData ? [2, 1] : [1, 2]);
    }
  });

  it('delivers every byte in order under loss, reordering and duplication', () => {
    const link = { lossRate: 0.1, delayMs: 20, reorderRate: 0.1, duplicateRate: 0.05 };
    const p = new Pair({ seed: 11, a: IDATA, b: IDATA, ab: link, ba: link });
    p.connect();
    const sizes = [10, 3000, 70_000, 1, 200_000, 5000];
    for (let i = 0; i < 24; i++) p.a.send(p.now, i % 4, 53, pattern(i, sizes[i % sizes.length] as number), { ordered: i % 8 !== 3 });
    p.run(() => messagesOf(p.eventsB).length === 24, 2_000_000);
    for (let stream = 0; stream < 4; stream++) {
      const sent = Array.from({ length: 24 }, (_, i) => i).filter((i) => i % 4 === stream);
      const got = messagesOf(p.eventsB).filter((m) => m.streamId === stream);
      const ordered = sent.filter((i) => i % 8 !== 3);
      const gotOrdered = got.filter((m) => !m.unordered);
      ordered.forEach((i, k) => expect(sameBytes(gotOrdered[k]?.data, pattern(i, sizes[i % sizes.length] as number))).toBe(true));
      expect(got.length).toBe(sent.length);
    }
    expect([p.b.receiveHeldBytes, p.b.receiveHeldChunks]).toEqual([0, 0]);
  });

  it('abandons with I-FORWARD-TSN and keeps going (RFC 8260 2.3.1)', () => {
    let iforward = 0;
    const p = new Pair({
      seed: 5,
      a: IDATA,
      b: IDATA,
      ab: { lossRate: 0.2, delayMs: 20, dropIf: (d) => (parsePacket(d).chunks.some((c) => c.type === 'iforward-tsn') && iforward++, false) },
      ba: { delayMs: 20 },
    });
    p.connect();
    for (let i = 0; i < 200; i++) p.a.send(p.now, 1, 53, pattern(i, 3000), { ordered: i % 2 === 0, maxRetransmits: 0 });
    p.a.send(p.now, 2, 51, pattern(999, 10));
    p.run(() => p.a.bytesInFlight === 0 && p.a.totalBufferedAmount === 0 && messagesOf(p.eventsB).some((m) => m.streamId === 2), 1_000_000);
    const got = messagesOf(p.eventsB).filter((m) => m.streamId === 1);
    expect(got.length).toBeLessThan(200);
    expect(got.length).toBeGreaterThan(50);
    expect(iforward).toBeGreaterThan(0);
    // the receiver lets go of everything once the I-FORWARD-TSNs got through
    p.run(() => p.b.receiveHeldChunks === 0, 1_000_000);
    expect(p.b.receiveHeldBytes).toBe(0);
    expect(p.a.state).toBe('established');
    expect(p.b.state).toBe('established');
  });

  it('stream reset restarts both MID counters (RFC 8260 2.3.2)', () => {
    const p = new Pair({ a: IDATA, b: IDATA, ab: { delayMs: 5 }, ba: { delayMs: 5 } });
    p.connect();
    p.a.send(p.now, 3, 51, pattern(1, 10));
    p.a.send(p.now, 3, 51, pattern(2, 10), { ordered: false });
    p.a.resetStreams(p.now, [3]);
    p.run(() => p.eventsA.some((e) => e.type === 'outgoing-stream-reset'), 100_000);
    p.a.send(p.now, 3, 51, pattern(3, 10));
    p.a.send(p.now, 3, 51, pattern(4, 10), { ordered: false });
    p.run(() => messagesOf(p.eventsB).length === 4, 100_000);
    expect(sameBytes(messagesOf(p.eventsB).filter((m) => !m.unordered)[1]?.data, pattern(3, 10))).toBe(true);
  });
});
