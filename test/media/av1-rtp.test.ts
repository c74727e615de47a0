// AV1 RTP payload format (AOMedia v1.0): aggregation header and OBU element vectors,
// LEB128 and OBU properties, and a real libaom (or SVT-AV1/rav1e) stream made by ffmpeg
// at test time, packetized with random MTUs and cross-checked with werift both ways;
// synthetic temporal units with every OBU type and extension octets, read back by werift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AV1RtpPayload, Av1Packetizer as WeriftAv1Packetizer, dePacketizeRtpPackets } from 'werift';
import { InvalidArgumentError, ParseError } from '../../src/common/errors.js';
import { fromHex, toHex } from '../../src/common/hex.js';
import { parseIvf } from '../../src/media/ivf.js';
import {
  Av1Packetizer,
  Av1Depacketizer,
  depacketizeAv1,
  parseAv1Obus,
  parseAv1ObuElement,
  parseAv1Payload,
  serializeAv1Obu,
  readLeb128,
  writeLeb128,
  isAv1Keyframe,
  isAv1KeyframePayload,
  AV1_TEMPORAL_DELIMITER,
  parseAv1SequenceHeader,
  av1CodecConfigurationRecord,
} from '../../src/media/av1.js';
import type { Av1Obu } from '../../src/media/av1.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';
import vectors from '../../vectors/media/av1-rtp-payloads.json' with { type: 'json' };
import { makeAv1, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

let m: MediaDir;
let frames: Uint8Array[];
beforeAll(() => {
  m = mediaDir();
  frames = parseIvf(makeAv1(m)).frames.map((f) => f.data);
});
afterAll(() => m.remove());

/** OBUs of a stream where the last OBU may lack obu_size (werift's reassembly). */
function looseObus(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const h = bytes[at] as number;
    const ext = h & 0x04 ? 1 : 0;
    let end = bytes.length;
    if (h & 0x02) {
      const l = readLeb128(bytes, at + 1 + ext);
      end = at + 1 + ext + l.bytes + l.value;
    }
    const o = parseAv1ObuElement(bytes.subarray(at, end));
    if (o.type !== 2) out.push(toHex(serializeAv1Obu(o)));
    at = end;
  }
  return out;
}
const obuHexes = (tu: Uint8Array) => parseAv1Obus(tu).filter((o) => o.type !== 2).map((o) => toHex(serializeAv1Obu(o)));

describe('AV1 RTP payload vectors', () => {
  for (const v of vectors.vectors) {
    it(v.name, () => {
      const payloads = v.payloads.map((p) => fromHex(p.map((b) => b.hex).join('')));
      const tu = depacketizeAv1(payloads);
      expect(tu.subarray(0, 2)).toEqual(AV1_TEMPORAL_DELIMITER);
      expect(obuHexes(tu)).toEqual(v.expect.obus);
      expect(isAv1Keyframe(tu)).toBe(v.expect.keyframe);
      expect(isAv1KeyframePayload(payloads[0] as Uint8Array)).toBe(v.expect.keyframe);
      // werift reads the same OBUs
      const w = AV1RtpPayload.getFrame(payloads.map((p) => AV1RtpPayload.deSerialize(Buffer.from(p))));
      expect(looseObus(new Uint8Array(w))).toEqual(v.expect.obus);
    });
  }
});

describe('AV1 codec properties', () => {
  it('LEB128: read(write(n)) == n, minimal length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const b = writeLeb128(n);
        expect(readLeb128(b, 0)).toEqual({ value: n, bytes: b.length });
        expect(b.length).toBe(Math.max(1, Math.ceil(Math.log2(n + 1) / 7)));
      }),
    );
  });
  it('OBU element round trip, with and without obu_size', () => {
    const obu: fc.Arbitrary<Av1Obu> = fc
      .record({ type: fc.integer({ min: 0, max: 15 }), ext: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), payload: fc.uint8Array({ maxLength: 300 }) })
      .map(({ type, ext, payload }) => (ext === undefined ? { type, payload } : { type, extension: ext, payload }));
    fc.assert(
      fc.property(obu, fc.boolean(), (o, withSize) => {
        expect(parseAv1ObuElement(serializeAv1Obu(o, withSize))).toEqual(o);
      }),
    );
  });
  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 3 }), (payloads) => {
        const first = payloads[0] as Uint8Array;
        for (const f of [() => depacketizeAv1(payloads), () => parseAv1Payload(first), () => parseAv1Obus(first), () => parseAv1SequenceHeader(first), () => av1CodecConfigurationRecord(first)]) {
          try {
            f();
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/** AV1 spec 6.2.2 obu_type values the packetizer drops (AV1 RTP section 5): temporal delimiter, tile list, padding. */
const NOT_SENT = new Set([2, 8, 15]);
const obuArb: fc.Arbitrary<Av1Obu> = fc
  .record({
    type: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 15),
    ext: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 100, maxLength: 3000 })),
  })
  .map(({ type, ext, payload }) => (ext === undefined ? { type, payload } : { type, extension: ext, payload }));

describe('AV1 packetization of synthetic temporal units (every OBU type, extension octets, fragments)', () => {
  it('payloads fit the MTU, follow the W/Z/Y/N rules, and we and werift rebuild the sent OBUs', () => {
    fc.assert(
      fc.property(fc.array(obuArb, { minLength: 1, maxLength: 8 }), fc.oneof(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 13, max: 1500 })), (obus, mtu) => {
        const tu = joinAll(obus.map((o) => serializeAv1Obu(o, true)));
        const sent = obus.filter((o) => !NOT_SENT.has(o.type));
        const pk = new Av1Packetizer({ maxPayloadBytes: mtu });
        if (sent.length === 0) {
          expect(() => pk.packetize(tu)).toThrow(/no OBUs to send/);
          return;
        }
        const payloads = pk.packetize(tu);
        let continued = false;
        payloads.forEach((p, k) => {
          expect(p.length).toBeLessThanOrEqual(mtu);
          const { header, elements } = parseAv1Payload(p);
          expect(header.z).toBe(continued);
          continued = header.y;
          expect(header.w).toBe(elements.length <= 3 ? elements.length : 0);
          expect(header.n).toBe(k === 0 && sent.some((o) => o.type === 1));
        });
        expect(continued).toBe(false);
        const expected = sent.map((o) => toHex(serializeAv1Obu(o, true)));
        expect(obuHexes(depacketizeAv1(payloads))).toEqual(expected);
        const w = AV1RtpPayload.getFrame(payloads.map((p) => AV1RtpPayload.deSerialize(Buffer.from(p))));
        expect(looseObus(new Uint8Array(w))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
  it('input that is not a low-overhead temporal unit throws InvalidArgumentError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 3, max: 50 }), (bytes, mtu) => {
        try {
          new Av1Packetizer({ maxPayloadBytes: mtu }).packetize(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidArgumentError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function joinAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('AV1 packetization of a real stream', () => {
  it('keyframes carry the sequence header, every 10 frames', () => {
    expect(frames.length).toBe(30);
    expect(frames.map(isAv1Keyframe)).toEqual(frames.map((_, i) => i % 10 === 0));
    const seq = parseAv1Obus(frames[0] as Uint8Array).find((o) => o.type === 1)!;
    expect(parseAv1SequenceHeader(seq.payload)).toMatchObject({ seqProfile: 0, maxFrameWidth: 320, maxFrameHeight: 240, subsamplingX: 1, subsamplingY: 1, monochrome: false });
  });

  it('depacketize(packetize(tu)) == tu with random MTUs (elements with and without length, fragments)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 1500 }), fc.integer({ min: 0, max: 29 }), (mtu, i) => {
        const tu = frames[i] as Uint8Array;
        const payloads = new Av1Packetizer({ maxPayloadBytes: mtu }).packetize(tu);
        for (const p of payloads) expect(p.length).toBeLessThanOrEqual(mtu);
        expect(isAv1KeyframePayload(payloads[0] as Uint8Array)).toBe(i % 10 === 0);
        for (const p of payloads.slice(1)) expect(isAv1KeyframePayload(p)).toBe(false);
        expect(obuHexes(depacketizeAv1(payloads))).toEqual(obuHexes(tu));
        // libaom writes each OBU with a minimal obu_size and a leading temporal delimiter, so the bytes match too
        expect(depacketizeAv1(payloads)).toEqual(tu);
      }),
      { numRuns: 150 },
    );
  });

  it('payloads stay intact while later temporal units are packetized (payloads share slabs)', () => {
    const pk = new Av1Packetizer({ maxPayloadBytes: 700 });
    const held = [...frames, ...frames, ...frames].map((tu) => pk.packetize(tu));
    expect(held.map(depacketizeAv1)).toEqual([...frames, ...frames, ...frames]);
  });

  it('werift depacketizes our packets into the same OBUs', () => {
    const pk = new Av1Packetizer({ maxPayloadBytes: 300 });
    for (const tu of frames) {
      const payloads = pk.packetize(tu);
      const w = dePacketizeRtpPackets(
        'AV1',
        payloads.map((p, k) => ({ header: { sequenceNumber: k, timestamp: 0, marker: k === payloads.length - 1 }, payload: Buffer.from(p) }) as never),
      );
      expect(looseObus(new Uint8Array(w.data))).toEqual(obuHexes(tu));
      expect(w.isKeyframe).toBe(isAv1Keyframe(tu));
    }
  });

  it('we depacketize werift-packetized temporal units through the frame assembler', () => {
    const wp = new WeriftAv1Packetizer({ maxPayloadSize: 500 });
    const dp = new Av1Depacketizer();
    frames.forEach((tu, i) => {
      const pkts = wp.packetize(Buffer.from(tu), i * 3000, { isKeyframe: isAv1Keyframe(tu) });
      let got: Uint8Array | undefined;
      for (const p of pkts) {
        const r = dp.push(rtpPacket({ payloadType: 45, sequenceNumber: p.header.sequenceNumber, timestamp: p.header.timestamp, ssrc: 1, marker: p.header.marker, payload: new Uint8Array(p.payload) }));
        if (r) {
          got = r.data;
          expect(r.keyframe).toBe(i % 10 === 0);
        }
      }
      expect(got && obuHexes(got)).toEqual(obuHexes(tu));
    });
  });
});
