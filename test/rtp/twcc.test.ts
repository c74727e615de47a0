// draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1: chunk examples, encoder
// choices, arrival time reconstruction.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader } from '../../src/common/bytes.js';
import { fromHex, toHex } from '../../src/common/hex.js';
import { parseRtcp, serializeRtcp, twccChunks, twccPacketResults, buildTwcc, TWCC_DELTA_TICK_US } from '../../src/rtp/index.js';
import type { RtcpTwcc, TwccStatus } from '../../src/rtp/index.js';
import { parseTwcc } from '../../src/rtp/rtcp-twcc.js';
import { twccStatuses, twccStatusesWithRuns } from './arbitraries.js';
import { twccChunkVectors } from './vectors.js';

function fciWithChunk(chunkHex: string, count: number): Uint8Array {
  // base 0, status count, reference time 0, fb count 0, the chunk; deltas of 0 for received symbols.
  const head = Uint8Array.from([0, 0, count >>> 8, count & 0xff, 0, 0, 0, 0]);
  return Uint8Array.from([...head, ...fromHex(chunkHex), ...new Uint8Array(2 * count)]);
}

describe('TWCC packet status chunks (draft 3.1.3, 3.1.4 examples)', () => {
  for (const v of twccChunkVectors) {
    it(`${v.name}: decodes`, () => {
      const p = parseTwcc(new Reader(fciWithChunk(v.chunk, v.statuses.length)), 1, 2);
      expect(p.statuses).toEqual(v.statuses);
    });
    it(`${v.name}: our encoder picks the same chunk`, () => {
      expect(twccChunks(v.statuses as TwccStatus[]).map((c) => c.toString(16).padStart(4, '0'))).toEqual([v.chunk]);
    });
  }
  it('a vector chunk describing more packets than the status count is cut at the count', () => {
    const p = parseTwcc(new Reader(fciWithChunk('9f1c', 3)), 1, 2);
    expect(p.statuses).toEqual([0, 1, 1]);
  });
  it('run lengths above 8191 are split', () => {
    const statuses = new Array<TwccStatus>(9000).fill(0);
    expect(twccChunks(statuses)).toEqual([0x1fff, 9000 - 0x1fff]);
  });
  it('chunks encode every status list exactly (decoded back through the parser)', () => {
    fc.assert(
      fc.property(fc.oneof(twccStatuses, twccStatusesWithRuns), (statuses) => {
        const chunks = twccChunks(statuses);
        const hex = chunks.map((c) => c.toString(16).padStart(4, '0')).join('');
        const fci = Uint8Array.from([0, 0, statuses.length >>> 8, statuses.length & 0xff, 0, 0, 0, 0, ...fromHex(hex), ...new Uint8Array(2 * statuses.length)]);
        expect(parseTwcc(new Reader(fci), 0, 0).statuses).toEqual(statuses);
        // Density: never more chunks than one per 7 statuses plus one per status change.
        let changes = 0;
        for (let i = 1; i < statuses.length; i++) if (statuses[i] !== statuses[i - 1]) changes++;
        expect(chunks.length).toBeLessThanOrEqual(Math.ceil(statuses.length / 7) + changes + 1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('TWCC feedback from arrival times', () => {
  it('reconstructs arrivals to within one 250 us tick, without drift', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 0xffff }),
        (startUs, gaps, base) => {
          let t = startUs;
          const arrivalsUs = gaps.map((g) => (g === undefined ? undefined : (t += g)));
          const fb = buildTwcc({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: base, feedbackPacketCount: 7, arrivalsUs });
          const wire = parseRtcp(serializeRtcp([fb]))[0] as RtcpTwcc;
          expect(wire).toEqual(fb);
          const results = twccPacketResults(wire);
          expect(results.length).toBe(arrivalsUs.length);
          const refUs = Math.floor((arrivalsUs.find((a) => a !== undefined) ?? 0) / 64000) * 64000;
          results.forEach((r, i) => {
            expect(r.sequenceNumber).toBe((base + i) & 0xffff);
            const a = arrivalsUs[i];
            expect(r.received).toBe(a !== undefined);
            if (a === undefined) return;
            // arrivalUs is on the reference-time axis (mod 2^24 x 64 ms); compare offsets from the reference.
            const offset = r.arrivalUs! - wire.referenceTime * 64000;
            expect(Math.abs(offset - (a - refUs))).toBeLessThanOrEqual(TWCC_DELTA_TICK_US / 2);
            expect(((refUs / 64000) % 2 ** 24 + 2 ** 24) % 2 ** 24).toBe((wire.referenceTime + 2 ** 24) % 2 ** 24);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
  it('uses a large delta for reordered (earlier) arrivals', () => {
    const fb = buildTwcc({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 10, feedbackPacketCount: 0, arrivalsUs: [64_000 + 10_000, 64_000 + 5_000] });
    expect(fb.statuses).toEqual([1, 2]);
    expect(fb.deltas).toEqual([40, -20]);
    expect(toHex(serializeRtcp([fb]))).toBe('afcd0006' + '00000001' + '00000002' + '000a0002' + '00000100' + 'd800' + '28' + 'ffec' + '000003');
  });
});
