/**
 * Congestion control traces against RFC 9260 7.2 on scripted losses, and throughput /
 * fairness on a 100 Mbit/s, 20 ms RTT in-memory link (virtual time).
 */
import { describe, expect, it } from 'vitest';
import { parsePacket } from '../../src/sctp/packet.js';
import type { CongestionSample } from '../../src/sctp/association.js';
import { Pair, messagesOf, pattern } from './helpers.js';

const MTU = 1200;

function firstTsnOf(p: Uint8Array): number | undefined {
  const c = parsePacket(p).chunks.find((x) => x.type === 'data');
  return c && c.type === 'data' ? c.tsn : undefined;
}

describe('RFC 9260 7.2 cwnd/ssthresh on a scripted loss', () => {
  it('slow start, fast retransmit (7.2.4), then congestion avoidance', () => {
    let dataPackets = 0;
    let droppedTsn: number | undefined;
    const p = new Pair({
      a: { rtoMinMs: 200 },
      ab: {
        delayMs: 10,
        dropIf: (d) => {
          const tsn = firstTsnOf(d);
          if (tsn === undefined) return false;
          dataPackets++;
          if (dataPackets === 40 && droppedTsn === undefined) {
            droppedTsn = tsn;
            return true;
          }
          return false;
        },
      },
      ba: { delayMs: 10 },
    });
    p.connect();
    const trace: CongestionSample[] = [];
    p.a.congestionTrace = trace;
    // RFC 9260 7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380)).
    expect(p.a.congestionWindow).toBe(Math.min(4 * MTU, Math.max(2 * MTU, 4380)));
    const initialSsthresh = p.a.slowStartThreshold;
    for (let i = 0; i < 200; i++) p.a.send(p.now, 0, 53, pattern(i, 1000));
    p.run(() => messagesOf(p.eventsB).length === 200, 1_000_000);
    expect(droppedTsn).toBeDefined();

    const frIndex = trace.findIndex((s) => s.event === 'fast-retransmit');
    expect(frIndex).toBeGreaterThan(0);
    expect(trace.filter((s) => s.event === 'fast-retransmit')).toHaveLength(1);
    expect(trace.filter((s) => s.event === 't3-expired')).toHaveLength(0);
    // Slow start before the loss: ssthresh untouched, growth of at most one MTU per SACK (7.2.1).
    let prev = Math.min(4 * MTU, Math.max(2 * MTU, 4380));
    for (const s of trace.slice(0, frIndex)) {
      expect(s.ssthresh).toBe(initialSsthresh);
      expect(s.cwnd - prev).toBeLessThanOrEqual(MTU);
      expect(s.cwnd).toBeGreaterThanOrEqual(prev);
      prev = s.cwnd;
    }
    // On fast retransmit: ssthresh = max(cwnd/2, 4*MTU), cwnd = ssthresh (7.2.4 step 1... 7.2.3).
    const fr = trace[frIndex] as CongestionSample;
    expect(fr.ssthresh).toBe(Math.max(Math.floor(prev / 2), 4 * MTU));
    expect(fr.cwnd).toBe(fr.ssthresh);
    // Afterwards (congestion avoidance, 7.2.2): cwnd never grows by more than one MTU per
    // SACK, and in total by at most one MTU per cwnd of bytes acknowledged.
    let last = fr.cwnd;
    for (const s of trace.slice(frIndex + 1)) {
      expect(s.ssthresh).toBe(fr.ssthresh);
      expect(s.cwnd - last).toBeLessThanOrEqual(MTU);
      expect(s.cwnd).toBeGreaterThanOrEqual(last);
      last = s.cwnd;
    }
    expect(last).toBeLessThan(fr.cwnd + 200 * 1000 / fr.cwnd * MTU + MTU);
    expect(p.a.stats.fastRetransmits).toBe(1);
  });

  it('T3-rtx expiry: ssthresh = max(cwnd/2, 4*MTU), cwnd = 1 MTU (6.3.3, 7.2.3)', () => {
    const p = new Pair({ a: { rtoMinMs: 200 }, ab: { delayMs: 10 }, ba: { delayMs: 10 } });
    p.connect();
    const trace: CongestionSample[] = [];
    p.a.congestionTrace = trace;
    for (let i = 0; i < 50; i++) p.a.send(p.now, 0, 53, pattern(i, 1000));
    p.runFor(60);
    p.ab.down = true;
    p.ba.down = true;
    for (let i = 50; i < 60; i++) p.a.send(p.now, 0, 53, pattern(i, 1000));
    const before = p.a.congestionWindow;
    p.run(() => trace.some((s) => s.event === 't3-expired'), 100_000);
    const t3 = trace.find((s) => s.event === 't3-expired') as CongestionSample;
    expect(t3.cwnd).toBe(MTU);
    expect(t3.ssthresh).toBe(Math.max(Math.floor(before / 2), 4 * MTU));
    p.ab.down = false;
    p.ba.down = false;
    p.run(() => messagesOf(p.eventsB).length === 60, 1_000_000);
    expect(p.a.state).toBe('established');
  });
});

describe('throughput and fairness (100 Mbit/s, 20 ms RTT, virtual time)', () => {
  const LINK = { bandwidthBps: 100e6, delayMs: 10, queueBytes: 250_000 };

  it('reaches at least 80% of the link with one channel', () => {
    const p = new Pair({ ab: LINK, ba: { delayMs: 10 }, a: { rtoMinMs: 200, maxSendBufferBytes: 64 << 20 }, b: { rtoMinMs: 200 } });
    p.connect();
    const msg = pattern(1, 65536);
    const N = 400; // 26 MB
    let delivered = 0;
    let bytes = 0;
    let tStart = 0;
    let bytesAtStart = 0;
    p.onEvent = (side, e) => {
      if (side === 'b' && e.type === 'message') {
        delivered++;
        bytes += e.data.length;
        if (delivered === 40) {
          tStart = p.now; // after slow start
          bytesAtStart = bytes;
        }
      }
    };
    for (let i = 0; i < N; i++) p.a.send(p.now, 0, 53, msg);
    p.run(() => delivered === N, 5_000_000);
    const bps = ((bytes - bytesAtStart) * 8) / ((p.now - tStart) / 1000);
    expect(bps).toBeGreaterThanOrEqual(0.8 * 100e6);
  });

  it('shares the link fairly between 4 channels', () => {
    const p = new Pair({ ab: LINK, ba: { delayMs: 10 }, a: { rtoMinMs: 200, maxSendBufferBytes: 64 << 20 } });
    p.connect();
    const per = [0, 0, 0, 0];
    let total = 0;
    p.onEvent = (side, e) => {
      if (side === 'b' && e.type === 'message') {
        per[e.streamId] = (per[e.streamId] ?? 0) + e.data.length;
        total++;
      }
    };
    const msg = pattern(2, 65536);
    for (let i = 0; i < 100; i++) for (let s = 0; s < 4; s++) p.a.send(p.now, s, 53, msg);
    // Look at the share while all four still have data queued.
    p.run(() => total >= 200, 5_000_000);
    const max = Math.max(...per);
    const min = Math.min(...per);
    expect(min / max).toBeGreaterThan(0.9);
  });
});
