// Negotiated codecs -> packetizers, payload formats and feedback. Real frames made by
// ffmpeg (libvpx VP8, libx264 H.264, libopus) are packetized by `packetizerFor` (and by
// the RtpStreamSender) and depacketized by werift's depacketizer (something we did not
// write), then by our FrameAssembler with `payloadFormatFor` as a supplement. H.264
// packetization-mode from the fmtp (RFC 6184 8.1: absent means 0); rtcp-fb lines (RFC
// 4585 4.2, RFC 5104 7.1); fast-check on the fmtp parameter lookup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtpHeader as WRtpHeader, RtpPacket as WRtpPacket, dePacketizeRtpPackets } from 'werift';
import { seededRandom } from '../../src/common/random.js';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { codecFeedback, fmtpParameter, h264PacketizationMode, isSupportedCodec, isVideoCodec, packetizerFor, payloadFormatFor } from '../../src/media/codecs.js';
import type { RtpCodec } from '../../src/media/codecs.js';
import { FrameAssembler } from '../../src/media/frame.js';
import { parseIvf } from '../../src/media/ivf.js';
import { readAnnexBAccessUnits, splitAnnexB } from '../../src/media/annexb.js';
import { readOggOpus } from '../../src/media/ogg-opus.js';
import { RtpStreamSender } from '../../src/media/rtp-stream-sender.js';
import { parseRtp } from '../../src/rtp/rtp-packet.js';
import { ffmpeg, makeH264, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

const VP8: RtpCodec = { payloadType: 96, name: 'VP8', clockRate: 90000, rtxPayloadType: 97 };
const H264_MODE1: RtpCodec = { payloadType: 102, name: 'H264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' };
const H264_MODE0: RtpCodec = { payloadType: 104, name: 'h264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1; profile-level-id=42e01f' };
const OPUS: RtpCodec = { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' };

let m: MediaDir;
let vp8Frames: { data: Uint8Array; keyframe: boolean }[];
let h264Units: Uint8Array[];
let opusPackets: Uint8Array[];
beforeAll(() => {
  m = mediaDir();
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '0.5', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '10', '-b:v', '800k', m.file('vp8.ivf')]);
  vp8Frames = parseIvf(m.read('vp8.ivf')).frames.map((f) => ({ data: f.data, keyframe: ((f.data[0] as number) & 1) === 0 }));
  h264Units = readAnnexBAccessUnits(makeH264(m));
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-c:a', 'libopus', '-b:a', '32k', m.file('a.opus')]);
  opusPackets = readOggOpus(m.read('a.opus')).packets.map((p) => p.data);
});
afterAll(() => m.remove());

/** Payloads of one frame as werift RTP packets (consecutive sequence numbers, marker last). */
function weriftPackets(payloads: readonly Uint8Array[], seq: number, timestamp: number): WRtpPacket[] {
  return payloads.map(
    (p, i) => new WRtpPacket(new WRtpHeader({ payloadType: 96, sequenceNumber: (seq + i) & 0xffff, timestamp, ssrc: 1, marker: i === payloads.length - 1 }), Buffer.from(p)),
  );
}

describe('codec names and parameters', () => {
  it('isSupportedCodec is case-insensitive and knows the five formats', () => {
    for (const n of ['VP8', 'vp8', 'VP9', 'H264', 'h264', 'AV1', 'opus', 'OPUS']) expect(isSupportedCodec(n)).toBe(true);
    for (const n of ['rtx', 'red', 'ulpfec', 'PCMU', 'H265', 'telephone-event', '']) expect(isSupportedCodec(n)).toBe(false);
    expect([VP8, H264_MODE0, OPUS].map(isVideoCodec)).toEqual([true, true, false]);
  });

  it('codecFeedback reads Chrome-style rtcp-fb lines', () => {
    const chromeVideo: RtpCodec = {
      ...VP8,
      feedback: [{ type: 'goog-remb' }, { type: 'transport-cc' }, { type: 'ccm', parameter: 'fir' }, { type: 'nack' }, { type: 'nack', parameter: 'pli' }],
    };
    expect(codecFeedback(chromeVideo)).toEqual({ nack: true, pli: true, fir: true, transportCc: true, remb: true });
    expect(codecFeedback({ ...OPUS, feedback: [{ type: 'transport-cc' }] })).toEqual({ nack: false, pli: false, fir: false, transportCc: true, remb: false });
    // `nack pli` alone is not generic NACK; parameters compare case-insensitively
    expect(codecFeedback({ ...VP8, feedback: [{ type: 'NACK', parameter: 'PLI' }] })).toEqual({ nack: false, pli: true, fir: false, transportCc: false, remb: false });
    expect(codecFeedback(VP8)).toEqual({ nack: false, pli: false, fir: false, transportCc: false, remb: false });
  });

  it('H.264 packetization-mode from the fmtp; absent means 0 (RFC 6184 8.1)', () => {
    expect(h264PacketizationMode(H264_MODE1)).toBe(1);
    expect(h264PacketizationMode(H264_MODE0)).toBe(0);
    expect(fmtpParameter('profile-level-id=42e01f; Packetization-Mode=1', 'packetization-mode')).toBe('1');
    expect(fmtpParameter('minptime=10;useinbandfec=1', 'useinbandfec')).toBe('1');
    expect(fmtpParameter(undefined, 'x')).toBeUndefined();
  });

  it('fmtpParameter (fast-check): never throws; finds every name=value it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 10 }), (text, name) => {
        fmtpParameter(text, name);
      }),
      { numRuns: 500, seed: 3 },
    );
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(token, fc.stringMatching(/^[A-Za-z0-9/]{1,8}$/)), { selector: (t) => t[0], maxLength: 6 }), fc.boolean(), (pairs, space) => {
        const text = pairs.map(([k, v]) => `${k}=${v}`).join(space ? '; ' : ';');
        for (const [k, v] of pairs) expect(fmtpParameter(text, k)).toBe(v);
      }),
      { numRuns: 300, seed: 4 },
    );
  });

  it('payloadFormatFor: video formats, undefined for audio; packetizerFor refuses unknown codecs', () => {
    expect(payloadFormatFor(VP8)?.name).toBe('VP8');
    expect(payloadFormatFor({ ...VP8, name: 'vp9' })?.name).toBe('VP9');
    expect(payloadFormatFor(H264_MODE0)).toBeDefined();
    expect(payloadFormatFor({ ...VP8, name: 'AV1' })).toBeDefined();
    expect(payloadFormatFor(OPUS)).toBeUndefined();
    expect(() => packetizerFor({ ...OPUS, name: 'PCMU' })).toThrow(InvalidArgumentError);
  });
});

describe('packetizers, checked by werift depacketizing real frames', () => {
  it('VP8 (libvpx): werift reassembles every frame, keyframes flagged; our FrameAssembler agrees', () => {
    const pk = packetizerFor(VP8, 600, seededRandom(1));
    const assembler = new FrameAssembler(payloadFormatFor(VP8)!);
    let seq = 65000;
    expect(vp8Frames.length).toBeGreaterThan(10);
    vp8Frames.forEach((f, i) => {
      const payloads = pk.packetize(f.data);
      for (const p of payloads) expect(p.length).toBeLessThanOrEqual(600);
      const wp = weriftPackets(payloads, seq, i * 3000);
      const out = dePacketizeRtpPackets('VP8', wp);
      expect(Buffer.compare(out.data, Buffer.from(f.data))).toBe(0);
      expect(out.isKeyframe).toBe(f.keyframe);
      let got;
      for (const p of wp) got = assembler.push(parseRtp(new Uint8Array(p.serialize())));
      expect(got?.data).toEqual(f.data);
      expect(got?.keyframe).toBe(f.keyframe);
      seq += payloads.length;
    });
  });

  it('H.264 mode 1 (libx264): werift reassembles the NAL units of each access unit (FU-A, STAP-A)', () => {
    const pk = packetizerFor(H264_MODE1, 500);
    const assembler = new FrameAssembler(payloadFormatFor(H264_MODE1)!);
    let seq = 100;
    expect(h264Units.length).toBeGreaterThan(10);
    h264Units.forEach((au, i) => {
      const payloads = pk.packetize(au);
      for (const p of payloads) expect(p.length).toBeLessThanOrEqual(500);
      const wp = weriftPackets(payloads, seq, i * 3000);
      const out = dePacketizeRtpPackets('MPEG4/ISO/AVC', wp);
      const nals = splitAnnexB(au).map((n) => [...n]);
      expect(splitAnnexB(new Uint8Array(out.data)).map((n) => [...n])).toEqual(nals);
      let got;
      for (const p of wp) got = assembler.push(parseRtp(new Uint8Array(p.serialize())));
      expect(splitAnnexB(got!.data).map((n) => [...n])).toEqual(nals);
      seq += payloads.length;
    });
  });

  it('H.264 mode 0: single NAL unit packets only; a NAL larger than the budget is refused', () => {
    const pk = packetizerFor(H264_MODE0, 60_000);
    for (const au of h264Units.slice(0, 5)) {
      const payloads = pk.packetize(au);
      expect(payloads.map((p) => [...p])).toEqual(splitAnnexB(au).map((n) => [...n]));
    }
    const big = h264Units.find((au) => splitAnnexB(au).some((n) => n.length > 300)) as Uint8Array;
    expect(() => packetizerFor(H264_MODE0, 300).packetize(big)).toThrow(InvalidArgumentError);
  });

  it('Opus (libopus): one packet per payload, read back by werift', () => {
    const pk = packetizerFor(OPUS);
    expect(opusPackets.length).toBeGreaterThan(10);
    for (const op of opusPackets) {
      const payloads = pk.packetize(op);
      expect(payloads).toHaveLength(1);
      const out = dePacketizeRtpPackets('OPUS', weriftPackets(payloads, 1, 0));
      expect(Buffer.compare(out.data, Buffer.from(op))).toBe(0);
    }
  });
});

describe('frames through the RtpStreamSender and back (ours on both sides: a supplement)', () => {
  it('VP8 and H.264 frames come out of FrameAssembler as sent; Opus packets one per RTP packet', () => {
    for (const [codec, frames] of [
      [VP8, vp8Frames.map((f) => f.data)],
      [H264_MODE1, h264Units],
    ] as const) {
      const s = new RtpStreamSender({ ssrc: 1, codec, cname: 'c', random: seededRandom(9), maxPayloadBytes: 700, extensions: { mid: 1 }, mid: 'v' });
      const assembler = new FrameAssembler(payloadFormatFor(codec)!);
      const got: Uint8Array[] = [];
      frames.forEach((f, i) => {
        s.sendFrame(i * 33, { data: f, timestamp: i * 3000, keyframe: i === 0 });
        for (let t = s.pollTransmit(); t; t = s.pollTransmit()) {
          const frame = assembler.push(parseRtp(t.data));
          if (frame !== undefined) got.push(frame.data);
        }
      });
      expect(got.map((g) => splitAnnexBOrSelf(codec, g))).toEqual(frames.map((f) => splitAnnexBOrSelf(codec, f)));
    }
    const s = new RtpStreamSender({ ssrc: 2, codec: OPUS, cname: 'c', random: seededRandom(9) });
    opusPackets.forEach((p, i) => s.sendFrame(i * 20, { data: p, timestamp: i * 960, keyframe: true }));
    const out: Uint8Array[] = [];
    for (let t = s.pollTransmit(); t; t = s.pollTransmit()) out.push(new Uint8Array(parseRtp(t.data).payload));
    expect(out).toEqual(opusPackets.map((p) => new Uint8Array(p)));
  });
});

function splitAnnexBOrSelf(codec: RtpCodec, data: Uint8Array): number[][] {
  return codec.name.toLowerCase() === 'h264' ? splitAnnexB(data).map((n) => [...n]) : [[...data]];
}
