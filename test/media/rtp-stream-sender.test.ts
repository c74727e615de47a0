// The RTP stream sender (sans-IO) on a virtual clock, checked against werift: werift
// parses our RTP (header fields, marker, mid / abs-send-time / transport-cc / audio level
// values read back with werift's own extension parser) and our SR + SDES (+ BYE, whose
// layout werift does not parse, checked by hand against RFC 3550 6.6); werift-built
// generic NACK, PLI, FIR and RR bytes drive us; our RTX packets unwrap with werift's
// unwrapRtx (RFC 4588 4). RFC 3550 6.4.1's worked RTT example (Figure 2) and A.8 jitter
// units; forwarding (sendRtp) rewrites; fast-check: random RTCP never throws, and a NACK
// flood keeps the history, retransmission state and queues bounded.
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RtcpPacketConverter,
  RtcpRrPacket,
  RtcpReceiverInfo,
  RtcpSrPacket,
  RtcpSourceDescriptionPacket,
  RtcpTransportLayerFeedback,
  RtcpPayloadSpecificFeedback,
  GenericNack,
  PictureLossIndication,
  RtpHeader as WRtpHeader,
  RtpPacket as WRtpPacket,
  rtpHeaderExtensionsParser,
  RTP_EXTENSION_URI,
  unwrapRtx,
  wrapRtx,
} from 'werift';
import { seededRandom } from '../../src/common/random.js';
import { InvalidArgumentError, ParseError } from '../../src/common/errors.js';
import {
  RtpStreamSender,
  SENDER_MAX_PENDING_EVENTS,
  SENDER_MAX_PENDING_TRANSMITS,
  SENDER_RTCP_VIDEO_INTERVAL_MS,
  SENDER_RTCP_AUDIO_INTERVAL_MS,
  RETRANSMIT_DEFAULT_INTERVAL_MS,
  TransportSequenceCounter,
} from '../../src/media/rtp-stream-sender.js';
import type { RtpStreamSenderOptions } from '../../src/media/rtp-stream-sender.js';
import type { RtpCodec } from '../../src/media/codecs.js';
import { parseRtp, serializeRtp } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { parseRtcp, serializeRtcp } from '../../src/rtp/rtcp.js';
import type { RtcpPacket } from '../../src/rtp/rtcp.js';

/** werift's FIR class is not exported from its package root; its exports map blocks the deep import. */
const { FullIntraRequest } = createRequire(import.meta.url)(path.resolve('node_modules/werift/lib/rtp/src/rtcp/psfb/fullIntraRequest.js')) as {
  FullIntraRequest: new (p: { senderSsrc: number; mediaSsrc: number; fir: { ssrc: number; sequenceNumber: number }[] }) => PictureLossIndication & { serialize(): Buffer };
};

const VP8: RtpCodec = { payloadType: 96, name: 'VP8', clockRate: 90000, rtxPayloadType: 97, feedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] };
const VP8_NO_RTX: RtpCodec = { payloadType: 96, name: 'VP8', clockRate: 90000, feedback: [{ type: 'nack' }] };
const H264: RtpCodec = { payloadType: 102, name: 'H264', clockRate: 90000, fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', rtxPayloadType: 103 };
const OPUS: RtpCodec = { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2 };
const SSRC = 0x1234abcd;
const RTX_SSRC = 0x5678ef01;
const REMOTE = 0x0badcafe;
const EXT = { mid: 1, absSendTime: 2, transportCc: 3, audioLevel: 4 } as const;
const EXT_URIS = { 1: RTP_EXTENSION_URI.sdesMid, 2: RTP_EXTENSION_URI.absSendTime, 3: RTP_EXTENSION_URI.transportWideCC, 4: RTP_EXTENSION_URI.audioLevelIndication };
/** Unix ms at now = 0 in these tests: 2026-01-01T00:00:00Z. */
const WALL0 = Date.UTC(2026, 0, 1);

function sender(o: Partial<RtpStreamSenderOptions> = {}): RtpStreamSender {
  return new RtpStreamSender({ ssrc: SSRC, rtxSsrc: RTX_SSRC, codec: VP8, cname: 'sender-cname', mid: '0', extensions: EXT, random: seededRandom(42), ntpOffsetMs: WALL0, ...o });
}

function drain(s: RtpStreamSender): { rtp: Uint8Array[]; rtcp: Uint8Array[] } {
  const rtp: Uint8Array[] = [];
  const rtcp: Uint8Array[] = [];
  for (let t = s.pollTransmit(); t; t = s.pollTransmit()) (t.rtcp ? rtcp : rtp).push(t.data);
  return { rtp, rtcp };
}

function w(bytes: Uint8Array): WRtpPacket {
  return WRtpPacket.deSerialize(Buffer.from(bytes));
}

/** Feed werift-serialized RTCP to the sender through our parser (as the peer does). */
function feed(s: RtpStreamSender, now: number, bytes: Buffer): void {
  for (const p of parseRtcp(new Uint8Array(bytes))) s.handleRtcp(now, p);
}

function weriftNack(lost: number[], mediaSsrc = SSRC): Buffer {
  return new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: REMOTE, mediaSourceSsrc: mediaSsrc, lost }) }).serialize();
}

function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** RFC 3550 4 / RFC 5905: seconds since 1900 << 32 | fraction, computed here independently of src/rtp/ntp.ts. */
function ntpOf(unixMs: number): bigint {
  const sec = Math.floor(unixMs / 1000);
  const frac = Math.round(((unixMs - sec * 1000) / 1000) * 2 ** 32);
  return (BigInt(sec + 2_208_988_800) << 32n) + BigInt(frac);
}

describe('RTP packets, read by werift', () => {
  it('packetizes a video frame: random first sequence and offset, marker on the last packet, extension values', () => {
    const s = sender();
    const seq0 = s.nextSequenceNumber;
    const offset = s.rtpTimestampOffset;
    expect(s.sendFrame(1000, { data: bytesOf(3000, 1), timestamp: 0, keyframe: true })).toBe(true);
    expect(s.sendFrame(1033, { data: bytesOf(500, 2), timestamp: 3000, keyframe: false })).toBe(true);
    const { rtp, rtcp } = drain(s);
    expect(rtcp).toHaveLength(0);
    expect(rtp).toHaveLength(4); // 3000 bytes in 1200-byte payloads (VP8 descriptor inside) + 1
    const packets = rtp.map(w);
    packets.forEach((p, i) => {
      expect(p.header.ssrc).toBe(SSRC);
      expect(p.header.payloadType).toBe(96);
      expect(p.header.sequenceNumber).toBe((seq0 + i) & 0xffff);
      expect(p.header.extensionProfile).toBe(0xbede); // RFC 8285 one-byte form
      const ext = rtpHeaderExtensionsParser(p.header.extensions, EXT_URIS) as Record<string, unknown>;
      expect(ext[RTP_EXTENSION_URI.sdesMid]).toBe('0');
      expect(ext[RTP_EXTENSION_URI.transportWideCC]).toBe(i + 1);
      const at = i < 3 ? 1000 : 1033;
      // abs-send-time: 6.18 fixed-point seconds of the NTP clock, mod 64 s.
      const expected = Math.round((((WALL0 + at) / 1000) % 64) * 262_144) % 0x1000000;
      expect(ext[RTP_EXTENSION_URI.absSendTime]).toBe(expected);
      // audio level is negotiated but this is video: not written.
      expect(ext[RTP_EXTENSION_URI.audioLevelIndication]).toBeUndefined();
    });
    expect(packets.map((p) => p.header.marker)).toEqual([false, false, true, true]);
    expect(packets.map((p) => p.header.timestamp)).toEqual([offset, offset, offset, (offset + 3000) >>> 0]);
    const st = s.stats();
    expect(st.packetsSent).toBe(4);
    expect(st.bytesSent).toBe(packets.reduce((n, p) => n + p.payload.length, 0));
    expect(st.headerBytesSent).toBe(rtp.reduce((n, b) => n + b.length, 0) - st.bytesSent);
    expect(st.framesSent).toBe(2);
    expect(st.keyFramesSent).toBe(1);
    expect(st.lastPacketSentAt).toBe(1033);
  });

  it('different seeds give different first sequence numbers and timestamp offsets (RFC 3550 5.1)', () => {
    const a = sender({ random: seededRandom(1) });
    const b = sender({ random: seededRandom(2) });
    expect([a.nextSequenceNumber, a.rtpTimestampOffset]).not.toEqual([b.nextSequenceNumber, b.rtpTimestampOffset]);
  });

  it('audio: one Opus packet per RTP packet, marker on the first only, audio level 127 with V=0', () => {
    const s = sender({ codec: OPUS, rtxSsrc: undefined });
    const opus = Uint8Array.of(0xfc, 1, 2, 3, 4); // TOC: config 31 (CELT FB 20 ms), mono, code 0
    for (let i = 0; i < 3; i++) s.sendFrame(i * 20, { data: opus, timestamp: i * 960, keyframe: true });
    const packets = drain(s).rtp.map(w);
    expect(packets.map((p) => p.header.marker)).toEqual([true, false, false]);
    expect(packets.map((p) => (p.header.timestamp - s.rtpTimestampOffset) >>> 0)).toEqual([0, 960, 1920]);
    for (const p of packets) {
      expect(p.header.payloadType).toBe(111);
      expect(Buffer.compare(p.payload, Buffer.from(opus))).toBe(0);
      const ext = rtpHeaderExtensionsParser(p.header.extensions, EXT_URIS) as Record<string, unknown>;
      expect(ext[RTP_EXTENSION_URI.audioLevelIndication]).toEqual({ v: false, level: 127 });
    }
  });

  it('writes no extensions that were not negotiated; mid id 15+ switches to the two-byte form', () => {
    const none = sender({ extensions: undefined });
    none.sendFrame(0, { data: bytesOf(10, 0), timestamp: 0, keyframe: true });
    expect(w(drain(none).rtp[0] as Uint8Array).header.extension).toBe(false);
    const two = sender({ extensions: { mid: 20 } });
    two.sendFrame(0, { data: bytesOf(10, 0), timestamp: 0, keyframe: true });
    const p = w(drain(two).rtp[0] as Uint8Array);
    expect(p.header.extensionProfile).toBe(0x1000);
    expect(rtpHeaderExtensionsParser(p.header.extensions, { 20: RTP_EXTENSION_URI.sdesMid })).toEqual({ [RTP_EXTENSION_URI.sdesMid]: '0' });
  });

  it('senders sharing a TransportSequenceCounter number their packets in one transport-wide space', () => {
    const shared = new TransportSequenceCounter(65534);
    const video = sender({ transportSequence: shared });
    const audio = sender({ ssrc: 0x0a0d10, rtxSsrc: undefined, codec: OPUS, transportSequence: shared });
    video.sendFrame(0, { data: bytesOf(10, 0), timestamp: 0, keyframe: true });
    audio.sendFrame(1, { data: Uint8Array.of(0xfc, 0), timestamp: 0, keyframe: true });
    video.sendFrame(2, { data: bytesOf(10, 1), timestamp: 90, keyframe: false });
    const tcc = (s: RtpStreamSender): number[] =>
      drain(s).rtp.map((b) => (rtpHeaderExtensionsParser(w(b).header.extensions, EXT_URIS) as Record<string, number>)[RTP_EXTENSION_URI.transportWideCC] as number);
    expect(tcc(video)).toEqual([65534, 0]);
    expect(tcc(audio)).toEqual([65535]);
  });

  it('refuses local configuration it could not send: bad extension ids, SSRC clash, long CNAME', () => {
    expect(() => sender({ extensions: { mid: 0 } })).toThrow(InvalidArgumentError);
    expect(() => sender({ extensions: { mid: 256 } })).toThrow(InvalidArgumentError);
    expect(() => sender({ extensions: { mid: 3, transportCc: 3 } })).toThrow(InvalidArgumentError);
    expect(() => sender().setCodec(VP8, { absSendTime: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => sender({ rtxSsrc: SSRC })).toThrow(InvalidArgumentError);
    expect(() => sender({ cname: 'x'.repeat(256) })).toThrow(InvalidArgumentError);
  });

  it('a frame the packetizer refuses is counted, not thrown', () => {
    const s = sender();
    expect(s.sendFrame(0, { data: new Uint8Array(0), timestamp: 0, keyframe: false })).toBe(false);
    expect(s.stats().framesDiscarded).toBe(1);
    expect(drain(s).rtp).toHaveLength(0);
  });

  it('setCodec keeps sequence and timestamp continuity and switches the payload type', () => {
    const s = sender();
    s.sendFrame(0, { data: bytesOf(100, 0), timestamp: 0, keyframe: true });
    s.setCodec(H264);
    // One IDR slice in Annex B (RFC 6184: NAL header 0x65).
    s.sendFrame(33, { data: Uint8Array.of(0, 0, 0, 1, 0x65, 1, 2, 3), timestamp: 3000, keyframe: true });
    const [a, b] = drain(s).rtp.map(w) as [WRtpPacket, WRtpPacket];
    expect(b.header.sequenceNumber).toBe((a.header.sequenceNumber + 1) & 0xffff);
    expect((b.header.timestamp - a.header.timestamp) >>> 0).toBe(3000);
    expect([a.header.payloadType, b.header.payloadType]).toEqual([96, 102]);
    expect([...b.payload]).toEqual([0x65, 1, 2, 3]); // single NAL unit packet (RFC 6184 5.6)
  });
});

describe('RTCP sender reports, read by werift', () => {
  it('SR + SDES CNAME after half an interval, then every 0.5-1.5 intervals; NTP, RTP timestamp and counts', () => {
    const s = sender();
    expect(s.pollTimeout()).toBeUndefined(); // nothing to report before the first packet
    let now = 10_000;
    let ts = 0;
    s.sendFrame(now, { data: bytesOf(2000, 3), timestamp: ts, keyframe: true });
    expect(s.pollTimeout()).toBe(now + SENDER_RTCP_VIDEO_INTERVAL_MS / 2);
    let payloadBytes = 0;
    let packets = 0;
    let lastTs = 0;
    let lastAt = 0;
    const deadlines: number[] = [];
    const account = (rtp: Uint8Array[]): void => {
      for (const b of rtp) {
        const p = w(b);
        payloadBytes += p.payload.length;
        packets++;
        lastTs = p.header.timestamp;
        lastAt = now;
      }
    };
    account(drain(s).rtp);
    let nextFrameAt = now + 66;
    while (now < 20_000) {
      const deadline = s.pollTimeout() ?? Infinity;
      now = Math.min(nextFrameAt, deadline);
      if (now === deadline) {
        s.handleTimeout(now);
        for (const b of drain(s).rtcp) {
          deadlines.push(now);
          const [sr, sdes, ...more] = RtcpPacketConverter.deSerialize(Buffer.from(b));
          expect(more).toHaveLength(0);
          expect(sr).toBeInstanceOf(RtcpSrPacket);
          expect(sdes).toBeInstanceOf(RtcpSourceDescriptionPacket);
          const srp = sr as RtcpSrPacket;
          expect(srp.ssrc).toBe(SSRC);
          // within 1 us: ntpFromUnixMs works in float seconds (about 2^-22 s of resolution at 2026)
          const ntpError = srp.senderInfo.ntpTimestamp - ntpOf(WALL0 + now);
          expect(ntpError < 4295n && ntpError > -4295n).toBe(true);
          // the media clock at the SR's instant, extrapolated from the last packet (90 kHz)
          expect(srp.senderInfo.rtpTimestamp).toBe((lastTs + Math.round((now - lastAt) * 90)) >>> 0);
          expect(srp.senderInfo.packetCount).toBe(packets);
          expect(srp.senderInfo.octetCount).toBe(payloadBytes);
          const chunk = (sdes as RtcpSourceDescriptionPacket).chunks[0];
          expect(chunk?.source).toBe(SSRC);
          expect(chunk?.items.map((i) => [i.type, i.text])).toEqual([[1, 'sender-cname']]);
        }
      }
      if (now === nextFrameAt) {
        ts += 6000;
        s.sendFrame(now, { data: bytesOf(700 + (ts % 1000), ts), timestamp: ts, keyframe: false });
        account(drain(s).rtp);
        nextFrameAt += 66;
      }
    }
    expect(deadlines.length).toBeGreaterThan(5);
    expect(deadlines[0]).toBe(10_500);
    for (let i = 1; i < deadlines.length; i++) {
      const gap = (deadlines[i] as number) - (deadlines[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(SENDER_RTCP_VIDEO_INTERVAL_MS * 0.5);
      expect(gap).toBeLessThanOrEqual(SENDER_RTCP_VIDEO_INTERVAL_MS * 1.5);
    }
  });

  it('audio reports on the 5 s interval', () => {
    const s = sender({ codec: OPUS });
    s.sendFrame(0, { data: Uint8Array.of(0xfc, 0), timestamp: 0, keyframe: true });
    expect(s.pollTimeout()).toBe(SENDER_RTCP_AUDIO_INTERVAL_MS / 2);
    s.handleTimeout(SENDER_RTCP_AUDIO_INTERVAL_MS / 2);
    const next = s.pollTimeout() as number;
    expect(next - SENDER_RTCP_AUDIO_INTERVAL_MS / 2).toBeGreaterThanOrEqual(SENDER_RTCP_AUDIO_INTERVAL_MS * 0.5);
    expect(next - SENDER_RTCP_AUDIO_INTERVAL_MS / 2).toBeLessThan(SENDER_RTCP_AUDIO_INTERVAL_MS * 1.5);
    const { rtcp } = drain(s);
    const [sr] = RtcpPacketConverter.deSerialize(Buffer.from(rtcp[0] as Uint8Array)) as [RtcpSrPacket];
    // 48 kHz clock: 2500 ms after the only packet
    expect((sr.senderInfo.rtpTimestamp - s.rtpTimestampOffset) >>> 0).toBe(2500 * 48);
  });

  it('bye(): SR + SDES + BYE naming both SSRCs (RFC 3550 6.6 layout checked by hand), then silence', () => {
    const s = sender();
    s.sendFrame(0, { data: bytesOf(50, 0), timestamp: 0, keyframe: true });
    drain(s);
    s.bye(200);
    const { rtcp } = drain(s);
    expect(rtcp).toHaveLength(1);
    const data = rtcp[0] as Uint8Array;
    const weriftParsed = RtcpPacketConverter.deSerialize(Buffer.from(data));
    expect(weriftParsed.map((p) => p.type)).toEqual([200, 202]); // werift skips BYE
    // walk the compound by the length fields to the third packet
    let at = 0;
    for (let i = 0; i < 2; i++) at += (((data[at + 2] as number) << 8) | (data[at + 3] as number)) * 4 + 4;
    const bye = data.subarray(at);
    expect(bye[0]).toBe(0x80 | 2); // V=2, P=0, SC=2
    expect(bye[1]).toBe(203);
    expect((bye[2] as number) * 256 + (bye[3] as number)).toBe(2); // length in words - 1
    expect(Buffer.from(bye.subarray(4, 12)).readUInt32BE(0)).toBe(SSRC);
    expect(Buffer.from(bye.subarray(4, 12)).readUInt32BE(4)).toBe(RTX_SSRC);
    expect(bye.length).toBe(12);
    expect(s.pollTimeout()).toBeUndefined();
    expect(s.sendFrame(300, { data: bytesOf(50, 0), timestamp: 90, keyframe: false })).toBe(false);
    feed(s, 300, weriftNack([0]));
    expect(drain(s).rtp).toHaveLength(0);
  });
});

describe('feedback built by werift', () => {
  function sent(s: RtpStreamSender, frames: number, size = 800): RtpPacket[] {
    for (let i = 0; i < frames; i++) s.sendFrame(i * 33, { data: bytesOf(size, i), timestamp: i * 3000, keyframe: i === 0 });
    return drain(s).rtp.map(parseRtp);
  }

  it('generic NACK -> RTX packets that werift unwraps to the originals (RFC 4588 4)', () => {
    const s = sender();
    const originals = sent(s, 10);
    const lost = [originals[2] as RtpPacket, originals[5] as RtpPacket, originals[6] as RtpPacket];
    feed(s, 400, weriftNack(lost.map((p) => p.sequenceNumber)));
    const rtx = drain(s).rtp.map(w);
    expect(rtx).toHaveLength(3);
    rtx.forEach((r, i) => {
      const o = lost[i] as RtpPacket;
      expect(r.header.ssrc).toBe(RTX_SSRC);
      expect(r.header.payloadType).toBe(97);
      expect(r.header.timestamp).toBe(o.timestamp);
      expect(r.header.marker).toBe(o.marker);
      if (i > 0) expect(r.header.sequenceNumber).toBe(((rtx[i - 1] as WRtpPacket).header.sequenceNumber + 1) & 0xffff);
      // RFC 4588 4: OSN, then the original payload; werift's unwrapRtx reads it back
      expect(r.payload.readUInt16BE(0)).toBe(o.sequenceNumber); // OSN, by hand
      // werift wrapping the original gives the same RTX payload
      const original = WRtpPacket.deSerialize(Buffer.from(serializeRtp(o)));
      expect(Buffer.compare(wrapRtx(original, 97, r.header.sequenceNumber, RTX_SSRC).payload, r.payload)).toBe(0);
      const u = unwrapRtx(r, 96, SSRC);
      expect(u.header.sequenceNumber).toBe(o.sequenceNumber);
      expect(u.header.ssrc).toBe(SSRC);
      expect(Buffer.compare(u.payload, Buffer.from(o.payload))).toBe(0);
      // mid and a fresh transport-wide sequence number on the retransmission too
      const ext = rtpHeaderExtensionsParser(r.header.extensions, EXT_URIS) as Record<string, unknown>;
      expect(ext[RTP_EXTENSION_URI.sdesMid]).toBe('0');
      expect(ext[RTP_EXTENSION_URI.transportWideCC]).toBe(originals.length + 1 + i);
    });
    const st = s.stats();
    expect(st.nackCount).toBe(1);
    expect(st.retransmittedPacketsSent).toBe(3);
    expect(st.retransmittedBytesSent).toBe(rtx.reduce((n, r) => n + r.payload.length, 0));
    expect(st.packetsSent).toBe(originals.length + 3);
  });

  it('without RTX the original packet is resent on the media SSRC', () => {
    const s = sender({ codec: VP8_NO_RTX, rtxSsrc: undefined });
    const originals = sent(s, 4);
    const o = originals[1] as RtpPacket;
    feed(s, 200, weriftNack([o.sequenceNumber]));
    const [r, ...rest] = drain(s).rtp.map(w);
    expect(rest).toHaveLength(0);
    expect(r?.header.ssrc).toBe(SSRC);
    expect(r?.header.payloadType).toBe(96);
    expect(r?.header.sequenceNumber).toBe(o.sequenceNumber);
    expect(r?.header.timestamp).toBe(o.timestamp);
    expect(Buffer.compare(r?.payload ?? Buffer.alloc(0), Buffer.from(o.payload))).toBe(0);
  });

  it('one retransmission per sequence number per interval (default, then the measured RTT)', () => {
    const s = sender();
    const o = sent(s, 3)[0] as RtpPacket;
    const nack = weriftNack([o.sequenceNumber]);
    feed(s, 1000, nack);
    feed(s, 1001, nack);
    feed(s, 1000 + RETRANSMIT_DEFAULT_INTERVAL_MS - 1, nack);
    expect(drain(s).rtp).toHaveLength(1);
    feed(s, 1000 + RETRANSMIT_DEFAULT_INTERVAL_MS, nack);
    expect(drain(s).rtp).toHaveLength(1);
    expect(s.stats().nackCount).toBe(4);
    // an RR with LSR/DLSR gives a 20 ms RTT: the spacing follows it
    const t = 5000;
    const arrival = Number((ntpOf(WALL0 + t) >> 16n) & 0xffffffffn);
    const lsr = (arrival - 65536 * 0.5) >>> 0; // an SR sent 500 ms earlier
    const dlsr = Math.round(65536 * 0.48); // held 480 ms by the receiver
    feed(s, t, new RtcpRrPacket({ ssrc: REMOTE, reports: [new RtcpReceiverInfo({ ssrc: SSRC, fractionLost: 0, packetsLost: 0, highestSequence: 0, jitter: 0, lsr, dlsr })] }).serialize());
    expect(s.roundTripTimeMs).toBeCloseTo(20, 1);
    feed(s, t, nack);
    feed(s, t + 15, nack);
    feed(s, t + 21, nack);
    expect(drain(s).rtp).toHaveLength(2);
  });

  it('NACKs for another SSRC, or for packets no longer held, send nothing', () => {
    const s = sender({ historyPackets: 8 });
    const originals = sent(s, 20, 100);
    feed(s, 1000, weriftNack([(originals[15] as RtpPacket).sequenceNumber], 0x99999999));
    feed(s, 1000, weriftNack([(originals[0] as RtpPacket).sequenceNumber]));
    expect(drain(s).rtp).toHaveLength(0);
    feed(s, 1000, weriftNack([(originals[19] as RtpPacket).sequenceNumber]));
    expect(drain(s).rtp).toHaveLength(1);
  });

  it('PLI -> keyframe-request; FIR counts a sequence number once (RFC 5104 4.3.1.2)', () => {
    const s = sender();
    sent(s, 1);
    const pli = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: REMOTE, mediaSsrc: SSRC }) }).serialize();
    feed(s, 100, pli);
    feed(s, 100, new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: REMOTE, mediaSsrc: 42 }) }).serialize());
    expect(s.pollEvent()).toEqual({ type: 'keyframe-request', reason: 'pli' });
    expect(s.pollEvent()).toBeUndefined();
    // werift 0.25.2 writes the FIR's length field one word short (it counts the body
    // without the 4-byte header), so its FCI body goes under an RFC 4585 6.1 header here.
    const fir = (seq: number, ssrc = SSRC): Buffer => {
      const body = new FullIntraRequest({ senderSsrc: REMOTE, mediaSsrc: 0, fir: [{ ssrc, sequenceNumber: seq }] }).serialize();
      const header = Buffer.from([0x80 | 4, 206, 0, body.length / 4]);
      return Buffer.concat([header, body]);
    };
    const weriftFir = new RtcpPayloadSpecificFeedback({ feedback: new FullIntraRequest({ senderSsrc: REMOTE, mediaSsrc: 0, fir: [{ ssrc: SSRC, sequenceNumber: 1 }] }) }).serialize();
    expect(weriftFir.readUInt16BE(2)).toBe(weriftFir.length / 4 - 2); // the werift defect described above
    expect(() => parseRtcp(new Uint8Array(weriftFir))).toThrow(ParseError);
    feed(s, 200, fir(7));
    feed(s, 250, fir(7)); // a repetition of the same request
    feed(s, 300, fir(8));
    feed(s, 300, fir(9, 0x77777777)); // for someone else
    const events = [s.pollEvent(), s.pollEvent(), s.pollEvent()];
    expect(events).toEqual([{ type: 'keyframe-request', reason: 'fir' }, { type: 'keyframe-request', reason: 'fir' }, undefined]);
    const st = s.stats();
    expect([st.pliCount, st.firCount]).toEqual([1, 2]);
  });

  it('RR block: RFC 3550 6.4.1 Figure 2 round trip (A=0xb710:8000, LSR=0xb705:2000, DLSR=0x0005:4000 -> 6.125 s)', () => {
    const now = 5000;
    // our clock reads A = 0xb44db710.80000000 (10 Nov 1995 11:33:36.5 UTC) when the RR arrives
    const arrivalUnixMs = (0xb44db710 + 0.5 - 2_208_988_800) * 1000;
    const s = sender({ ntpOffsetMs: arrivalUnixMs - now });
    sent(s, 1);
    const rr = new RtcpRrPacket({
      ssrc: REMOTE,
      reports: [new RtcpReceiverInfo({ ssrc: SSRC, fractionLost: 64, packetsLost: 5, highestSequence: 1234, jitter: 4500, lsr: 0xb7052000, dlsr: 0x00054000 })],
    });
    feed(s, now, rr.serialize());
    const remote = s.stats().remote;
    expect(remote?.roundTripTime).toBe(6.125);
    expect(remote?.totalRoundTripTime).toBe(6.125);
    expect(remote?.roundTripTimeMeasurements).toBe(1);
    expect(remote?.fractionLost).toBe(0.25); // 64/256
    expect(remote?.packetsLost).toBe(5);
    expect(remote?.jitter).toBe(0.05); // 4500 ticks of 90 kHz
    expect(remote?.reportsReceived).toBe(1);
    // LSR 0: no SR received yet, no RTT (RFC 3550 6.4.1)
    feed(s, now, new RtcpRrPacket({ ssrc: REMOTE, reports: [new RtcpReceiverInfo({ ssrc: SSRC, fractionLost: 0, packetsLost: 0, highestSequence: 0, jitter: 0, lsr: 0, dlsr: 0 })] }).serialize());
    expect(s.stats().remote?.roundTripTimeMeasurements).toBe(1);
    expect(s.stats().remote?.reportsReceived).toBe(2);
  });

  it('RFC 3550 A.8 jitter in timestamp units, converted with the clock rate (audio 48 kHz)', () => {
    // A.8 on a scripted pattern: 20 ms packets (960 ticks) arriving alternately 0 and 4 ms late.
    let jitter = 0;
    let transitPrev: number | undefined;
    for (let i = 0; i < 50; i++) {
      const arrivalTicks = i * 960 + (i % 2 === 0 ? 0 : 4 * 48);
      const transit = arrivalTicks - i * 960;
      if (transitPrev !== undefined) jitter += (Math.abs(transit - transitPrev) - jitter) / 16;
      transitPrev = transit;
    }
    const field = Math.floor(jitter); // rr->jitter = (u_int32) s->jitter
    const s = sender({ codec: OPUS, rtxSsrc: undefined });
    s.sendFrame(0, { data: Uint8Array.of(0xfc, 0), timestamp: 0, keyframe: true });
    const block = new RtcpReceiverInfo({ ssrc: SSRC, fractionLost: 0, packetsLost: 0, highestSequence: 0, jitter: field, lsr: 0, dlsr: 0 });
    feed(s, 100, new RtcpRrPacket({ ssrc: REMOTE, reports: [block] }).serialize());
    expect(s.stats().remote?.packetsLost).toBe(0);
    // werift cannot write a negative cumulative loss; ours can (24-bit two's complement)
    const neg = serializeRtcp([{ type: 'rr', ssrc: REMOTE, reports: [{ ssrc: SSRC, fractionLost: 0, cumulativeLost: -3, highestSequence: 0, jitter: field, lastSr: 0, delaySinceLastSr: 0 }] }]);
    expect([...neg.subarray(12, 16)]).toEqual([0, 0xff, 0xff, 0xfd]);
    feed(s, 100, Buffer.from(neg));
    expect(s.stats().remote?.jitter).toBeCloseTo(field / 48000, 12);
    expect(field).toBeGreaterThan(150); // converges towards 192 ticks (4 ms)
    expect(s.stats().remote?.packetsLost).toBe(-3); // duplicates make it negative (RFC 3550 6.4.1)
  });
});

describe('forwarding (sendRtp)', () => {
  function source(seq: number, ts: number, marker: boolean, ssrc = 0xaaaa0001, payload = bytesOf(40, seq)): RtpPacket {
    const p = new WRtpPacket(new WRtpHeader({ payloadType: 100, sequenceNumber: seq, timestamp: ts, ssrc, marker, extensions: [{ id: 9, payload: Buffer.from([1, 2]) }], extension: true }), Buffer.from(payload));
    return parseRtp(new Uint8Array(p.serialize()));
  }

  it('rewrites SSRC, payload type, sequence and timestamp; keeps payload, marker and gaps; NACKs work on it', () => {
    const s = sender();
    const seq0 = s.nextSequenceNumber;
    const off = s.rtpTimestampOffset;
    const t0 = 4_294_967_000; // the source's timestamps wrap
    const input = [source(65534, t0, false), source(65535, t0, true), source(0, (t0 + 3000) >>> 0, true), source(2, (t0 + 6000) >>> 0, true)];
    input.forEach((p, i) => s.sendRtp(i * 33, p));
    const out = drain(s).rtp.map(w);
    // the source lost its sequence number 1: the gap is kept (a depacketizer must see it)
    expect(out.map((p) => p.header.sequenceNumber)).toEqual([0, 1, 2, 4].map((i) => (seq0 + i) & 0xffff));
    expect(s.nextSequenceNumber).toBe((seq0 + 5) & 0xffff);
    expect(out.map((p) => (p.header.timestamp - off) >>> 0)).toEqual([0, 0, 3000, 6000]);
    expect(out.map((p) => p.header.marker)).toEqual([false, true, true, true]);
    out.forEach((p, i) => {
      expect(p.header.ssrc).toBe(SSRC);
      expect(p.header.payloadType).toBe(96);
      expect(Buffer.compare(p.payload, Buffer.from((input[i] as RtpPacket).payload))).toBe(0);
      const ext = rtpHeaderExtensionsParser(p.header.extensions, EXT_URIS) as Record<string, unknown>;
      expect(ext[RTP_EXTENSION_URI.sdesMid]).toBe('0');
      expect(p.header.extensions.some((e) => e.id === 9)).toBe(false); // the source's extensions are not ours
    });
    expect(s.stats().framesSent).toBe(3);
    feed(s, 500, weriftNack([(seq0 + 2) & 0xffff]));
    const [r] = drain(s).rtp.map(w);
    expect(unwrapRtx(r as WRtpPacket, 96, SSRC).header.sequenceNumber).toBe((seq0 + 2) & 0xffff);
  });

  it('a new source SSRC continues our timestamps on the elapsed time; the history does not share the caller buffer', () => {
    const s = sender();
    const off = s.rtpTimestampOffset;
    const firstSource = source(10, 1000, true, 0xaaaa0001, bytesOf(40, 1));
    s.sendRtp(0, firstSource);
    firstSource.payload.fill(0xee); // the caller reuses its receive buffer
    s.sendRtp(100, source(500, 777_777, true, 0xbbbb0002));
    s.sendRtp(110, source(502, 783_000, true, 0xbbbb0002));
    s.sendRtp(115, source(501, 780_000, true, 0xbbbb0002)); // late, reordered: keeps its place
    // older than the new source's first packet: it would take a number we used before the switch
    expect(s.sendRtp(120, source(499, 777_000, true, 0xbbbb0002))).toBe(false);
    const out = drain(s).rtp.map(w);
    expect((out[1]!.header.timestamp - off) >>> 0).toBe(100 * 90);
    const seqs = out.map((p) => p.header.sequenceNumber);
    expect(seqs.map((q) => (q - (seqs[0] as number)) & 0xffff)).toEqual([0, 1, 3, 2]);
    expect(s.nextSequenceNumber).toBe(((seqs[0] as number) + 4) & 0xffff);
    // padding-only packets are not forwarded
    expect(s.sendRtp(130, { ...source(503, 786_000, false, 0xbbbb0002), payload: new Uint8Array(0) })).toBe(false);
    // the caller reuses its buffer: the retransmission still carries what was sent
    const first = out[0] as WRtpPacket;
    const sentPayload = Buffer.from(first.payload);
    expect(sentPayload.equals(Buffer.from(bytesOf(40, 1)))).toBe(true);
    feed(s, 500, weriftNack([first.header.sequenceNumber]));
    const r = drain(s).rtp.map(w)[0] as WRtpPacket;
    expect(Buffer.compare(unwrapRtx(r, 96, SSRC).payload, sentPayload)).toBe(0);
  });
});

describe('remote input never throws and stays bounded (fast-check)', () => {
  it('random RTCP bytes, parsed or not, never throw out of handleRtcp', () => {
    const s = sender({ historyPackets: 32 });
    for (let i = 0; i < 40; i++) s.sendFrame(i * 33, { data: bytesOf(300, i), timestamp: i * 3000, keyframe: i === 0 });
    drain(s);
    let now = 2000;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
        // make most of them look like RTCP so the parser gets past the header
        if (bytes.length >= 2) {
          bytes[0] = 0x80 | ((bytes[0] as number) & 0x3f);
          bytes[1] = 200 + ((bytes[1] as number) % 8);
        }
        let packets: RtcpPacket[];
        try {
          packets = parseRtcp(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
          return;
        }
        for (const p of packets) s.handleRtcp(now++, p);
        drain(s);
        while (s.pollEvent() !== undefined);
      }),
      { numRuns: 2000, seed: 0x5eed },
    );
  });

  it('random RTCP packet objects naming our SSRC never throw', () => {
    const s = sender({ historyPackets: 16 });
    for (let i = 0; i < 20; i++) s.sendFrame(i * 33, { data: bytesOf(100, i), timestamp: i * 3000, keyframe: false });
    const ssrc = fc.constantFrom(SSRC, RTX_SSRC, 0, 0xffffffff);
    const block = fc.record({
      ssrc,
      fractionLost: fc.integer({ min: 0, max: 255 }),
      cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
      highestSequence: fc.nat(),
      jitter: fc.nat(),
      lastSr: fc.nat(),
      delaySinceLastSr: fc.nat(),
    });
    const packet: fc.Arbitrary<RtcpPacket> = fc.oneof(
      fc.record({ type: fc.constant('nack' as const), senderSsrc: ssrc, mediaSsrc: ssrc, lost: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 100 }) }),
      fc.record({ type: fc.constant('pli' as const), senderSsrc: ssrc, mediaSsrc: ssrc }),
      fc.record({ type: fc.constant('fir' as const), senderSsrc: fc.nat(), mediaSsrc: ssrc, entries: fc.array(fc.record({ ssrc, sequenceNumber: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }) }),
      fc.record({ type: fc.constant('rr' as const), ssrc, reports: fc.array(block, { maxLength: 3 }) }),
      fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(ssrc, { maxLength: 3 }) }),
    );
    let now = 1000;
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 10 }), (ps) => {
        for (const p of ps) s.handleRtcp((now += 7), p);
        expect(s.pendingTransmits).toBeLessThanOrEqual(SENDER_MAX_PENDING_TRANSMITS);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('random operation sequences: every datagram parses, RTCP is compound, each RTX carries a packet we sent', () => {
    type Op =
      | { op: 'frame'; size: number; dt: number }
      | { op: 'forward'; seq: number; ssrc: number; dt: number }
      | { op: 'nack'; back: number[]; dt: number }
      | { op: 'timeout' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('frame' as const), size: fc.integer({ min: 0, max: 3000 }), dt: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ op: fc.constant('forward' as const), seq: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 100, max: 140 })), ssrc: fc.constantFrom(1, 2), dt: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ op: fc.constant('nack' as const), back: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 20 }), dt: fc.integer({ min: 0, max: 200 }) }),
      fc.record({ op: fc.constant('timeout' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer(), (ops, seed) => {
        const s = sender({ random: seededRandom(seed), historyPackets: 32 });
        const sentBySeq = new Map<number, string>();
        let now = 0;
        let lastTimeout = -Infinity;
        for (const o of ops) {
          if (o.op === 'frame') s.sendFrame((now += o.dt), { data: bytesOf(o.size, now), timestamp: now * 90, keyframe: false });
          else if (o.op === 'forward') s.sendRtp((now += o.dt), { ...parseRtp(serializeRtp({ marker: true, payloadType: 100, sequenceNumber: o.seq, timestamp: now * 90, ssrc: o.ssrc, csrcs: [], headerExtension: undefined, payload: bytesOf(30, o.seq), paddingBytes: 0 })) });
          else if (o.op === 'nack') s.handleRtcp((now += o.dt), { type: 'nack', senderSsrc: REMOTE, mediaSsrc: SSRC, lost: o.back.map((b) => (s.nextSequenceNumber - 1 - b) & 0xffff) });
          else {
            const t = s.pollTimeout();
            if (t !== undefined) {
              expect(t).toBeGreaterThanOrEqual(lastTimeout);
              lastTimeout = t;
              now = Math.max(now, t);
              s.handleTimeout(now);
            }
          }
          for (let t = s.pollTransmit(); t; t = s.pollTransmit()) {
            if (t.rtcp) {
              const ps = parseRtcp(t.data);
              expect(ps[0]?.type).toBe('sr');
              expect(ps[1]?.type).toBe('sdes');
              continue;
            }
            const p = parseRtp(t.data);
            if (p.ssrc === SSRC && p.payloadType === 96) {
              // media (retransmissions go to RTX here): a sequence number never carries two
              // payloads, frames and forwarding mixed (a duplicated source packet stays a duplicate)
              const key = Buffer.from(p.payload).toString('hex');
              expect(sentBySeq.get(p.sequenceNumber) ?? key).toBe(key);
              sentBySeq.set(p.sequenceNumber, key);
            } else {
              expect(p.ssrc).toBe(RTX_SSRC);
              expect(p.payloadType).toBe(97);
              const osn = ((p.payload[0] as number) << 8) | (p.payload[1] as number);
              expect(Buffer.from(p.payload.subarray(2)).toString('hex')).toBe(sentBySeq.get(osn));
            }
          }
        }
      }),
      { numRuns: 300, seed: 99 },
    );
  });

  it('a NACK flood without draining keeps history, retransmission state and queues bounded', () => {
    const history = 64;
    const s = sender({ historyPackets: history });
    for (let i = 0; i < 300; i++) s.sendFrame(i * 33, { data: bytesOf(200, i), timestamp: i * 3000, keyframe: false });
    let now = 20_000;
    const recent = Array.from({ length: history }, (_, i) => (s.nextSequenceNumber - 1 - i) & 0xffff);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 150 }), (lost, dt) => {
        now += dt;
        s.handleRtcp(now, { type: 'nack', senderSsrc: REMOTE, mediaSsrc: SSRC, lost: [...lost, ...recent] });
        s.handleRtcp(now, { type: 'pli', senderSsrc: REMOTE, mediaSsrc: SSRC });
        expect(s.historySize).toBeLessThanOrEqual(history);
        expect(s.retransmitStateSize).toBeLessThanOrEqual(history);
        expect(s.pendingTransmits).toBeLessThanOrEqual(SENDER_MAX_PENDING_TRANSMITS);
      }),
      { numRuns: 400, seed: 11 },
    );
    let events = 0;
    while (s.pollEvent() !== undefined) events++;
    expect(events).toBe(SENDER_MAX_PENDING_EVENTS);
    expect(s.stats().transmitsDropped).toBeGreaterThan(0);
    expect(s.stats().pliCount).toBe(400);
  });
});
