/**
 * The transport-wide CC feedback generator (draft-holmer-rmcat-transport-wide-cc-extensions-01
 * section 3.1) on its own: one feedback per interval covering every sequence number since
 * the previous one, losses as "not received", wrap-around, and its bounds under floods.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRtcp, serializeRtcp } from '../../src/rtp/rtcp.js';
import { twccPacketResults } from '../../src/rtp/rtcp-twcc.js';
import type { RtcpTwcc } from '../../src/rtp/rtcp-twcc.js';
import { TWCC_FEEDBACK_INTERVAL_MS, TWCC_MAX_PACKETS_PER_FEEDBACK, TWCC_MAX_PENDING_ARRIVALS, TwccFeedbackGenerator } from '../../src/peer/media-twcc.js';

function drain(g: TwccFeedbackGenerator): RtcpTwcc[] {
  const out: RtcpTwcc[] = [];
  for (let f = g.pollFeedback(); f; f = g.pollFeedback()) out.push(f);
  return out;
}

describe('TwccFeedbackGenerator', () => {
  it('reports received and lost packets once per interval, across the 16-bit wrap', () => {
    const g = new TwccFeedbackGenerator();
    expect(g.pollTimeout()).toBeUndefined();
    for (const [i, seq] of [65533, 65534, 0, 1].entries()) g.record(1000 + i * 5, seq, 42);
    expect(g.pollTimeout()).toBe(1000 + TWCC_FEEDBACK_INTERVAL_MS);
    g.handleTimeout(1099, 7);
    expect(drain(g)).toEqual([]);
    g.handleTimeout(1100, 7);
    const [f] = drain(g);
    // Through our own serializer and parser: base 65533, 65535 lost.
    const parsed = parseRtcp(serializeRtcp([f!]))[0] as RtcpTwcc;
    expect(parsed.senderSsrc).toBe(7);
    expect(parsed.mediaSsrc).toBe(42);
    expect(twccPacketResults(parsed).map((r) => [r.sequenceNumber, r.received])).toEqual([[65533, true], [65534, true], [65535, false], [0, true], [1, true]]);
    // Arrival deltas: 5 ms apart (20 ticks of 250 us).
    expect(parsed.deltas.slice(1)).toEqual([20, 20, 20]);
    expect(g.pollTimeout()).toBeUndefined();
    // Next window starts after the last reported one; late duplicates of reported ones are ignored.
    g.record(1200, 65534, 42);
    g.record(1201, 3, 42);
    g.handleTimeout(1301, 7);
    const [h] = drain(g);
    expect(h!.baseSequenceNumber).toBe(3);
    expect(h!.feedbackPacketCount).toBe(1);
  });

  it('stays bounded and never throws whatever sequence numbers and times arrive (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ dt: fc.integer({ min: 0, max: 20_000 }), seq: fc.integer({ min: 0, max: 0xffff }) }), { maxLength: 400 }), (list) => {
        const g = new TwccFeedbackGenerator();
        let now = 0;
        for (const x of list) {
          now += x.dt;
          const due = g.pollTimeout();
          if (due !== undefined && due <= now) g.handleTimeout(now, 1);
          g.record(now, x.seq, 2);
          for (const f of drain(g)) {
            expect(f.statuses.length).toBeLessThanOrEqual(TWCC_MAX_PACKETS_PER_FEEDBACK);
            expect(parseRtcp(serializeRtcp([f]))).toHaveLength(1);
          }
        }
      }),
      { numRuns: 100 },
    );
    const g = new TwccFeedbackGenerator();
    for (let i = 0; i < TWCC_MAX_PENDING_ARRIVALS * 3; i++) g.record(0, (i * 7) & 0xffff, 1);
    g.handleTimeout(TWCC_FEEDBACK_INTERVAL_MS, 1);
    const [f] = drain(g);
    expect(f!.statuses.length).toBeLessThanOrEqual(TWCC_MAX_PACKETS_PER_FEEDBACK);
  });
});
