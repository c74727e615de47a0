/**
 * purertc's RTCPeerConnection <-> werift 0.25.2's (an independent TypeScript stack) with a
 * VP8 video track and an Opus audio track both ways, over 127.0.0.1, both JSEP roles
 * (RFC 8829): each side sends the frames of a real VP8 stream (libvpx via ffmpeg, made at
 * test time) and the packets of a real Ogg Opus file (libopus, RFC 7845), and each side
 * reassembles what arrives with its own code: werift with its dePacketizeRtpPackets
 * (RFC 7741 payload descriptor), purertc with its receiver core (`frame` events on the
 * remote MediaStreamTrack). The frames must be byte-identical to what the other side sent,
 * in order, with every keyframe, at the sender's RTP times; Opus packets likewise (one per
 * RTP payload, RFC 7587). werift packetizes with its own Vp8Packetizer/OpusPacketizer and
 * sends with its MediaStreamTrack.writeRtp; purertc with MediaStreamTrack.writeFrame. werift
 * also checks that our packets carry the SSRC our description announced (RFC 5576 a=ssrc,
 * RFC 4588 FID group) and the negotiated payload type.
 * Settings from PEERS.md (werift skips loopback unless told, and waits for a STUN server).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  dePacketizeRtpPackets,
  MediaStreamTrack as WMediaStreamTrack,
  RTCPeerConnection as WeriftPeerConnection,
  OpusPacketizer as WOpusPacketizer,
  RTCRtpCodecParameters,
  Vp8Packetizer as WVp8Packetizer,
} from 'werift';
import type { RtpPacket as WRtpPacket } from 'werift';
import { MediaStreamTrack } from '../../src/node/media-stream-track.js';
import { isVp8KeyframeData } from '../../src/media/vp8.js';
import { parseIvf } from '../../src/media/ivf.js';
import { readOggOpus } from '../../src/media/ogg-opus.js';
import { opusPacketDurationSamples } from '../../src/media/opus.js';
import { NodePeer } from '../peer/node-peer.js';
import { ffmpeg, makeOpus, mediaDir } from '../media/media-files.js';
import type { MediaDir } from '../media/media-files.js';
import { WERIFT_LOOPBACK_CONFIG } from '../support/werift.js';
import { gatheredDescription, waitFor } from '../support/wait.js';

/** Frames each side sends: 1 s at 30 fps, a keyframe every 10. */
const FRAMES = 30;
const KEYFRAME_INTERVAL = 10;
/** 90 kHz RTP clock (RFC 7741 4.1) at 30 fps. */
const TICKS_PER_FRAME = 3000;
/** Frames may be lost on loopback only exceptionally; NACK should recover them, so expect nearly all. */
const MIN_FRAMES = FRAMES - 2;
/** Real-time wait bound for a connection or for frames (this is interop on real sockets). */

/** RTP clock ratio video (90 kHz) / Opus (48 kHz), to interleave the two by time. */
const VIDEO_TICKS_PER_AUDIO_TICK = 90_000 / 48_000;

let m: MediaDir;
let frames: Uint8Array[];
/** Opus packets of a 1 s sine (libopus via ffmpeg) with their 48 kHz start times. */
let audio: { readonly data: Uint8Array; readonly ticks: number }[];
beforeAll(() => {
  m = mediaDir();
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k', '-g', String(KEYFRAME_INTERVAL), m.file('send.ivf')]);
  frames = parseIvf(m.read('send.ivf')).frames.map((f) => f.data);
  let ticks = 0;
  audio = readOggOpus(makeOpus(m, 'send.opus')).packets.map((p) => {
    const at = ticks;
    ticks += opusPacketDurationSamples(p.data);
    return { data: p.data, ticks: at };
  });
});
afterAll(() => m.remove());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function werift(): WeriftPeerConnection {
  const pc = new WeriftPeerConnection({
    ...WERIFT_LOOPBACK_CONFIG,
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] })],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    },
  });
  cleanups.push(() => pc.close());
  return pc;
}

function node(): NodePeer {
  const n = new NodePeer('purertc');
  cleanups.push(() => n.close());
  return n;
}



interface Received {
  readonly data: Uint8Array;
  readonly timestamp: number;
  readonly keyframe: boolean;
  /** The RTP header of the frame's last packet, as the receiving stack parsed it (werift's side only). */
  readonly ssrc?: number;
  readonly payloadType?: number;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

interface ByKind {
  readonly video: Received[];
  readonly audio: Received[];
}

/**
 * Records what werift receives: video reassembled by werift's own depacketizer (marker
 * ends a frame, RFC 7741 4.1), audio one Opus packet per RTP payload (RFC 7587 4.2).
 */
function weriftFrames(pc: WeriftPeerConnection): ByKind {
  const out: ByKind = { video: [], audio: [] };
  pc.onTrack.subscribe((track) => {
    if (track.kind === 'audio') {
      track.onReceiveRtp.subscribe((p) => {
        out.audio.push({ data: new Uint8Array(p.payload), timestamp: p.header.timestamp, keyframe: true, ssrc: p.header.ssrc, payloadType: p.header.payloadType });
      });
      return;
    }
    let pending: WRtpPacket[] = [];
    track.onReceiveRtp.subscribe((p) => {
      if (pending.length > 0 && pending[0]!.header.timestamp !== p.header.timestamp) pending = [];
      pending.push(p);
      if (!p.header.marker) return;
      const sorted = pending.sort((a, b) => ((a.header.sequenceNumber - b.header.sequenceNumber) << 16) >> 16);
      pending = [];
      const consecutive = sorted.every((q, i) => i === 0 || q.header.sequenceNumber === ((sorted[i - 1]!.header.sequenceNumber + 1) & 0xffff));
      if (!consecutive) return;
      const f = dePacketizeRtpPackets('VP8', sorted);
      out.video.push({ data: new Uint8Array(f.data), timestamp: p.header.timestamp, keyframe: f.isKeyframe, ssrc: p.header.ssrc, payloadType: p.header.payloadType });
    });
  });
  return out;
}

/** Records the frames purertc's remote tracks emit. */
function purertcFrames(n: NodePeer): ByKind {
  const out: ByKind = { video: [], audio: [] };
  n.pc.addEventListener('track', (e) => {
    const track = (e as unknown as { track: MediaStreamTrack }).track;
    track.addEventListener('frame', (ev) => {
      const f = (ev as unknown as { frame: { data: Uint8Array; timestamp: number; keyframe: boolean } }).frame;
      out[track.kind].push({ data: new Uint8Array(f.data), timestamp: f.timestamp, keyframe: f.keyframe });
    });
  });
  return out;
}

interface Tracks<T> {
  readonly video: T;
  readonly audio: T;
}

/** Sends the test media from both sides, paced so that loopback socket buffers never overflow. */
async function sendBoth(ours: Tracks<MediaStreamTrack>, theirs: Tracks<WMediaStreamTrack>): Promise<void> {
  const packetizer = new WVp8Packetizer({ maxPayloadSize: 1100, payloadType: 96, ssrc: 1, sequenceNumber: 100 });
  const opus = new WOpusPacketizer({ payloadType: 111, ssrc: 2, sequenceNumber: 200 });
  let a = 0;
  for (let i = 0; i < frames.length; i++) {
    const data = frames[i]!;
    ours.video.writeFrame({ data, timestamp: i * TICKS_PER_FRAME, keyframe: isVp8KeyframeData(data) });
    for (const p of packetizer.packetize(Buffer.from(data), 5000 + i * TICKS_PER_FRAME)) theirs.video.writeRtp(p);
    // the audio packets due by this video frame's time
    for (; a < audio.length && audio[a]!.ticks * VIDEO_TICKS_PER_AUDIO_TICK <= (i + 1) * TICKS_PER_FRAME; a++) {
      ours.audio.writeFrame({ data: audio[a]!.data, timestamp: audio[a]!.ticks, keyframe: true });
      for (const p of opus.packetize(Buffer.from(audio[a]!.data), 7000 + audio[a]!.ticks)) theirs.audio.writeRtp(p);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  for (; a < audio.length; a++) {
    ours.audio.writeFrame({ data: audio[a]!.data, timestamp: audio[a]!.ticks, keyframe: true });
    for (const p of opus.packetize(Buffer.from(audio[a]!.data), 7000 + audio[a]!.ticks)) theirs.audio.writeRtp(p);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every received Opus packet is one of the sent ones, in order, at its RTP time (48 kHz, RFC 7587 4.1); nearly all arrived. */
function expectSameAudio(received: readonly Received[], who: string): void {
  console.log(`${who} received ${received.length}/${audio.length} Opus packets`);
  expect(received.length, `${who} audio packets`).toBeGreaterThanOrEqual(audio.length - 2);
  // match in order (a sine can repeat a packet): each received packet is the next sent one with these bytes
  let from = 0;
  const indices = received.map((r) => {
    const i = audio.findIndex((x, k) => k >= from && sameBytes(x.data, r.data));
    from = i + 1;
    return i;
  });
  expect(indices.every((i) => i >= 0), `${who}: every packet byte-identical to a sent one, in order`).toBe(true);
  for (let k = 1; k < indices.length; k++) {
    expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
    expect((received[k]!.timestamp - received[k - 1]!.timestamp) >>> 0).toBe(audio[indices[k]!]!.ticks - audio[indices[k - 1]!]!.ticks);
  }
}

/**
 * What werift received came from the SSRC our description announced (RFC 5576 a=ssrc; the
 * media SSRC is the first of an FID group, RFC 4588 8.3) with the VP8 payload type of the
 * negotiated m-section (in an answer, the offer's; RFC 8829 5.3.1).
 */
function expectAnnounced(received: readonly Received[], ourSdp: string, weriftSdp: string): void {
  const fid = /^a=ssrc-group:FID (\d+) (\d+)/m.exec(ourSdp);
  const ssrc = Number(fid?.[1] ?? /^a=ssrc:(\d+) /m.exec(ourSdp)?.[1]);
  const vp8 = (sdp: string): number => Number(/^a=rtpmap:(\d+) VP8\/90000/m.exec(sdp)?.[1]);
  expect(vp8(ourSdp)).toBe(vp8(weriftSdp));
  for (const r of received) {
    expect(r.ssrc).toBe(ssrc);
    expect(r.payloadType).toBe(vp8(ourSdp));
  }
}

/** Every received frame is one of the sent frames, in order, at the right RTP time; nearly all arrived; every keyframe did. */
function expectSame(received: readonly Received[], who: string): void {
  console.log(`${who} reassembled ${received.length}/${FRAMES} frames, keyframes at ${received.flatMap((r, i) => (r.keyframe ? [i] : [])).join(',')}`);
  expect(received.length, `${who} frames`).toBeGreaterThanOrEqual(MIN_FRAMES);
  let from = 0;
  const indices = received.map((r) => {
    const i = frames.findIndex((f, k) => k >= from && sameBytes(f, r.data));
    from = i + 1;
    return i;
  });
  expect(indices.every((i) => i >= 0), `${who}: every frame byte-identical to a sent one, in order`).toBe(true);
  for (let k = 1; k < indices.length; k++) {
    expect(indices[k]!).toBeGreaterThan(indices[k - 1]!);
    expect((received[k]!.timestamp - received[k - 1]!.timestamp) >>> 0).toBe((indices[k]! - indices[k - 1]!) * TICKS_PER_FRAME);
  }
  for (let i = 0; i < FRAMES; i += KEYFRAME_INTERVAL) expect(indices, `${who}: keyframe ${i}`).toContain(i);
  for (const [k, r] of received.entries()) expect(r.keyframe).toBe(indices[k]! % KEYFRAME_INTERVAL === 0);
}

describe('purertc <-> werift: VP8 and Opus both ways', () => {
  it('werift offers, purertc answers: each side reassembles the frames and packets the other sent', async () => {
    expect(frames.length).toBe(FRAMES);
    const w = werift();
    const theirs = { video: new WMediaStreamTrack({ kind: 'video' }), audio: new WMediaStreamTrack({ kind: 'audio' }) };
    w.addTransceiver(theirs.video, { direction: 'sendrecv' });
    w.addTransceiver(theirs.audio, { direction: 'sendrecv' });
    const atWerift = weriftFrames(w);
    const n = node();
    const atPurertc = purertcFrames(n);
    const ours = { video: new MediaStreamTrack({ kind: 'video' }), audio: new MediaStreamTrack({ kind: 'audio' }) };

    await w.setLocalDescription(await w.createOffer());
    const offer = await gatheredDescription(w, 'werift');
    await n.pc.setRemoteDescription(offer);
    n.pc.addTrack(ours.video);
    n.pc.addTrack(ours.audio);
    await n.pc.setLocalDescription(await n.pc.createAnswer());
    const answer = await gatheredDescription(n.pc, 'purertc');
    await w.setRemoteDescription(answer);
    await waitFor(() => w.connectionState === 'connected' && n.pc.connectionState === 'connected', 'both connected');

    await sendBoth(ours, theirs);
    await waitFor(() => atWerift.video.length >= FRAMES && atPurertc.video.length >= FRAMES && atWerift.audio.length >= audio.length && atPurertc.audio.length >= audio.length, 'all frames', 5000).catch(() => undefined);
    expectSame(atWerift.video, 'werift');
    expectSame(atPurertc.video, 'purertc');
    expectSameAudio(atWerift.audio, 'werift');
    expectSameAudio(atPurertc.audio, 'purertc');
    expectAnnounced(atWerift.video, answer.sdp, offer.sdp);
  });

  it('purertc offers, werift answers: each side reassembles the frames and packets the other sent', async () => {
    const n = node();
    const ours = { video: new MediaStreamTrack({ kind: 'video' }), audio: new MediaStreamTrack({ kind: 'audio' }) };
    n.pc.addTrack(ours.video);
    n.pc.addTrack(ours.audio);
    const atPurertc = purertcFrames(n);
    const w = werift();
    const atWerift = weriftFrames(w);
    const theirs = { video: new WMediaStreamTrack({ kind: 'video' }), audio: new WMediaStreamTrack({ kind: 'audio' }) };

    await n.pc.setLocalDescription(await n.pc.createOffer());
    const offer = await gatheredDescription(n.pc, 'purertc');
    await w.setRemoteDescription(offer);
    w.addTrack(theirs.video);
    w.addTrack(theirs.audio);
    await w.setLocalDescription(await w.createAnswer());
    const answer = await gatheredDescription(w, 'werift');
    await n.pc.setRemoteDescription(answer);
    await waitFor(() => w.connectionState === 'connected' && n.pc.connectionState === 'connected', 'both connected');

    await sendBoth(ours, theirs);
    await waitFor(() => atWerift.video.length >= FRAMES && atPurertc.video.length >= FRAMES && atWerift.audio.length >= audio.length && atPurertc.audio.length >= audio.length, 'all frames', 5000).catch(() => undefined);
    expectSame(atWerift.video, 'werift');
    expectSame(atPurertc.video, 'purertc');
    expectSameAudio(atWerift.audio, 'werift');
    expectSameAudio(atPurertc.audio, 'purertc');
    expectAnnounced(atWerift.video, offer.sdp, answer.sdp);
  });
});
