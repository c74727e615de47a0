// Media end to end between two purertc RTCPeerConnections on 127.0.0.1 (real UDP
// sockets, SRTP): a VP8 IVF and an Opus file made by ffmpeg are played into local tracks,
// ontrack delivers the remote tracks with their stream, the frames are recorded with
// recordIvf / recordOggOpus and ffmpeg decodes the recordings; getStats reports the RTP
// counters on both sides. Real-socket tests wait for events and never assert durations.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MediaStream, MediaStreamTrack, RTCPeerConnection, RTCRtpSender } from '../../src/index.js';
import type { RTCConfiguration, RTCEncodedFrame, RTCStats, RTCStatsReport, RTCTrackEvent } from '../../src/index.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { playAnnexB, playIvf, playOggOpus, recordAnnexB, recordIvf, recordOggOpus, WebmRecorder } from '../../src/node/media-files.js';
import type { Playback } from '../../src/node/media-files.js';
import { ffmpeg, ffmpegStderr, ffprobeCount, mediaDir } from '../media/media-files.js';
import type { MediaDir } from '../media/media-files.js';
import { waitFor } from '../support/wait.js';

let m: MediaDir;
const VP8 = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '10'];
beforeAll(() => {
  m = mediaDir();
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', ...VP8, m.file('big.ivf')]);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', ...VP8, m.file('small.ivf')]);
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', m.file('sine.opus')]);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'baseline', '-bf', '0', '-g', '10', '-bsf:v', 'h264_mp4toannexb', m.file('h264.h264')]);
});
afterAll(() => m.remove());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function pair(bConfig: RTCConfiguration = {}): { a: RTCPeerConnection; b: RTCPeerConnection } {
  const a = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'] });
  const b = new RTCPeerConnection({ iceInterfaceAddresses: ['127.0.0.1'], ...bConfig });
  cleanups.push(() => a.close(), () => b.close());
  a.onicecandidate = (e) => void b.addIceCandidate(e.candidate ?? undefined).catch(() => undefined);
  b.onicecandidate = (e) => void a.addIceCandidate(e.candidate ?? undefined).catch(() => undefined);
  return { a, b };
}
async function negotiate(a: RTCPeerConnection, b: RTCPeerConnection): Promise<void> {
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
}
const connected = (pc: RTCPeerConnection): Promise<true> => waitFor(() => (pc.connectionState === 'connected' ? true : undefined), 'connected');
function play(p: Playback): Playback {
  cleanups.push(() => p.stop());
  return p;
}
const ofType = (r: RTCStatsReport, type: string, kind?: string): RTCStats[] => [...r.values()].filter((s) => s.type === type && (kind === undefined || s['kind'] === kind));
/** RFC 6386 9.1: a VP8 keyframe's width (14 bits after the start code). */
const vp8Width = (f: RTCEncodedFrame): number | undefined => (f.keyframe && f.data.length >= 10 ? ((f.data[6] as number) | ((f.data[7] as number) << 8)) & 0x3fff : undefined);

describe('two purertc peers on loopback', () => {
  it('carry VP8 and Opus: ontrack with the stream, recordings ffmpeg decodes, getStats counters', async () => {
    const { a, b } = pair();
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const stream = new MediaStream([video, audio]);
    a.addTrack(video, stream);
    a.addTrack(audio, stream);
    const events: RTCTrackEvent[] = [];
    b.ontrack = (e) => events.push(e);
    await negotiate(a, b);
    expect(events.map((e) => e.track.kind)).toEqual(['video', 'audio']);
    expect(events.map((e) => e.streams.map((s) => s.id))).toEqual([[stream.id], [stream.id]]);
    expect(events[0]!.streams[0]).toBe(events[1]!.streams[0]);
    const remote = events[0]!.streams[0]!;
    const rv = remote.getVideoTracks()[0]!;
    const ra = remote.getAudioTracks()[0]!;
    expect([rv.muted, ra.muted]).toEqual([true, true]);
    const unmuted = new Promise<void>((resolve) => {
      rv.onunmute = () => resolve();
    });
    const recV = recordIvf(rv, m.file('rec.ivf'));
    const recA = recordOggOpus(ra, m.file('rec.opus'));
    const webm = new WebmRecorder(m.file('rec.webm'), { video: rv, audio: ra });
    await Promise.all([connected(a), connected(b)]);
    play(playIvf(video, m.file('big.ivf'), { loop: true }));
    play(playOggOpus(audio, m.file('sine.opus'), { loop: true }));
    await unmuted;
    await waitFor(() => (recV.frames >= 40 && recA.frames >= 60 ? true : undefined), 'frames recorded');
    await Promise.all([recV.stop(), recA.stop(), webm.stop()]);
    expect(ffmpegStderr(m.file('rec.ivf'))).toBe('');
    expect(ffmpegStderr(m.file('rec.opus'))).toBe('');
    expect(ffmpegStderr(m.file('rec.webm'))).toBe('');
    expect(ffprobeCount(m.file('rec.webm'), 'v:0')).toBeGreaterThan(0);
    expect(ffprobeCount(m.file('rec.webm'), 'a:0', 'packets')).toBeGreaterThan(0);
    expect(ffprobeCount(m.file('rec.ivf'), 'v:0')).toBe(recV.frames);
    expect(ffprobeCount(m.file('rec.opus'), 'a:0', 'packets')).toBe(recA.frames);

    // Synchronization source: the SSRC a sends with.
    const ssrc = a.getSenders()[0]!.getParameters().encodings[0]!.ssrc;
    expect(b.getReceivers()[0]!.getSynchronizationSources().map((s) => s.source)).toEqual([ssrc]);

    const sent = await a.getStats();
    const received = await b.getStats();
    const outV = ofType(sent, 'outbound-rtp', 'video')[0]!;
    const inV = ofType(received, 'inbound-rtp', 'video')[0]!;
    const inA = ofType(received, 'inbound-rtp', 'audio')[0]!;
    expect(outV['ssrc']).toBe(ssrc);
    expect(inV['ssrc']).toBe(ssrc);
    expect(outV['packetsSent']).toBeGreaterThan(0);
    expect(outV['framesSent']).toBeGreaterThanOrEqual(40);
    expect(inV['packetsReceived']).toBeGreaterThan(0);
    expect(inV['framesReceived']).toBeGreaterThanOrEqual(40);
    expect(inA['packetsReceived']).toBeGreaterThanOrEqual(60);
    // The webrtc-stats members the Chrome harness reads (test/interop/harness/page-peers.ts), minus decoder ones.
    for (const k of ['kind', 'packetsReceived', 'bytesReceived', 'ssrc', 'codecId', 'packetsLost', 'framesReceived', 'framesDropped', 'nackCount', 'pliCount', 'firCount', 'retransmittedPacketsReceived']) expect(inV).toHaveProperty(k);
    for (const k of ['kind', 'ssrc', 'codecId', 'packetsSent', 'bytesSent', 'retransmittedPacketsSent', 'framesEncoded', 'keyFramesEncoded', 'nackCount', 'pliCount', 'firCount']) expect(outV).toHaveProperty(k);
    expect(received.get(String(inV['codecId']))?.['mimeType']).toBe('video/VP8');
    expect(received.get(String(inA['codecId']))?.['mimeType']).toBe('audio/opus');
    expect(sent.get(String(outV['mediaSourceId']))?.['trackIdentifier']).toBe(video.id);
    expect(inV['trackIdentifier']).toBe(rv.id);

    // The selector keeps the receiver's entry and what it references, nothing of the other streams.
    const selected = await b.getStats(rv);
    expect(ofType(selected, 'inbound-rtp').map((s) => s.id)).toEqual([inV.id]);
    expect(ofType(selected, 'codec').map((s) => s['mimeType'])).toEqual(['video/VP8']);
    expect(ofType(selected, 'transport')).toHaveLength(1);
    expect(ofType(selected, 'outbound-rtp')).toHaveLength(0);
    const viaReceiver = await b.getReceivers()[0]!.getStats();
    expect([...viaReceiver.keys()].sort()).toEqual([...selected.keys()].sort());
    const viaSender = await a.getSenders()[0]!.getStats();
    expect(ofType(viaSender, 'outbound-rtp').map((s) => s.id)).toEqual([outV.id]);
  });

  it('replaceTrack switches the source without renegotiation', async () => {
    const { a, b } = pair();
    const first = new MediaStreamTrack({ kind: 'video' });
    const sender = a.addTrack(first);
    let remote: MediaStreamTrack | undefined;
    b.ontrack = (e) => {
      remote = e.track;
    };
    await negotiate(a, b);
    await Promise.all([connected(a), connected(b)]);
    const widths: number[] = [];
    remote!.onframe = (e) => {
      const w = vp8Width(e.frame);
      if (w !== undefined) widths.push(w);
    };
    play(playIvf(first, m.file('big.ivf'), { loop: true }));
    await waitFor(() => (widths.includes(320) ? true : undefined), 'a keyframe of the first source');
    const offer = a.localDescription!.sdp;
    let needed = 0;
    a.onnegotiationneeded = () => needed++;
    const second = new MediaStreamTrack({ kind: 'video' });
    play(playIvf(second, m.file('small.ivf'), { loop: true }));
    await sender.replaceTrack(second);
    await waitFor(() => (widths.includes(160) ? true : undefined), 'a keyframe of the second source');
    expect([needed, a.signalingState, b.signalingState, a.localDescription!.sdp]).toEqual([0, 'stable', 'stable', offer]);
    expect(sender.track).toBe(second);
  });

  it('setCodecPreferences picks H.264: Annex B access units arrive whole and ffmpeg decodes the recording', async () => {
    const { a, b } = pair();
    const video = new MediaStreamTrack({ kind: 'video' });
    const t = a.addTransceiver(video, { direction: 'sendonly' });
    t.setCodecPreferences(RTCRtpSender.getCapabilities('video')!.codecs.filter((c) => c.mimeType === 'video/H264'));
    let remote: MediaStreamTrack | undefined;
    b.ontrack = (e) => {
      remote = e.track;
    };
    await negotiate(a, b);
    expect(a.localDescription!.sdp).not.toContain('VP8/90000');
    expect(t.sender.getParameters().codecs[0]!.mimeType).toBe('video/H264');
    await Promise.all([connected(a), connected(b)]);
    const rec = recordAnnexB(remote!, m.file('rec.h264'));
    play(playAnnexB(video, m.file('h264.h264'), { fps: 30, loop: true }));
    await waitFor(() => (rec.frames >= 30 ? true : undefined), 'H.264 frames');
    await rec.stop();
    expect(ffmpegStderr(m.file('rec.h264'))).toBe('');
    expect(ffprobeCount(m.file('rec.h264'), 'v:0')).toBe(rec.frames);
  });

  it('a remote track mutes when media stops and unmutes when it resumes', async () => {
    const { a, b } = pair({ remoteTrackMuteAfterMs: 200 });
    const video = new MediaStreamTrack({ kind: 'video' });
    a.addTrack(video);
    let remote: MediaStreamTrack | undefined;
    b.ontrack = (e) => {
      remote = e.track;
    };
    await negotiate(a, b);
    await Promise.all([connected(a), connected(b)]);
    const log: string[] = [];
    const next = (type: 'mute' | 'unmute'): Promise<void> =>
      new Promise((resolve) => {
        remote!.addEventListener(type, () => {
          log.push(type);
          resolve();
        }, { once: true });
      });
    let unmuted = next('unmute');
    const first = playIvf(video, m.file('big.ivf'));
    await unmuted;
    first.stop();
    await next('mute');
    unmuted = next('unmute');
    play(playIvf(video, m.file('big.ivf'), { loop: true }));
    await unmuted;
    expect([log, remote!.muted, remote!.readyState]).toEqual([['unmute', 'mute', 'unmute'], false, 'live']);
  });

  it('rtp events, keyframe requests and an inactive encoding', async () => {
    const { a, b } = pair();
    const video = new MediaStreamTrack({ kind: 'video' });
    const sender = a.addTrack(video);
    let remote: MediaStreamTrack | undefined;
    b.ontrack = (e) => {
      remote = e.track;
    };
    await negotiate(a, b);
    await Promise.all([connected(a), connected(b)]);
    const packets: RtpPacket[] = [];
    const onRtp = (e: Event): void => {
      packets.push((e as Event & { packet: RtpPacket }).packet);
    };
    remote!.addEventListener('rtp', onRtp);
    const requested = new Promise<void>((resolve) => {
      video.onkeyframerequest = () => resolve();
    });
    play(playIvf(video, m.file('big.ivf'), { loop: true }));
    await waitFor(() => (packets.length >= 10 ? true : undefined), 'rtp events');
    const params = sender.getParameters();
    const pt = params.codecs.find((c) => c.mimeType === 'video/VP8')!.payloadType;
    expect(new Set(packets.map((p) => p.ssrc))).toEqual(new Set([params.encodings[0]!.ssrc]));
    expect(new Set(packets.map((p) => p.payloadType))).toEqual(new Set([pt]));
    // A PLI from b reaches a's track as keyframerequest.
    remote!.requestKeyframe();
    await requested;
    remote!.removeEventListener('rtp', onRtp);
    // An inactive encoding sends nothing: written frames are dropped by the sender.
    await sender.setParameters({ ...params, encodings: [{ ...params.encodings[0], active: false }] });
    const before = sender.framesDropped;
    video.writeFrame({ data: Uint8Array.of(0x10, 0, 0), timestamp: 1 });
    expect(sender.framesDropped).toBe(before + 1);
    const stats = await a.getStats();
    expect(ofType(stats, 'outbound-rtp')[0]!['active']).toBe(false);
  });

  it('forwards like an SFU: packets through writeRtp, frames by adding the remote track to another connection', async () => {
    const { a, b } = pair();
    const { a: out, b: c } = pair();
    const video = new MediaStreamTrack({ kind: 'video' });
    a.addTrack(video);
    let remote: MediaStreamTrack | undefined;
    b.ontrack = (e) => {
      remote = e.track;
    };
    await negotiate(a, b);
    // Packet forwarding: a local track fed with the received packets (keyframe requests wired back by hand).
    const fwd = new MediaStreamTrack({ kind: 'video' });
    fwd.onkeyframerequest = () => remote!.requestKeyframe();
    out.addTrack(fwd);
    // Frame forwarding: the remote track itself (keyframe requests go upstream by themselves).
    out.addTrack(remote!);
    const atC: MediaStreamTrack[] = [];
    c.ontrack = (e) => atC.push(e.track);
    await negotiate(out, c);
    expect(atC).toHaveLength(2);
    await Promise.all([connected(a), connected(b), connected(out), connected(c)]);
    remote!.onrtp = (e) => fwd.writeRtp(e.packet);
    const viaRtp = recordIvf(atC[0]!, m.file('fwd-rtp.ivf'));
    const viaFrames = recordIvf(atC[1]!, m.file('fwd-frames.ivf'));
    play(playIvf(video, m.file('big.ivf'), { loop: true }));
    await waitFor(() => (viaRtp.frames >= 20 && viaFrames.frames >= 20 ? true : undefined), 'forwarded frames');
    await Promise.all([viaRtp.stop(), viaFrames.stop()]);
    expect(ffmpegStderr(m.file('fwd-rtp.ivf'))).toBe('');
    expect(ffmpegStderr(m.file('fwd-frames.ivf'))).toBe('');
    expect(ffprobeCount(m.file('fwd-rtp.ivf'), 'v:0')).toBe(viaRtp.frames);
    expect(ffprobeCount(m.file('fwd-frames.ivf'), 'v:0')).toBe(viaFrames.frames);
  });
});
