/**
 * The numbers behind getStats on a virtual clock (two sans-IO peers, helpers.ts): every
 * STUN Binding round trip on a link with a fixed one-way delay d measures exactly 2d
 * (webrtc-stats 7.18 currentRoundTripTime, seconds); on a lossless link what one end
 * counts as sent on the selected pair the other counts as received, byte for byte and
 * datagram for datagram; dropped datagrams show as the difference.
 */
import { describe, expect, it } from 'vitest';
import { PeerPair } from './helpers.js';

const DELAY_MS = 7;

function selectedPair(p: PeerPair, side: 'a' | 'b') {
  const s = p[side].pc.statsSnapshot();
  const pair = s.pairs.find((x) => x.selected);
  if (!pair?.counters) throw new Error(`${side}: no selected pair with counters`);
  return { pair, counters: pair.counters, snapshot: s };
}

function connect(seed: number): { p: PeerPair; key: number; remoteKey: number } {
  const p = new PeerPair(seed);
  p.delayMs = DELAY_MS;
  const ch = p.a.pc.createDataChannel(0, { label: 'stats' });
  p.negotiate('a');
  p.run(() => p.a.pc.connectionState === 'connected' && p.b.events.some((e) => e.type === 'datachannel') && p.a.events.some((e) => e.type === 'channel-open'));
  const remote = p.b.events.find((e) => e.type === 'datachannel');
  return { p, key: ch.key, remoteKey: remote?.type === 'datachannel' ? remote.channel.key : -1 };
}

describe('statsSnapshot on a virtual clock', () => {
  it('measures round trips of exactly twice the one-way delay, and the selected pair is in the checklist', () => {
    const { p } = connect(3);
    for (const side of ['a', 'b'] as const) {
      const { pair, counters, snapshot } = selectedPair(p, side);
      expect(pair.state).toBe('succeeded');
      expect(counters.responsesReceived).toBeGreaterThan(0);
      expect(counters.requestsSent).toBeGreaterThanOrEqual(counters.responsesReceived);
      expect(counters.currentRoundTripTime).toBe((2 * DELAY_MS) / 1000);
      expect(counters.totalRoundTripTime).toBeCloseTo((counters.responsesReceived * 2 * DELAY_MS) / 1000, 9);
      expect(snapshot.selectedPairChanges).toBeGreaterThanOrEqual(1);
      expect(snapshot.dtls).toMatchObject({ version: expect.stringMatching(/^DTLS 1\.[23]$/) });
    }
    // a's requests are b's requests received, and b's responses are a's responses received.
    const a = selectedPair(p, 'a').counters;
    const b = selectedPair(p, 'b').counters;
    expect(b.requestsReceived).toBe(a.requestsSent);
    expect(b.responsesSent).toBe(b.requestsReceived);
  });

  it('on a lossless link, sent on one end equals received on the other; drops show as the difference', () => {
    const { p, key, remoteKey } = connect(4);
    for (let i = 0; i < 20; i++) p.a.pc.send(p.now, key, new Uint8Array(700).fill(i));
    p.b.pc.send(p.now, remoteKey, 'back');
    p.run(() => p.messages(p.b, remoteKey).length === 20 && p.messages(p.a, key).length === 1);
    // At a moment when nothing is in flight the two views agree (a miscount never would: step cap).
    const balanced = (): boolean => {
      const x = selectedPair(p, 'a').counters;
      const y = selectedPair(p, 'b').counters;
      return x.bytesSent === y.bytesReceived && y.bytesSent === x.bytesReceived;
    };
    const later = p.now + 200;
    p.run(() => p.now >= later && balanced());
    let a = selectedPair(p, 'a').counters;
    let b = selectedPair(p, 'b').counters;
    expect(a.bytesSent).toBe(b.bytesReceived);
    expect(a.packetsSent).toBe(b.packetsReceived);
    expect(b.bytesSent).toBe(a.bytesReceived);
    expect(a.bytesSent).toBeGreaterThan(20 * 700);
    expect(p.a.pc.statsSnapshot().transportTotals.bytesSent).toBe(a.bytesSent);
    expect(a.lastPacketReceivedAtMs).toBeLessThanOrEqual(p.now);
    // Drop every other non-STUN datagram from a for a while: b receives fewer than a sent.
    let n = 0;
    p.drop = (d) => d.from.startsWith('10.0.0.1') && (d.data[0] ?? 0) > 3 && n++ % 2 === 0;
    p.a.pc.send(p.now, key, new Uint8Array(700).fill(99));
    p.a.pc.send(p.now, key, new Uint8Array(700).fill(98));
    p.run(() => n >= 2);
    a = selectedPair(p, 'a').counters;
    b = selectedPair(p, 'b').counters;
    expect(b.packetsReceived).toBeLessThan(a.packetsSent);
  });
});
