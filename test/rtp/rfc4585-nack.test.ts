// Generic NACK loss recovery (RFC 4585 6.2.1, 3.5) with RTX retransmission (RFC 4588),
// two sans-IO endpoints over a lossy in-memory link on a virtual clock.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRandom } from '../../src/common/random.js';
import {
  NackGenerator,
  RtpPacketHistory,
  NACK_MAX_RETRIES,
  NACK_MAX_MISSING,
  rtpPacket,
  serializeRtp,
  parseRtp,
  serializeRtcp,
  parseRtcp,
  rtxDecode,
} from '../../src/rtp/index.js';
import type { RtcpNack, RtpPacket } from '../../src/rtp/index.js';

describe('NackGenerator', () => {
  it('NACKs a gap at once, then once per RTT until the packet arrives or the retries run out', () => {
    const g = new NackGenerator({ senderSsrc: 1, mediaSsrc: 2, rttMs: 100 });
    for (const s of [1, 2, 5]) g.handlePacket(0, s);
    expect(g.pollTransmit()).toEqual({ type: 'nack', senderSsrc: 1, mediaSsrc: 2, lost: [3, 4] });
    expect(g.pollTransmit()).toBeUndefined();
    expect(g.pollTimeout()).toBe(100);
    g.handleTimeout(100);
    expect(g.pollTransmit()?.lost).toEqual([3, 4]);
    g.handlePacket(120, 3);
    let t = 200;
    let sent = 2;
    for (; g.pollTimeout() !== undefined; t = g.pollTimeout()!) {
      g.handleTimeout(t);
      expect(g.pollTransmit()?.lost).toEqual([4]);
      sent++;
    }
    expect(sent).toBe(NACK_MAX_RETRIES);
    expect(g.missingCount).toBe(0);
  });
  it('works across the sequence number wrap and ignores reordered and duplicate packets', () => {
    const g = new NackGenerator({ senderSsrc: 1, mediaSsrc: 2 });
    for (const s of [65533, 65534, 1, 65534, 0]) g.handlePacket(0, s);
    expect(g.pollTransmit()?.lost).toEqual([65535]);
  });
  it('asks for a key frame instead of NACKing more than NACK_MAX_MISSING packets', () => {
    const g = new NackGenerator({ senderSsrc: 1, mediaSsrc: 2 });
    g.handlePacket(0, 10);
    g.handlePacket(0, 10 + NACK_MAX_MISSING + 2);
    expect(g.pollEvent()).toEqual({ type: 'keyframeRequest', reason: 'too-many-missing' });
    expect(g.missingCount).toBe(0);
    expect(g.pollTransmit()).toBeUndefined();
  });
  it('tracks exactly the sequence numbers not yet seen, for any arrival order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 200 }), (base, offsets) => {
        const g = new NackGenerator({ senderSsrc: 1, mediaSsrc: 2 });
        g.handlePacket(0, base);
        const seen = new Set([0, ...offsets]);
        for (const o of offsets) g.handlePacket(0, (base + o) & 0xffff);
        const newest = Math.max(0, ...offsets);
        const want: number[] = [];
        for (let o = 1; o < newest; o++) if (!seen.has(o)) want.push((base + o) & 0xffff);
        const nack = g.pollTransmit();
        expect(nack?.lost ?? []).toEqual(want);
      }),
    );
  });
});

describe('RtpPacketHistory', () => {
  const pkt = (seq: number) => rtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc: 7, marker: true, payload: Uint8Array.of(seq & 0xff, 1, 2) });
  it('keeps the newest `capacity` packets', () => {
    const h = new RtpPacketHistory({ capacity: 3 });
    for (let s = 0; s < 5; s++) h.store(pkt(s));
    expect(h.size).toBe(3);
    expect(h.get(1)).toBeUndefined();
    expect(h.get(4)?.sequenceNumber).toBe(4);
  });
  it('answers a NACK with RTX packets carrying the OSN, skipping what it no longer has', () => {
    const h = new RtpPacketHistory({ capacity: 10, rtxFirstSequence: 65535 });
    for (let s = 0; s < 5; s++) h.store(pkt(s));
    const nack: RtcpNack = { type: 'nack', senderSsrc: 1, mediaSsrc: 7, lost: [1, 3, 99] };
    const rtx = h.retransmissions(nack, { payloadType: 97, ssrc: 8 });
    expect(rtx.map((p) => [p.sequenceNumber, p.payloadType, p.ssrc])).toEqual([[65535, 97, 8], [0, 97, 8]]);
    expect(rtx.map((p) => rtxDecode(p, { payloadType: 96, ssrc: 7 }))).toEqual([pkt(1), pkt(3)]);
    expect(h.retransmissions({ ...nack, mediaSsrc: 9 })).toEqual([]);
  });
});

describe('NACK + RTX recovery over a lossy link (virtual clock)', () => {
  it('every packet arrives despite 15% loss each way', () => {
    const rng = seededRandom(42);
    const lossy = () => rng.float() < 0.15;
    const MEDIA = 0x1111;
    const RTX = 0x2222;
    const history = new RtpPacketHistory({ capacity: 512, rtxFirstSequence: 100 });
    const receiver = new NackGenerator({ senderSsrc: 0x3333, mediaSsrc: MEDIA, rttMs: 60 });
    const got = new Map<number, Uint8Array>();
    let recovered = 0;
    // In-flight datagrams: [deliverAtMs, to, bytes]; one-way delay 30 ms.
    let link: Array<{ at: number; to: 'receiver' | 'sender'; bytes: Uint8Array }> = [];
    const sendTo = (now: number, to: 'receiver' | 'sender', bytes: Uint8Array) => {
      if (!lossy()) link.push({ at: now + 30, to, bytes });
    };
    const onReceiver = (now: number, bytes: Uint8Array) => {
      let p: RtpPacket = parseRtp(bytes);
      if (p.ssrc === RTX) {
        p = rtxDecode(p, { payloadType: 96, ssrc: MEDIA });
        if (!got.has(p.sequenceNumber)) recovered++;
      }
      got.set(p.sequenceNumber, p.payload.slice());
      receiver.handlePacket(now, p.sequenceNumber);
    };
    const onSender = (now: number, bytes: Uint8Array) => {
      for (const nack of parseRtcp(bytes)) {
        if (nack.type !== 'nack') continue;
        for (const r of history.retransmissions(nack, { payloadType: 97, ssrc: RTX })) sendTo(now, 'receiver', serializeRtp(r));
      }
    };
    const TOTAL = 300;
    let now = 0;
    let sent = 0;
    let steps = 0;
    for (; steps < 100_000; steps++) {
      // Jump to the next event: a media send every 10 ms, a delivery, or the receiver's NACK timer.
      const nextSend = sent < TOTAL ? sent * 10 : Infinity;
      const nextLink = link.reduce((m, d) => Math.min(m, d.at), Infinity);
      const next = Math.min(nextSend, nextLink, receiver.pollTimeout() ?? Infinity);
      if (next === Infinity) break;
      now = next;
      if (nextSend === now) {
        const seq = (65500 + sent) & 0xffff;
        const p = rtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: now * 90, ssrc: MEDIA, payload: Uint8Array.of(seq >> 8, seq & 0xff) });
        history.store(p);
        sendTo(now, 'receiver', serializeRtp(p));
        sent++;
      }
      const due = link.filter((d) => d.at <= now);
      link = link.filter((d) => d.at > now);
      for (const d of due) (d.to === 'receiver' ? onReceiver : onSender)(now, d.bytes);
      receiver.handleTimeout(now);
      for (let n = receiver.pollTransmit(); n !== undefined; n = receiver.pollTransmit()) sendTo(now, 'sender', serializeRtcp([n]));
    }
    expect(steps).toBeLessThan(100_000);
    // Every packet but possibly a lost tail (nothing after it reveals the gap) arrived.
    const expected = Array.from({ length: TOTAL }, (_, i) => (65500 + i) & 0xffff);
    const lastGot = Math.max(...[...got.keys()].map((s) => (s - 65500) & 0xffff));
    for (const s of expected.slice(0, lastGot + 1)) expect(got.get(s)).toEqual(Uint8Array.of(s >> 8, s & 0xff));
    expect(lastGot).toBeGreaterThan(TOTAL - 10);
    expect(recovered).toBeGreaterThan(20); // about 15% of 300 were lost on the first try
  });
});
