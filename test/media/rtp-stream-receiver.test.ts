// The RTP stream receiver (sans-IO) on a virtual clock: werift reads the RTCP we send
// (RR/SDES, generic NACK, PLI, FIR) and werift-made RTP, RTX and SR feed us; RFC 3550
// A.8 jitter on a scripted arrival pattern and A.3 loss counting with reordering and
// duplicates; SSRC learning and sender restart; audio reordering; payload type switches;
// fast-check: random bytes and random packet sequences never throw and stay bounded.
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RtcpPacketConverter,
  RtcpRrPacket,
  RtcpSourceDescriptionPacket,
  RtcpTransportLayerFeedback,
  RtcpPayloadSpecificFeedback,
  GenericNack,
  PictureLossIndication,
  RtcpSrPacket,
  RtcpSenderInfo,
  RtpHeader as WRtpHeader,
  RtpPacket as WRtpPacket,
  wrapRtx as weriftWrapRtx,
  Vp8Packetizer as WVp8Packetizer,
  OpusPacketizer as WOpusPacketizer,
} from 'werift';
import { seededRandom } from '../../src/common/random.js';
import { ParseError } from '../../src/common/errors.js';
import { parseIvf } from '../../src/media/ivf.js';
import { Vp8Packetizer } from '../../src/media/vp8.js';
import { Vp9Packetizer } from '../../src/media/vp9.js';
import {
  RtpStreamReceiver,
  RECEIVER_MAX_PENDING_EVENTS,
  RECEIVER_MAX_PENDING_TRANSMITS,
  RECEIVER_AUDIO_REORDER_PACKETS,
  RECEIVER_NACK_MAX_SEQUENCES_PER_PACKET,
} from '../../src/media/rtp-stream-receiver.js';
import type { RtpStreamReceiverEvent, RtpStreamReceiverOptions } from '../../src/media/rtp-stream-receiver.js';
import type { RtpCodec } from '../../src/media/codecs.js';
import { JITTER_DEFAULT_MAX_PACKETS } from '../../src/media/jitter-buffer.js';
import { parseRtp, rtpPacket, serializeRtp } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { parseRtcp, serializeRtcp } from '../../src/rtp/rtcp.js';
import type { RtcpPacket } from '../../src/rtp/rtcp.js';
import { compactNtp, compactNtpFromMs, ntpFromUnixMs } from '../../src/rtp/ntp.js';
import { fromHex } from '../../src/common/hex.js';
import chromiumRtp from '../../vectors/rtp/chromium-156-rtp.json' with { type: 'json' };
import { ffmpeg, makeVp9, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

const VP8: RtpCodec = { payloadType: 96, name: 'VP8', clockRate: 90000, rtxPayloadType: 97, feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] };
const VP9: RtpCodec = { payloadType: 98, name: 'VP9', clockRate: 90000, rtxPayloadType: 99, feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] };
const OPUS: RtpCodec = { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2 };
const LOCAL = 0x11111111;
const REMOTE = 0x22222222;
const REMOTE_RTX = 0x33333333;

let m: MediaDir;
let vp8Frames: Uint8Array[];
let vp9Frames: Uint8Array[];
beforeAll(() => {
  m = mediaDir();
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '30', '-b:v', '300k', m.file('vp8.ivf')]);
  vp8Frames = parseIvf(m.read('vp8.ivf')).frames.map((f) => f.data);
  vp9Frames = parseIvf(makeVp9(m)).frames.map((f) => f.data);
});
afterAll(() => m.remove());

function receiver(o: Partial<RtpStreamReceiverOptions> = {}): RtpStreamReceiver {
  return new RtpStreamReceiver({ localSsrc: LOCAL, cname: 'rx-cname', codecs: [VP8, VP9], random: seededRandom(7), ...o });
}

function drain(rx: RtpStreamReceiver): { events: RtpStreamReceiverEvent[]; rtcp: RtcpPacket[][]; raw: Uint8Array[] } {
  const events: RtpStreamReceiverEvent[] = [];
  const rtcp: RtcpPacket[][] = [];
  const raw: Uint8Array[] = [];
  for (let e = rx.pollEvent(); e; e = rx.pollEvent()) events.push(e);
  for (let t = rx.pollTransmit(); t; t = rx.pollTransmit()) {
    raw.push(t.data);
    rtcp.push(parseRtcp(t.data));
  }
  return { events, rtcp, raw };
}

/** VP8 packets for frames, 90 kHz timestamps 3000 apart. */
function vp8Packets(frames: readonly Uint8Array[], o: { firstSeq?: number; ssrc?: number; pt?: number; firstTs?: number } = {}): RtpPacket[] {
  const pk = new Vp8Packetizer({ maxPayloadBytes: 300, pictureId: 5 });
  const out: RtpPacket[] = [];
  frames.forEach((f, i) => {
    const payloads = pk.packetize(f);
    payloads.forEach((payload, k) =>
      out.push(rtpPacket({ payloadType: o.pt ?? 96, sequenceNumber: ((o.firstSeq ?? 1000) + out.length) & 0xffff, timestamp: ((o.firstTs ?? 0) + i * 3000) >>> 0, ssrc: o.ssrc ?? REMOTE, marker: k === payloads.length - 1, payload })),
    );
  });
  return out;
}

function framesOf(events: readonly RtpStreamReceiverEvent[]): Array<{ data: Uint8Array; timestamp: number; keyframe: boolean; codec: string }> {
  return events.flatMap((e) => (e.type === 'frame' ? [{ data: e.frame.data, timestamp: e.frame.timestamp, keyframe: e.frame.keyframe, codec: e.codec.name }] : []));
}

/** Runs the receiver's timers up to `until`, jumping deadline to deadline; returns everything it produced. */
function runUntil(rx: RtpStreamReceiver, from: number, until: number): { events: RtpStreamReceiverEvent[]; rtcp: RtcpPacket[][]; raw: Uint8Array[]; times: number[] } {
  const out = { events: [] as RtpStreamReceiverEvent[], rtcp: [] as RtcpPacket[][], raw: [] as Uint8Array[], times: [] as number[] };
  let now = from;
  for (let steps = 0; steps < 100_000; steps++) {
    const t = rx.pollTimeout();
    if (t === undefined || t > until) break;
    now = Math.max(now, t);
    rx.handleTimeout(now);
    const d = drain(rx);
    out.events.push(...d.events);
    out.rtcp.push(...d.rtcp);
    out.raw.push(...d.raw);
    for (let i = 0; i < d.raw.length; i++) out.times.push(now);
  }
  return out;
}

describe('video frames, NACK and RTX', () => {
  it('delivers werift-serialized RTP as whole frames in order, learning the SSRC', () => {
    const rx = receiver();
    const ours = vp8Packets(vp8Frames);
    let now = 0;
    for (const p of ours) {
      const w = new WRtpPacket(new WRtpHeader({ payloadType: p.payloadType, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, ssrc: p.ssrc, marker: p.marker }), Buffer.from(p.payload));
      rx.handleRtp(now, parseRtp(new Uint8Array(w.serialize())));
      now += 2;
    }
    const { events } = drain(rx);
    expect(events[0]).toEqual({ type: 'ssrc', ssrc: REMOTE });
    const frames = framesOf(events);
    expect(frames.map((f) => f.data)).toEqual(vp8Frames);
    expect(frames.map((f) => f.timestamp)).toEqual(vp8Frames.map((_, i) => i * 3000));
    expect(frames[0]?.keyframe).toBe(true);
    const s = rx.stats();
    expect(s).toMatchObject({ ssrc: REMOTE, packetsReceived: ours.length, packetsLost: 0, framesReceived: vp8Frames.length, keyFramesReceived: 1, codecPayloadType: 96, nackCount: 0 });
    expect(s.bytesReceived).toBe(ours.reduce((n, p) => n + p.payload.length, 0));
    expect(s.headerBytesReceived).toBe(ours.length * 12);
  });

  it("werift's own VP8 and Opus packetizers (descriptors and all) feed whole frames, across a sequence wrap", () => {
    const rx = receiver();
    const pk = new WVp8Packetizer({ ssrc: REMOTE, payloadType: 96, sequenceNumber: 65500, maxPayloadSize: 500 });
    let now = 0;
    vp8Frames.forEach((f, i) => {
      for (const w of pk.packetize(Buffer.from(f), i * 3000)) rx.handleRtp((now += 1), parseRtp(new Uint8Array(w.serialize())));
    });
    const d = drain(rx);
    expect(framesOf(d.events).map((f) => f.data)).toEqual(vp8Frames);
    expect(d.rtcp).toEqual([]); // nothing missing, nothing asked
    const audio = receiver({ codecs: [OPUS] });
    const op = new WOpusPacketizer({ ssrc: REMOTE, payloadType: 111, sequenceNumber: 65534 });
    const opusPackets = Array.from({ length: 6 }, (_, i) => Uint8Array.of(0xfc, i, 0xff, 0xfe));
    opusPackets.forEach((o, i) => {
      for (const w of op.packetize(Buffer.from(o), i * 960)) audio.handleRtp(i * 20, parseRtp(new Uint8Array(w.serialize())));
    });
    expect(framesOf(drain(audio).events).map((f) => [f.data, f.timestamp])).toEqual(opusPackets.map((o, i) => [o, i * 960]));
  });

  it('NACKs a lost packet (werift reads the compound RR+SDES+NACK) and recovers it from werift-wrapped RTX', () => {
    const rx = receiver();
    const packets = vp8Packets(vp8Frames.slice(0, 6));
    const lostIdx = 4;
    let now = 0;
    packets.forEach((p, i) => {
      if (i !== lostIdx) rx.handleRtp(now, p);
      now += 5;
    });
    const d = drain(rx);
    expect(d.raw.length).toBe(1);
    const w = RtcpPacketConverter.deSerialize(Buffer.from(d.raw[0] as Uint8Array));
    expect(w[0]).toBeInstanceOf(RtcpRrPacket);
    expect((w[0] as RtcpRrPacket).ssrc).toBe(LOCAL);
    expect(w[1]).toBeInstanceOf(RtcpSourceDescriptionPacket);
    const chunk = (w[1] as RtcpSourceDescriptionPacket).chunks[0];
    expect(chunk?.source).toBe(LOCAL);
    expect(chunk?.items[0]?.type).toBe(1);
    expect(chunk?.items[0]?.text).toBe('rx-cname');
    expect(w[2]).toBeInstanceOf(RtcpTransportLayerFeedback);
    const nack = (w[2] as RtcpTransportLayerFeedback).feedback as GenericNack;
    expect(nack).toBeInstanceOf(GenericNack);
    expect(nack.senderSsrc).toBe(LOCAL);
    expect(nack.mediaSourceSsrc).toBe(REMOTE);
    expect(nack.lost).toEqual([(packets[lostIdx] as RtpPacket).sequenceNumber]);
    // frames after the hole wait
    const before = framesOf(d.events).length;
    expect(before).toBeLessThan(6);
    // werift wraps the original for RTX (RFC 4588 4)
    const orig = packets[lostIdx] as RtpPacket;
    const wOrig = new WRtpPacket(new WRtpHeader({ payloadType: 96, sequenceNumber: orig.sequenceNumber, timestamp: orig.timestamp, ssrc: REMOTE, marker: orig.marker }), Buffer.from(orig.payload));
    const wRtx = weriftWrapRtx(wOrig, 97, 555, REMOTE_RTX);
    rx.setRtpEvents(true);
    rx.handleRtp(now, parseRtp(new Uint8Array(wRtx.serialize())));
    const after = drain(rx);
    expect(after.events.filter((e) => e.type === 'rtp')).toEqual([{ type: 'rtp', packet: expect.objectContaining({ ssrc: REMOTE, payloadType: 96, sequenceNumber: orig.sequenceNumber, timestamp: orig.timestamp }) }]);
    expect(before + framesOf(after.events).length).toBe(6);
    expect(rx.rtxSsrc).toBe(REMOTE_RTX);
    const s = rx.stats();
    expect(s).toMatchObject({ retransmittedPacketsReceived: 1, retransmittedBytesReceived: orig.payload.length, nackCount: 1, packetsReceived: packets.length, packetsLost: 0 });
    // the same RTX again is a duplicate: no second 'rtp' event, not counted again
    rx.handleRtp(now + 1, parseRtp(new Uint8Array(wRtx.serialize())));
    expect(drain(rx).events).toEqual([]);
    expect(rx.stats().packetsDuplicated).toBe(1);
  });

  it('sends reduced-size feedback alone when negotiated (RFC 5506)', () => {
    const rx = receiver({ rtcpReducedSize: true });
    const packets = vp8Packets(vp8Frames.slice(0, 4));
    packets.forEach((p, i) => i !== 2 && rx.handleRtp(i, p));
    const d = drain(rx);
    expect(d.rtcp).toEqual([[{ type: 'nack', senderSsrc: LOCAL, mediaSsrc: REMOTE, lost: [(packets[2] as RtpPacket).sequenceNumber] }]]);
  });

  it('reorderToleranceMs: a packet reordered within the tolerance is not NACKed', () => {
    const packets = vp8Packets(vp8Frames.slice(0, 4));
    const order = packets.map((_, i) => i);
    [order[2], order[3]] = [order[3] as number, order[2] as number]; // 3 before 2, 10 ms apart
    const nacks = (o: Partial<RtpStreamReceiverOptions>): number => {
      const rx = receiver({ rtcpReducedSize: true, ...o });
      let out = 0;
      order.forEach((k, i) => {
        rx.handleRtp(i * 10, packets[k] as RtpPacket);
        out += drain(rx).rtcp.flat().filter((p) => p.type === 'nack').length;
      });
      return out + runUntil(rx, order.length * 10, 3000).rtcp.flat().filter((p) => p.type === 'nack').length;
    };
    expect(nacks({})).toBe(1);
    expect(nacks({ reorderToleranceMs: 30 })).toBe(0);
  });

  it('splits a long NACK list into packets of bounded size', () => {
    const rx = receiver({ rtcpReducedSize: true });
    rx.handleRtp(0, rtpPacket({ payloadType: 96, sequenceNumber: 0, timestamp: 0, ssrc: REMOTE, payload: Uint8Array.of(0x10, 0) }));
    rx.handleRtp(1, rtpPacket({ payloadType: 96, sequenceNumber: 601, timestamp: 0, ssrc: REMOTE, payload: Uint8Array.of(0x00, 0) }));
    const d = drain(rx);
    const nacks = d.rtcp.flat().filter((p) => p.type === 'nack');
    expect(nacks.length).toBe(Math.ceil(600 / RECEIVER_NACK_MAX_SEQUENCES_PER_PACKET));
    expect(nacks.flatMap((p) => (p.type === 'nack' ? p.lost : []))).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    for (const raw of d.raw) expect(raw.length).toBeLessThanOrEqual(12 + RECEIVER_NACK_MAX_SEQUENCES_PER_PACKET * 4);
  });

  it('gives up on a packet never retransmitted and sends PLI (werift reads it); requestKeyframe sends one too', () => {
    const rx = receiver({ giveUpMs: 500 });
    const packets = vp8Packets(vp8Frames.slice(0, 10));
    packets.forEach((p, i) => i !== 3 && rx.handleRtp(i * 10, p));
    drain(rx);
    const r = runUntil(rx, 100, 2000);
    const plis = r.raw.map((b) => RtcpPacketConverter.deSerialize(Buffer.from(b))).filter((ps) => ps.some((p) => p instanceof RtcpPayloadSpecificFeedback));
    expect(plis.length).toBeGreaterThanOrEqual(1);
    const fb = (plis[0]?.find((p) => p instanceof RtcpPayloadSpecificFeedback) as RtcpPayloadSpecificFeedback).feedback as PictureLossIndication;
    expect(fb).toBeInstanceOf(PictureLossIndication);
    expect(fb.senderSsrc).toBe(LOCAL);
    expect(fb.mediaSsrc).toBe(REMOTE);
    const pliCount = rx.stats().pliCount;
    expect(pliCount).toBe(plis.length);
    rx.requestKeyframe(3000);
    expect(drain(rx).rtcp.flat().filter((p) => p.type === 'pli').length).toBe(1);
    expect(rx.stats().pliCount).toBe(pliCount + 1);
    expect(rx.stats().framesDropped).toBeGreaterThan(0);
  });

  it('sends FIR with an incrementing sequence number when only ccm fir is negotiated (RFC 5104 4.3.1.2)', () => {
    const firOnly: RtpCodec = { ...VP8, feedback: [{ type: 'ccm', parameter: 'fir' }] };
    const rx = receiver({ codecs: [firOnly] });
    rx.handleRtp(0, (vp8Packets(vp8Frames.slice(0, 1))[0]) as RtpPacket);
    drain(rx);
    rx.requestKeyframe(10);
    rx.requestKeyframe(20);
    const d = drain(rx);
    const firs = d.raw.map((b) => RtcpPacketConverter.deSerialize(Buffer.from(b)).find((p) => p instanceof RtcpPayloadSpecificFeedback) as RtcpPayloadSpecificFeedback);
    expect(firs.length).toBe(2);
    const seqs = firs.map((f) => {
      const fir = f.feedback as unknown as { senderSsrc: number; mediaSsrc: number; fir: Array<{ ssrc: number; sequenceNumber: number }> };
      expect(fir.senderSsrc).toBe(LOCAL);
      expect(fir.mediaSsrc).toBe(0);
      expect(fir.fir.length).toBe(1);
      expect(fir.fir[0]?.ssrc).toBe(REMOTE);
      return fir.fir[0]?.sequenceNumber;
    });
    expect(seqs[1]).toBe(((seqs[0] as number) + 1) & 0xff);
    expect(rx.stats()).toMatchObject({ firCount: 2, pliCount: 0 });
  });

  it('sends no NACK and no PLI when the codec does not negotiate them', () => {
    const bare: RtpCodec = { payloadType: 96, name: 'VP8', clockRate: 90000 };
    const rx = receiver({ codecs: [bare], giveUpMs: 300 });
    const packets = vp8Packets(vp8Frames.slice(0, 10));
    packets.forEach((p, i) => i !== 3 && rx.handleRtp(i * 10, p));
    const r = runUntil(rx, 100, 1500);
    const fb = [...drain(rx).rtcp, ...r.rtcp].flat().filter((p) => p.type !== 'rr' && p.type !== 'sdes');
    expect(fb).toEqual([]);
    expect(rx.stats()).toMatchObject({ nackCount: 0, pliCount: 0, firCount: 0 });
  });

  it('switches between negotiated codecs by payload type (new jitter buffer)', () => {
    const rx = receiver();
    const a = vp8Packets(vp8Frames.slice(0, 5), { firstSeq: 65530 });
    const pk = new Vp9Packetizer({ pictureId: 1 });
    const b: RtpPacket[] = [];
    vp9Frames.slice(0, 5).forEach((f, i) => {
      const payloads = pk.packetize(f);
      payloads.forEach((payload, k) => b.push(rtpPacket({ payloadType: 98, sequenceNumber: (65530 + a.length + b.length) & 0xffff, timestamp: 100000 + i * 3000, ssrc: REMOTE, marker: k === payloads.length - 1, payload })));
    });
    [...a, ...b].forEach((p, i) => rx.handleRtp(i, p));
    const frames = framesOf(drain(rx).events);
    expect(frames.map((f) => f.codec)).toEqual([...Array(5).fill('VP8'), ...Array(5).fill('VP9')]);
    expect(frames.map((f) => f.data)).toEqual([...vp8Frames.slice(0, 5), ...vp9Frames.slice(0, 5)]);
    // a late VP8 packet after the switch is discarded, not a switch back
    rx.handleRtp(100, { ...(a[0] as RtpPacket), sequenceNumber: (65530 + a.length - 1) & 0xffff });
    expect(rx.stats().packetsDuplicated + rx.stats().packetsDiscarded).toBe(1);
    expect(rx.stats().codecPayloadType).toBe(98);
  });

  it('renegotiation: setCodecs drops a payload type no longer negotiated; setFrameEvents(false) keeps NACKing without frames', () => {
    const rx = receiver();
    const packets = vp8Packets(vp8Frames.slice(0, 6));
    rx.setFrameEvents(false);
    rx.setRtpEvents(true);
    const firstEnd = packets.findIndex((p) => p.marker); // the keyframe's last packet
    packets.slice(0, firstEnd + 1).forEach((p, i) => rx.handleRtp(i, p));
    let d = drain(rx);
    expect(framesOf(d.events)).toEqual([]);
    expect(d.events.filter((e) => e.type === 'rtp').length).toBe(firstEnd + 1);
    rx.handleRtp(10, packets[firstEnd + 2] as RtpPacket);
    d = drain(rx);
    expect(d.rtcp.flat().filter((p) => p.type === 'nack').length).toBe(1);
    expect(rx.stats().framesReceived).toBeGreaterThan(0); // counted even when not emitted
    rx.setCodecs([VP9]);
    rx.handleRtp(20, packets[firstEnd + 3] as RtpPacket);
    expect(drain(rx).events).toEqual([]);
    expect(rx.stats().packetsIgnored).toBe(1);
    expect(rx.heldPackets).toBe(0);
  });

  it('ignores payload types not negotiated, and repair formats listed as codecs (rtx, red, ulpfec)', () => {
    const rx = receiver({ codecs: [VP8, VP9, { payloadType: 100, name: 'red', clockRate: 90000 }, { payloadType: 97, name: 'rtx', clockRate: 90000 }] });
    rx.handleRtp(0, rtpPacket({ payloadType: 100, sequenceNumber: 1, timestamp: 0, ssrc: REMOTE, payload: Uint8Array.of(1) }));
    expect(drain(rx).events).toEqual([]);
    expect(rx.stats()).toMatchObject({ packetsIgnored: 1, packetsReceived: 0 });
    expect(rx.ssrc).toBeUndefined();
  });
});

describe('SSRC learning and restart', () => {
  it('a new SSRC on the same mid replaces the old one; late packets of the old one are ignored', () => {
    const rx = receiver();
    rx.setRtpEvents(true);
    const first = vp8Packets(vp8Frames.slice(0, 3));
    first.forEach((p, i) => rx.handleRtp(i, p));
    expect(drain(rx).events.filter((e) => e.type === 'ssrc')).toEqual([{ type: 'ssrc', ssrc: REMOTE }]);
    const NEW = 0x44444444;
    const second = vp8Packets(vp8Frames, { ssrc: NEW, firstSeq: 30000, firstTs: 777 });
    second.forEach((p, i) => rx.handleRtp(100 + i, p));
    const d = drain(rx);
    expect(d.events.filter((e) => e.type === 'ssrc')).toEqual([{ type: 'ssrc', ssrc: NEW }]);
    expect(framesOf(d.events).map((f) => f.data)).toEqual(vp8Frames);
    expect(rx.stats()).toMatchObject({ ssrc: NEW, packetsLost: 0 });
    rx.handleRtp(500, { ...(first[2] as RtpPacket), sequenceNumber: 1003 });
    expect(drain(rx).events).toEqual([]);
    expect(rx.ssrc).toBe(NEW);
    expect(rx.stats().packetsIgnored).toBe(1);
  });

  it('uses the SSRCs given by a=ssrc and a=ssrc-group:FID', () => {
    const rx = receiver({ remoteSsrc: REMOTE, remoteRtxSsrc: REMOTE_RTX });
    expect(rx.ssrc).toBe(REMOTE);
    expect(rx.rtxSsrc).toBe(REMOTE_RTX);
    // RTX before any media: the original is recovered into the stream
    const p = vp8Packets(vp8Frames.slice(0, 1))[0] as RtpPacket;
    const rtx = rtpPacket({ ...p, payloadType: 97, ssrc: REMOTE_RTX, sequenceNumber: 9, payload: Uint8Array.from([p.sequenceNumber >> 8, p.sequenceNumber & 0xff, ...p.payload]) });
    rx.handleRtp(0, rtx);
    expect(rx.stats()).toMatchObject({ packetsReceived: 1, retransmittedPacketsReceived: 1 });
  });

  it('BYE for the remote SSRC is a bye event; werift SR gives remote-outbound stats and LSR/DLSR', () => {
    const rx = receiver();
    const packets = vp8Packets(vp8Frames.slice(0, 3));
    packets.forEach((p, i) => rx.handleRtp(i, p));
    drain(rx);
    const unixMs = 1_700_000_000_123;
    const ntp = ntpFromUnixMs(unixMs);
    const sr = new RtcpSrPacket({ ssrc: REMOTE, senderInfo: new RtcpSenderInfo({ ntpTimestamp: ntp, rtpTimestamp: 1234, packetCount: 42, octetCount: 4242 }) });
    for (const p of parseRtcp(new Uint8Array(sr.serialize()))) rx.handleRtcp(100, p);
    const s = rx.stats();
    expect(s.remote).toMatchObject({ packetsSent: 42, bytesSent: 4242, reportsSent: 1 });
    expect(s.remote?.remoteTimestamp).toBeCloseTo(unixMs, 0);
    // the next RR carries LSR = middle 32 bits of the SR's NTP, DLSR in 1/65536 s
    const r = runUntil(rx, 100, 2000);
    const w = RtcpPacketConverter.deSerialize(Buffer.from(r.raw[0] as Uint8Array));
    const rr = w[0] as RtcpRrPacket;
    const block = rr.reports[0];
    expect(block?.ssrc).toBe(REMOTE);
    expect(block?.lsr).toBe(Number((ntp >> 16n) & 0xffffffffn));
    expect(block?.dlsr).toBe(Math.round((((r.times[0] as number) - 100) * 65536) / 1000));
    // SR from another SSRC is not ours
    rx.handleRtcp(200, { type: 'sr', ssrc: 999, ntpTimestamp: 0n, rtpTimestamp: 0, packetCount: 1, octetCount: 1, reports: [] });
    expect(rx.stats().remote?.reportsSent).toBe(1);
    rx.handleRtcp(300, { type: 'bye', ssrcs: [999] });
    expect(drain(rx).events).toEqual([]);
    for (const p of parseRtcp(serializeRtcp([{ type: 'bye', ssrcs: [REMOTE], reason: 'done' }]))) rx.handleRtcp(300, p);
    expect(drain(rx).events).toEqual([{ type: 'bye' }]);
    // RFC 3550 6.3.7: the source left, our reports stop carrying a block about it
    const after = runUntil(rx, 300, 6000);
    expect(after.rtcp.length).toBeGreaterThan(0);
    for (const ps of after.rtcp) expect(ps[0]).toMatchObject({ type: 'rr', reports: [] });
  });
});

describe('remote-outbound round trip through XR (RFC 3611 4.4, 4.5)', () => {
  it('an RRTR rides with each report when negotiated; the DLRR answering it gives roundTripTime', () => {
    const offset = 1_700_000_000_000;
    const rx = receiver({ rtcpXrRrtr: true, ntpOffsetMs: offset });
    vp8Packets(vp8Frames.slice(0, 2)).forEach((p, i) => rx.handleRtp(i, p));
    drain(rx);
    rx.handleRtcp(10, { type: 'sr', ssrc: REMOTE, ntpTimestamp: ntpFromUnixMs(offset + 5), rtpTimestamp: 0, packetCount: 3, octetCount: 300, reports: [] });
    const r = runUntil(rx, 10, 2000);
    const sentAt = r.times[0] as number;
    const xr = (r.rtcp[0] as RtcpPacket[])[2];
    expect(xr?.type).toBe('xr');
    const rrtr = xr?.type === 'xr' ? xr.blocks[0] : undefined;
    expect(rrtr?.type).toBe('rrtr');
    const ntp = rrtr?.type === 'rrtr' ? rrtr.ntpTimestamp : 0n;
    expect(ntp).toBe(ntpFromUnixMs(offset + sentAt));
    // werift reads the compound around the XR it does not know
    const w = RtcpPacketConverter.deSerialize(Buffer.from(r.raw[0] as Uint8Array));
    expect(w[0]).toBeInstanceOf(RtcpRrPacket);
    // the sender holds the RRTR 10 ms, the link takes 15 ms each way
    const dlrr = serializeRtcp([{ type: 'xr', ssrc: REMOTE, blocks: [{ type: 'dlrr', subBlocks: [{ ssrc: 0x99, lastRr: 1, delaySinceLastRr: 1 }, { ssrc: LOCAL, lastRr: compactNtp(ntp), delaySinceLastRr: compactNtpFromMs(10) }] }] }]);
    for (const p of parseRtcp(dlrr)) rx.handleRtcp(sentAt + 40, p);
    const remote = rx.stats().remote;
    expect(remote?.roundTripTimeMeasurements).toBe(1);
    expect(remote?.roundTripTime).toBeCloseTo(0.03, 3);
    expect(remote?.totalRoundTripTime).toBeCloseTo(0.03, 3);
    // without the option: no XR
    const plain = receiver();
    vp8Packets(vp8Frames.slice(0, 1)).forEach((p, i) => plain.handleRtp(i, p));
    drain(plain);
    expect(runUntil(plain, 10, 2000).rtcp[0]?.map((p) => p.type)).toEqual(['rr', 'sdes']);
  });
});

describe('reception statistics (RFC 3550 A.3, A.8) in our receiver reports', () => {
  it('A.8 jitter on a scripted arrival pattern equals the RFC algorithm', () => {
    const rx = receiver({ codecs: [OPUS] });
    // 20 ms of Opus (960 ticks at 48 kHz) per packet; arrivals wander by a scripted delay
    const delays = [0, 5, 2, 30, 1, 0, 12, 7, 7, 40, 3, 3, 0, 9, 25, 1];
    let jRfc = 0; // RFC 3550 A.8 integer form: J scaled by 16
    let prevTransit: number | undefined;
    delays.forEach((d, i) => {
      const arrival = 1000 + i * 20 + d;
      const ts = i * 960;
      rx.handleRtp(arrival, rtpPacket({ payloadType: 111, sequenceNumber: i, timestamp: ts, ssrc: REMOTE, payload: Uint8Array.of(0xfc, i) }));
      const transit = Math.floor((arrival * 48000) / 1000) - ts;
      if (prevTransit !== undefined) {
        const dd = Math.abs(transit - prevTransit);
        jRfc += dd - ((jRfc + 8) >> 4);
      }
      prevTransit = transit;
    });
    expect(rx.stats().jitter).toBeCloseTo((jRfc >> 4) / 48000, 9);
    const r = runUntil(rx, 2000, 10_000);
    const rr = RtcpPacketConverter.deSerialize(Buffer.from(r.raw[0] as Uint8Array))[0] as RtcpRrPacket;
    expect(rr.reports[0]?.jitter).toBe(jRfc >> 4);
    // the float form of A.8 agrees to within the integer rounding
    let jFloat = 0;
    prevTransit = undefined;
    delays.forEach((d, i) => {
      const transit = (1000 + i * 20 + d) * 48 - i * 960;
      if (prevTransit !== undefined) jFloat += (Math.abs(transit - prevTransit) - jFloat) / 16;
      prevTransit = transit;
    });
    expect(Math.abs(jFloat - (jRfc >> 4))).toBeLessThan(2);
  });

  it('A.3: loss with reordering and duplicates; fraction lost per interval', () => {
    const rx = receiver({ codecs: [OPUS] });
    // 0..19 sent; 3, 7, 8 lost; 5 and 4 swapped; 10 duplicated; 19 highest
    const order = [0, 1, 2, 5, 4, 6, 9, 10, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    order.forEach((seq, i) => rx.handleRtp(i * 20, rtpPacket({ payloadType: 111, sequenceNumber: (65530 + seq) & 0xffff, timestamp: seq * 960, ssrc: REMOTE, payload: Uint8Array.of(0xfc, seq) })));
    // A.3: expected = 20, received = 18 (the duplicate counts), lost = 2
    expect(rx.stats().packetsLost).toBe(2);
    expect(rx.stats().packetsDuplicated).toBe(1);
    const r = runUntil(rx, 400, 10_000);
    const block = (RtcpPacketConverter.deSerialize(Buffer.from(r.raw[0] as Uint8Array))[0] as RtcpRrPacket).reports[0];
    expect(block?.packetsLost).toBe(2);
    expect(block?.highestSequence).toBe(0x10000 + ((65530 + 19) & 0xffff)); // one wrap (cycles << 16)
    expect(block?.fractionLost).toBe(Math.floor((2 * 256) / 20));
    // next interval: 10 more, none lost: fraction 0, cumulative unchanged
    for (let seq = 20; seq < 30; seq++) rx.handleRtp(11_000 + seq, rtpPacket({ payloadType: 111, sequenceNumber: (65530 + seq) & 0xffff, timestamp: seq * 960, ssrc: REMOTE, payload: Uint8Array.of(0xfc) }));
    const r2 = runUntil(rx, 11_100, 30_000);
    const block2 = (RtcpPacketConverter.deSerialize(Buffer.from(r2.raw[0] as Uint8Array))[0] as RtcpRrPacket).reports[0];
    expect(block2?.fractionLost).toBe(0);
    expect(block2?.packetsLost).toBe(2);
  });

  it("A.3 and A.8 agree with werift's StreamStatistics (aiortc's algorithm) on random reordering, loss and duplication", () => {
    // werift's exports map hides it; the CommonJS file is reached by path
    const { StreamStatistics } = createRequire(import.meta.url)(path.resolve('node_modules/werift/lib/webrtc/src/media/receiver/statistics.js')) as {
      StreamStatistics: new (clockRate: number) => { add(p: WRtpPacket, nowSeconds: number): void; readonly jitter: number; readonly packets_lost: number; readonly fraction_lost: number; readonly cycles: number; readonly max_seq: number };
    };
    // arrival times in 1/1024 s, so seconds (werift) and milliseconds (ours) are both exact in binary
    const UNIT_MS = 1000 / 1024;
    let interesting = 0;
    const item = fc.record({ lost: fc.noBias(fc.integer({ min: 0, max: 99 })), dup: fc.noBias(fc.integer({ min: 0, max: 99 })), delay: fc.integer({ min: 0, max: 80 }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff - 1_000_000 }), fc.array(item, { minLength: 20, maxLength: 200 }), (firstSeq, firstTs, items) => {
        const arrivals: Array<{ at: number; seq: number; ts: number }> = [];
        items.forEach((x, i) => {
          if (x.lost < 10 && i > 0) return; // 10% loss
          const at = i * 20 + x.delay;
          arrivals.push({ at, seq: (firstSeq + i) & 0xffff, ts: firstTs + i * 960 });
          if (x.dup < 5) arrivals.push({ at: at + 3, seq: (firstSeq + i) & 0xffff, ts: firstTs + i * 960 });
        });
        arrivals.sort((a, b) => a.at - b.at);
        const rx = receiver({ codecs: [OPUS] });
        const w = new StreamStatistics(48000);
        for (const a of arrivals) {
          const p = rtpPacket({ payloadType: 111, sequenceNumber: a.seq, timestamp: a.ts, ssrc: REMOTE, payload: Uint8Array.of(0xfc, 1) });
          rx.handleRtp(a.at * UNIT_MS, p);
          w.add(new WRtpPacket(new WRtpHeader({ payloadType: 111, sequenceNumber: a.seq, timestamp: a.ts, ssrc: REMOTE }), Buffer.from(p.payload)), a.at / 1024);
        }
        const last = (arrivals[arrivals.length - 1] as { at: number }).at * UNIT_MS;
        expect(Math.round(rx.stats().jitter * 48000)).toBe(w.jitter);
        expect(Math.max(0, rx.stats().packetsLost)).toBe(w.packets_lost);
        const raw = runUntil(rx, last, last + 10_000).raw[0] as Uint8Array;
        const block = (RtcpPacketConverter.deSerialize(Buffer.from(raw))[0] as RtcpRrPacket).reports[0];
        expect(block?.jitter).toBe(w.jitter);
        expect(block?.highestSequence).toBe(w.cycles + w.max_seq);
        const fractionLost = w.fraction_lost; // werift's getter starts the next interval
        expect(block?.fractionLost).toBe(fractionLost);
        if (w.jitter > 0 && w.packets_lost > 0 && fractionLost > 0) interesting++;
      }),
      { numRuns: 200 },
    );
    expect(interesting).toBeGreaterThan(50); // the runs did exercise jitter and loss
  });

  it('reports at the randomized RTCP interval (RFC 3550 6.3.1): 0.5-1.5 s for video, 2.5-7.5 s for audio', () => {
    for (const [codecs, interval] of [[[VP8], 1000], [[OPUS], 5000]] as const) {
      const rx = receiver({ codecs, random: seededRandom(interval) });
      expect(rx.pollTimeout()).toBeUndefined(); // nothing before the first packet
      rx.handleRtp(0, rtpPacket({ payloadType: codecs[0].payloadType, sequenceNumber: 1, timestamp: 0, ssrc: REMOTE, payload: Uint8Array.of(0x10, 0x00) }));
      drain(rx);
      const r = runUntil(rx, 0, interval * 40);
      expect(r.times[0]).toBeGreaterThanOrEqual(interval * 0.25);
      expect(r.times[0]).toBeLessThanOrEqual(interval * 0.75);
      const gaps = r.times.slice(1).map((t, i) => t - (r.times[i] as number));
      expect(gaps.length).toBeGreaterThan(25);
      for (const g of gaps) {
        expect(g).toBeGreaterThanOrEqual(interval * 0.5);
        expect(g).toBeLessThan(interval * 1.5);
      }
      expect(new Set(gaps).size).toBeGreaterThan(1);
      for (const ps of r.rtcp) expect(ps.map((p) => p.type)).toEqual(['rr', 'sdes']);
    }
  });
});

describe('audio', () => {
  const opus = (seq: number, ts = seq * 960): RtpPacket => rtpPacket({ payloadType: 111, sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, ssrc: REMOTE, payload: Uint8Array.of(0xfc, seq & 0xff, 7) });

  it('reorders within the window, skips a gap after it, drops late packets, never NACKs', () => {
    const rx = receiver({ codecs: [OPUS] });
    expect(rx.kind).toBe('audio');
    const order = [65534, 65535, 1, 0, 2, 4, 5, 6, 7, 3, 8];
    order.forEach((s, i) => rx.handleRtp(i * 20, opus(s)));
    const d = drain(rx);
    const seqs = framesOf(d.events).map((f) => (f.data[1] as number) | 0);
    // 3 arrives after 4..7 filled the window: skipped, then dropped as late
    expect(seqs).toEqual([254, 255, 0, 1, 2, 4, 5, 6, 7, 8]);
    expect(framesOf(d.events).every((f) => f.keyframe && f.codec === 'opus')).toBe(true);
    expect(d.rtcp).toEqual([]);
    expect(rx.stats()).toMatchObject({ packetsDiscarded: 1, nackCount: 0, framesReceived: 10 });
    expect(RECEIVER_AUDIO_REORDER_PACKETS).toBe(3);
  });

  it('a gap at the end of a talk spurt is skipped after the reorder time', () => {
    const rx = receiver({ codecs: [OPUS] });
    rx.handleRtp(0, opus(10));
    rx.handleRtp(20, opus(12));
    expect(framesOf(drain(rx).events).length).toBe(1);
    const deadline = rx.pollTimeout() as number;
    expect(deadline).toBeLessThanOrEqual(20 + 60);
    rx.handleTimeout(deadline);
    expect(framesOf(drain(rx).events).map((f) => f.data[1])).toEqual([12]);
  });
});

describe('bounds and random input', () => {
  it('random bytes parsed as RTP or RTCP never make the receiver throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 80 }), { maxLength: 40 }), (datagrams) => {
        const rx = receiver({ codecs: [VP8, VP9, { payloadType: 102, name: 'H264', clockRate: 90000, rtxPayloadType: 103, feedback: [{ type: 'nack' }] }, { payloadType: 35, name: 'AV1', clockRate: 90000 }] });
        let now = 0;
        for (const b of datagrams) {
          now += 7;
          try {
            rx.handleRtp(now, parseRtp(b));
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
          try {
            for (const p of parseRtcp(b)) rx.handleRtcp(now, p);
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
          }
          const t = rx.pollTimeout();
          if (t !== undefined && t <= now + 50) rx.handleTimeout(now + 50);
        }
        drain(rx);
        rx.stats();
      }),
      { numRuns: 300 },
    );
  });

  it('random packet sequences (payload types, SSRCs, sequence jumps) never throw and state stays bounded', () => {
    const pkt = fc.record({
      payloadType: fc.constantFrom(96, 97, 98, 99, 111, 5),
      sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
      timestamp: fc.integer({ min: 0, max: 0xffffffff }),
      ssrc: fc.constantFrom(REMOTE, REMOTE_RTX, 0x5555),
      marker: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 24 }),
      step: fc.integer({ min: 0, max: 300 }),
    });
    fc.assert(
      fc.property(fc.array(pkt, { maxLength: 300 }), fc.boolean(), (ps, audio) => {
        const rx = receiver({ codecs: audio ? [OPUS, VP8] : [VP8, VP9], giveUpMs: 200 });
        rx.setRtpEvents(true);
        let now = 0;
        for (const p of ps) {
          now += p.step;
          rx.handleRtp(now, rtpPacket(p));
          const t = rx.pollTimeout();
          if (t !== undefined && t <= now) rx.handleTimeout(now);
          expect(rx.heldPackets).toBeLessThanOrEqual(JITTER_DEFAULT_MAX_PACKETS + RECEIVER_AUDIO_REORDER_PACKETS);
        }
        rx.handleTimeout(now + 10_000);
        const d = drain(rx);
        expect(d.events.length).toBeLessThanOrEqual(RECEIVER_MAX_PENDING_EVENTS);
        expect(d.raw.length).toBeLessThanOrEqual(RECEIVER_MAX_PENDING_TRANSMITS);
      }),
      { numRuns: 150 },
    );
  });

  it('undrained events and transmits stay bounded under a flood', () => {
    const rx = receiver({ codecs: [OPUS], rtcpReducedSize: true });
    rx.setRtpEvents(true);
    for (let i = 0; i < 3 * RECEIVER_MAX_PENDING_EVENTS; i++) rx.handleRtp(i, rtpPacket({ payloadType: 111, sequenceNumber: i & 0xffff, timestamp: i * 960, ssrc: REMOTE, payload: Uint8Array.of(0xfc) }));
    for (let i = 0; i < 2 * RECEIVER_MAX_PENDING_TRANSMITS; i++) rx.handleTimeout(100_000 + i * 10_000);
    const s = rx.stats();
    expect(s.eventsDropped).toBeGreaterThan(0);
    expect(s.transmitsDropped).toBeGreaterThan(0);
    const d = drain(rx);
    expect(d.events.length).toBe(RECEIVER_MAX_PENDING_EVENTS);
    expect(d.raw.length).toBe(RECEIVER_MAX_PENDING_TRANSMITS);
  });

  it('round-trips an RR we send through our own parser and werift identically', () => {
    const rx = receiver({ codecs: [OPUS] });
    for (let i = 0; i < 10; i++) if (i !== 4) rx.handleRtp(i * 20, rtpPacket({ payloadType: 111, sequenceNumber: i, timestamp: i * 960, ssrc: REMOTE, payload: Uint8Array.of(0xfc) }));
    const raw = runUntil(rx, 200, 10_000).raw[0] as Uint8Array;
    const ours = parseRtcp(raw);
    expect(serializeRtcp(ours)).toEqual(raw);
    const rr = ours[0];
    const w = RtcpPacketConverter.deSerialize(Buffer.from(raw))[0] as RtcpRrPacket;
    expect(rr?.type).toBe('rr');
    if (rr?.type === 'rr') {
      const b = rr.reports[0];
      expect(w.reports[0]).toMatchObject({ ssrc: b?.ssrc, fractionLost: b?.fractionLost, packetsLost: b?.cumulativeLost, highestSequence: b?.highestSequence, jitter: b?.jitter, lsr: 0, dlsr: 0 });
    }
    expect(serializeRtp(rtpPacket({ payloadType: 111, sequenceNumber: 1, timestamp: 1, ssrc: 1 })).length).toBe(12);
  });
});

describe('padding', () => {
  it('padding-only packets on the media SSRC between frames fill their sequence numbers without a frame or a PLI', () => {
    const rx = receiver();
    const frames = vp8Frames.slice(0, 6);
    const media = vp8Packets(frames);
    // after each frame, libwebrtc-style probe padding: same SSRC, next sequence number, last timestamp, empty payload
    const out: RtpPacket[] = [];
    let seq = 1000;
    let i = 0;
    while (i < media.length) {
      const p = media[i] as RtpPacket;
      out.push({ ...p, sequenceNumber: seq++ & 0xffff });
      if (p.marker) out.push(rtpPacket({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: p.timestamp, ssrc: REMOTE, payload: new Uint8Array(0), paddingBytes: 224 }));
      i++;
    }
    out.forEach((p, k) => rx.handleRtp(k, p));
    const r = runUntil(rx, out.length, 3000);
    const d = drain(rx);
    expect(framesOf([...d.events, ...r.events]).map((f) => f.data)).toEqual(frames);
    expect([...d.rtcp, ...r.rtcp].flat().filter((p) => p.type === 'pli' || p.type === 'nack')).toEqual([]);
    expect(rx.stats()).toMatchObject({ packetsLost: 0, framesDropped: 0 });
    // padding with no payload is not forwarded as an 'rtp' event
  });
});

describe("Chromium's packets (vectors/rtp/chromium-156-rtp.json, captured after SRTP)", () => {
  const chrome = (index: number): RtpPacket => {
    const v = chromiumRtp.packets.find((p) => p.index === index);
    if (v === undefined) throw new Error(`no captured packet ${index}`);
    return parseRtp(fromHex(v.bytes.map((b) => b.hex).join('').replace(/ /g, '')));
  };

  it('Opus: its padding-only probe (P=1, no payload) fills a sequence number without a frame', () => {
    const first = chrome(0);
    const probe = chrome(2);
    expect(probe.payload.length).toBe(0);
    expect(probe.sequenceNumber).toBe(first.sequenceNumber + 2);
    const rx = receiver({ codecs: [OPUS] });
    rx.handleRtp(0, first);
    rx.handleRtp(20, { ...first, sequenceNumber: first.sequenceNumber + 1, timestamp: first.timestamp + 960, marker: false });
    rx.handleRtp(21, probe);
    rx.handleRtp(40, { ...first, sequenceNumber: first.sequenceNumber + 3, timestamp: first.timestamp + 1920, marker: false });
    const d = drain(rx);
    expect(d.events[0]).toEqual({ type: 'ssrc', ssrc: first.ssrc });
    expect(framesOf(d.events).map((f) => f.timestamp - first.timestamp)).toEqual([0, 960, 1920]);
    expect(framesOf(d.events).every((f) => f.data.length > 0)).toBe(true);
    expect(rx.stats()).toMatchObject({ packetsLost: 0, packetsDiscarded: 0, framesReceived: 3 });
  });

  it('VP8: its padding-only probe right after a frame (same timestamp, M=0) neither breaks the next frame nor asks for a keyframe', () => {
    const end = chrome(6);
    const probe = chrome(8);
    expect(end.marker).toBe(true);
    expect(probe.payload.length).toBe(0);
    expect(probe.timestamp).toBe(end.timestamp);
    expect(probe.sequenceNumber).toBe(end.sequenceNumber + 1);
    // a keyframe of ours ending where Chrome's frame ended, then the probe, then the next frame
    const key = vp8Packets(vp8Frames.slice(0, 1), { ssrc: end.ssrc, firstTs: end.timestamp });
    const first = (end.sequenceNumber - key.length + 1) & 0xffff;
    const keyPackets = key.map((p, i) => ({ ...p, sequenceNumber: (first + i) & 0xffff }));
    const next = vp8Packets(vp8Frames.slice(1, 3), { ssrc: end.ssrc, firstSeq: end.sequenceNumber + 2, firstTs: end.timestamp + 3000 });
    const rx = receiver();
    [...keyPackets, probe, ...next].forEach((p, i) => rx.handleRtp(i, p));
    const r = runUntil(rx, 10, 3000);
    const d = drain(rx);
    expect(framesOf([...d.events, ...r.events]).map((f) => f.data)).toEqual(vp8Frames.slice(0, 3));
    expect([...d.rtcp, ...r.rtcp].flat().map((p) => p.type).filter((t) => t !== 'rr' && t !== 'sdes')).toEqual([]);
  });
});
