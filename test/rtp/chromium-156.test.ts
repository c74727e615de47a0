// RTP and RTCP captured from Chromium 156 (vectors/rtp/chromium-156-*.json, made by
// test/rtp/capture/): every field as werift 0.25.2 reads it, extension values against the
// negotiated a=extmap, and our re-serialization.
import { describe, expect, it } from 'vitest';
import { RtpPacket as WRtpPacket, RtcpPacketConverter, Vp8RtpPayload } from 'werift';
import { fromHex } from '../../src/common/hex.js';
import {
  parseRtp,
  serializeRtp,
  parseRtcp,
  serializeRtcp,
  isRtcp,
  isCompoundRtcp,
  getRtpExtension,
  RtpExtensionUri,
  parseSdesExtension,
  parseTransportCc,
  parseAbsSendTime,
  parseAudioLevel,
  parseVideoOrientation,
  ntpToUnixMs,
  twccPacketResults,
} from '../../src/rtp/index.js';
import type { RtcpTwcc } from '../../src/rtp/index.js';
import { parseVp8Descriptor, opusPacketDurationSamples } from '../../src/media/index.js';
import rtpCapture from '../../vectors/rtp/chromium-156-rtp.json' with { type: 'json' };
import rtcpCapture from '../../vectors/rtp/chromium-156-rtcp.json' with { type: 'json' };
import { expectSameRtp, weriftView, comparable } from './werift-helpers.js';

type Capture = { extmap: Record<string, Record<string, string>>; packets: { index: number; bytes: { hex: string; comment: string }[] }[] };
const bytesOf = (p: { bytes: { hex: string }[] }) => fromHex(p.bytes.map((b) => b.hex).join(''));

function idOf(map: Record<string, string>, uri: string): number {
  const e = Object.entries(map).find(([, u]) => u === uri);
  if (e === undefined) throw new Error(`${uri} not negotiated`);
  return Number(e[0]);
}

describe('Chromium 156 RTP', () => {
  const cap = rtpCapture as Capture;
  const packets = cap.packets.map((p) => ({ index: p.index, bytes: bytesOf(p), packet: parseRtp(bytesOf(p)) }));
  for (const { index, bytes, packet } of packets) {
    it(`packet #${index}: werift reads the same fields, and we re-serialize it byte for byte`, () => {
      expect(isRtcp(bytes)).toBe(false);
      expectSameRtp(packet, WRtpPacket.deSerialize(Buffer.from(bytes)));
      expect(serializeRtp(packet)).toEqual(bytes);
    });
  }
  it('extension values agree with the negotiated extmap', () => {
    let lastTcc = -1;
    for (const { packet } of packets) {
      const kind = packet.payloadType === 111 ? 'audio' : 'video';
      const map = cap.extmap[kind]!;
      const ext = packet.headerExtension;
      expect(ext?.type).toBe('one-byte');
      // Only negotiated IDs appear.
      if (ext?.type === 'one-byte') for (const e of ext.elements) expect(map[String(e.id)]).toBeDefined();
      const mid = getRtpExtension(packet, idOf(map, RtpExtensionUri.mid));
      if (mid !== undefined) expect(parseSdesExtension(mid)).toBe(kind === 'audio' ? '0' : '1');
      const tcc = parseTransportCc(getRtpExtension(packet, idOf(map, RtpExtensionUri.transportWideCc))!);
      expect(tcc).toBeGreaterThan(lastTcc); // one transport-wide counter across audio and video
      lastTcc = tcc;
      expect(parseAbsSendTime(getRtpExtension(packet, idOf(map, RtpExtensionUri.absSendTime))!)).toBeLessThan(1 << 24);
      if (kind === 'audio') {
        const level = getRtpExtension(packet, idOf(map, RtpExtensionUri.audioLevel));
        if (level !== undefined) expect(parseAudioLevel(level).levelDbov).toBeLessThanOrEqual(127);
      } else {
        const cvo = getRtpExtension(packet, idOf(map, RtpExtensionUri.videoOrientation));
        // Chrome sends CVO on the last packet of a key frame.
        if (cvo !== undefined) expect(parseVideoOrientation(cvo)).toEqual({ camera: 0, flip: false, rotationDegrees: 0 });
      }
    }
  });
  it('padding-only packets (bandwidth probes) and media packets', () => {
    const probes = packets.filter((p) => p.packet.paddingBytes > 0);
    expect(probes.length).toBeGreaterThan(0);
    for (const p of probes) expect(p.packet.payload.length).toBe(0);
    for (const { packet } of packets) {
      if (packet.payload.length === 0) continue;
      if (packet.payloadType === 111) expect(opusPacketDurationSamples(packet.payload)).toBe(960); // 20 ms
      else {
        const w = Vp8RtpPayload.deSerialize(Buffer.from(packet.payload));
        const { descriptor } = parseVp8Descriptor(packet.payload);
        expect([descriptor.start ? 1 : 0, descriptor.partitionIndex, descriptor.pictureId]).toEqual([w.sBit, w.pid, w.pictureId]);
      }
    }
  });
});

describe('Chromium 156 RTCP', () => {
  const cap = rtcpCapture as Capture;
  const all = cap.packets.map((p) => ({ index: p.index, bytes: bytesOf(p), packets: parseRtcp(bytesOf(p)) }));
  for (const { index, bytes, packets } of all) {
    it(`datagram #${index} (${packets.map((p) => p.type).join(' + ')}): werift reads the same fields; our serialization parses back the same`, () => {
      expect(isRtcp(bytes)).toBe(true);
      const w = RtcpPacketConverter.deSerialize(Buffer.from(bytes));
      expect(w.map(weriftView)).toEqual(packets.map(comparable));
      expect(parseRtcp(serializeRtcp(packets))).toEqual(packets);
      if (packets.every((p) => p.type !== 'twcc')) expect(serializeRtcp(packets)).toEqual(bytes);
    });
  }
  it('SR + SDES is a compound packet with a 2026 NTP time and a CNAME; feedback is reduced-size', () => {
    for (const { packets } of all) {
      const sr = packets.find((p) => p.type === 'sr');
      if (sr?.type === 'sr') {
        expect(isCompoundRtcp(packets)).toBe(true);
        expect(new Date(ntpToUnixMs(sr.ntpTimestamp)).getUTCFullYear()).toBe(2026);
        const sdes = packets.find((p) => p.type === 'sdes');
        expect(sdes?.type === 'sdes' && sdes.chunks[0]?.ssrc === sr.ssrc && sdes.chunks[0].items[0]?.type === 1).toBe(true);
      }
      if (packets[0]?.type === 'twcc') expect(isCompoundRtcp(packets)).toBe(false); // RFC 5506
    }
  });
  it('transport-cc feedback expands to per-packet arrivals in order', () => {
    for (const { packets } of all) {
      for (const p of packets) {
        if (p.type !== 'twcc') continue;
        const r = twccPacketResults(p as RtcpTwcc);
        expect(r.length).toBe(p.statuses.length);
        const times = r.filter((x) => x.arrivalUs !== undefined).map((x) => x.arrivalUs!);
        expect(times.length).toBe(p.deltas.length);
      }
    }
  });
});
