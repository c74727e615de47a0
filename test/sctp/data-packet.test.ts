/**
 * The DATA-only and SACK-only packet fast paths (sctp/data-packet.ts) write the same
 * bytes as the general `Writer` path (RFC 9260 3 common header, 3.3.1 DATA, 3.3.4 SACK;
 * RFC 8260 2.1 I-DATA, with zero padding to 4 bytes, 3.2), into memory that was not zero-filled, and werift's
 * independent parser reads them. Pooled memory is dirtied first so that a byte left
 * unwritten would show.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataChunk } from '../../src/sctp/chunk-data.js';
import { dataChunkFlags } from '../../src/sctp/chunk-data.js';
import type { IDataChunk } from '../../src/sctp/chunk-idata.js';
import { DataPacket, PLAIN_SACK_CHUNK_BYTES } from '../../src/sctp/data-packet.js';
import { parsePacket, serializePacket, stampChecksum } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

const require = createRequire(import.meta.url);
const werift = require(path.resolve('node_modules/werift/lib/sctp/src/chunk.js')) as {
  parsePacket(b: Buffer): [number, number, number, { type: number; tsn?: number; streamId?: number; streamSeqNum?: number; protocol?: number; userData?: Buffer }[]];
};

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const flags = fc.record({ unordered: fc.boolean(), beginning: fc.boolean(), ending: fc.boolean() });

const dataArb: fc.Arbitrary<DataChunk> = fc
  .record({ tsn: u32, streamId: u16, ssn: u16, ppid: u32, f: flags, userData: fc.uint8Array({ minLength: 1, maxLength: 300 }) })
  .map(({ f, ...r }) => ({ type: 'data' as const, ...r, ...f, immediate: false }));

const idataArb: fc.Arbitrary<IDataChunk> = fc
  .record({ tsn: u32, streamId: u16, mid: u32, ppidOrFsn: u32, f: flags, userData: fc.uint8Array({ minLength: 1, maxLength: 300 }) })
  .map(({ f, ppidOrFsn, ...r }) => ({ type: 'idata' as const, ...r, ...f, immediate: false, ppid: f.beginning ? ppidOrFsn : 0, fsn: f.beginning ? 0 : ppidOrFsn }));

/** Fills Node's Buffer pool with 0xAA so unwritten bytes of the next pooled allocation are not zero. */
function dirtyPool(): void {
  for (let i = 0; i < 8; i++) Buffer.allocUnsafe(1024).fill(0xaa);
}

function size(c: DataChunk | IDataChunk): number {
  return (c.type === 'data' ? 16 : 20) + c.userData.length + ((4 - (c.userData.length & 3)) & 3);
}

describe('DataPacket: the DATA-only fast path', () => {
  it('writes the bytes the Writer path writes, for DATA and I-DATA chunks (RFC 9260 3.3.1, RFC 8260 2.1)', () => {
    fc.assert(
      fc.property(u16, u16, u32, fc.oneof(fc.array(dataArb, { minLength: 1, maxLength: 4 }), fc.array(idataArb, { minLength: 1, maxLength: 4 })), (sp, dp, tag, chunks) => {
        dirtyPool();
        const capacity = 12 + chunks.reduce((n, c) => n + size(c), 0);
        const p = new DataPacket(capacity, sp, dp, tag);
        for (const c of chunks) {
          const f = dataChunkFlags(c);
          if (c.type === 'data') p.data(f, c.tsn, c.streamId, c.ssn, c.ppid, c.userData);
          else p.idata(f, c.tsn, c.streamId, c.mid, c.beginning ? c.ppid : c.fsn, c.userData);
        }
        expect(p.room).toBe(0);
        const fast = p.written().slice();
        stampChecksum(fast);
        const general = serializePacket({ sourcePort: sp, destinationPort: dp, verificationTag: tag, chunks });
        expect(Buffer.from(fast).equals(Buffer.from(general))).toBe(true);
        expect(parsePacket(fast).chunks.length).toBe(chunks.length);
      }),
      { numRuns: 300 },
    );
  });

  it('is read field by field by werift (an independent parser, which also checks the CRC32c)', () => {
    fc.assert(
      fc.property(dataArb, u32, (c, tag) => {
        dirtyPool();
        const p = new DataPacket(12 + size(c), 5000, 5000, tag);
        p.data(dataChunkFlags(c), c.tsn, c.streamId, c.ssn, c.ppid, c.userData);
        const b = p.written();
        stampChecksum(b);
        const [, , wtag, [w]] = werift.parsePacket(Buffer.from(b));
        expect(wtag).toBe(tag);
        expect(w).toMatchObject({ type: 0, tsn: c.tsn, streamId: c.streamId, streamSeqNum: c.ssn, protocol: c.ppid });
        expect(Buffer.from(w?.userData as Buffer).equals(Buffer.from(c.userData))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('writes a SACK without gaps or duplicates as the Writer path does (RFC 9260 3.3.4), which werift reads', () => {
    fc.assert(
      fc.property(u32, u32, u32, (tag, cum, rwnd) => {
        dirtyPool();
        const p = new DataPacket(12 + PLAIN_SACK_CHUNK_BYTES, 5000, 5000, tag);
        p.sack(cum, rwnd);
        expect(p.room).toBe(0);
        const fast = p.written();
        stampChecksum(fast);
        const general = serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tag, chunks: [{ type: 'sack', cumulativeTsnAck: cum, aRwnd: rwnd, gapBlocks: [], duplicateTsns: [] }] });
        expect(Buffer.from(fast).equals(Buffer.from(general))).toBe(true);
        const [, , , [w]] = werift.parsePacket(Buffer.from(fast));
        expect(w).toMatchObject({ type: 3, cumulativeTsn: cum, advertisedRwnd: rwnd, gaps: [], duplicates: [] });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a chunk past its capacity (a caller bug) without writing it', () => {
    const p = new DataPacket(12 + 16 + 8, 1, 2, 3);
    p.data(3, 1, 0, 0, 51, new Uint8Array(8));
    expect(p.room).toBe(0);
    expect(() => p.data(3, 2, 0, 1, 51, new Uint8Array(1))).toThrow(RangeError);
    expect(p.written().length).toBe(36);
  });
});

describe('option transientPackets: fast-path packets in one reused buffer', () => {
  /** A pair whose links copy each packet when it is sent, as a DTLS endpoint encrypting it at once would. */
  function copyingPair(seed: number, lossRate: number): Pair {
    const o = { transientPackets: true, zeroChecksum: true, rtoMinMs: 200 };
    const p = new Pair({ seed, a: o, b: o, ab: { lossRate, delayMs: 5 }, ba: { lossRate, delayMs: 5 } });
    for (const link of [p.ab, p.ba]) {
      const send = link.send.bind(link);
      link.send = (now: number, data: Uint8Array): void => send(now, data.slice());
    }
    return p;
  }

  it('the next packet reuses the buffer: a caller must consume each one before it polls again', () => {
    const p = copyingPair(1, 0);
    p.connect();
    p.a.send(p.now, 1, 53, pattern(1, 3000));
    const first = p.a.pollTransmit() as Uint8Array;
    const firstCopy = first.slice();
    const second = p.a.pollTransmit() as Uint8Array;
    expect(second.buffer).toBe(first.buffer);
    expect(Buffer.from(first).equals(Buffer.from(firstCopy))).toBe(false);
  });

  it('moves messages intact both ways over a lossy path when each packet is copied as it is sent', () => {
    for (const seed of [1, 2, 3]) {
      const p = copyingPair(seed, 0.05);
      p.connect();
      const sizes = [1, 1000, 1200, 5000, 70_000, 3];
      sizes.forEach((n, i) => p.a.send(p.now, 1, 53, pattern(i, n)));
      sizes.forEach((n, i) => p.b.send(p.now, 2, 53, pattern(100 + i, n)));
      p.run(() => messagesOf(p.eventsB).length === sizes.length && messagesOf(p.eventsA).length === sizes.length, 200_000);
      sizes.forEach((n, i) => {
        expect(sameBytes(messagesOf(p.eventsB)[i]?.data, pattern(i, n))).toBe(true);
        expect(sameBytes(messagesOf(p.eventsA)[i]?.data, pattern(100 + i, n))).toBe(true);
      });
      expect(p.a.stats.dataChunksRetransmitted + p.b.stats.dataChunksRetransmitted).toBeGreaterThan(0);
    }
  });
});
