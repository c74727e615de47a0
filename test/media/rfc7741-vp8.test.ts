// VP8 payload format (RFC 7741): descriptor vectors from section 4.6, properties, and a
// real libvpx stream made by ffmpeg at test time, checked against ffprobe and werift.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Vp8RtpPayload } from 'werift';
import { ParseError } from '../../src/common/errors.js';
import { fromHex } from '../../src/common/hex.js';
import {
  parseVp8Descriptor,
  serializeVp8Descriptor,
  isVp8KeyframePayload,
  isVp8KeyframeData,
  Vp8Packetizer,
  Vp8Depacketizer,
  depacketizeVp8,
  parseIvf,
  serializeIvf,
} from '../../src/media/index.js';
import type { Vp8Descriptor } from '../../src/media/index.js';
import { rtpPacket, parseRtp, serializeRtp } from '../../src/rtp/index.js';
import type { RtpPacket } from '../../src/rtp/index.js';
import vectors from '../../vectors/rfc7741/vp8-descriptors.json' with { type: 'json' };

describe('VP8 payload descriptor vectors (RFC 7741 4.6)', () => {
  for (const v of vectors.vectors) {
    it(v.name, () => {
      const bytes = fromHex(v.bytes.map((b) => b.hex).join(''));
      const { descriptor, headerBytes } = parseVp8Descriptor(bytes);
      expect(descriptor).toEqual(v.expect.descriptor);
      expect(headerBytes).toBe(v.expect.headerBytes);
      expect(isVp8KeyframePayload(bytes)).toBe(v.expect.keyframe);
      expect(serializeVp8Descriptor(descriptor)).toEqual(bytes.subarray(0, headerBytes));
      // werift reads the same fields.
      const w = Vp8RtpPayload.deSerialize(Buffer.from(bytes));
      expect(w.sBit).toBe(descriptor.start ? 1 : 0);
      expect(w.pid).toBe(descriptor.partitionIndex);
      expect(w.pictureId).toBe(descriptor.pictureId);
      expect(w.isKeyframe).toBe(v.expect.keyframe);
    });
  }
});

const descriptorArb: fc.Arbitrary<Vp8Descriptor> = fc
  .record({
    nonReference: fc.boolean(),
    start: fc.boolean(),
    partitionIndex: fc.integer({ min: 0, max: 7 }),
    picture: fc.option(fc.oneof(fc.record({ bits: fc.constant(7 as const), id: fc.integer({ min: 0, max: 0x7f }) }), fc.record({ bits: fc.constant(15 as const), id: fc.integer({ min: 0, max: 0x7fff }) })), { nil: undefined }),
    tl0PicIdx: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    temporalLayer: fc.option(fc.record({ tid: fc.integer({ min: 0, max: 3 }), layerSync: fc.boolean() }), { nil: undefined }),
    keyIdx: fc.option(fc.integer({ min: 0, max: 31 }), { nil: undefined }),
  })
  .map(({ picture, tl0PicIdx, temporalLayer, keyIdx, ...rest }) => ({
    ...rest,
    ...(picture ? { pictureId: picture.id, pictureIdBits: picture.bits } : {}),
    ...(tl0PicIdx !== undefined ? { tl0PicIdx } : {}),
    ...(temporalLayer !== undefined ? { temporalLayer } : {}),
    ...(keyIdx !== undefined ? { keyIdx } : {}),
  }));

describe('VP8 descriptor properties', () => {
  it('parse(serialize(d)) equals d, and werift agrees on S, PID and PictureID', () => {
    fc.assert(
      fc.property(descriptorArb, (d) => {
        const b = serializeVp8Descriptor(d);
        expect(parseVp8Descriptor(b)).toEqual({ descriptor: d, headerBytes: b.length });
        const w = Vp8RtpPayload.deSerialize(Buffer.from([...b, 0x11, 0, 0]));
        expect([w.sBit, w.pid, w.pictureId]).toEqual([d.start ? 1 : 0, d.partitionIndex, d.pictureId]);
      }),
    );
  });
  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (b) => {
        try {
          parseVp8Descriptor(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
    );
  });
  it('packetize writes the RFC 7741 4.4 descriptors (X, I, 15-bit PictureID; S and PID 0 on the first) and splits the frame in order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.integer({ min: 7, max: 1400 }), fc.integer({ min: 0, max: 0x7fff }), (frame, max, pictureId) => {
        const payloads = new Vp8Packetizer({ maxPayloadBytes: max, pictureId }).packetize(frame);
        let at = 0;
        payloads.forEach((p, k) => {
          const d = serializeVp8Descriptor({ nonReference: false, start: k === 0, partitionIndex: 0, pictureId, pictureIdBits: 15 });
          const take = Math.min(max - d.length, frame.length - at);
          expect(p).toEqual(Uint8Array.from([...d, ...frame.subarray(at, at + take)]));
          const w = Vp8RtpPayload.deSerialize(Buffer.from(p));
          expect([w.sBit, w.pid, w.pictureId]).toEqual([k === 0 ? 1 : 0, 0, pictureId]);
          at += take;
        });
        expect(at).toBe(frame.length);
      }),
      { numRuns: 200 },
    );
  });
  it('depacketize strips exactly the descriptor parseVp8Descriptor reads, and throws only when it throws', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 4 }), (payloads) => {
        let expected: Uint8Array | undefined;
        try {
          expected = Uint8Array.from(payloads.flatMap((p) => [...p.subarray(parseVp8Descriptor(p).headerBytes)]));
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
        if (expected === undefined) expect(() => depacketizeVp8(payloads)).toThrow(ParseError);
        else expect(depacketizeVp8(payloads)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
  it('payloads stay intact while later frames are packetized (payloads share slabs)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 7, max: 1400 }), (frames, max) => {
        const pk = new Vp8Packetizer({ maxPayloadBytes: max });
        const held = frames.map((f) => pk.packetize(f));
        expect(held.map(depacketizeVp8)).toEqual(frames);
      }),
      { numRuns: 30 },
    );
  });
  it('packetize then depacketize returns the frame, within the size limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.integer({ min: 20, max: 1400 }), (frame, max) => {
        const payloads = new Vp8Packetizer({ maxPayloadBytes: max, pictureId: 5 }).packetize(frame);
        for (const p of payloads) expect(p.length).toBeLessThanOrEqual(max);
        expect(payloads.filter((p) => parseVp8Descriptor(p).descriptor.start).length).toBe(1);
        expect(depacketizeVp8(payloads)).toEqual(frame);
      }),
      { numRuns: 200 },
    );
  });
});

function toPackets(payloads: Uint8Array[], seq0: number, timestamp: number): RtpPacket[] {
  return payloads.map((payload, i) =>
    rtpPacket({ payloadType: 96, sequenceNumber: (seq0 + i) & 0xffff, timestamp, ssrc: 1, marker: i === payloads.length - 1, payload }),
  );
}

describe('VP8 reassembly', () => {
  it('drops a frame with a missing packet and recovers at the next start', () => {
    const pk = new Vp8Packetizer({ maxPayloadBytes: 100 });
    const f1 = new Uint8Array(250).fill(1);
    const f2 = new Uint8Array(150).fill(2);
    const p1 = toPackets(pk.packetize(f1), 65534, 1000);
    const p2 = toPackets(pk.packetize(f2), 1, 4000);
    const d = new Vp8Depacketizer();
    const out = [p1[0]!, p1[2]!, ...p2].map((p) => d.push(p)).filter((f) => f !== undefined);
    expect(out.map((f) => f.data)).toEqual([f2]);
    expect(d.droppedFrames).toBe(1);
    expect(out[0]!.pictureId).toBe(1);
  });
});

describe('a real VP8 stream from libvpx (ffmpeg), through IVF, RTP and back', () => {
  let dir = '';
  let file: Uint8Array = new Uint8Array(0);
  let probe: { key_frame: number; pkt_size: string }[] = [];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'purertc-vp8-'));
    const ivf = path.join(dir, 'out.ivf');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '2', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '30', ivf]);
    file = new Uint8Array(readFileSync(ivf));
    const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame,pkt_size', '-of', 'json', ivf]).toString();
    probe = (JSON.parse(out) as { frames: { key_frame: number; pkt_size: string }[] }).frames;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the IVF reader finds the frames ffprobe finds, with the same sizes and key frames', () => {
    const { header, frames } = parseIvf(file);
    expect(header).toMatchObject({ fourcc: 'VP80', width: 320, height: 240 });
    expect(frames.length).toBe(60);
    expect(frames.length).toBe(probe.length);
    expect(frames.map((f) => f.data.length)).toEqual(probe.map((p) => Number(p.pkt_size)));
    expect(frames.map((f) => isVp8KeyframeData(f.data))).toEqual(probe.map((p) => p.key_frame === 1));
    expect(frames.filter((f) => isVp8KeyframeData(f.data)).length).toBe(2);
  });
  it('the IVF writer reproduces ffmpeg\'s file byte for byte', () => {
    const { header, frames } = parseIvf(file);
    const ours = serializeIvf(header, frames);
    expect(ours).toEqual(file);
  });
  it('packetized at 1100 bytes over RTP, reassembled frames equal the originals; werift parses every payload', () => {
    const { frames } = parseIvf(file);
    const pk = new Vp8Packetizer({ maxPayloadBytes: 1100, pictureId: 0x7ffe });
    const dep = new Vp8Depacketizer();
    let seq = 65500;
    let multi = 0;
    frames.forEach((f, i) => {
      const payloads = pk.packetize(f.data);
      if (payloads.length > 1) multi++;
      const packets = toPackets(payloads, seq, i * 3000).map((p) => parseRtp(serializeRtp(p)));
      seq += payloads.length;
      const got = packets.map((p) => dep.push(p)).filter((x) => x !== undefined);
      expect(got.length).toBe(1);
      expect(got[0]!.data).toEqual(f.data);
      expect(got[0]!.keyframe).toBe(isVp8KeyframeData(f.data));
      expect(got[0]!.pictureId).toBe((0x7ffe + i) & 0x7fff);
      packets.forEach((p, k) => {
        const w = Vp8RtpPayload.deSerialize(Buffer.from(p.payload));
        expect(w.sBit).toBe(k === 0 ? 1 : 0);
        expect(w.pictureId).toBe((0x7ffe + i) & 0x7fff);
        expect(w.isKeyframe).toBe(k === 0 && isVp8KeyframeData(f.data));
        expect(Uint8Array.from(w.payload)).toEqual(p.payload.subarray(parseVp8Descriptor(p.payload).headerBytes));
      });
    });
    expect(multi).toBeGreaterThan(0); // key frames span several packets
    expect(dep.droppedFrames).toBe(0);
  });
});
