// H.264 RTP payload format (RFC 6184): single NAL, STAP-A and FU-A on a real libx264
// stream made by ffmpeg at test time, cross-checked both ways with werift, plus
// properties (round trip with random MTUs, random bytes throw only ParseError).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { H264Packetizer as WeriftH264Packetizer, dePacketizeRtpPackets } from 'werift';
import { ParseError } from '../../src/common/errors.js';
import { InvalidArgumentError } from '../../src/common/errors.js';
import { readAnnexBAccessUnits, splitAnnexB, joinAnnexB, h264NalType } from '../../src/media/annexb.js';
import {
  H264Packetizer,
  H264Depacketizer,
  depacketizeH264,
  depacketizeH264Nals,
  isH264Keyframe,
  isH264KeyframePayload,
  h264Format,
} from '../../src/media/h264.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import vectors from '../../vectors/media/rfc6184-payloads.json' with { type: 'json' };
import { fromHex } from '../../src/common/hex.js';
import { makeH264, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

let m: MediaDir;
let units: Uint8Array[];

beforeAll(() => {
  m = mediaDir();
  units = readAnnexBAccessUnits(makeH264(m));
});
afterAll(() => m.remove());

const nalsOf = (au: Uint8Array) => splitAnnexB(au).map((n) => Buffer.from(n).toString('hex'));

function toPackets(payloads: Uint8Array[], seq: number, timestamp: number): RtpPacket[] {
  return payloads.map((payload, i) => rtpPacket({ payloadType: 102, sequenceNumber: (seq + i) & 0xffff, timestamp, ssrc: 1, marker: i === payloads.length - 1, payload }));
}

describe('RFC 6184 payload vectors', () => {
  for (const v of vectors.vectors) {
    it(v.name, () => {
      const payloads = v.payloads.map((p) => fromHex(p.map((b) => b.hex).join('')));
      expect(depacketizeH264Nals(payloads).map((n) => Buffer.from(n).toString('hex'))).toEqual(v.expect.nals);
      // werift reads the same NAL units (it emits Annex B)
      const w = dePacketizeRtpPackets(
        'MPEG4/ISO/AVC',
        payloads.map((payload, i) => ({ header: { sequenceNumber: i, timestamp: 0, marker: i === payloads.length - 1 }, payload: Buffer.from(payload) }) as never),
      );
      expect(nalsOf(new Uint8Array(w.data))).toEqual(v.expect.nals);
      expect(isH264Keyframe(depacketizeH264(payloads))).toBe(v.expect.keyframe);
    });
  }
});

describe('H.264 packetization of a libx264 stream', () => {
  it('keyframes are the IDR access units, every 10 frames', () => {
    expect(units.length).toBe(30);
    expect(units.map((u) => isH264Keyframe(u))).toEqual(units.map((_, i) => i % 10 === 0));
    // a keyframe carries SPS and PPS before the IDR slice
    expect(splitAnnexB(units[0] as Uint8Array).map(h264NalType)).toEqual(expect.arrayContaining([7, 8, 5]));
  });

  it('depacketize(packetize(au)) == au for random MTUs in mode 1 (STAP-A + FU-A)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 1500 }), fc.integer({ min: 0, max: 29 }), (mtu, i) => {
        const au = units[i] as Uint8Array;
        const payloads = new H264Packetizer({ maxPayloadBytes: mtu }).packetize(au);
        for (const p of payloads) expect(p.length).toBeLessThanOrEqual(mtu);
        expect(nalsOf(depacketizeH264(payloads))).toEqual(nalsOf(au));
      }),
      { numRuns: 150 },
    );
  });

  it('the whole stream through the frame assembler, mode 1 at the default 1200 bytes', () => {
    const pk = new H264Packetizer();
    const dp = new H264Depacketizer();
    let seq = 65530;
    const out: Uint8Array[] = [];
    const kinds = new Set<number>();
    units.forEach((au, i) => {
      const payloads = pk.packetize(au);
      for (const p of payloads) kinds.add((p[0] as number) & 0x1f);
      for (const pkt of toPackets(payloads, seq, i * 3000)) {
        const f = dp.push(pkt);
        if (f) {
          expect(f.timestamp).toBe(i * 3000);
          expect(f.keyframe).toBe(i % 10 === 0);
          out.push(f.data);
        }
      }
      seq = (seq + payloads.length) & 0xffff;
    });
    expect(out.map(nalsOf)).toEqual(units.map(nalsOf));
    expect(kinds).toContain(24); // STAP-A for SPS+PPS
    expect(kinds).toContain(28); // FU-A for the IDR slice
    expect(dp.droppedFrames).toBe(0);
  });

  it('packetization-mode 0 sends single NAL units only, and refuses a NAL over the MTU', () => {
    const pk = new H264Packetizer({ packetizationMode: 0, maxPayloadBytes: 65000 });
    for (const au of units) {
      const payloads = pk.packetize(au);
      expect(payloads.length).toBe(splitAnnexB(au).length);
      for (const p of payloads) expect((p[0] as number) & 0x1f).toBeLessThan(24);
      expect(nalsOf(depacketizeH264(payloads))).toEqual(nalsOf(au));
    }
    expect(() => new H264Packetizer({ packetizationMode: 0, maxPayloadBytes: 100 }).packetize(units[0] as Uint8Array)).toThrow(InvalidArgumentError);
  });

  it('an IDR access unit without SPS/PPS gets the last ones seen (keyframes decodable on their own)', () => {
    const pk = new H264Packetizer();
    const types = (payloads: Uint8Array[]) => splitAnnexB(depacketizeH264(payloads)).map(h264NalType);
    const first = units[0] as Uint8Array;
    const stripped = joinAnnexB(splitAnnexB(units[10] as Uint8Array).filter((n) => ![7, 8].includes(h264NalType(n))));
    // nothing to insert before any SPS/PPS was seen
    expect(types(pk.packetize(stripped))).toEqual(splitAnnexB(stripped).map(h264NalType));
    pk.packetize(first);
    expect(types(pk.packetize(stripped))).toEqual([7, 8, ...splitAnnexB(stripped).map(h264NalType)]);
    const sps = splitAnnexB(first).find((n) => h264NalType(n) === 7) as Uint8Array;
    expect(splitAnnexB(depacketizeH264(pk.packetize(stripped)))[0]).toEqual(sps);
    // delta frames are left alone, and the option turns it off
    expect(types(pk.packetize(units[1] as Uint8Array))).toEqual(splitAnnexB(units[1] as Uint8Array).map(h264NalType));
    expect(types(new H264Packetizer({ insertParameterSets: false }).packetize(stripped))).toEqual(splitAnnexB(stripped).map(h264NalType));
  });

  it('werift depacketizes our packets into the same access units', () => {
    const pk = new H264Packetizer({ maxPayloadBytes: 500 });
    for (const au of units) {
      const pkts = toPackets(pk.packetize(au), 100, 0);
      const w = dePacketizeRtpPackets(
        'MPEG4/ISO/AVC',
        pkts.map((p) => ({ header: { sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker }, payload: Buffer.from(p.payload) }) as never),
      );
      expect(nalsOf(new Uint8Array(w.data))).toEqual(nalsOf(au));
      expect(w.isKeyframe).toBe(isH264Keyframe(au));
    }
  });

  it('we depacketize werift-packetized access units', () => {
    const wp = new WeriftH264Packetizer({ maxPayloadSize: 700, inputFormat: 'annexb' });
    for (const au of units) {
      const pkts = wp.packetize(Buffer.from(au), 0);
      expect(pkts.at(-1)?.header.marker).toBe(true);
      const payloads = pkts.map((p) => new Uint8Array(p.payload));
      expect(isH264KeyframePayload(payloads[0] as Uint8Array)).toBe(isH264Keyframe(au));
      expect(nalsOf(depacketizeH264(payloads))).toEqual(nalsOf(au));
    }
  });

  it('frame starts: after a lost packet the assembler drops the broken frame and resumes at the next frame boundary', () => {
    const pk = new H264Packetizer({ maxPayloadBytes: 400 });
    const dp = new H264Depacketizer();
    let seq = 0;
    const got: number[] = [];
    const counts: number[] = [];
    units.slice(0, 12).forEach((au, i) => {
      const pkts = toPackets(pk.packetize(au), seq, i * 3000);
      counts.push(pkts.length);
      seq += pkts.length;
      pkts.forEach((p, k) => {
        if (i === 3 && k === 0) return; // lose the first packet of frame 3
        const f = dp.push(p);
        if (f) got.push(f.timestamp / 3000);
      });
    });
    // When frame 3 had more packets, its marker packet is seen and frame 4 starts right
    // after it; when it had one, frame 4 follows a gap and is not a certain start (not an
    // SPS/AUD), so it is dropped too. Keyframe 10 always restarts.
    const expected = [0, 1, 2, ...(counts[3]! > 1 ? [4] : []), 5, 6, 7, 8, 9, 10, 11];
    expect(got).toEqual(expected);
    expect(h264Format.isFrameStart(new H264Packetizer().packetize(units[0] as Uint8Array)[0] as Uint8Array)).toBe(true);
    expect(h264Format.isFrameStart(new H264Packetizer().packetize(units[1] as Uint8Array)[0] as Uint8Array)).toBe(false);
  });
});

describe('frame assembler boundaries (RFC 3550 5.1)', () => {
  it('a frame whose marker bit never came is dropped; the next starts at the timestamp change', () => {
    const pk = new H264Packetizer({ maxPayloadBytes: 300 });
    const dp = new H264Depacketizer();
    const a = toPackets(pk.packetize(units[0] as Uint8Array), 10, 3000).map((p) => ({ ...p, marker: false }));
    const b = toPackets(pk.packetize(units[1] as Uint8Array), 10 + a.length, 6000);
    const out = [...a, ...b].map((p) => dp.push(p)).filter((f) => f !== undefined);
    expect(out.map((f) => f.timestamp)).toEqual([6000]);
    expect(nalsOf(out[0]!.data)).toEqual(nalsOf(units[1] as Uint8Array));
    expect(dp.droppedFrames).toBe(1);
  });
});

describe('H.264 hostile input', () => {
  it('random payloads throw only ParseError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 4 }), (payloads) => {
        try {
          depacketizeH264(payloads);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('the assembler never throws on random packets', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ seq: fc.integer({ min: 0, max: 5 }), marker: fc.boolean(), payload: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 30 }), (list) => {
        const dp = new H264Depacketizer();
        for (const x of list) dp.push(rtpPacket({ payloadType: 102, sequenceNumber: x.seq, timestamp: 0, ssrc: 1, marker: x.marker, payload: x.payload }));
      }),
    );
  });
  it('truncated STAP-A and orphan FU-A fragments are ParseErrors', () => {
    expect(() => depacketizeH264([Uint8Array.of(0x18, 0x00, 0x05, 0x67)])).toThrow(ParseError);
    expect(() => depacketizeH264([Uint8Array.of(0x7c, 0x05, 0xaa)])).toThrow(ParseError); // FU-A middle without start
    expect(() => depacketizeH264([Uint8Array.of(0x7c, 0x85, 0xaa)])).toThrow(ParseError); // start without end
    expect(() => depacketizeH264([Uint8Array.of(0x19, 0x00)])).toThrow(ParseError); // STAP-B: not in mode 1
    expect(joinAnnexB([Uint8Array.of(0x65, 1)])).toEqual(Uint8Array.of(0, 0, 0, 1, 0x65, 1));
  });
});
