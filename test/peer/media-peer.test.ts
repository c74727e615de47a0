/**
 * Media through two sans-IO peers on a virtual clock: SRTP keyed from DTLS (RFC 5764
 * 4.2), frames through the stream cores, remote tracks from the descriptions (W3C
 * webrtc-pc 4.4.1.6), renegotiation (RFC 8829 5.2.2), direction changes (RFC 3264 6.1)
 * and SRTP authentication failures (RFC 3711 3.3 step 5).
 */
import { getRtpExtension } from '../../src/rtp/rtp-packet.js';
import { ExtensionUri } from '../../src/peer/media-transceiver.js';
import { describe, expect, it } from 'vitest';
import type { EncodedFrame } from '../../src/media/frame.js';
import type { PeerEvent } from '../../src/peer/peer-connection.js';
import { PeerPair } from './helpers.js';
import { seededRandom } from '../../src/common/random.js';
import { ALL_MEDIA_CODECS } from '../../src/peer/capabilities.js';
import { parseAv1Obus, serializeAv1Obu } from '../../src/media/av1.js';
import type { Endpoint } from './helpers.js';
import { advance, connected, framesOn, negotiateMedia, opusFrame, vp8Frame } from './helpers.js';

type TrackEvent = Extract<PeerEvent, { type: 'track' }>;

/** The mid a transceiver has now, following 'transceiver-mid' events from its first mid (the key). */
function midOf(e: Endpoint, key: string): string {
  let mid = key;
  for (const x of e.events) if (x.type === 'transceiver-mid' && x.key === key) mid = x.mid;
  return mid;
}

function tracks(e: Endpoint): TrackEvent[] {
  return e.events.filter((x): x is TrackEvent => x.type === 'track');
}

describe('media between two sans-IO peers', () => {
  it('audio+video sendrecv: SRTP keys agree, VP8 and Opus frames arrive whole both ways, tracks carry msid', () => {
    const p = new PeerPair(21);
    const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'a-audio', streams: ['stream-a'] });
    const video = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'a-video', streams: ['stream-a'] });
    negotiateMedia(p, 'a', { b: { direction: 'sendrecv', streams: ['stream-b'] } });
    // Tracks: b learns a's at setRemoteDescription(offer), a learns b's at setRemoteDescription(answer).
    expect(tracks(p.b).map((t) => [t.mid, t.kind, t.streamIds, t.trackId])).toEqual([
      [audio, 'audio', ['stream-a'], 'a-audio'],
      [video, 'video', ['stream-a'], 'a-video'],
    ]);
    expect(tracks(p.a).map((t) => [t.mid, t.kind, t.streamIds, t.trackId])).toEqual([
      [audio, 'audio', ['stream-b'], 'b-audio'],
      [video, 'video', ['stream-b'], 'b-video'],
    ]);
    p.run(() => connected(p));
    const pa = p.a.pc.mediaTransportStats().srtpProfile;
    expect(pa).toBeDefined();
    expect(p.b.pc.mediaTransportStats().srtpProfile).toBe(pa);
    expect(p.a.pc.transceiverInfo(video)?.currentDirection).toBe('sendrecv');
    expect(p.b.pc.transceiverInfo(video)?.currentDirection).toBe('sendrecv');
    expect(p.a.pc.transceiverInfo(video)?.sendCodec?.name).toBe('VP8');
    expect(p.a.pc.transceiverInfo(audio)?.sendCodec?.name).toBe('opus');

    const sentVideo: EncodedFrame[] = [];
    const sentAudio: EncodedFrame[] = [];
    const back: EncodedFrame[] = [];
    for (let i = 0; i < 30; i++) {
      const v = vp8Frame(i, i === 0, 200 + ((i * 397) % 3000));
      const o = opusFrame(i);
      expect(p.a.pc.sendFrame(p.now, video, v)).toBe(true);
      expect(p.a.pc.sendFrame(p.now, audio, o)).toBe(true);
      const w = vp8Frame(1000 + i, i === 0, 1500);
      expect(p.b.pc.sendFrame(p.now, video, w)).toBe(true);
      sentVideo.push(v);
      sentAudio.push(o);
      back.push(w);
      advance(p, 20);
    }
    advance(p, 500);
    const gotVideo = framesOn(p.b, video);
    const gotAudio = framesOn(p.b, audio);
    const gotBack = framesOn(p.a, video);
    // RTP timestamps carry the sender's random offset; data and order are what was sent.
    expect(gotVideo.map((f) => Buffer.from(f.data).toString('hex'))).toEqual(sentVideo.map((f) => Buffer.from(f.data).toString('hex')));
    expect(gotVideo[0]?.keyframe).toBe(true);
    expect(gotAudio.map((f) => Buffer.from(f.data).toString('hex'))).toEqual(sentAudio.map((f) => Buffer.from(f.data).toString('hex')));
    expect(gotBack.map((f) => Buffer.from(f.data).toString('hex'))).toEqual(back.map((f) => Buffer.from(f.data).toString('hex')));
    // Timestamps keep their spacing (3000 per frame at 90 kHz as sent).
    const ts = gotVideo.map((f) => f.timestamp);
    for (let i = 1; i < ts.length; i++) expect((ts[i]! - ts[i - 1]! + 2 ** 32) % 2 ** 32).toBe(3000);
    const stats = p.b.pc.mediaStats().find((s) => s.mid === video);
    expect(stats?.receiver?.framesReceived).toBe(30);
    expect(p.a.pc.mediaStats().find((s) => s.mid === video)?.sender?.framesSent).toBe(30);
    expect(p.b.pc.mediaTransportStats().srtp.droppedAuth).toBe(0);
    expect(p.a.pc.connectionState).toBe('connected');
  });

  it('renegotiation adds a video transceiver later; frames route to it by MID', () => {
    const p = new PeerPair(22);
    const first = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'v1', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    p.a.pc.sendFrame(p.now, first, vp8Frame(0, true, 800));
    advance(p, 50);
    expect(framesOn(p.b, first)).toHaveLength(1);
    const before = p.a.events.length;
    const second = p.a.pc.addTransceiver(p.now, 'video', { direction: 'sendonly', trackId: 'v2', streams: ['s'] });
    p.run(() => p.a.events.slice(before).some((e) => e.type === 'negotiationneeded'));
    expect(p.a.pc.sendFrame(p.now, second, vp8Frame(1, true, 100))).toBe(false);
    negotiateMedia(p, 'a');
    expect(tracks(p.b).map((t) => t.trackId)).toEqual(['v1', 'v2']);
    for (let i = 0; i < 5; i++) {
      expect(p.a.pc.sendFrame(p.now, second, vp8Frame(100 + i, i === 0, 900))).toBe(true);
      expect(p.a.pc.sendFrame(p.now, first, vp8Frame(200 + i, false, 300))).toBe(true);
      advance(p, 33);
    }
    advance(p, 200);
    expect(framesOn(p.b, second).map((f) => f.data[1])).toEqual([100, 101, 102, 103, 104]);
    expect(framesOn(p.b, first).map((f) => f.data[1])).toEqual([0, 200, 201, 202, 203, 204]);
    // Both sections share payload types: only the MID extension (or the SSRC it taught) tells them apart.
    expect(p.b.pc.mediaTransportStats().routing.byPayloadType).toBe(0);
    expect(p.b.pc.mediaTransportStats().routing.unroutable).toBe(0);
  });

  it('a direction change to inactive stops frames and fires track-removed; sendrecv again brings the track back', () => {
    const p = new PeerPair(23);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'cam', streams: [] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    expect(tracks(p.b)).toEqual([{ type: 'track', mid: v, kind: 'video', streamIds: [], trackId: 'cam' }]);
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(0, true, 500))).toBe(true);
    advance(p, 50);
    const before = p.a.events.length;
    p.a.pc.setTransceiverDirection(p.now, v, 'inactive');
    p.run(() => p.a.events.slice(before).some((e) => e.type === 'negotiationneeded'));
    negotiateMedia(p, 'a');
    expect(p.b.events.filter((e) => e.type === 'track-removed')).toEqual([{ type: 'track-removed', mid: v }]);
    expect(p.a.pc.transceiverInfo(v)?.currentDirection).toBe('inactive');
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(1, true, 500))).toBe(false);
    advance(p, 100);
    expect(framesOn(p.b, v)).toHaveLength(1);
    expect(p.a.pc.mediaStats().find((s) => s.mid === v)?.framesDropped).toBe(1);
    p.a.pc.setTransceiverDirection(p.now, v, 'sendonly');
    negotiateMedia(p, 'a');
    expect(tracks(p.b)).toHaveLength(2);
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(2, true, 500))).toBe(true);
    advance(p, 100);
    expect(framesOn(p.b, v).map((f) => f.data[1])).toEqual([0, 2]);
  });

  it('drops and counts SRTP with a bad tag and replays; the session keeps working', () => {
    const p = new PeerPair(24);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 't', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    // Hold back the first RTP datagram of the frame so that b has not seen its index yet.
    const captured: Uint8Array[] = [];
    p.drop = (d) => {
      const rtp = d.to === '10.0.0.2:10002' && d.data[0]! >= 128 && d.data[0]! <= 191 && !(d.data[1]! >= 192 && d.data[1]! <= 223);
      if (rtp && captured.length === 0) {
        captured.push(d.data.slice());
        return true;
      }
      return false;
    };
    p.a.pc.sendFrame(p.now, v, vp8Frame(0, true, 400));
    advance(p, 50);
    expect(captured).toHaveLength(1);
    expect(framesOn(p.b, v)).toHaveLength(0);
    const original = captured[0]!;
    const bad = original.slice();
    bad[bad.length - 1]! ^= 0x01;
    const droppedBefore = p.b.pc.stats.rtpDatagramsDropped;
    const inject = (data: Uint8Array): void => p.b.pc.handleInput(p.now, { local: p.b.address, remote: p.a.address, data });
    inject(bad); // RFC 3711 3.3 step 5: the tag does not verify
    inject(original); // accepted: the frame completes
    inject(original); // RFC 3711 3.3.2: a replay
    const t = p.b.pc.mediaTransportStats().srtp;
    expect(t.droppedAuth).toBe(1);
    expect(t.droppedReplay).toBe(1);
    expect(p.b.pc.stats.rtpDatagramsDropped).toBe(droppedBefore + 2);
    p.a.pc.sendFrame(p.now, v, vp8Frame(1, false, 400));
    advance(p, 50);
    expect(framesOn(p.b, v).map((f) => f.data[1])).toEqual([0, 1]);
  });

  it('before DTLS keys exist, RTP-range datagrams are dropped and counted, sendFrame returns false', () => {
    const p = new PeerPair(25);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 't', streams: ['s'] });
    negotiateMedia(p, 'a');
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(0, true, 100))).toBe(false);
    p.run(() => p.b.pc.selectedPair !== undefined);
    if (p.b.pc.mediaTransportStats().srtpProfile === undefined) {
      const before = p.b.pc.mediaTransportStats().srtp.droppedNoKeys;
      p.b.pc.handleInput(p.now, { local: p.b.address, remote: p.a.address, data: Uint8Array.of(0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3) });
      expect(p.b.pc.mediaTransportStats().srtp.droppedNoKeys).toBe(before + 1);
    }
    p.run(() => connected(p));
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(1, true, 100))).toBe(true);
  });

  it('setSendTrack(null) makes the sender quiet; a new track brings msid back (negotiationneeded)', () => {
    const p = new PeerPair(26);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 't1', streams: ['s1'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    p.a.pc.setSendTrack(p.now, v, null);
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(0, true, 100))).toBe(false);
    const before = p.a.events.length;
    p.a.pc.setSendTrack(p.now, v, { trackId: 't2', streamIds: ['s2'] });
    p.run(() => p.a.events.slice(before).some((e) => e.type === 'negotiationneeded'));
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(1, true, 100))).toBe(true);
    negotiateMedia(p, 'a');
    expect(p.a.pc.localDescription?.sdp).toContain('a=msid:s2 t2');
    // W3C 4.4.1.6 "set the associated remote streams": every remote description refreshes them.
    expect(p.b.pc.transceiverInfo(v)?.remoteStreamIds).toEqual(['s2']);
  });

  it('stopTransceiver rejects the section in the next offer and removes the remote track', () => {
    const p = new PeerPair(27);
    const a1 = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'mic', streams: ['s'] });
    const v1 = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'cam', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    p.a.pc.stopTransceiver(p.now, a1);
    expect(p.a.pc.transceiverInfo(a1)?.stopped).toBe(true);
    negotiateMedia(p, 'a');
    expect(p.a.pc.localDescription?.sdp).toMatch(/m=audio 0 /);
    expect(p.b.events.filter((e) => e.type === 'track-removed')).toEqual([{ type: 'track-removed', mid: a1 }]);
    expect(p.a.pc.sendFrame(p.now, a1, opusFrame(0))).toBe(false);
    expect(p.a.pc.sendFrame(p.now, v1, vp8Frame(0, true, 300))).toBe(true);
    advance(p, 50);
    expect(framesOn(p.b, v1)).toHaveLength(1);
  });

  it('RTCP round trip: a lost packet is NACKed and repaired over RTX, PLI becomes keyframe-request, RR gives the sender an RTT', () => {
    const p = new PeerPair(28);
    p.delayMs = 10;
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    const info = p.a.pc.transceiverInfo(v)!;
    expect(info.localRtxSsrc).toBeDefined();
    expect(info.sendCodec?.rtxPayloadType).toBeDefined();
    let dropped = 0;
    p.drop = (d) => {
      // Drop the second RTP packet of the first large frame, once (PT byte with or without marker).
      const pt = d.data[1]! & 0x7f;
      if (d.to === '10.0.0.2:10002' && d.data[0]! >= 128 && d.data[0]! <= 191 && pt === info.sendCodec!.payloadType && !(d.data[1]! >= 192 && d.data[1]! <= 223)) {
        dropped++;
        return dropped === 2;
      }
      return false;
    };
    for (let i = 0; i < 10; i++) {
      p.a.pc.sendFrame(p.now, v, vp8Frame(i, i === 0, i === 0 ? 5000 : 300));
      advance(p, 33);
    }
    advance(p, 3000);
    expect(framesOn(p.b, v).map((f) => f.data[1])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const sender = p.a.pc.mediaStats().find((x) => x.mid === v)!.sender!;
    expect(sender.nackCount).toBeGreaterThan(0);
    expect(sender.retransmittedPacketsSent).toBeGreaterThan(0);
    const receiver = p.b.pc.mediaStats().find((x) => x.mid === v)!.receiver!;
    expect(receiver.retransmittedPacketsReceived).toBeGreaterThan(0);
    // RFC 3550 6.4.1: LSR/DLSR in b's receiver reports let a measure the round trip (2 x 10 ms link).
    expect(sender.remote?.roundTripTime).toBeGreaterThan(0.015);
    expect(sender.remote?.roundTripTime).toBeLessThan(0.05);
    const before = p.a.events.length;
    p.b.pc.requestKeyframe(p.now, v);
    advance(p, 50);
    expect(p.a.events.slice(before).filter((e) => e.type === 'keyframe-request')).toEqual([{ type: 'keyframe-request', mid: v }]);
    expect(p.a.pc.mediaStats().find((x) => x.mid === v)!.sender!.pliCount).toBe(1);
  });

  it('sendRtp forwards packets: our SSRC and payload type, the payload kept; the receiver reports them as rtp events', () => {
    const p = new PeerPair(29);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'fwd', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    p.b.pc.setReceiverRtpEvents(v, true);
    const info = p.a.pc.transceiverInfo(v)!;
    for (let i = 0; i < 3; i++) {
      const payload = Uint8Array.of(0x10, i === 0 ? 0x10 : 0x11, i, 0x9d, 0x01, 0x2a, 1, 2, 3);
      expect(p.a.pc.sendRtp(p.now, v, { marker: true, payloadType: 100, sequenceNumber: 7 + i, timestamp: 1000 + 3000 * i, ssrc: 42, csrcs: [], headerExtension: undefined, payload, paddingBytes: 0 })).toBe(true);
      advance(p, 33);
    }
    const rtp = p.b.events.flatMap((e) => (e.type === 'rtp' && e.mid === v ? [e.packet] : []));
    expect(rtp.map((x) => x.payload[2])).toEqual([0, 1, 2]);
    expect(rtp.every((x) => x.ssrc === info.localSsrc && x.payloadType === info.sendCodec!.payloadType)).toBe(true);
    expect(framesOn(p.b, v)).toHaveLength(3);
  });

  it('audio and video on one transport share its transport-wide sequence numbers (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 2)', () => {
    const p = new PeerPair(33);
    const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendonly', trackId: 'a', streams: ['s'] });
    const video = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'v', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    p.b.pc.setReceiverRtpEvents(audio, true);
    p.b.pc.setReceiverRtpEvents(video, true);
    for (let i = 0; i < 10; i++) {
      expect(p.a.pc.sendFrame(p.now, video, vp8Frame(i, i === 0, 3000))).toBe(true);
      expect(p.a.pc.sendFrame(p.now, audio, opusFrame(i))).toBe(true);
      advance(p, 20);
    }
    const id = (mid: string): number => {
      const e = p.b.pc.transceiverInfo(mid)?.headerExtensions.find((x) => x.uri === ExtensionUri.transportCc);
      if (!e) throw new Error('transport-cc not negotiated');
      return e.id;
    };
    const seqs = p.b.events.flatMap((e) => {
      if (e.type !== 'rtp') return [];
      const ext = getRtpExtension(e.packet, id(e.mid));
      return ext ? [(ext[0]! << 8) | ext[1]!] : [];
    });
    const kinds = new Set(p.b.events.flatMap((e) => (e.type === 'rtp' ? [e.mid] : [])));
    expect(kinds).toEqual(new Set([audio, video]));
    // One counter for the transport: no number twice, none skipped.
    expect(new Set(seqs).size).toBe(seqs.length);
    const sorted = [...seqs].sort((x, y) => x - y);
    expect(sorted[sorted.length - 1]! - sorted[0]! + 1).toBe(seqs.length);
  });

  it('no spurious negotiationneeded after a media exchange; a rolled-back remote offer takes its track back', () => {
    const p = new PeerPair(30);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'cam', streams: ['s'] });
    negotiateMedia(p, 'a', { b: { direction: 'sendrecv', streams: ['t'] } });
    p.run(() => connected(p));
    const count = (e: Endpoint): number => e.events.filter((x) => x.type === 'negotiationneeded').length;
    const [na, nb] = [count(p.a), count(p.b)];
    advance(p, 100);
    expect([count(p.a), count(p.b)]).toEqual([na, nb]);
    // b offers a new audio section; a takes the offer (track), then rolls it back (track gone).
    p.b.pc.addTransceiver(p.now, 'audio', { direction: 'sendonly', trackId: 'mic', streams: ['t'] });
    const offer = p.b.pc.createOffer(p.now);
    p.b.pc.setLocalDescription(p.now, offer);
    p.a.pc.setRemoteDescription(p.now, p.b.pc.localDescription!);
    p.run(() => true);
    const added = tracks(p.a).find((t) => t.trackId === 'mic');
    expect(added?.kind).toBe('audio');
    p.a.pc.setRemoteDescription(p.now, { type: 'rollback', sdp: '' });
    p.run(() => true);
    expect(p.a.events.filter((e) => e.type === 'track-removed')).toEqual([{ type: 'track-removed', mid: added!.mid }]);
    expect(p.a.pc.transceiverInfo(added!.mid)).toBeUndefined();
    // The video transceiver is untouched and still carries frames.
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(0, true, 400))).toBe(true);
    advance(p, 50);
    expect(framesOn(p.b, v)).toHaveLength(1);
  });

  it.each(['VP9', 'AV1'] as const)('%s negotiated from ALL_MEDIA_CODECS carries whole frames', (name) => {
    const only = ALL_MEDIA_CODECS.filter((c) => c.kind === 'audio' || c.name === name);
    const p = new PeerPair(name === 'VP9' ? 33 : 34, { a: { codecs: only }, b: { codecs: ALL_MEDIA_CODECS } });
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: name, streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    expect(p.a.pc.transceiverInfo(v)?.sendCodec?.name).toBe(name);
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const key = i === 0;
      const body = new Uint8Array(2500 + i * 100).map((_, k) => (k * 13 + i) & 0xff);
      let data: Uint8Array;
      if (name === 'VP9') {
        // VP9 uncompressed header (VP9 spec 6.2): frame_marker 2, profile 0, key frame with sync code, else inter frame.
        data = new Uint8Array(body.length);
        data.set(body);
        data.set(key ? [0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf0] : [0x86, i]);
      } else {
        // AV1 temporal unit: a sequence header OBU on key frames, then a frame OBU (AV1 spec 5.3).
        const obus = [...(key ? [serializeAv1Obu({ type: 1, payload: Uint8Array.of(0, 0, 0, 0x42, 0xab, 0xbf, 0xc3, 0x70, 0x0b, 0xe0, 0x01) })] : []), serializeAv1Obu({ type: 6, payload: body })];
        data = Buffer.concat(obus);
      }
      sent.push(data);
      expect(p.a.pc.sendFrame(p.now, v, { data, timestamp: i * 3000, keyframe: key })).toBe(true);
      advance(p, 33);
    }
    advance(p, 200);
    const got = framesOn(p.b, v);
    expect(got[0]?.keyframe).toBe(true);
    const norm = (d: Uint8Array): string => (name === 'AV1' ? parseAv1Obus(d).filter((o) => o.type !== 2).map((o) => Buffer.from(serializeAv1Obu(o)).toString('hex')).join('|') : Buffer.from(d).toString('hex'));
    expect(got.map((f) => norm(f.data))).toEqual(sent.map(norm));
    expect(p.b.events.filter((e) => e.type === 'frame' && e.mid === v).every((e) => e.type === 'frame' && e.codec.name === name)).toBe(true);
  });

  it('3% random loss both ways on media: NACK/RTX and PLI keep video whole and in order, audio mostly there', () => {
    const p = new PeerPair(35);
    const audio = p.a.pc.addTransceiver(0, 'audio', { direction: 'sendonly', trackId: 'mic', streams: ['s'] });
    const video = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: ['s'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    const loss = seededRandom(7);
    let dropped = 0;
    p.drop = (d) => {
      const media = d.data[0]! >= 128 && d.data[0]! <= 191;
      if (media && loss.float() < 0.03) {
        dropped++;
        return true;
      }
      return false;
    };
    const FRAMES = 150;
    for (let i = 0; i < FRAMES; i++) {
      p.a.pc.sendFrame(p.now, video, vp8Frame(i, i % 50 === 0, 1500 + (i % 7) * 400));
      p.a.pc.sendFrame(p.now, audio, opusFrame(i));
      advance(p, 33);
    }
    p.drop = () => false;
    advance(p, 2000);
    expect(dropped).toBeGreaterThan(10);
    const got = framesOn(p.b, video).map((f) => f.data[1]!);
    // In order and without duplicates; every frame repaired or, at worst, skipped up to the next keyframe.
    for (let i = 1; i < got.length; i++) expect(got[i]!).toBeGreaterThan(got[i - 1]!);
    expect(got.length).toBeGreaterThanOrEqual(FRAMES * 0.9);
    expect(got[got.length - 1]).toBe(FRAMES - 1);
    const audioGot = framesOn(p.b, audio).length;
    expect(audioGot).toBeGreaterThanOrEqual(FRAMES * 0.9);
    expect(audioGot).toBeLessThanOrEqual(FRAMES);
    const tx = p.a.pc.mediaStats().find((x) => x.mid === video)!.sender!;
    expect(tx.retransmittedPacketsSent).toBeGreaterThan(0);
  });

  it('a transceiver the answerer added before the offer arrived keeps working: renamed if its mid clashes, offered next (W3C 4.7.3)', () => {
    const p = new PeerPair(36);
    const mine = p.b.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'b-cam', streams: ['sb'] });
    p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'a-mic', streams: ['sa'] });
    p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'a-cam', streams: ['sa'] });
    const offer = p.a.pc.createOffer(0);
    p.a.pc.setLocalDescription(0, offer);
    p.b.pc.setRemoteDescription(0, p.a.pc.localDescription!);
    p.run(() => true);
    // a's offer uses mids 0 and 1: b's own transceiver had mid 0 and moves.
    const moved = p.b.events.find((e) => e.type === 'transceiver-mid');
    expect(moved).toEqual({ type: 'transceiver-mid', key: mine, mid: expect.any(String) });
    const now = moved!.type === 'transceiver-mid' ? moved!.mid : '';
    expect(['0', '1']).not.toContain(now);
    const answer = p.b.pc.createAnswer(0);
    // The answer answers a's two sections, with a's mids, and nothing else.
    expect([...answer.sdp.matchAll(/a=mid:(\S+)/g)].map((m) => m[1])).toEqual(['0', '1']);
    p.b.pc.setLocalDescription(0, answer);
    p.a.pc.setRemoteDescription(0, p.b.pc.localDescription!);
    p.run(() => connected(p));
    // Back in stable, b's own transceiver still needs negotiating.
    expect(p.b.events.some((e) => e.type === 'negotiationneeded')).toBe(true);
    // The old mid now names a's audio section at b; the transceiver goes by its new mid.
    expect(midOf(p.b, mine)).toBe(now);
    expect(p.b.pc.transceiverInfo(mine)?.kind).toBe('audio');
    expect(p.b.pc.sendFrame(p.now, now, vp8Frame(0, true, 300))).toBe(false);
    negotiateMedia(p, 'b');
    expect(p.b.pc.transceiverInfo(now)?.currentDirection).toBe('sendonly');
    expect(tracks(p.a).map((t) => t.trackId)).toContain('b-cam');
    expect(p.b.pc.sendFrame(p.now, now, vp8Frame(1, true, 300))).toBe(true);
    advance(p, 50);
    expect(framesOn(p.a, now).map((f) => f.data[1])).toEqual([1]);
  });

  it('glare: the polite peer takes the remote offer; its own transceiver survives the implicit rollback and is offered after', () => {
    const p = new PeerPair(37);
    const va = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'a-cam', streams: ['sa'] });
    const vb = p.b.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'b-cam', streams: ['sb'] });
    const offerA = p.a.pc.createOffer(0);
    p.a.pc.setLocalDescription(0, offerA);
    const offerB = p.b.pc.createOffer(0);
    p.b.pc.setLocalDescription(0, offerB);
    // b is polite: the remote offer rolls its own back (W3C 4.4.1.6).
    p.b.pc.setRemoteDescription(0, p.a.pc.localDescription!);
    const answer = p.b.pc.createAnswer(0);
    p.b.pc.setLocalDescription(0, answer);
    p.a.pc.setRemoteDescription(0, p.b.pc.localDescription!);
    p.run(() => connected(p));
    const vbNow = midOf(p.b, vb);
    expect(vbNow).not.toBe(vb);
    expect(p.b.pc.transceiverInfo(vbNow)?.stopped).toBe(false);
    negotiateMedia(p, 'b');
    expect(p.a.pc.sendFrame(p.now, va, vp8Frame(1, true, 300))).toBe(true);
    expect(p.b.pc.sendFrame(p.now, vbNow, vp8Frame(2, true, 300))).toBe(true);
    advance(p, 50);
    expect(framesOn(p.b, va).map((f) => f.data[1])).toEqual([1]);
    expect(framesOn(p.a, vbNow).map((f) => f.data[1])).toEqual([2]);
  });

  it('W3C addTrack before the remote offer: the offer\'s m= line of that kind takes the transceiver, media flows in the first exchange', () => {
    const p = new PeerPair(38);
    const key = p.b.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'b-cam', streams: ['sb'], addTrack: true });
    p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'a-mic', streams: ['sa'] });
    p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'a-cam', streams: ['sa'] });
    negotiateMedia(p, 'a');
    p.run(() => connected(p));
    // b's transceiver now answers a's video section (mid 1). (It first gave mid 0 to a's
    // audio section, then took a's video section's mid.)
    expect(p.b.events.filter((e) => e.type === 'transceiver-mid').at(-1)).toEqual({ type: 'transceiver-mid', key, mid: '1' });
    expect(midOf(p.b, key)).toBe('1');
    expect(p.b.pc.transceiverInfo('1')?.currentDirection).toBe('sendrecv');
    expect(p.b.pc.transceiverInfo('1')?.kind).toBe('video');
    expect(p.b.pc.transceivers.filter((t) => t.kind === 'video')).toHaveLength(1);
    expect(tracks(p.a).map((t) => [t.mid, t.trackId, t.streamIds])).toEqual([['1', 'b-cam', ['sb']]]);
    // addTrack made negotiation needed before the offer came; nothing is left to negotiate after it.
    const firstSignaling = p.b.events.findIndex((e) => e.type === 'signalingstatechange');
    expect(p.b.events.slice(firstSignaling).some((e) => e.type === 'negotiationneeded')).toBe(false);
    expect(p.b.pc.sendFrame(p.now, '1', vp8Frame(5, true, 300))).toBe(true);
    advance(p, 50);
    expect(framesOn(p.a, '1').map((f) => f.data[1])).toEqual([5]);
  });

  it('a remote offer that stops sending removes the track; rolling it back restores it (W3C 4.4.1.5)', () => {
    const p = new PeerPair(39);
    const v = p.b.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'b-cam', streams: ['sb'] });
    negotiateMedia(p, 'b');
    p.run(() => connected(p));
    expect(tracks(p.a).map((t) => t.trackId)).toEqual(['b-cam']);
    p.b.pc.setTransceiverDirection(p.now, v, 'inactive');
    const offer = p.b.pc.createOffer(p.now);
    p.b.pc.setLocalDescription(p.now, offer);
    p.a.pc.setRemoteDescription(p.now, p.b.pc.localDescription!);
    p.run(() => true);
    expect(p.a.events.filter((e) => e.type === 'track-removed')).toEqual([{ type: 'track-removed', mid: v }]);
    p.a.pc.setRemoteDescription(p.now, { type: 'rollback', sdp: '' });
    p.run(() => true);
    expect(tracks(p.a).map((t) => [t.mid, t.trackId, t.streamIds])).toEqual([[v, 'b-cam', ['sb']], [v, 'b-cam', ['sb']]]);
  });

  it('media and a data channel share the BUNDLE transport; both keep flowing across an ICE restart (RFC 8445 9)', () => {
    const p = new PeerPair(40);
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendonly', trackId: 'cam', streams: ['s'] });
    const ch = p.a.pc.createDataChannel(0, { label: 'chat' });
    negotiateMedia(p, 'a');
    p.run(() => connected(p) && p.a.events.some((e) => e.type === 'channel-open'));
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(0, true, 2000))).toBe(true);
    p.a.pc.send(p.now, ch.key, 'before');
    advance(p, 50);
    const offer = p.a.pc.createOffer(p.now, { iceRestart: true });
    p.a.pc.setLocalDescription(p.now, offer);
    p.b.pc.setRemoteDescription(p.now, p.a.pc.localDescription!);
    const answer = p.b.pc.createAnswer(p.now);
    p.b.pc.setLocalDescription(p.now, answer);
    p.a.pc.setRemoteDescription(p.now, p.b.pc.localDescription!);
    advance(p, 500);
    expect(p.a.pc.sendFrame(p.now, v, vp8Frame(1, false, 2000))).toBe(true);
    p.a.pc.send(p.now, ch.key, 'after');
    advance(p, 100);
    expect(framesOn(p.b, v).map((f) => f.data[1])).toEqual([0, 1]);
    expect(p.messages(p.b)).toEqual(['before', 'after']);
    expect(p.b.pc.mediaTransportStats().srtp.droppedAuth + p.b.pc.mediaTransportStats().srtp.droppedReplay).toBe(0);
  });

  it('a remote offer replacing a pending one does not duplicate transceivers; their SSRCs stay', () => {
    const p = new PeerPair(43);
    p.a.pc.addTransceiver(0, 'audio', { direction: 'sendrecv', trackId: 'mic', streams: ['s'] });
    p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'cam', streams: ['s'] });
    const offer = p.a.pc.createOffer(0);
    p.a.pc.setLocalDescription(0, offer);
    p.b.pc.setRemoteDescription(0, p.a.pc.localDescription!);
    const ssrcs = p.b.pc.transceivers.map((t) => p.b.pc.transceiverInfo(t.mid)?.localSsrc);
    p.b.pc.setRemoteDescription(0, p.a.pc.localDescription!);
    expect(p.b.pc.transceivers.map((t) => [t.mid, t.kind])).toEqual([['0', 'audio'], ['1', 'video']]);
    expect(p.b.pc.transceivers.map((t) => p.b.pc.transceiverInfo(t.mid)?.localSsrc)).toEqual(ssrcs);
    p.b.pc.setLocalDescription(0, p.b.pc.createAnswer(0));
    p.a.pc.setRemoteDescription(0, p.b.pc.localDescription!);
    p.run(() => connected(p));
    expect(p.a.pc.sendFrame(p.now, '1', vp8Frame(0, true, 100))).toBe(true);
    advance(p, 50);
    expect(framesOn(p.b, '1')).toHaveLength(1);
  });

  it.each(['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AES128_CM_HMAC_SHA1_32', 'SRTP_AEAD_AES_256_GCM'] as const)('media and RTCP over %s (use_srtp picks it, RFC 5764 4.1.2)', (profile) => {
    const p = new PeerPair(44, { a: { srtpProfiles: [profile] }, b: { srtpProfiles: [profile, 'SRTP_AEAD_AES_128_GCM'] } });
    const v = p.a.pc.addTransceiver(0, 'video', { direction: 'sendrecv', trackId: 'cam', streams: ['s'] });
    negotiateMedia(p, 'a', { b: { direction: 'sendrecv', streams: ['t'] } });
    p.run(() => connected(p));
    expect(p.a.pc.mediaTransportStats().srtpProfile).toBe(profile);
    expect(p.b.pc.mediaTransportStats().srtpProfile).toBe(profile);
    for (let i = 0; i < 5; i++) {
      p.a.pc.sendFrame(p.now, v, vp8Frame(i, i === 0, 1800));
      p.b.pc.sendFrame(p.now, v, vp8Frame(100 + i, i === 0, 900));
      advance(p, 33);
    }
    advance(p, 2500);
    expect(framesOn(p.b, v).map((f) => f.data[1])).toEqual([0, 1, 2, 3, 4]);
    expect(framesOn(p.a, v).map((f) => f.data[1])).toEqual([100, 101, 102, 103, 104]);
    // RTCP both ways (SR/RR): the sender measured a round trip.
    expect(p.a.pc.mediaTransportStats().srtp.rtcpIn).toBeGreaterThan(0);
    expect(p.a.pc.mediaStats()[0]?.sender?.remote?.roundTripTime).toBeGreaterThan(0);
  });
});
