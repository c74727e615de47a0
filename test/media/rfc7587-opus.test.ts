// Opus RTP payload format (RFC 7587) and TOC durations (RFC 6716 3.1), checked against
// RTP packets that ffmpeg's RTP muxer produced from libopus output.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/common/errors.js';
import { fromHex } from '../../src/common/hex.js';
import { parseOpusToc, opusPacketDurationSamples, OpusPacketizer, OPUS_MAX_PACKET_DURATION_SAMPLES } from '../../src/media/index.js';
import { parseRtp } from '../../src/rtp/index.js';
import capture from '../../vectors/rfc7587/ffmpeg-opus-rtp.json' with { type: 'json' };

describe('Opus durations against ffmpeg RTP timestamps (RFC 7587 4.1)', () => {
  for (const s of capture.streams) {
    it(s.name, () => {
      const [a, b] = s.packets.map((p) => parseRtp(fromHex(p.bytes.map((x) => x.hex).join(''))));
      expect(opusPacketDurationSamples(a!.payload)).toBe(s.durationSamples);
      // The muxer advanced the timestamp by exactly the first packet's duration.
      expect((b!.timestamp - a!.timestamp) >>> 0).toBe(opusPacketDurationSamples(a!.payload));
      // Our packetizer assigns the same timestamps.
      const pk = new OpusPacketizer(a!.timestamp);
      expect(pk.packetize(a!.payload).timestamp).toBe(a!.timestamp);
      expect(pk.packetize(b!.payload).timestamp).toBe(b!.timestamp);
    });
  }
});

describe('Opus TOC (RFC 6716 3.1)', () => {
  it('table 2 frame sizes and the frame count codes', () => {
    expect(parseOpusToc(Uint8Array.of(0x00))).toMatchObject({ config: 0, mode: 'silk', frameSamples: 480, frameCount: 1, stereo: false });
    expect(parseOpusToc(Uint8Array.of((13 << 3) | 4 | 1))).toMatchObject({ mode: 'hybrid', frameSamples: 960, frameCount: 2, stereo: true });
    expect(parseOpusToc(Uint8Array.of((16 << 3) | 3, 0x05))).toMatchObject({ mode: 'celt', frameSamples: 120, frameCount: 5 });
    expect(opusPacketDurationSamples(Uint8Array.of((3 << 3) | 3, 2))).toBe(5760); // 2 x 60 ms
  });
  it('rejects empty packets, zero-frame and over-120 ms code 3 packets (RFC 6716 3.4)', () => {
    expect(() => parseOpusToc(new Uint8Array(0))).toThrow(ParseError);
    expect(() => parseOpusToc(Uint8Array.of(3))).toThrow(ParseError);
    expect(() => parseOpusToc(Uint8Array.of(3, 0))).toThrow(ParseError);
    expect(() => parseOpusToc(Uint8Array.of((3 << 3) | 3, 3))).toThrow(ParseError);
  });
  it('random packets: ParseError or a duration of at most 120 ms in 2.5 ms steps', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 }), (b) => {
        try {
          const d = opusPacketDurationSamples(b);
          expect(d).toBeLessThanOrEqual(OPUS_MAX_PACKET_DURATION_SAMPLES);
          expect(d % 120).toBe(0);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
    );
  });
});
