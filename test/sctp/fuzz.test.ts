/**
 * Whole-association property test: random paths (loss, reordering, duplication, delay,
 * bandwidth) and random traffic (sizes, streams, ordered/unordered, reliable/partial,
 * DATA or I-DATA, stream resets). Reliable ordered messages always arrive complete and
 * in order per stream, nothing throws, and the receive buffers end empty.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

describe('association under random paths and traffic', () => {
  it('keeps its promises', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          lossRate: fc.constantFrom(0, 0.01, 0.05, 0.15),
          reorderRate: fc.constantFrom(0, 0.05, 0.2),
          duplicateRate: fc.constantFrom(0, 0.05),
          delayMs: fc.integer({ min: 1, max: 150 }),
          bandwidthBps: fc.constantFrom(undefined, 2e6, 50e6),
          iData: fc.boolean(),
          // RFC 9653: each side may announce zero checksum; it is used only when both do.
          zeroChecksumA: fc.boolean(),
          zeroChecksumB: fc.boolean(),
          messages: fc.array(
            fc.record({
              stream: fc.integer({ min: 0, max: 5 }),
              size: fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 120_000 })),
              ordered: fc.boolean(),
              partial: fc.constantFrom(undefined, 0, 2),
              reset: fc.boolean(),
            }),
            { minLength: 1, maxLength: 25 },
          ),
        }),
        (c) => {
          const link = { lossRate: c.lossRate, reorderRate: c.reorderRate, duplicateRate: c.duplicateRate, delayMs: c.delayMs, jitterMs: c.delayMs / 4, ...(c.bandwidthBps ? { bandwidthBps: c.bandwidthBps, queueBytes: 200_000 } : {}) };
          const opts = { rtoMinMs: 200, iData: c.iData };
          const p = new Pair({ seed: c.seed, a: { ...opts, zeroChecksum: c.zeroChecksumA }, b: { ...opts, zeroChecksum: c.zeroChecksumB }, ab: link, ba: link });
          p.connect();
          expect(p.a.usesZeroChecksum).toBe(c.zeroChecksumA && c.zeroChecksumB);
          const expected = new Map<number, number[]>();
          c.messages.forEach((m, i) => {
            const reliable = m.partial === undefined;
            p.a.send(p.now, m.stream, 53, pattern(i, m.size), { ordered: m.ordered, ...(reliable ? {} : { maxRetransmits: m.partial }) });
            if (reliable && m.ordered) expected.set(m.stream, [...(expected.get(m.stream) ?? []), i]);
          });
          p.run(() => p.a.bytesInFlight === 0 && p.a.totalBufferedAmount === 0 && p.b.receiveHeldChunks === 0, 200_000);
          expect(p.a.state).toBe('established');
          expect(p.b.receiveHeldBytes).toBe(0);
          const got = messagesOf(p.eventsB);
          for (const [stream, ids] of expected) {
            const onStream = got.filter((m) => m.streamId === stream && !m.unordered);
            // reliable ordered messages: all there, in send order (partial ordered ones may be interleaved)
            const reliable = onStream.filter((m) => ids.some((i) => sameBytes(m.data, pattern(i, (c.messages[i] as { size: number }).size))));
            expect(reliable.length).toBe(ids.length);
            reliable.forEach((m, k) => expect(sameBytes(m.data, pattern(ids[k] as number, (c.messages[ids[k] as number] as { size: number }).size))).toBe(true));
          }
          // reliable unordered messages all arrive too
          const unorderedReliable = c.messages.map((m, i) => ({ m, i })).filter(({ m }) => !m.ordered && m.partial === undefined);
          for (const { m, i } of unorderedReliable) expect(got.some((g) => g.streamId === m.stream && g.unordered && sameBytes(g.data, pattern(i, m.size)))).toBe(true);
          // then reset the streams we used and check the peer sees it
          const streams = [...new Set(c.messages.filter((m) => m.reset).map((m) => m.stream))];
          if (streams.length) {
            p.a.resetStreams(p.now, streams);
            p.run(() => p.eventsA.some((e) => e.type === 'outgoing-stream-reset'), 200_000);
            expect(p.eventsB.some((e) => e.type === 'incoming-stream-reset')).toBe(true);
          }
        },
      ),
      { numRuns: 60, seed: 20261125 },
    );
  });
});
