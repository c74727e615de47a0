/**
 * RFC 9653 (zero checksum for SCTP): the Zero Checksum Acceptable parameter (section 4)
 * with Error Detection Method 1, SCTP over DTLS (sections 6 and 9.2), announced in INIT
 * and INIT ACK (5.1); packets carry 0 instead of the CRC32c only when both ends announced
 * it (5.2), and a receiver accepts a 0 checksum only after announcing it (5.3), still
 * dropping any other wrong value. Checksums are checked with werift's CRC32c and packet
 * parser, which we did not write.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import { initFeatures } from '../../src/sctp/chunk-init.js';
import { ErrorDetectionMethod, ParamType } from '../../src/sctp/constants.js';
import { hasZeroChecksum, parsePacket, serializePacket } from '../../src/sctp/packet.js';
import { Pair, messagesOf, pattern, sameBytes } from './helpers.js';

const require = createRequire(import.meta.url);
const { crc32c: weriftCrc32c } = require(path.resolve('node_modules/werift/lib/common/src/crc.js')) as { crc32c(b: Buffer): number };
const { parsePacket: weriftParsePacket } = require(path.resolve('node_modules/werift/lib/sctp/src/chunk.js')) as {
  parsePacket(b: Buffer): [number, number, number, unknown[]];
};

/** The CRC32c of RFC 9260 6.8 as werift computes it (checksum field zeroed), compared with the stored one (little-endian, appendix A). */
function hasCorrectCrc(p: Uint8Array): boolean {
  const b = Buffer.from(p);
  const stored = b.readUInt32LE(8);
  b.writeUInt32LE(0, 8);
  return weriftCrc32c(b) === stored;
}

function firstChunkType(p: Uint8Array): string {
  return parsePacket(p, { verifyChecksum: false }).chunks[0]?.type ?? 'none';
}

/** Records every packet each way (the link's scripted-loss hook, dropping nothing). */
function recordingPair(a: { zeroChecksum?: boolean }, b: { zeroChecksum?: boolean }) {
  const ab: Uint8Array[] = [];
  const ba: Uint8Array[] = [];
  const p = new Pair({
    a,
    b,
    ab: { dropIf: (d) => (ab.push(d), false) },
    ba: { dropIf: (d) => (ba.push(d), false) },
  });
  return { p, ab, ba };
}

function exchange(p: Pair): void {
  p.connect();
  p.a.send(p.now, 1, 53, pattern(1, 5000));
  p.b.send(p.now, 2, 53, pattern(2, 3000));
  p.run(() => messagesOf(p.eventsA).length === 1 && messagesOf(p.eventsB).length === 1 && p.a.bytesInFlight === 0 && p.b.bytesInFlight === 0, 10_000);
  expect(sameBytes(messagesOf(p.eventsB)[0]?.data, pattern(1, 5000))).toBe(true);
  expect(sameBytes(messagesOf(p.eventsA)[0]?.data, pattern(2, 3000))).toBe(true);
}

describe('RFC 9653 4: the Zero Checksum Acceptable parameter', () => {
  it('is type 0x8001, length 8, EDMID 1 (SCTP over DTLS) in our INIT, which keeps its CRC32c', () => {
    const a = new SctpAssociation({ rng: seededRandom(1), zeroChecksum: true });
    a.connect(0);
    const init = a.pollTransmit() as Uint8Array;
    // RFC 9653 4: Type = 0x8001 | Length = 8 | Error Detection Method Identifier = 1 (9.2).
    const param = Uint8Array.of(0x80, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01);
    const at = Buffer.from(init).indexOf(Buffer.from(param));
    expect(at).toBeGreaterThan(12 + 20 - 1); // among the INIT's parameters
    expect(hasCorrectCrc(init)).toBe(true); // 5.2: packets with INIT always carry the CRC32c
    expect(() => weriftParsePacket(Buffer.from(init))).not.toThrow();
    const chunk = parsePacket(init).chunks[0];
    expect(chunk?.type).toBe('init');
    if (chunk?.type === 'init') expect(initFeatures(chunk).zeroChecksumEdmid).toBe(ErrorDetectionMethod.SctpOverDtls);
  });

  it('is absent unless the option is set', () => {
    const a = new SctpAssociation({ rng: seededRandom(1) });
    a.connect(0);
    const chunk = parsePacket(a.pollTransmit() as Uint8Array).chunks[0];
    expect(chunk?.type === 'init' && chunk.params.some((p) => p.type === ParamType.ZeroChecksumAcceptable)).toBe(false);
  });

  it('reads EDMID 0 (reserved, 9.2) or a parameter of the wrong length as no announcement', () => {
    const init = (value: Uint8Array) => ({ type: 'init' as const, initiateTag: 1, aRwnd: 1, outboundStreams: 1, inboundStreams: 1, initialTsn: 1, params: [{ type: ParamType.ZeroChecksumAcceptable, value }] });
    expect(initFeatures(init(Uint8Array.of(0, 0, 0, 0))).zeroChecksumEdmid).toBe(0);
    expect(initFeatures(init(Uint8Array.of(0, 0, 1))).zeroChecksumEdmid).toBe(0);
    expect(initFeatures(init(Uint8Array.of(0, 0, 0, 1))).zeroChecksumEdmid).toBe(1);
    expect(initFeatures(init(Uint8Array.of(0, 0, 0, 2))).zeroChecksumEdmid).toBe(2);
  });
});

describe('RFC 9653 5.2: sending zero checksums', () => {
  it('both ends announced it: DATA and SACK packets carry 0, setup packets the CRC32c', () => {
    const { p, ab, ba } = recordingPair({ zeroChecksum: true }, { zeroChecksum: true });
    exchange(p);
    expect(p.a.usesZeroChecksum).toBe(true);
    expect(p.b.usesZeroChecksum).toBe(true);
    const all = [...ab, ...ba];
    for (const pkt of all) {
      const t = firstChunkType(pkt);
      if (t === 'init' || t === 'init-ack' || t === 'cookie-echo') expect(hasCorrectCrc(pkt), t).toBe(true);
      else expect(hasZeroChecksum(pkt), t).toBe(true);
    }
    expect(all.filter((x) => firstChunkType(x) === 'data').length).toBeGreaterThan(0);
    expect(all.filter((x) => firstChunkType(x) === 'sack').length).toBeGreaterThan(0);
    // Such packets are what a peer without RFC 9653 drops: werift's parser rejects them.
    const data = all.find((x) => firstChunkType(x) === 'data') as Uint8Array;
    expect(() => weriftParsePacket(Buffer.from(data))).toThrow(/checksum/);
  });

  for (const [name, a, b] of [
    ['only the initiator announced it', { zeroChecksum: true }, {}],
    ['only the responder announced it', {}, { zeroChecksum: true }],
    ['neither announced it', {}, {}],
  ] as const) {
    it(`${name}: every packet carries a correct CRC32c`, () => {
      const { p, ab, ba } = recordingPair(a, b);
      exchange(p);
      expect(p.a.usesZeroChecksum).toBe(false);
      expect(p.b.usesZeroChecksum).toBe(false);
      for (const pkt of [...ab, ...ba]) {
        expect(hasCorrectCrc(pkt), firstChunkType(pkt)).toBe(true);
        expect(() => weriftParsePacket(Buffer.from(pkt))).not.toThrow();
      }
    });
  }
});

describe('RFC 9653 5.3: receiving zero checksums', () => {
  /** The verification tag each association expects, read from the packets it received. */
  const tags = new Map<SctpAssociation, number>();
  /** A SACK to `to`, built by hand with the tag it expects, its checksum field set to `checksum`. */
  function sackTo(to: SctpAssociation, checksum: 'zero' | 'wrong' | 'correct'): Uint8Array {
    const pkt = serializePacket({
      sourcePort: 5000,
      destinationPort: 5000,
      verificationTag: tags.get(to) as number,
      chunks: [{ type: 'sack', cumulativeTsnAck: 0, aRwnd: 1 << 20, gapBlocks: [], duplicateTsns: [] }],
    });
    if (checksum === 'zero') pkt.fill(0, 8, 12);
    if (checksum === 'wrong') pkt[8] = (pkt[8] as number) ^ 0x5a;
    return pkt;
  }
  function pairRecordingTags(a: { zeroChecksum?: boolean }, b: { zeroChecksum?: boolean }): Pair {
    const tagOf = (d: Uint8Array): number => new DataView(d.buffer, d.byteOffset).getUint32(4);
    const p: Pair = new Pair({
      a,
      b,
      ab: { dropIf: (d): boolean => (tags.set(p.b, tagOf(d)), false) },
      ba: { dropIf: (d): boolean => (tags.set(p.a, tagOf(d)), false) },
    });
    return p;
  }

  it('not announced: a packet with a zero checksum is dropped, as is a wrong one; a correct one is taken', () => {
    const p = pairRecordingTags({}, { zeroChecksum: true });
    exchange(p);
    // A never announced it (B did): A must verify every CRC32c.
    const before = p.a.stats.packetsDropped;
    const sacksBefore = p.a.stats.sacksReceived;
    p.a.handleInput(p.now, sackTo(p.a, 'zero'));
    p.a.handleInput(p.now, sackTo(p.a, 'wrong'));
    expect(p.a.stats.packetsDropped).toBe(before + 2);
    expect(p.a.stats.sacksReceived).toBe(sacksBefore);
    p.a.handleInput(p.now, sackTo(p.a, 'correct'));
    expect(p.a.stats.sacksReceived).toBe(sacksBefore + 1);
  });

  it('announced: a zero checksum is accepted, any other wrong value still dropped', () => {
    const p = pairRecordingTags({ zeroChecksum: true }, {});
    exchange(p);
    expect(p.a.usesZeroChecksum).toBe(false); // B did not announce it: A keeps sending checksums
    const before = p.a.stats.packetsDropped;
    const sacksBefore = p.a.stats.sacksReceived;
    p.a.handleInput(p.now, sackTo(p.a, 'zero'));
    expect(p.a.stats.sacksReceived).toBe(sacksBefore + 1);
    p.a.handleInput(p.now, sackTo(p.a, 'wrong'));
    expect(p.a.stats.packetsDropped).toBe(before + 1);
    expect(p.a.stats.sacksReceived).toBe(sacksBefore + 1);
  });

  it('a listener that has announced nothing yet drops an INIT with a zero checksum, and answers the same INIT with its CRC32c', () => {
    const a = new SctpAssociation({ rng: seededRandom(3), zeroChecksum: true });
    const b = new SctpAssociation({ rng: seededRandom(4), zeroChecksum: true });
    a.connect(0);
    const init = a.pollTransmit() as Uint8Array;
    const zeroed = init.slice();
    zeroed.fill(0, 8, 12);
    b.handleInput(0, zeroed);
    expect(b.stats.packetsDropped).toBe(1);
    expect(b.pollTransmit()).toBeUndefined();
    b.handleInput(0, init);
    const initAck = b.pollTransmit() as Uint8Array;
    expect(firstChunkType(initAck)).toBe('init-ack');
    expect(hasCorrectCrc(initAck)).toBe(true);
  });

  it('survives a peer restart (5.2.4 A) with zero checksum kept from the new cookie', () => {
    const p = new Pair({ a: { zeroChecksum: true }, b: { zeroChecksum: true } });
    p.connect();
    expect(p.b.usesZeroChecksum).toBe(true);
    // A restarts: a fresh association with A's ports sends a new INIT to B.
    const a2 = new SctpAssociation({ rng: seededRandom(99), maxMtu: 1200, zeroChecksum: true });
    a2.connect(p.now);
    let pkt = a2.pollTransmit();
    const out: Uint8Array[] = [];
    for (let i = 0; i < 10 && pkt; i++) {
      p.b.handleInput(p.now, pkt);
      for (let r = p.b.pollTransmit(); r; r = p.b.pollTransmit()) out.push(r);
      pkt = undefined;
      while (out.length > 0) {
        a2.handleInput(p.now, out.shift() as Uint8Array);
        const next = a2.pollTransmit();
        if (next) {
          pkt = next;
          break;
        }
      }
    }
    expect(a2.state).toBe('established');
    expect(p.b.state).toBe('established');
    for (let e = p.b.pollEvent(); e; e = p.b.pollEvent()) p.eventsB.push(e);
    expect(p.eventsB.some((e) => e.type === 'restarted')).toBe(true);
    expect(p.b.usesZeroChecksum).toBe(true);
    expect(a2.usesZeroChecksum).toBe(true);
  });
});
