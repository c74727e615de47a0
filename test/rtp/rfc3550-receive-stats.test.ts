// Reception statistics (RFC 3550 A.1, A.3, A.8, 6.4.1) on a virtual clock, cross-checked
// with werift's StreamStatistics (a port of aiortc's) on the same packet sequences.
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtpReceiveStatistics, parseRtcp, serializeRtcp, roundTripTimeMs, ntpFromUnixMs, compactNtp } from '../../src/rtp/index.js';

interface WStats {
  add(packet: { header: { sequenceNumber: number; timestamp: number; serializeSize: number }; payload: { length: number } }, now: number): void;
  readonly jitter: number;
  readonly packets_lost: number;
  readonly fraction_lost: number;
  readonly packets_expected: number;
  max_seq: number | undefined;
  cycles: number;
}
const { StreamStatistics } = createRequire(import.meta.url)(path.resolve('node_modules/werift/lib/webrtc/src/media/receiver/statistics.js')) as {
  StreamStatistics: new (clockRate: number) => WStats;
};

/** An in-order stream: frames every 20-40 ms of media time, 1-3 packets each, some lost, arrival jittered. */
const stream = fc.record({
  seq0: fc.integer({ min: 0, max: 0xffff }),
  ts0: fc.integer({ min: 0, max: 2 ** 31 }),
  frames: fc.array(
    fc.record({ packets: fc.integer({ min: 1, max: 3 }), gapMs: fc.integer({ min: 20, max: 40 }), jitterMs: fc.integer({ min: 0, max: 30 }), lost: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }) }),
    { minLength: 2, maxLength: 80 },
  ),
});

describe('RtpReceiveStatistics against werift StreamStatistics', () => {
  it('highest sequence, cumulative lost, fraction lost and jitter agree (video clock, in-order streams with loss)', () => {
    fc.assert(
      fc.property(stream, ({ seq0, ts0, frames }) => {
        const ours = new RtpReceiveStatistics({ ssrc: 7, clockRateHz: 90000 });
        const theirs = new StreamStatistics(90000);
        let seq = seq0;
        let mediaMs = 0;
        let first = true;
        for (const f of frames) {
          mediaMs += f.gapMs;
          const ts = (ts0 + mediaMs * 90) >>> 0;
          for (let k = 0; k < f.packets; k++) {
            const s = seq & 0xffff;
            seq++;
            // The first two packets always arrive (our A.1 probation needs them in sequence).
            if (!first && seq - seq0 > 2 && f.lost[k]) continue;
            first = false;
            const nowMs = 1_000_000 + mediaMs + f.jitterMs + k;
            ours.handlePacket(nowMs, { sequenceNumber: s, timestamp: ts });
            theirs.add({ header: { sequenceNumber: s, timestamp: ts, serializeSize: 12 }, payload: { length: 100 } }, nowMs / 1000);
          }
        }
        expect(ours.valid).toBe(true);
        // A.1 restarts the cycle count when probation ends; werift counts from the first packet.
        const wrapDuringProbation = ((seq0 + 1) & 0xffff) === 0;
        expect(ours.highestSequence).toBe(theirs.cycles + theirs.max_seq! - (wrapDuringProbation ? 0x10000 : 0));
        expect(ours.cumulativeLost).toBe(theirs.packets_lost);
        expect(ours.jitter).toBe(theirs.jitter);
        const block = ours.reportBlock(2_000_000)!;
        // werift counts the first packet, which A.1 probation does not: its first interval is one packet longer.
        const wFraction = theirs.fraction_lost;
        const expectedOurs = ours.packetsExpected;
        const lostOurs = ours.cumulativeLost;
        expect(block.fractionLost).toBe(lostOurs <= 0 ? 0 : Math.floor((lostOurs * 256) / expectedOurs));
        expect(Math.abs(block.fractionLost - wFraction)).toBeLessThanOrEqual(Math.ceil(256 / expectedOurs));
        // And the block survives an RR on the wire.
        expect(parseRtcp(serializeRtcp([{ type: 'rr', ssrc: 1, reports: [block] }]))).toEqual([{ type: 'rr', ssrc: 1, reports: [block] }]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('RFC 3550 A.1 validity and A.3 intervals', () => {
  it('probation: the first packet alone is not valid; two in sequence are', () => {
    const s = new RtpReceiveStatistics({ ssrc: 1, clockRateHz: 48000 });
    expect(s.handlePacket(0, { sequenceNumber: 10, timestamp: 0 })).toBe(false);
    expect(s.reportBlock(0)).toBeUndefined();
    expect(s.handlePacket(20, { sequenceNumber: 11, timestamp: 960 })).toBe(true);
    expect(s.valid).toBe(true);
    expect(s.reportBlock(20)).toMatchObject({ highestSequence: 11, cumulativeLost: 0, fractionLost: 0 });
  });
  it('counts wraps, reports fraction lost per interval, and resyncs after a sender restart', () => {
    const s = new RtpReceiveStatistics({ ssrc: 1, clockRateHz: 48000 });
    for (const q of [65533, 65534, 65535, 0, 2, 3]) s.handlePacket(0, { sequenceNumber: q, timestamp: 0 });
    // Valid from 65534: expected 65534..65539 (6), received 5.
    expect(s.highestSequence).toBe(65536 + 3);
    expect(s.cumulativeLost).toBe(1);
    expect(s.reportBlock(0)!.fractionLost).toBe(Math.floor(256 / 6));
    for (const q of [4, 5, 6, 7]) s.handlePacket(0, { sequenceNumber: q, timestamp: 0 });
    expect(s.reportBlock(0)!.fractionLost).toBe(0); // nothing lost in the second interval
    // A jump of 30000: ignored once, accepted when the next one follows it.
    expect(s.handlePacket(0, { sequenceNumber: 30000, timestamp: 0 })).toBe(false);
    expect(s.handlePacket(0, { sequenceNumber: 30001, timestamp: 0 })).toBe(true);
    expect(s.highestSequence).toBe(30001);
    expect(s.cumulativeLost).toBe(0);
  });
  it('duplicates make cumulative loss negative (A.3), clamped to 24 bits', () => {
    const s = new RtpReceiveStatistics({ ssrc: 1, clockRateHz: 8000 });
    s.handlePacket(0, { sequenceNumber: 1, timestamp: 0 });
    s.handlePacket(0, { sequenceNumber: 2, timestamp: 160 });
    s.handlePacket(0, { sequenceNumber: 2, timestamp: 160 });
    expect(s.cumulativeLost).toBe(-1);
  });
  it('LSR and DLSR: a sender computes the round trip from our block (RFC 3550 6.4.1)', () => {
    const s = new RtpReceiveStatistics({ ssrc: 1, clockRateHz: 90000 });
    s.handlePacket(0, { sequenceNumber: 1, timestamp: 0 });
    s.handlePacket(0, { sequenceNumber: 2, timestamp: 3000 });
    // The sender's SR leaves at wall time T; reaches us 40 ms later; we answer 250 ms after that; the RR takes 40 ms back.
    const T = Date.UTC(2026, 0, 1);
    const srNtp = ntpFromUnixMs(T);
    s.handleSenderReport(10_040, srNtp);
    const block = s.reportBlock(10_290)!;
    expect(block.lastSr).toBe(compactNtp(srNtp));
    const rtt = roundTripTimeMs(compactNtp(ntpFromUnixMs(T + 40 + 250 + 40)), block.lastSr, block.delaySinceLastSr)!;
    expect(Math.abs(rtt - 80)).toBeLessThan(0.1);
  });
  it('jitter of a perfectly paced stream is 0, and follows a constant transit change per A.8', () => {
    const s = new RtpReceiveStatistics({ ssrc: 1, clockRateHz: 90000 });
    for (let i = 0; i < 50; i++) s.handlePacket(1000 + i * 33, { sequenceNumber: i, timestamp: (0xfffff000 + i * 33 * 90) >>> 0 });
    expect(s.jitter).toBe(0); // also across the 32-bit timestamp wrap
    // Alternate arrivals 10 ms late: |D| = 900 units per packet; J converges towards 900.
    for (let i = 50; i < 400; i++) s.handlePacket(1000 + i * 33 + (i % 2) * 10, { sequenceNumber: i, timestamp: (0xfffff000 + i * 33 * 90) >>> 0 });
    expect(Math.abs(s.jitter - 900)).toBeLessThan(20);
  });
});
