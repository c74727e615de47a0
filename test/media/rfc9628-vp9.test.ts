// VP9 RTP payload format (RFC 9628): descriptor vectors read by us and by werift,
// descriptor properties, and a real libvpx-vp9 stream made by ffmpeg at test time,
// packetized in flexible and non-flexible modes and cross-checked with werift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Vp9RtpPayload, Vp9Packetizer as WeriftVp9Packetizer, dePacketizeRtpPackets } from 'werift';
import { ParseError } from '../../src/common/errors.js';
import { fromHex } from '../../src/common/hex.js';
import { parseIvf } from '../../src/media/ivf.js';
import {
  parseVp9Descriptor,
  serializeVp9Descriptor,
  parseVp9FrameInfo,
  isVp9Keyframe,
  isVp9KeyframePayload,
  Vp9Packetizer,
  Vp9Depacketizer,
  depacketizeVp9,
} from '../../src/media/vp9.js';
import type { Vp9Descriptor } from '../../src/media/vp9.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';
import vectors from '../../vectors/media/rfc9628-vp9-descriptors.json' with { type: 'json' };
import { makeVp9, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

let m: MediaDir;
let frames: Uint8Array[];
beforeAll(() => {
  m = mediaDir();
  frames = parseIvf(makeVp9(m)).frames.map((f) => f.data);
});
afterAll(() => m.remove());

describe('VP9 payload descriptor vectors (RFC 9628 4.2)', () => {
  for (const v of vectors.vectors) {
    it(v.name, () => {
      const bytes = fromHex(v.bytes.map((b) => b.hex).join(''));
      const { descriptor, headerBytes } = parseVp9Descriptor(bytes);
      expect(descriptor).toEqual(v.expect.descriptor);
      expect(headerBytes).toBe(v.expect.headerBytes);
      expect(serializeVp9Descriptor(descriptor)).toEqual(bytes);
      const w = Vp9RtpPayload.parseRtpPayload(Buffer.from(bytes));
      expect(w.offset).toBe(headerBytes);
      expect(w.p.pictureId).toBe(descriptor.pictureId);
      expect(w.p.bBit).toBe(descriptor.startOfFrame ? 1 : 0);
      expect(w.p.eBit).toBe(descriptor.endOfFrame ? 1 : 0);
      expect(w.p.pBit).toBe(descriptor.interPicturePredicted ? 1 : 0);
      if (descriptor.tl0PicIdx !== undefined) expect(w.p.tl0PicIdx).toBe(descriptor.tl0PicIdx);
      if (descriptor.pDiffs) expect(w.p.pDiff).toEqual(descriptor.pDiffs);
    });
  }
});

const u = (max: number) => fc.integer({ min: 0, max });
const descriptorArb: fc.Arbitrary<Vp9Descriptor> = fc
  .record({
    p: fc.boolean(),
    flexible: fc.boolean(),
    b: fc.boolean(),
    e: fc.boolean(),
    z: fc.boolean(),
    pic: fc.option(fc.oneof(fc.record({ bits: fc.constant(7 as const), id: u(0x7f) }), fc.record({ bits: fc.constant(15 as const), id: u(0x7fff) })), { nil: undefined }),
    layer: fc.option(fc.record({ tid: u(7), switchingUp: fc.boolean(), sid: u(7), interLayerDependency: fc.boolean() }), { nil: undefined }),
    tl0: u(255),
    pDiffs: fc.array(u(127), { minLength: 1, maxLength: 3 }),
    ss: fc.option(
      fc.integer({ min: 1, max: 8 }).chain((n) =>
        fc.record({
          spatialLayers: fc.constant(n),
          resolutions: fc.option(fc.array(fc.record({ width: u(0xffff), height: u(0xffff) }), { minLength: n, maxLength: n }), { nil: undefined }),
          pictureGroup: fc.option(fc.array(fc.record({ tid: u(7), switchingUp: fc.boolean(), pDiffs: fc.array(u(255), { maxLength: 3 }) }), { maxLength: 5 }), { nil: undefined }),
        }),
      ),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const d: Record<string, unknown> = { interPicturePredicted: r.p, flexible: r.flexible, startOfFrame: r.b, endOfFrame: r.e, notUpperReference: r.z };
    if (r.pic) Object.assign(d, { pictureId: r.pic.id, pictureIdBits: r.pic.bits });
    if (r.layer) {
      d.layer = r.layer;
      if (!r.flexible) d.tl0PicIdx = r.tl0;
    }
    if (r.p && r.flexible) d.pDiffs = r.pDiffs;
    if (r.ss) {
      const ss: Record<string, unknown> = { spatialLayers: r.ss.spatialLayers };
      if (r.ss.resolutions) ss.resolutions = r.ss.resolutions;
      if (r.ss.pictureGroup) ss.pictureGroup = r.ss.pictureGroup;
      d.scalability = ss;
    }
    return d as unknown as Vp9Descriptor;
  });

describe('VP9 descriptor properties', () => {
  it('parse(serialize(d)) == d', () => {
    fc.assert(
      fc.property(descriptorArb, (d) => {
        const bytes = serializeVp9Descriptor(d);
        const { descriptor, headerBytes } = parseVp9Descriptor(bytes);
        expect(descriptor).toEqual(d);
        expect(headerBytes).toBe(bytes.length);
      }),
      { numRuns: 500 },
    );
  });
  it('random bytes throw only ParseError (descriptor, frame header, depacketizer)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 3 }), (payloads) => {
        for (const f of [() => parseVp9Descriptor(payloads[0] as Uint8Array), () => parseVp9FrameInfo(payloads[0] as Uint8Array), () => depacketizeVp9(payloads)]) {
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

describe('VP9 packetization of a libvpx-vp9 stream', () => {
  it('the uncompressed header: profile 0, 320x240 keyframes every 10 frames', () => {
    expect(frames.length).toBe(30);
    expect(frames.map(isVp9Keyframe)).toEqual(frames.map((_, i) => i % 10 === 0));
    expect(parseVp9FrameInfo(frames[0] as Uint8Array)).toEqual({ profile: 0, showExistingFrame: false, keyframe: true, width: 320, height: 240 });
  });

  for (const mode of ['flexible', 'non-flexible'] as const) {
    it(`depacketize(packetize(frame)) == frame with random MTUs (${mode})`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 14, max: 1500 }), fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 0x7fff }), fc.boolean(), (mtu, i, pid, layerIndices) => {
          const frame = frames[i] as Uint8Array;
          const payloads = new Vp9Packetizer({ maxPayloadBytes: mtu, mode, pictureId: pid, layerIndices }).packetize(frame);
          for (const p of payloads) expect(p.length).toBeLessThanOrEqual(mtu);
          const d0 = parseVp9Descriptor(payloads[0] as Uint8Array).descriptor;
          const dn = parseVp9Descriptor(payloads[payloads.length - 1] as Uint8Array).descriptor;
          expect(d0.startOfFrame && dn.endOfFrame).toBe(true);
          expect(d0.pictureId).toBe(pid);
          expect(d0.flexible).toBe(mode === 'flexible');
          expect(d0.interPicturePredicted).toBe(i % 10 !== 0);
          expect(isVp9KeyframePayload(payloads[0] as Uint8Array)).toBe(i % 10 === 0);
          if (i % 10 === 0) expect(d0.scalability?.resolutions).toEqual([{ width: 320, height: 240 }]);
          if (i % 10 === 0) expect(d0.scalability?.pictureGroup).toEqual(mode === 'flexible' ? undefined : [{ tid: 0, switchingUp: false, pDiffs: [1] }]);
          if (mode === 'flexible') expect(d0.pDiffs).toEqual(i % 10 === 0 ? undefined : [1]);
          else expect(d0.tl0PicIdx !== undefined).toBe(layerIndices);
          expect(d0.layer !== undefined).toBe(layerIndices);
          expect(depacketizeVp9(payloads)).toEqual(frame);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('the frame assembler rebuilds the stream across a sequence number wrap', () => {
    const pk = new Vp9Packetizer();
    const dp = new Vp9Depacketizer();
    let seq = 65500;
    const out: Uint8Array[] = [];
    frames.forEach((f, i) => {
      const payloads = pk.packetize(f);
      payloads.forEach((payload, k) => {
        const got = dp.push(rtpPacket({ payloadType: 98, sequenceNumber: seq++ & 0xffff, timestamp: i * 3000, ssrc: 5, marker: k === payloads.length - 1, payload }));
        if (got) {
          expect(got.keyframe).toBe(i % 10 === 0);
          out.push(got.data);
        }
      });
    });
    expect(out).toEqual(frames);
  });

  it('werift depacketizes our packets (both modes) into the same frames', () => {
    for (const mode of ['flexible', 'non-flexible'] as const) {
      const pk = new Vp9Packetizer({ maxPayloadBytes: 600, mode });
      for (const f of frames) {
        const payloads = pk.packetize(f);
        const w = dePacketizeRtpPackets(
          'VP9',
          payloads.map((p, k) => ({ header: { sequenceNumber: k, timestamp: 0, marker: k === payloads.length - 1 }, payload: Buffer.from(p) }) as never),
        );
        expect(new Uint8Array(w.data)).toEqual(f);
        expect(w.isKeyframe).toBe(isVp9Keyframe(f));
      }
    }
  });

  it('we depacketize werift-packetized frames', () => {
    const wp = new WeriftVp9Packetizer({ maxPayloadSize: 800 });
    const dp = new Vp9Depacketizer();
    frames.forEach((f, i) => {
      const pkts = wp.packetize(Buffer.from(f), i * 3000, { isKeyframe: isVp9Keyframe(f) });
      let got: Uint8Array | undefined;
      for (const p of pkts) {
        const r = dp.push(rtpPacket({ payloadType: 98, sequenceNumber: p.header.sequenceNumber, timestamp: p.header.timestamp, ssrc: 1, marker: p.header.marker, payload: new Uint8Array(p.payload) }));
        if (r) got = r.data;
      }
      expect(got).toEqual(f);
      expect(isVp9KeyframePayload(new Uint8Array(pkts[0]!.payload))).toBe(i % 10 === 0);
    });
  });
});
