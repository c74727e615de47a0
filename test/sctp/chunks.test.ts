/**
 * Chunk codecs (RFC 9260 3, RFC 3758 3.2, RFC 6525 3-4, RFC 4820): Chrome's INIT as a
 * vector, cross-checks against werift's independent codec (it verifies our CRC32c and
 * reads our fields; we read its packets), fast-check round trips, and random bytes.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { fromHex } from '../../src/common/hex.js';
import { seededRandom } from '../../src/common/random.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import type { Chunk } from '../../src/sctp/chunk.js';
import type { InitChunk } from '../../src/sctp/chunk-init.js';
import { initFeatures } from '../../src/sctp/chunk-init.js';
import { parsePacket, serializePacket } from '../../src/sctp/packet.js';
import vector from '../../vectors/sctp/chrome-init.json' with { type: 'json' };

const require = createRequire(import.meta.url);
const werift = require(path.resolve('node_modules/werift/lib/sctp/src/chunk.js')) as {
  parsePacket(b: Buffer): [number, number, number, { type: number; [k: string]: unknown }[]];
  serializePacket(sp: number, dp: number, tag: number, chunk: unknown): Buffer;
  DataChunk: new (flags: number, body?: Buffer) => Record<string, unknown>;
  SackChunk: new (flags: number, body?: Buffer) => Record<string, unknown>;
  ForwardTsnChunk: new (flags: number, body?: Buffer) => Record<string, unknown>;
};

const chromeInit = fromHex(vector.packet.map((r) => r.hex).join(''));

describe("Chrome's INIT (vectors/sctp/chrome-init.json)", () => {
  it('parses field by field', () => {
    const p = parsePacket(chromeInit);
    expect(p.sourcePort).toBe(5000);
    expect(p.destinationPort).toBe(5000);
    expect(p.verificationTag).toBe(0);
    expect(p.chunks).toHaveLength(1);
    const init = p.chunks[0] as InitChunk;
    expect(init.type).toBe('init');
    expect(init.initiateTag).toBe(vector.expect.initiateTag);
    expect(init.aRwnd).toBe(vector.expect.aRwnd);
    expect(init.outboundStreams).toBe(vector.expect.outboundStreams);
    expect(init.inboundStreams).toBe(vector.expect.inboundStreams);
    expect(init.initialTsn).toBe(vector.expect.initialTsn);
    const f = initFeatures(init);
    expect({ forwardTsn: f.forwardTsn, reconfig: f.reconfig, iData: f.iData }).toEqual({ forwardTsn: true, reconfig: true, iData: false });
  });

  it('re-serializes to the same bytes (chunk length excludes the final padding)', () => {
    expect(serializePacket(parsePacket(chromeInit))).toEqual(chromeInit);
  });

  it("has a checksum werift's independent CRC32c accepts", () => {
    const [, , tag, chunks] = werift.parsePacket(Buffer.from(chromeInit));
    expect(tag).toBe(0);
    expect(chunks[0]).toMatchObject({ initiateTag: vector.expect.initiateTag, advertisedRwnd: 5242880, outboundStreams: 65535, inboundStreams: 65535 });
  });

  it('is answered with an INIT ACK to its tag, with a cookie and our features', () => {
    const a = new SctpAssociation({ rng: seededRandom(5) });
    a.handleInput(0, chromeInit);
    const out = a.pollTransmit();
    expect(out).toBeDefined();
    const p = parsePacket(out as Uint8Array);
    expect(p.verificationTag).toBe(vector.expect.initiateTag);
    const ack = p.chunks[0] as InitChunk;
    expect(ack.type).toBe('init-ack');
    const f = initFeatures(ack);
    expect(f.stateCookie?.length).toBeGreaterThan(0);
    expect(f.forwardTsn).toBe(true);
    expect(f.reconfig).toBe(true);
    expect(ack.outboundStreams).toBe(65535);
    // werift reads it too
    const [, , , wchunks] = werift.parsePacket(Buffer.from(out as Uint8Array));
    expect(wchunks[0]?.type).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------
// arbitraries

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });
const tlv = fc.record({ type: u16, value: bytes(40) });

const chunkArb: fc.Arbitrary<Chunk> = fc.oneof(
  fc.record({
    type: fc.constant('data' as const),
    tsn: u32,
    streamId: u16,
    ssn: u16,
    ppid: u32,
    unordered: fc.boolean(),
    beginning: fc.boolean(),
    ending: fc.boolean(),
    immediate: fc.boolean(),
    userData: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({
    type: fc.constantFrom('init' as const, 'init-ack' as const),
    initiateTag: u32,
    aRwnd: u32,
    outboundStreams: u16,
    inboundStreams: u16,
    initialTsn: u32,
    params: fc.array(tlv, { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('sack' as const),
    cumulativeTsnAck: u32,
    aRwnd: u32,
    gapBlocks: fc.array(fc.record({ start: u16, end: u16 }), { maxLength: 8 }),
    duplicateTsns: fc.array(u32, { maxLength: 8 }),
  }),
  fc.record({ type: fc.constantFrom('heartbeat' as const, 'heartbeat-ack' as const), info: bytes(40) }),
  fc.record({ type: fc.constant('abort' as const), reflected: fc.boolean(), causes: fc.array(fc.record({ code: u16, info: bytes(20) }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('error' as const), causes: fc.array(fc.record({ code: u16, info: bytes(20) }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('shutdown' as const), cumulativeTsnAck: u32 }),
  fc.constant({ type: 'shutdown-ack' as const }),
  fc.record({ type: fc.constant('shutdown-complete' as const), reflected: fc.boolean() }),
  fc.record({ type: fc.constant('cookie-echo' as const), cookie: bytes(80) }),
  fc.constant({ type: 'cookie-ack' as const }),
  fc.record({ type: fc.constant('forward-tsn' as const), newCumulativeTsn: u32, streams: fc.array(fc.record({ streamId: u16, ssn: u16 }), { maxLength: 6 }) }),
  fc.record({
    type: fc.constant('reconfig' as const),
    params: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('outgoing-reset' as const), requestSeq: u32, responseSeq: u32, lastTsn: u32, streamIds: fc.array(u16, { maxLength: 5 }) }),
        fc.record({ type: fc.constant('incoming-reset' as const), requestSeq: u32, streamIds: fc.array(u16, { maxLength: 5 }) }),
        fc.record({ type: fc.constant('response' as const), responseSeq: u32, result: u32 }),
        fc.record({ type: fc.constant('response' as const), responseSeq: u32, result: u32, senderNextTsn: u32, receiverNextTsn: u32 }),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  }),
  fc.record({ type: fc.constant('pad' as const), paddingBytes: fc.integer({ min: 0, max: 50 }) }),
  fc
    .record({ tsn: u32, streamId: u16, mid: u32, ppidOrFsn: u32, unordered: fc.boolean(), beginning: fc.boolean(), ending: fc.boolean(), immediate: fc.boolean(), userData: fc.uint8Array({ minLength: 1, maxLength: 64 }) })
    .map(({ ppidOrFsn, ...r }) => ({ type: 'idata' as const, ...r, ppid: r.beginning ? ppidOrFsn : 0, fsn: r.beginning ? 0 : ppidOrFsn })),
  fc.record({ type: fc.constant('iforward-tsn' as const), newCumulativeTsn: u32, entries: fc.array(fc.record({ streamId: u16, unordered: fc.boolean(), mid: u32 }), { maxLength: 5 }) }),
  fc.record({ type: fc.constant('unknown' as const), chunkType: fc.constantFrom(65, 129, 200, 255), flags: fc.integer({ min: 0, max: 255 }), value: bytes(30) }),
);

describe('chunk codecs: properties', () => {
  it('parse(serialize(packet)) equals the packet, for every chunk type', () => {
    fc.assert(
      fc.property(u16, u16, u32, fc.array(chunkArb, { minLength: 1, maxLength: 4 }), (sp, dp, tag, chunks) => {
        const pkt = { sourcePort: sp, destinationPort: dp, verificationTag: tag, chunks };
        const back = parsePacket(serializePacket(pkt));
        expect(normalize(back)).toEqual(normalize(pkt));
      }),
      { numRuns: 400 },
    );
  });

  it('random bytes make the parser throw ParseError and nothing else', () => {
    fc.assert(
      fc.property(bytes(200), fc.boolean(), fc.boolean(), fc.boolean(), (b, verify, acceptZero, zeroField) => {
        // RFC 9653 5.3: with a 0 checksum accepted, the chunks themselves get parsed.
        if (zeroField && b.length >= 12) b.fill(0, 8, 12);
        try {
          parsePacket(b, { verifyChecksum: verify, acceptZeroChecksum: acceptZero });
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid packets make the parser throw ParseError and nothing else', () => {
    fc.assert(
      fc.property(fc.array(chunkArb, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (chunks, flips) => {
        const b = serializePacket({ sourcePort: 1, destinationPort: 2, verificationTag: 3, chunks });
        for (const [at, v] of flips) b[12 + (at % Math.max(1, b.length - 12))] = v;
        try {
          parsePacket(b, { verifyChecksum: false });
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('chunk codecs: against werift', () => {
  it('werift reads our DATA, SACK and FORWARD TSN chunks field by field', () => {
    const dataArb = chunkArb.filter((c) => c.type === 'data' || c.type === 'sack' || c.type === 'forward-tsn');
    fc.assert(
      fc.property(dataArb, u32, (c, tag) => {
        const b = serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tag, chunks: [c] });
        const [sp, , wtag, [w]] = werift.parsePacket(Buffer.from(b));
        expect(sp).toBe(5000);
        expect(wtag).toBe(tag);
        if (c.type === 'data') {
          expect(w).toMatchObject({ type: 0, tsn: c.tsn, streamId: c.streamId, streamSeqNum: c.ssn, protocol: c.ppid });
          expect(new Uint8Array(w?.userData as Buffer)).toEqual(c.userData);
          expect(w?.flags).toBe((c.unordered ? 4 : 0) | (c.beginning ? 2 : 0) | (c.ending ? 1 : 0) | (c.immediate ? 8 : 0));
        } else if (c.type === 'sack') {
          expect(w).toMatchObject({ type: 3, cumulativeTsn: c.cumulativeTsnAck, advertisedRwnd: c.aRwnd, gaps: c.gapBlocks.map((g) => [g.start, g.end]), duplicates: c.duplicateTsns });
        } else if (c.type === 'forward-tsn') {
          expect(w).toMatchObject({ type: 192, cumulativeTsn: c.newCumulativeTsn, streams: c.streams.map((s) => [s.streamId, s.ssn]) });
        }
      }),
      { numRuns: 300 },
    );
  });

  it("we read werift's DATA and SACK packets", () => {
    fc.assert(
      fc.property(u32, u16, u16, u32, fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.integer({ min: 0, max: 15 }), (tsn, sid, ssn, ppid, data, flags) => {
        const d = new werift.DataChunk(flags);
        Object.assign(d, { tsn, streamId: sid, streamSeqNum: ssn, protocol: ppid, userData: Buffer.from(data) });
        const p = parsePacket(new Uint8Array(werift.serializePacket(5000, 5001, 77, d)));
        expect(p.destinationPort).toBe(5001);
        const c = p.chunks[0];
        expect(c).toMatchObject({ type: 'data', tsn, streamId: sid, ssn, ppid, ending: (flags & 1) !== 0, beginning: (flags & 2) !== 0, unordered: (flags & 4) !== 0 });
        const s = new werift.SackChunk(0);
        Object.assign(s, { cumulativeTsn: tsn, advertisedRwnd: ppid, gaps: [[1, 2], [4, 9]], duplicates: [tsn] });
        const q = parsePacket(new Uint8Array(werift.serializePacket(5000, 5000, 1, s)));
        expect(q.chunks[0]).toEqual({ type: 'sack', cumulativeTsnAck: tsn, aRwnd: ppid, gapBlocks: [{ start: 1, end: 2 }, { start: 4, end: 9 }], duplicateTsns: [tsn] });
      }),
      { numRuns: 200 },
    );
  });
});

describe('association robustness', () => {
  it('random and mutated packets never make an association throw', () => {
    const a = new SctpAssociation({ rng: seededRandom(9) });
    const b = new SctpAssociation({ rng: seededRandom(10) });
    let t = 0;
    let aTag = -1;
    a.connect(t);
    const pump = () => {
      for (let i = 0; i < 20; i++) {
        const x = a.pollTransmit();
        const y = b.pollTransmit();
        if (x) b.handleInput(t, x);
        if (y) {
          aTag = parsePacket(y).verificationTag;
          a.handleInput(t, y);
        }
        if (!x && !y) break;
      }
    };
    pump();
    expect(a.state).toBe('established');
    expect(aTag).toBeGreaterThan(0);
    let events = 0;
    fc.assert(
      fc.property(fc.array(chunkArb, { minLength: 1, maxLength: 3 }), fc.boolean(), bytes(100), (chunks, useTag, junk) => {
        t += 10;
        const tag = useTag ? aTag : 0;
        a.handleInput(t, serializePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tag, chunks }));
        a.handleInput(t, junk);
        a.handleTimeout(t);
        for (let x = a.pollTransmit(); x; x = a.pollTransmit()) parsePacket(x);
        for (let e = a.pollEvent(); e; e = a.pollEvent()) events++;
      }),
      { numRuns: 500 },
    );
    expect(events).toBeGreaterThan(0);
  });
});

/** Chunk values compare after dropping view offsets and the `last padding` ambiguity of TLV values. */
function normalize(p: { sourcePort: number; destinationPort: number; verificationTag: number; chunks: readonly Chunk[] }): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
}
