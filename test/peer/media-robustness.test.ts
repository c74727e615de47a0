/**
 * Remote media input never throws out of the peer and never grows memory without bound
 * (ARCHITECTURE.md "Errors and bad input"): random datagrams in the RTP/RTCP range
 * (RFC 7983 section 7: first byte 128-191), and random RTP/RTCP that does pass SRTP (the
 * remote holds the keys; RFC 3711 authenticates, it does not validate) with random
 * headers, extensions, SSRCs and RTCP bodies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PureRtcError } from '../../src/common/errors.js';
import { srtpContextsFromExporter, srtpExporterLength, DTLS_SRTP_EXPORTER_LABEL } from '../../src/srtp/dtls-keys.js';
import type { SrtpProfile } from '../../src/srtp/profile.js';
import { rtpExtensions, rtpPacket, serializeRtp } from '../../src/rtp/rtp-packet.js';
import { PeerPair, advance, connected, framesOn, makePeer, negotiateMedia, vp8Frame } from './helpers.js';

const CHROME_OFFER = readFileSync('vectors/chromium-156/offer-audio-video-datachannel.sdp', 'utf8');

function connectedPair(seed: number): { p: PeerPair; video: string; audio: string } {
  const p = new PeerPair(seed);
  const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'mic', streams: ['s'] });
  const video = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'cam', streams: ['s'] });
  negotiateMedia(p, 'a', { b: { direction: 'sendrecv', streams: ['t'] } });
  p.run(() => connected(p));
  return { p, video, audio };
}

describe('media input robustness', () => {
  it('random datagrams with first byte 128-191 never throw and are counted as dropped', () => {
    const { p, video } = connectedPair(61);
    fc.assert(
      fc.property(fc.integer({ min: 128, max: 191 }), fc.uint8Array({ maxLength: 1500 }), (first, rest) => {
        const data = new Uint8Array(rest.length + 1);
        data[0] = first;
        data.set(rest, 1);
        const before = p.b.pc.stats.rtpDatagramsDropped;
        p.b.pc.handleInput(p.now, { local: p.b.address, remote: p.a.address, data });
        expect(p.b.pc.stats.rtpDatagramsDropped).toBe(before + 1);
      }),
      { numRuns: 400 },
    );
    // Media still flows afterwards.
    expect(p.a.pc.sendFrame(p.now, video, vp8Frame(0, true, 500))).toBe(true);
    advance(p, 50);
    expect(framesOn(p.b, video)).toHaveLength(1);
  });

  it('random RTP and RTCP that pass SRTP never throw; the SSRC tables stay bounded', () => {
    const { p, video, audio } = connectedPair(62);
    const profile = p.a.pc.mediaTransportStats().srtpProfile as SrtpProfile;
    const material = p.a.pc.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, srtpExporterLength(profile));
    // The contexts of a (a protects with its local one), separate from a's own so indexes do not clash.
    const asA = srtpContextsFromExporter(profile, material, p.a.pc.dtlsRole!).local;
    const midId = p.b.pc.transceiverInfo(video)!.headerExtensions.find((e) => e.uri.endsWith('sdes:mid'))!.id;
    const twccId = p.b.pc.transceiverInfo(video)!.headerExtensions.find((e) => e.uri.includes('transport-wide-cc'))!.id;
    const pts = [...p.b.pc.transceiverInfo(video)!.codecs, ...p.b.pc.transceiverInfo(audio)!.codecs].flatMap((c) => [c.payloadType, c.rtxPayloadType ?? c.payloadType]);
    const localSsrcs = [video, audio].flatMap((m) => [p.b.pc.transceiverInfo(m)!.localSsrc]);
    const rtpArb = fc.record({
      pt: fc.oneof(fc.constantFrom(...pts), fc.integer({ min: 0, max: 127 }).filter((x) => x < 64 || x > 95)),
      seq: fc.integer({ min: 0, max: 0xffff }),
      ts: fc.integer({ min: 0, max: 0xffff_ffff }),
      ssrc: fc.oneof(fc.integer({ min: 1, max: 0xffff_ffff }), fc.constantFrom(1, 2, 3)),
      marker: fc.boolean(),
      mid: fc.option(fc.constantFrom(video, audio, 'nope', ''), { nil: undefined }),
      payload: fc.uint8Array({ maxLength: 1200 }),
      twcc: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
    });
    const rtcpArb = fc.record({
      type: fc.integer({ min: 192, max: 223 }),
      count: fc.integer({ min: 0, max: 31 }),
      sender: fc.integer({ min: 0, max: 0xffff_ffff }),
      media: fc.oneof(fc.constantFrom(...localSsrcs), fc.integer({ min: 0, max: 0xffff_ffff })),
      body: fc.uint8Array({ maxLength: 400 }),
    });
    let rtcpIndex = 0;
    fc.assert(
      fc.property(fc.oneof(rtpArb.map((r) => ({ rtp: r })), rtcpArb.map((r) => ({ rtcp: r }))), (x) => {
        let data: Uint8Array;
        if ('rtp' in x) {
          const r = x.rtp;
          const plain = serializeRtp(rtpPacket({
            payloadType: r.pt, sequenceNumber: r.seq, timestamp: r.ts, ssrc: r.ssrc, marker: r.marker, payload: r.payload,
            headerExtension: rtpExtensions([
              ...(r.mid !== undefined && r.mid !== '' ? [{ id: midId, data: new TextEncoder().encode(r.mid) }] : []),
              ...(r.twcc !== undefined ? [{ id: twccId, data: Uint8Array.of(r.twcc >> 8, r.twcc & 0xff) }] : []),
            ]),
          }));
          data = asA.protectRtp(plain);
        } else {
          const r = x.rtcp;
          const words = Math.floor(r.body.length / 4);
          const plain = new Uint8Array(12 + words * 4);
          const v = new DataView(plain.buffer);
          plain[0] = 0x80 | (r.count & 0x1f);
          plain[1] = r.type;
          v.setUint16(2, 2 + words);
          v.setUint32(4, r.sender);
          v.setUint32(8, r.media);
          plain.set(r.body.subarray(0, words * 4), 12);
          // Fresh sender SSRC per packet keeps the SRTCP index new.
          v.setUint32(4, (r.sender + rtcpIndex++) >>> 0);
          data = asA.protectRtcp(plain);
        }
        p.b.pc.handleInput(p.now, { local: p.b.address, remote: p.a.address, data });
        p.now += 7;
        p.b.pc.handleTimeout(p.now);
        for (let e = p.b.pc.pollEvent(); e; e = p.b.pc.pollEvent()) { /* drained */ }
        for (let t = p.b.pc.pollTransmit(); t; t = p.b.pc.pollTransmit()) { /* drained */ }
      }),
      { numRuns: 600 },
    );
    const routing = p.b.pc.mediaTransportStats().routing;
    expect(routing.byMid + routing.bySsrc + routing.byPayloadType + routing.unroutable).toBeGreaterThan(0);
    expect(p.b.pc.connectionState).toBe('connected');
    // Random sequence jumps can make the receiver's ROC estimate differ (RFC 3711 3.3.1): such packets fail auth, counted.
    expect(p.b.pc.mediaTransportStats().srtp.rtpIn + p.b.pc.mediaTransportStats().srtp.rtcpIn).toBeGreaterThan(100);
  });

  it('Chrome offers with media lines mangled: answering with every section sending throws only typed errors', () => {
    const lines = CHROME_OFFER.split('\r\n').filter((l) => l !== '');
    const mediaLine = fc.nat(lines.length - 1).filter((i) => /^a=(ssrc|ssrc-group|msid|extmap|rtpmap|fmtp|rtcp-fb|mid|sendrecv|recvonly|inactive)/.test(lines[i]!));
    let seed = 900;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(mediaLine, fc.constantFrom('drop', 'dup', 'number', 'cut')), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        (edits, n) => {
          const out = [...lines];
          for (const [i, op] of edits) {
            const line = out[i];
            if (line === undefined) continue;
            if (op === 'drop') out.splice(i, 1);
            else if (op === 'dup') out.splice(i, 0, line);
            else if (op === 'number') out[i] = line.replace(/\d+/, String(n % 300));
            else out[i] = line.slice(0, Math.max(2, line.length >> 1));
          }
          const pc = makePeer(seed++, '10.0.0.9', 9).pc;
          try {
            pc.setRemoteDescription(0, { type: 'offer', sdp: out.join('\r\n') + '\r\n' });
            for (const t of pc.transceivers) {
              if (t.kind === 'application' || t.stopped) continue;
              pc.setTransceiverDirection(0, t.mid, 'sendrecv');
              pc.setSendTrack(0, t.mid, { trackId: `t${t.mid}`, streamIds: ['s'] });
            }
            pc.setLocalDescription(0, pc.createAnswer(0));
            for (const t of pc.transceivers) pc.transceiverInfo(t.mid);
            pc.mediaStats();
          } catch (e) {
            expect(e).toBeInstanceOf(PureRtcError);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
