/**
 * RFC 9260 6.2 delayed SACK and receiver window (flow control), and the memory bounds a
 * hostile peer runs into (out-of-order queue, TSN lookahead, reassembly).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { MAX_HELD_CHUNKS, MAX_OUT_OF_ORDER_TSNS, SctpAssociation } from '../../src/sctp/association.js';
import { parsePacket, serializePacket } from '../../src/sctp/packet.js';
import type { SackChunk } from '../../src/sctp/chunk-sack.js';
import { Pair, messagesOf, pattern } from './helpers.js';

describe('RFC 9260 6.2 delayed SACK', () => {
  it('acknowledges a lone packet after the SACK delay, and every second packet at once', () => {
    const sackTimes: number[] = [];
    let p!: Pair;
    p = new Pair({ b: { sackDelayMs: 200 }, ba: { dropIf: (d) => (parsePacket(d).chunks.some((c) => c.type === 'sack') && sackTimes.push(p.now), false) } });
    p.connect();
    const t0 = p.now;
    p.a.send(p.now, 0, 51, pattern(1, 100));
    p.run(() => sackTimes.length === 1, 10_000);
    expect((sackTimes[0] as number) - t0).toBe(200);
    // two full packets: the second one is acknowledged without delay
    const t1 = p.now;
    p.a.send(p.now, 0, 51, pattern(2, 2000));
    p.run(() => sackTimes.length === 2, 10_000);
    expect(sackTimes[1]).toBe(t1);
  });

  it('reports gaps and duplicates at once (6.7, 6.2)', () => {
    const sacks: SackChunk[] = [];
    const p = new Pair({
      ab: { dropIf: (_d, i) => i === 3, duplicateRate: 0 },
      ba: { dropIf: (d) => (parsePacket(d).chunks.forEach((c) => c.type === 'sack' && sacks.push(c)), false) },
    });
    p.connect();
    for (let i = 0; i < 6; i++) p.a.send(p.now, 0, 51, pattern(i, 1100));
    p.run(() => messagesOf(p.eventsB).length === 6, 100_000);
    expect(sacks.some((s) => s.gapBlocks.length > 0)).toBe(true);
  });
});

describe('receiver window (flow control)', () => {
  it('never has more in flight than the peer advertised', () => {
    const WINDOW = 32 * 1024;
    let maxFlight = 0;
    const p = new Pair({ b: { receiveBufferBytes: WINDOW, maxReceiveMessageBytes: WINDOW }, ab: { delayMs: 20 }, ba: { delayMs: 20 } });
    p.connect();
    for (let i = 0; i < 100; i++) p.a.send(p.now, 0, 53, pattern(i, 10_000));
    p.run(() => {
      maxFlight = Math.max(maxFlight, p.a.bytesInFlight);
      return messagesOf(p.eventsB).length === 100;
    }, 1_000_000);
    expect(maxFlight).toBeLessThanOrEqual(WINDOW);
    expect(maxFlight).toBeGreaterThan(WINDOW / 2);
  });
});

describe('bounds against a hostile peer', () => {
  function established(): { a: SctpAssociation; tagOfA: number; tsnBase: number } {
    const a = new SctpAssociation({ rng: seededRandom(1) });
    const b = new SctpAssociation({ rng: seededRandom(2) });
    a.connect(0);
    let tagOfA = 0;
    for (let i = 0; i < 10; i++) {
      const x = a.pollTransmit();
      if (x) b.handleInput(0, x);
      const y = b.pollTransmit();
      if (y) {
        tagOfA = parsePacket(y).verificationTag;
        a.handleInput(0, y);
      }
    }
    // learn B's next TSN by sending one message through
    b.send(0, 0, 51, new Uint8Array([1]));
    const d = b.pollTransmit() as Uint8Array;
    const data = parsePacket(d).chunks[0];
    a.handleInput(0, d);
    if (data?.type !== 'data') throw new Error('no data');
    return { a, tagOfA, tsnBase: data.tsn };
  }

  it('holds at most MAX_OUT_OF_ORDER_TSNS chunks above a gap', () => {
    const { a, tagOfA, tsnBase } = established();
    let accepted = 0;
    for (let k = 2; k < MAX_OUT_OF_ORDER_TSNS + 5000; k += 1) {
      a.handleInput(1, serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tagOfA, chunks: [{ type: 'data', tsn: (tsnBase + k) >>> 0, streamId: 1, ssn: 0, ppid: 53, unordered: false, beginning: true, ending: false, immediate: false, userData: new Uint8Array(8) }] }));
    }
    for (let x = a.pollTransmit(); x; x = a.pollTransmit()) {
      const s = parsePacket(x).chunks.find((c) => c.type === 'sack');
      if (s?.type === 'sack') accepted = Math.max(accepted, s.gapBlocks.reduce((n, g) => n + g.end - g.start + 1, 0));
    }
    expect(a.stats.dataChunksDropped).toBeGreaterThanOrEqual(5000 - 2);
    expect(a.state).toBe('established');
    expect(accepted).toBeGreaterThan(0);
  });

  it('holds at most MAX_HELD_CHUNKS tiny fragments that never complete', () => {
    const { a, tagOfA, tsnBase } = established();
    const PER_PACKET = 50; // bundled 1-byte fragments
    for (let k = 1; k < MAX_HELD_CHUNKS + 3000; k += PER_PACKET) {
      const chunks = Array.from({ length: PER_PACKET }, (_, j) => ({ type: 'data' as const, tsn: (tsnBase + k + j) >>> 0, streamId: 1, ssn: 0, ppid: 53, unordered: false, beginning: k + j === 1, ending: false, immediate: false, userData: new Uint8Array(1) }));
      a.handleInput(1, serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tagOfA, chunks }));
      for (let x = a.pollTransmit(); x; x = a.pollTransmit());
    }
    expect(a.receiveHeldChunks).toBe(MAX_HELD_CHUNKS);
    expect(a.stats.dataChunksDropped).toBeGreaterThan(2900);
    expect(a.state).toBe('established');
  });

  it('drops DATA far beyond the cumulative TSN and data over the receive buffer', () => {
    const { a, tagOfA, tsnBase } = established();
    const before = a.stats.dataChunksDropped;
    a.handleInput(1, serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tagOfA, chunks: [{ type: 'data', tsn: (tsnBase + 0x7000_0000) >>> 0, streamId: 1, ssn: 0, ppid: 53, unordered: false, beginning: true, ending: true, immediate: false, userData: new Uint8Array(8) }] }));
    expect(a.stats.dataChunksDropped).toBe(before + 1);
    expect(a.state).toBe('established');
  });
});

describe('RFC 9260 6.3.1 RTO from RTT measurements', () => {
  it('converges on the path RTT and keeps RTO within [RTO.Min, RTO.Max]', () => {
    const p = new Pair({ a: { rtoMinMs: 10, rtoMaxMs: 60_000 }, ab: { delayMs: 50 }, ba: { delayMs: 50 } });
    p.connect();
    expect(p.a.srttMs).toBeUndefined();
    expect(p.a.rtoMs).toBe(1000); // RTO.Initial
    for (let i = 0; i < 200; i++) p.a.send(p.now, 0, 53, pattern(i, 2400)); // two packets each: SACKed at once
    p.run(() => messagesOf(p.eventsB).length === 200, 1_000_000);
    const srtt = p.a.srttMs as number;
    expect(srtt).toBeGreaterThanOrEqual(100);
    expect(srtt).toBeLessThan(130);
    expect(p.a.rtoMs).toBeGreaterThanOrEqual(srtt);
    expect(p.a.rtoMs).toBeLessThan(srtt + 200);
  });
});
