// VP9 RTP payload format (RFC 9628): descriptor vectors read by us and by werift,
// descriptor properties, and a real libvpx-vp9 stream made by ffmpeg at test time,
// packetized in flexible and non-flexible modes and cross-checked with werift; streams
// of profiles 1-3 (4:4:4, 10/12-bit, RGB) read against ffprobe; the packetizer's
// hand-written descriptors checked byte for byte against the general serializer on
// headers built bit by bit from the VP9 bitstream spec (6.2, 7.2).
import { execFileSync } from 'node:child_process';
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
  VP9_PAYLOAD_SLAB_BYTES,
} from '../../src/media/vp9.js';
import type { Vp9Descriptor } from '../../src/media/vp9.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';
import vectors from '../../vectors/media/rfc9628-vp9-descriptors.json' with { type: 'json' };
import { ffmpeg, makeVp9, mediaDir } from './media-files.js';
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

describe('VP9 depacketizer', () => {
  it('strips exactly the descriptor parseVp9Descriptor reads (B on the first), and throws only when that does', () => {
    const payloadArb = fc.oneof(
      fc.uint8Array({ maxLength: 30 }),
      fc.tuple(descriptorArb, fc.uint8Array({ maxLength: 20 })).map(([d, data]) => Uint8Array.from([...serializeVp9Descriptor(d), ...data])),
    );
    fc.assert(
      fc.property(fc.array(payloadArb, { maxLength: 4 }), (payloads) => {
        let expected: Uint8Array | undefined;
        try {
          const parsed = payloads.map((p) => parseVp9Descriptor(p));
          if (parsed.length > 0 && parsed[0]!.descriptor.startOfFrame) expected = Uint8Array.from(payloads.flatMap((p, k) => [...p.subarray(parsed[k]!.headerBytes)]));
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
        if (expected === undefined) expect(() => depacketizeVp9(payloads)).toThrow(ParseError);
        else expect(depacketizeVp9(payloads)).toEqual(expected);
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

  it('payloads stay intact while later frames are packetized (payloads share slabs)', () => {
    const pk = new Vp9Packetizer({ maxPayloadBytes: 500 });
    const held = [...frames, ...frames, ...frames].map((f) => pk.packetize(f));
    held.forEach((payloads, i) => expect(depacketizeVp9(payloads)).toEqual(frames[i % frames.length]));
    // a frame larger than half a slab gets its own buffer
    const big = new Uint8Array(VP9_PAYLOAD_SLAB_BYTES).map((_, k) => k & 0xff);
    expect(depacketizeVp9(pk.packetize(big))).toEqual(big);
    expect(held.map(depacketizeVp9)).toEqual([...frames, ...frames, ...frames]);
  });

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

/** VP9 spec 6.2 uncompressed_header() up to frame_size(), written bit by bit, then `tail`. */
interface HeaderSpec {
  readonly profile: number;
  readonly kind: 'key' | 'inter' | 'show-existing' | 'bad-sync' | 'no-marker';
  readonly colorSpace: number;
  readonly width: number;
  readonly height: number;
  readonly tail: Uint8Array;
}
function vp9Header(h: HeaderSpec): Uint8Array {
  const bits: number[] = [];
  const f = (n: number, v: number) => {
    for (let k = n - 1; k >= 0; k--) bits.push(Math.floor(v / 2 ** k) % 2);
  };
  f(2, h.kind === 'no-marker' ? 1 : 2); // frame_marker
  f(1, h.profile & 1); // profile_low_bit
  f(1, h.profile >> 1); // profile_high_bit
  if (h.profile === 3) f(1, 0); // reserved_zero
  f(1, h.kind === 'show-existing' ? 1 : 0); // show_existing_frame
  if (h.kind === 'show-existing') {
    f(3, 5); // frame_to_show_map_idx
  } else {
    f(1, h.kind === 'inter' ? 1 : 0); // frame_type: KEY_FRAME = 0
    f(1, 1); // show_frame
    f(1, 0); // error_resilient_mode
    if (h.kind !== 'inter') {
      for (const b of h.kind === 'bad-sync' ? [0x49, 0x83, 0x43] : [0x49, 0x83, 0x42]) f(8, b); // frame_sync_code
      if (h.profile >= 2) f(1, 1); // ten_or_twelve_bit
      f(3, h.colorSpace);
      if (h.colorSpace !== 7) {
        f(1, 0); // color_range
        if (h.profile === 1 || h.profile === 3) f(3, 0b100); // subsampling_x, subsampling_y, reserved_zero
      } else if (h.profile === 1 || h.profile === 3) {
        f(1, 0); // reserved_zero
      }
      f(16, h.width - 1);
      f(16, h.height - 1);
    }
  }
  while (bits.length % 8) bits.push(1);
  const head = new Uint8Array(bits.length / 8);
  bits.forEach((b, k) => (head[k >> 3] = (head[k >> 3] as number) | (b << (7 - (k & 7)))));
  const out = new Uint8Array(head.length + h.tail.length);
  out.set(head);
  out.set(h.tail, head.length);
  return out;
}
const headerArb: fc.Arbitrary<HeaderSpec> = fc.record({
  profile: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom('key', 'key', 'inter', 'show-existing', 'bad-sync', 'no-marker'),
  colorSpace: fc.integer({ min: 0, max: 7 }),
  width: fc.integer({ min: 1, max: 65536 }),
  height: fc.integer({ min: 1, max: 65536 }),
  tail: fc.uint8Array({ maxLength: 2500 }),
});

interface PacketizerSpec {
  readonly mtu: number;
  readonly flexible: boolean;
  readonly layerIndices: boolean;
  readonly pictureId: number;
  readonly tl0PicIdx: number;
}
/** The payloads RFC 9628 4.2 asks for, built with the general descriptor serializer. */
function referencePayloads(frame: Uint8Array, p: PacketizerSpec, key: { width: number; height: number } | undefined): Uint8Array[] {
  const base: Vp9Descriptor = {
    interPicturePredicted: key === undefined,
    flexible: p.flexible,
    startOfFrame: false,
    endOfFrame: false,
    notUpperReference: true,
    pictureId: p.pictureId,
    pictureIdBits: 15,
    ...(p.layerIndices ? { layer: { tid: 0, switchingUp: false, sid: 0, interLayerDependency: false }, ...(p.flexible ? {} : { tl0PicIdx: p.tl0PicIdx }) } : {}),
    ...(p.flexible && key === undefined ? { pDiffs: [1] } : {}),
  };
  // RFC 9628 4.2.1: WIDTH and HEIGHT are 16 bits; a 65536-pixel side (VP9 allows it) leaves Y out
  const fits = key !== undefined && key.width <= 0xffff && key.height <= 0xffff;
  const ss = key && { spatialLayers: 1, ...(fits ? { resolutions: [key] } : {}), ...(p.flexible ? {} : { pictureGroup: [{ tid: 0, switchingUp: false, pDiffs: [1] }] }) };
  const out: Uint8Array[] = [];
  for (let at = 0; at < frame.length; ) {
    const d = { ...base, startOfFrame: at === 0, ...(at === 0 && ss ? { scalability: ss } : {}) };
    const take = Math.min(frame.length - at, p.mtu - serializeVp9Descriptor(d).length);
    const header = serializeVp9Descriptor({ ...d, endOfFrame: at + take === frame.length });
    const payload = new Uint8Array(header.length + take);
    payload.set(header);
    payload.set(frame.subarray(at, at + take), header.length);
    out.push(payload);
    at += take;
  }
  return out;
}
const packetizerArb: fc.Arbitrary<PacketizerSpec> = fc.record({
  mtu: fc.oneof(fc.integer({ min: 14, max: 40 }), fc.integer({ min: 41, max: 1500 })),
  flexible: fc.boolean(),
  layerIndices: fc.boolean(),
  pictureId: fc.integer({ min: 0, max: 0x7fff }),
  tl0PicIdx: fc.integer({ min: 0, max: 255 }),
});

describe('VP9 uncompressed header and packetizer, against the specs', () => {
  it('parseVp9FrameInfo reads headers built from VP9 spec 6.2 (all profiles, RGB and YUV color configs)', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const frame = vp9Header(h);
        if (h.kind === 'no-marker' || h.kind === 'bad-sync') {
          expect(() => parseVp9FrameInfo(frame)).toThrow(ParseError);
        } else {
          const info = parseVp9FrameInfo(frame);
          expect(info).toEqual(
            h.kind === 'key'
              ? { profile: h.profile, showExistingFrame: false, keyframe: true, width: h.width, height: h.height }
              : { profile: h.profile, showExistingFrame: h.kind === 'show-existing', keyframe: false },
          );
        }
        expect(isVp9Keyframe(frame)).toBe(h.kind === 'key');
      }),
      { numRuns: 1000 },
    );
  });

  it('packetize writes, byte for byte, what the general serializer writes (P, V and SS from the header)', () => {
    fc.assert(
      fc.property(packetizerArb, fc.array(headerArb, { minLength: 1, maxLength: 4 }), (p, headers) => {
        const pk = new Vp9Packetizer({ maxPayloadBytes: p.mtu, mode: p.flexible ? 'flexible' : 'non-flexible', layerIndices: p.layerIndices, pictureId: p.pictureId, tl0PicIdx: p.tl0PicIdx });
        headers.forEach((h, k) => {
          const frame = vp9Header(h);
          const expected = referencePayloads(
            frame,
            { ...p, pictureId: (p.pictureId + k) & 0x7fff, tl0PicIdx: (p.tl0PicIdx + k) & 0xff },
            h.kind === 'key' ? { width: h.width, height: h.height } : undefined,
          );
          expect(pk.packetize(frame)).toEqual(expected);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('one packetizer across resolution changes: each keyframe SS has its own resolution (none past 16 bits)', () => {
    const pk = new Vp9Packetizer({ maxPayloadBytes: 200 });
    const sizes = [
      [320, 240],
      [320, 240],
      [640, 360],
      [1, 65536],
      [320, 240],
    ] as const;
    sizes.forEach(([width, height]) => {
      const key = vp9Header({ profile: 0, kind: 'key', colorSpace: 1, width, height, tail: new Uint8Array(500) });
      const inter = vp9Header({ profile: 0, kind: 'inter', colorSpace: 0, width: 1, height: 1, tail: new Uint8Array(50) });
      const ss = parseVp9Descriptor(pk.packetize(key)[0] as Uint8Array).descriptor.scalability;
      expect(ss?.spatialLayers).toBe(1);
      expect(ss?.resolutions).toEqual(height > 0xffff ? undefined : [{ width, height }]);
      expect(parseVp9Descriptor(pk.packetize(inter)[0] as Uint8Array).descriptor.scalability).toBeUndefined();
    });
  });
});

/** libvpx-vp9 pixel formats and the profile each gives (VP9 spec 7.2: 1 = 4:4:4/4:4:0/RGB 8-bit, 2 = 4:2:0 high bit depth, 3 = 4:4:4 high bit depth). */
const PROFILE_STREAMS = ['yuv444p', 'yuv440p', 'gbrp', 'yuv420p10le', 'yuv444p12le', 'gbrp10le'] as const;

describe('VP9 profiles 1-3 from libvpx-vp9, read against ffprobe', () => {
  it('profile, size and keyframes as ffprobe reports them; packetized, depacketized by us and by werift', () => {
    // one packetizer for all streams: the cached SS follows each stream's resolution
    const pk = new Vp9Packetizer({ maxPayloadBytes: 300, mode: 'non-flexible' });
    for (const pixFmt of PROFILE_STREAMS) {
      const file = m.file(`p-${pixFmt}.ivf`);
      ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=90x58:rate=30', '-frames:v', '3', '-pix_fmt', pixFmt, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '2', file]);
      const probe = (entries: string) => execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', entries, '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim().split('\n');
      const [profileName, width, height] = (probe('stream=profile,width,height')[0] as string).split(',');
      const keyflags = probe('packet=flags').map((f) => f.startsWith('K'));
      const streamFrames = parseIvf(m.read(`p-${pixFmt}.ivf`)).frames.map((f) => f.data);
      expect(streamFrames.length).toBe(keyflags.length);
      streamFrames.forEach((f, k) => {
        const info = parseVp9FrameInfo(f);
        expect(`Profile ${info.profile}`).toBe(profileName);
        expect(info.keyframe).toBe(keyflags[k]);
        if (info.keyframe) expect([info.width, info.height]).toEqual([Number(width), Number(height)]);
        const payloads = pk.packetize(f);
        const d0 = parseVp9Descriptor(payloads[0] as Uint8Array).descriptor;
        expect(d0.interPicturePredicted).toBe(!keyflags[k]);
        expect(d0.scalability?.resolutions).toEqual(keyflags[k] ? [{ width: Number(width), height: Number(height) }] : undefined);
        expect(depacketizeVp9(payloads)).toEqual(f);
        const w = dePacketizeRtpPackets(
          'VP9',
          payloads.map((p, j) => ({ header: { sequenceNumber: j, timestamp: 0, marker: j === payloads.length - 1 }, payload: Buffer.from(p) }) as never),
        );
        expect(new Uint8Array(w.data)).toEqual(f);
        expect(w.isKeyframe).toBe(keyflags[k]);
      });
    }
  });
});
