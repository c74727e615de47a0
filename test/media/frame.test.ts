// The frame assembler (RFC 3550 5.1 framing) under every payload format: random packet
// streams never throw, frames stay within MAX_FRAME_BYTES, and a lossless in-order stream
// of valid payloads comes out whole.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameAssembler, MAX_FRAME_BYTES, joinBytes } from '../../src/media/frame.js';
import { h264Format, H264Packetizer } from '../../src/media/h264.js';
import { vp9Format, Vp9Packetizer } from '../../src/media/vp9.js';
import { av1Format, Av1Packetizer, serializeAv1Obu } from '../../src/media/av1.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';

const formats = [h264Format, vp9Format, av1Format];

describe('FrameAssembler', () => {
  for (const format of formats) {
    it(`${format.name}: random packets never throw`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ seq: fc.integer({ min: 0, max: 8 }), ts: fc.integer({ min: 0, max: 2 }), marker: fc.boolean(), payload: fc.uint8Array({ maxLength: 30 }) }), { maxLength: 40 }),
          (list) => {
            const a = new FrameAssembler(format);
            for (const x of list) {
              const f = a.push(rtpPacket({ payloadType: 96, sequenceNumber: x.seq, timestamp: x.ts, ssrc: 1, marker: x.marker, payload: x.payload }));
              if (f) expect(f.data.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('synthetic frames of every format come out whole across a sequence wrap', () => {
    // H.264: SPS, PPS, IDR slice of 3000 bytes; VP9: a keyframe uncompressed header + data; AV1: sequence header + frame OBU
    const idr = new Uint8Array(3000).map((_, i) => (i % 250) + 1);
    idr[0] = 0x65;
    const h264 = joinBytes([Uint8Array.of(0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0, 0, 0, 1), idr]);
    const vp9 = joinBytes([Uint8Array.of(0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf6), new Uint8Array(2500).fill(7)]);
    const av1 = joinBytes([Uint8Array.of(0x12, 0x00), serializeAv1Obu({ type: 1, payload: Uint8Array.of(0, 0, 0) }), serializeAv1Obu({ type: 6, payload: new Uint8Array(4000).fill(9) })]);
    const cases = [
      { format: h264Format, frame: h264, payloads: new H264Packetizer({ maxPayloadBytes: 700 }).packetize(h264) },
      { format: vp9Format, frame: vp9, payloads: new Vp9Packetizer({ maxPayloadBytes: 700 }).packetize(vp9) },
      { format: av1Format, frame: av1, payloads: new Av1Packetizer({ maxPayloadBytes: 700 }).packetize(av1) },
    ];
    for (const c of cases) {
      const a = new FrameAssembler(c.format);
      let seq = 65533;
      let out;
      for (let k = 0; k < c.payloads.length; k++) {
        out = a.push(rtpPacket({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: 1234, ssrc: 1, marker: k === c.payloads.length - 1, payload: c.payloads[k]! }));
      }
      expect(c.payloads.length).toBeGreaterThan(3);
      expect(out?.keyframe).toBe(true);
      expect(out?.timestamp).toBe(1234);
      expect(out?.data).toEqual(c.frame);
    }
  });
});
