// The W3C media facade against Chromium over 127.0.0.1: Chrome sends its fake camera and
// microphone to purertc, which records them (ffmpeg decodes the files); purertc sends a
// VP8 IVF and an Opus file made by ffmpeg, which Chrome decodes (its own getStats:
// framesDecoded, keyFramesDecoded) and reports under our stream id. Waits on events only.
// Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/node/media-chrome.test.ts'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MediaStream, MediaStreamTrack } from '../../src/index.js';
import type { RTCStats, RTCTrackEvent } from '../../src/index.js';
import { playAnnexB, playIvf, playOggOpus, recordAnnexB, recordIvf, recordOggOpus } from '../../src/node/media-files.js';
import type { Playback } from '../../src/node/media-files.js';
import { chromeAvailable, negotiate, useChrome } from '../interop/harness/index.js';
import { ffmpeg, ffmpegStderr, ffprobeCount, mediaDir } from '../media/media-files.js';
import type { MediaDir } from '../media/media-files.js';
import { NodePeer } from '../peer/node-peer.js';
import { waitFor } from '../support/wait.js';

describe.skipIf(!chromeAvailable)('purertc media <-> Chrome', () => {
  const chrome = useChrome();
  let m: MediaDir;
  const cleanups: (() => unknown)[] = [];
  beforeAll(() => {
    m = mediaDir();
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '10', m.file('vp8.ivf')]);
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', m.file('sine.opus')]);
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'baseline', '-bf', '0', '-g', '10', '-bsf:v', 'h264_mp4toannexb', m.file('h264.h264')]);
  });
  afterAll(() => m.remove());
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const play = (p: Playback): void => {
    cleanups.push(() => p.stop());
  };

  it('Chrome sends camera and microphone; purertc gets ontrack and records files ffmpeg decodes', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { audio: true, video: true });
    const node = new NodePeer('node');
    cleanups.push(() => node.close());
    const events: RTCTrackEvent[] = [];
    node.pc.ontrack = (e) => events.push(e);
    await negotiate(browser, node);
    expect(events.map((e) => e.track.kind).sort()).toEqual(['audio', 'video']);
    // Chrome puts both tracks in one stream (getUserMedia's).
    expect(new Set(events.map((e) => e.streams[0]?.id)).size).toBe(1);
    const video = events.find((e) => e.track.kind === 'video')!.track;
    const audio = events.find((e) => e.track.kind === 'audio')!.track;
    // rtp events on: synchronization sources carry Chrome's RFC 6464 audio level.
    let audioPackets = 0;
    audio.onrtp = () => audioPackets++;
    const recV = recordIvf(video, m.file('chrome.ivf'));
    const recA = recordOggOpus(audio, m.file('chrome.opus'));
    await waitFor(() => (recV.frames >= 20 && recA.frames >= 50 ? true : undefined), 'frames from Chrome', 30_000);
    await Promise.all([recV.stop(), recA.stop()]);
    expect(audioPackets).toBeGreaterThan(0);
    const sources = events.find((e) => e.track.kind === 'audio')!.receiver.getSynchronizationSources();
    expect(sources).toHaveLength(1);
    expect(sources[0]!.audioLevel).toBeGreaterThanOrEqual(0);
    expect(sources[0]!.audioLevel).toBeLessThanOrEqual(1);
    expect(ffmpegStderr(m.file('chrome.ivf'))).toBe('');
    expect(ffmpegStderr(m.file('chrome.opus'))).toBe('');
    expect(ffprobeCount(m.file('chrome.ivf'), 'v:0')).toBe(recV.frames);
    const stats = await node.pc.getStats();
    const inbound = [...stats.values()].filter((s: RTCStats) => s.type === 'inbound-rtp');
    expect(inbound.map((s) => stats.get(String(s['codecId']))?.['mimeType']).sort()).toEqual(['audio/opus', 'video/VP8']);
    // Chrome offers a=rtcp-rsize (RFC 5506) and our answer accepts it.
    expect(node.pc.localDescription!.sdp).toContain('a=rtcp-rsize');
    expect(events[0]!.receiver.getParameters().rtcp.reducedSize).toBe(true);
    expect(node.pc.internalErrors).toBe(0);
  }, 60_000);

  it('purertc sends a VP8 IVF and Opus; Chrome decodes them and sees our stream', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const node = new NodePeer('node');
    cleanups.push(() => node.close());
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const stream = new MediaStream([video, audio]);
    node.pc.addTrack(video, stream);
    node.pc.addTrack(audio, stream);
    await negotiate(node, browser);
    await browser.waitFor({ kind: 'tracks', count: 2 });
    play(playIvf(video, m.file('vp8.ivf'), { loop: true }));
    play(playOggOpus(audio, m.file('sine.opus'), { loop: true }));
    await browser.waitFor({ kind: 'inboundPackets', mediaKind: 'video', count: 100 }, 30_000);
    await browser.waitFor({ kind: 'inboundPackets', mediaKind: 'audio', count: 50 }, 30_000);
    const snap = await browser.snapshot();
    expect(snap.tracks.map((t) => t.streamIds)).toEqual([[stream.id], [stream.id]]);
    let summary = await browser.stats();
    for (let i = 0; i < 100 && (summary.inbound.find((s) => s.kind === 'video')?.framesDecoded ?? 0) < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      summary = await browser.stats();
    }
    const v = summary.inbound.find((s) => s.kind === 'video')!;
    const a = summary.inbound.find((s) => s.kind === 'audio')!;
    expect(v.mimeType).toBe('video/VP8');
    expect(v.framesDecoded).toBeGreaterThanOrEqual(10);
    expect(v.keyFramesDecoded).toBeGreaterThanOrEqual(1);
    expect(a.mimeType).toBe('audio/opus');
    expect(a.packetsReceived).toBeGreaterThanOrEqual(50);
    // Chrome's inbound SSRCs are our outbound ones.
    const ours = await node.pc.getStats();
    const outbound = [...ours.values()].filter((s) => s.type === 'outbound-rtp');
    expect(outbound.map((s) => s['ssrc']).sort()).toEqual([v.ssrc, a.ssrc].sort());
    expect(node.pc.internalErrors).toBe(0);
  }, 60_000);

  it('Chrome offers to receive H.264 only; purertc answers with addTrack and sends Annex B access units Chrome decodes', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { receiveVideo: true, codecPreferences: { video: ['video/H264'] } });
    const node = new NodePeer('node');
    cleanups.push(() => node.close());
    const video = new MediaStreamTrack({ kind: 'video' });
    const stream = new MediaStream([video]);
    // The answerer adds its track between the offer and the answer (W3C 5.1 addTrack reuses the offered transceiver).
    const answerer = {
      id: node.id,
      createOffer: () => node.createOffer(),
      createAnswer: () => {
        node.pc.addTrack(video, stream);
        return node.createAnswer();
      },
      setRemoteDescription: (d: Parameters<NodePeer['setRemoteDescription']>[0]) => node.setRemoteDescription(d),
      addIceCandidate: (c: Parameters<NodePeer['addIceCandidate']>[0]) => node.addIceCandidate(c),
      gatherCandidates: () => node.gatherCandidates(),
    };
    await negotiate(browser, answerer);
    expect(node.pc.getTransceivers()).toHaveLength(1);
    expect(node.pc.getTransceivers()[0]!.currentDirection).toBe('sendonly');
    expect(node.pc.getSenders()[0]!.getParameters().codecs[0]!.mimeType).toBe('video/H264');
    await browser.waitFor({ kind: 'tracks', count: 1 });
    play(playAnnexB(video, m.file('h264.h264'), { fps: 30, loop: true }));
    await browser.waitFor({ kind: 'inboundPackets', mediaKind: 'video', count: 50 }, 30_000);
    let summary = await browser.stats();
    for (let i = 0; i < 100 && (summary.inbound[0]?.framesDecoded ?? 0) < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      summary = await browser.stats();
    }
    const v = summary.inbound[0]!;
    expect(v.mimeType).toBe('video/H264');
    expect(v.framesDecoded).toBeGreaterThanOrEqual(10);
    expect((await browser.snapshot()).tracks.map((t) => t.streamIds)).toEqual([[stream.id]]);
    expect(node.pc.internalErrors).toBe(0);
  }, 60_000);

  it('Chrome sends its camera as H.264; purertc records Annex B that ffmpeg decodes', async () => {
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome', { video: true, codecPreferences: { video: ['video/H264'] } });
    const node = new NodePeer('node');
    cleanups.push(() => node.close());
    let track: MediaStreamTrack | undefined;
    node.pc.ontrack = (e) => {
      track = e.track;
    };
    await negotiate(browser, node);
    expect(node.pc.getReceivers()[0]!.getParameters().codecs[0]!.mimeType).toBe('video/H264');
    const rec = recordAnnexB(track!, m.file('chrome.h264'));
    await waitFor(() => (rec.frames >= 20 ? true : undefined), 'H.264 frames from Chrome', 30_000);
    await rec.stop();
    expect(ffmpegStderr(m.file('chrome.h264'))).toBe('');
    expect(ffprobeCount(m.file('chrome.h264'), 'v:0')).toBe(rec.frames);
  }, 60_000);
});
