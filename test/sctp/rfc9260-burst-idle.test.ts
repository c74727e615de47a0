/**
 * RFC 9260 6.1 rule D (Max.Burst: at most Max.Burst packets of new DATA per transmit
 * opportunity, cwnd itself unchanged) and 7.2.1 (while no data is sent, cwnd decays to
 * max(cwnd/2, 4*PMDCS) once per RTO, ssthresh set to cwnd before the first decay).
 */
import { describe, expect, it } from 'vitest';
import type { CongestionSample } from '../../src/sctp/association.js';
import { MAX_BURST } from '../../src/sctp/constants.js';
import { parsePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern } from './helpers.js';

const MTU = 1200;

/** A pair whose A has grown its cwnd well past Max.Burst packets, with nothing in flight. */
function warmed(): Pair {
  const p = new Pair({ ab: { delayMs: 10 }, ba: { delayMs: 10 } });
  p.connect();
  for (let i = 0; i < 100; i++) p.a.send(p.now, 0, 53, pattern(i, 4000));
  p.run(() => messagesOf(p.eventsB).length === 100 && p.a.bytesInFlight === 0, 1_000_000);
  expect(p.a.congestionWindow).toBeGreaterThan(10 * MAX_BURST * MTU);
  return p;
}

function dataPacketsOf(out: Uint8Array[]): number {
  return out.filter((d) => parsePacket(d).chunks.some((c) => c.type === 'data')).length;
}

describe('RFC 9260 6.1 rule D: Max.Burst', () => {
  it('one transmit opportunity sends at most Max.Burst packets of new DATA, and cwnd is not changed by it', () => {
    const p = warmed();
    const cwnd = p.a.congestionWindow;
    p.a.send(p.now, 0, 53, pattern(500, 100_000));
    const out: Uint8Array[] = [];
    for (let d = p.a.pollTransmit(); d; d = p.a.pollTransmit()) out.push(d);
    expect(dataPacketsOf(out)).toBe(MAX_BURST);
    expect(p.a.congestionWindow).toBe(cwnd);
    expect(p.a.bytesInFlight).toBeLessThanOrEqual(MAX_BURST * MTU);
    // Each SACK opens a new opportunity: the rest follows, nothing stalls.
    for (const d of out) p.ab.send(p.now, d);
    p.run(() => messagesOf(p.eventsB).length === 101, 100_000);
    expect(messagesOf(p.eventsB)[100]?.data).toEqual(pattern(500, 100_000));
  });

  it('sends while data is in flight add nothing until a SACK clocks more out', () => {
    const p = warmed();
    p.a.send(p.now, 0, 53, pattern(600, 10_000));
    const first: Uint8Array[] = [];
    for (let d = p.a.pollTransmit(); d; d = p.a.pollTransmit()) first.push(d);
    expect(dataPacketsOf(first)).toBe(MAX_BURST);
    expect(p.a.bytesInFlight).toBeGreaterThan(0);
    const more: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      p.a.send(p.now, 0, 53, pattern(601 + i, 10_000));
      for (let d = p.a.pollTransmit(); d; d = p.a.pollTransmit()) more.push(d);
    }
    expect(dataPacketsOf(more)).toBe(0);
    for (const d of first) p.ab.send(p.now, d);
    p.run(() => messagesOf(p.eventsB).length === 121, 100_000);
  });

  it('every packet burst after a SACK stays within Max.Burst packets', () => {
    const p = warmed();
    let burst = 0;
    let worst = 0;
    const poll = p.a.pollTransmit.bind(p.a);
    const input = p.a.handleInput.bind(p.a);
    p.a.handleInput = (now, d) => {
      burst = 0;
      input(now, d);
    };
    p.a.pollTransmit = () => {
      const d = poll();
      if (d && parsePacket(d).chunks.some((c) => c.type === 'data')) worst = Math.max(worst, ++burst);
      return d;
    };
    for (let i = 0; i < 50; i++) p.a.send(p.now, 0, 53, pattern(i, 20_000));
    p.run(() => messagesOf(p.eventsB).length === 150, 1_000_000);
    expect(worst).toBeGreaterThan(1);
    expect(worst).toBeLessThanOrEqual(MAX_BURST);
  });
});

describe('RFC 9260 7.2.1: cwnd while idle', () => {
  it('halves cwnd once per RTO without data, down to 4*PMDCS, ssthresh = cwnd before the first decay', () => {
    const p = warmed();
    const trace: CongestionSample[] = [];
    p.a.congestionTrace = trace;
    const before = p.a.congestionWindow;
    const rto = p.a.rtoMs;
    p.runFor(2 * rto + rto / 2);
    p.a.send(p.now, 0, 53, pattern(1, 100));
    const idle = trace.find((s) => s.event === 'idle');
    expect(idle).toBeDefined();
    expect(idle?.ssthresh).toBe(before);
    expect(idle?.cwnd).toBe(Math.max(Math.floor(Math.floor(before / 2) / 2), 4 * MTU));
  });

  it('after a long idle period cwnd is 4*PMDCS, never below', () => {
    const p = warmed();
    p.runFor(60 * p.a.rtoMs);
    p.a.send(p.now, 0, 53, pattern(1, 100));
    expect(p.a.congestionWindow).toBe(4 * MTU);
    p.run(() => messagesOf(p.eventsB).length === 101, 100_000);
  });

  it('a cwnd below 4*PMDCS comes up to it after an idle RTO (max(cwnd / 2, 4 * PMDCS)), ssthresh kept', () => {
    const p = new Pair({ ab: { delayMs: 10 }, ba: { delayMs: 10 } });
    p.connect();
    p.a.send(p.now, 0, 53, pattern(1, 100));
    p.run(() => messagesOf(p.eventsB).length === 1 && p.a.bytesInFlight === 0, 100_000);
    const small = p.a.congestionWindow;
    const ssthresh = p.a.slowStartThreshold;
    expect(small).toBeLessThan(4 * MTU);
    p.runFor(2 * p.a.rtoMs);
    p.a.send(p.now, 0, 53, pattern(2, 100));
    expect(p.a.congestionWindow).toBe(4 * MTU);
    expect(p.a.slowStartThreshold).toBe(ssthresh);
    p.run(() => messagesOf(p.eventsB).length === 2, 100_000);
  });

  it('does not decay while data keeps flowing', () => {
    const p = warmed();
    const trace: CongestionSample[] = [];
    p.a.congestionTrace = trace;
    for (let i = 0; i < 100; i++) p.a.send(p.now, 0, 53, pattern(i, 4000));
    p.run(() => messagesOf(p.eventsB).length === 200, 1_000_000);
    expect(trace.some((s) => s.event === 'idle')).toBe(false);
  });
});
