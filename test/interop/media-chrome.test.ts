/**
 * purertc's RTCPeerConnection and media tracks against Chromium 156 over 127.0.0.1:
 * (a) Chrome sends its fake camera (VP8, RFC 7741; then H.264, RFC 6184, AV1, AOM AV1
 *     RTP, and VP9, RFC 9628, each picked with setCodecPreferences: this Chromium encodes
 *     them) and microphone
 *     (Opus, RFC 7587) to purertc, which records IVF / Annex-B / Ogg Opus (RFC 7845) and
 *     a WebM with both; ffmpeg decodes every file without a complaint and ffprobe counts
 *     the frames. Both JSEP roles (RFC 8829) for VP8 + Opus.
 * (b) purertc plays a VP8 IVF and an Ogg Opus file (made by ffmpeg at test time) with
 *     playIvf/playOggOpus; Chrome's getStats shows frames decoded and audio samples
 *     received rising, few frames dropped and no decoder error on the page console. Also
 *     an H.264 Annex-B file with playAnnexB, H.264 chosen with setCodecPreferences.
 * (c) the echo: purertc sends back what Chrome sends on the same transceiver (W3C 5.1
 *     addTrack reuse), either its frames (frame events -> writeFrame) or its RTP packets
 *     (rtp events -> writeRtp, the SFU path), and Chrome decodes it.
 * Run as CI does: unshare -n sh -c 'ip link set lo up && npx vitest run test/interop/media-chrome.test.ts'
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromeAvailable, negotiate, useChrome } from './harness/index.js';
import type { ChromePage, PageInboundStats, PagePeer } from './harness/index.js';
import { NodePeer } from '../peer/node-peer.js';
import { ffmpeg, ffmpegStderr, ffprobeCount, makeOpus, mediaDir } from '../media/media-files.js';
import type { MediaDir } from '../media/media-files.js';
import { MediaStreamTrack } from '../../src/node/media-stream-track.js';
import { MediaStream } from '../../src/node/media-stream.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { playAnnexB, playIvf, playOggOpus, recordAnnexB, recordIvf, recordOggOpus, WebmRecorder } from '../../src/node/media-files.js';
import { RTCRtpSender } from '../../src/node/rtc-rtp-sender.js';
import type { Recorder } from '../../src/node/media-files.js';

/** Video frames and audio packets (20 ms each) to record from Chrome per case. */
const VIDEO_FRAMES = 30;
const AUDIO_FRAMES = 50;
/** Frames Chrome must decode from us. */
const DECODED_FRAMES = 30;
/**
 * Chrome's framesDropped (frames it skipped before decoding) may reach this fraction of the
 * frames received: a timer-paced source on a loaded 2-core machine sends late frames in
 * bursts and Chrome skips some (9 of ~50 seen under a parallel run); a broken stream would
 * decode few frames at all, which the framesDecoded waits catch.
 */
const MAX_DROPPED_FRACTION = 0.25;
/** Real-time bound on each wait (interop with a browser runs on the wall clock). */
const WAIT_MS = 20_000;

let m: MediaDir;
beforeAll(() => {
  m = mediaDir();
});
afterAll(() => m.remove());

async function waitFor(cond: () => boolean | Promise<boolean>, what: () => string, ms = WAIT_MS): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface RemoteTracks {
  video?: MediaStreamTrack;
  audio?: MediaStreamTrack;
  streams: string[][];
}

function remoteTracks(node: NodePeer): RemoteTracks {
  const out: RemoteTracks = { streams: [] };
  node.pc.addEventListener('track', (e) => {
    const ev = e as unknown as { track: MediaStreamTrack; streams: readonly MediaStream[] };
    out[ev.track.kind] = ev.track;
    out.streams.push(ev.streams.map((s) => s.id));
  });
  return out;
}

/** Counts `frame` events of a track. */
function countFrames(track: MediaStreamTrack): { n: number; keyframes: number } {
  const c = { n: 0, keyframes: 0 };
  track.addEventListener('frame', (ev) => {
    c.n++;
    if ((ev as unknown as { frame: { keyframe: boolean } }).frame.keyframe) c.keyframes++;
  });
  return c;
}

/** Chrome's inbound-rtp entry of a kind. */
async function inbound(browser: PagePeer, kind: 'audio' | 'video'): Promise<PageInboundStats | undefined> {
  return (await browser.stats()).inbound.find((s) => s.kind === kind);
}

/** Console lines of the page that name a decoder problem. */
function decoderComplaints(page: ChromePage): string[] {
  return page.log.filter((l) => /console\.(error|warning)/.test(l) && /decod/i.test(l));
}

describe.skipIf(!chromeAvailable)('Chrome sends camera and microphone, purertc records', () => {
  const chrome = useChrome({ args: ['--autoplay-policy=no-user-gesture-required'] });
  const nodes: NodePeer[] = [];
  afterEach(() => {
    for (const n of nodes.splice(0)) n.close();
  });

  for (const role of ['chrome offers', 'purertc offers'] as const) {
    it(`VP8 + Opus, ${role}: IVF, Ogg and WebM recordings decode`, async () => {
      const page = await chrome.newPage();
      const browser = await page.createPeer('chrome', { video: true, audio: true, codecPreferences: { video: ['video/VP8'] } });
      const node = new NodePeer('purertc');
      nodes.push(node);
      const tracks = remoteTracks(node);
      if (role === 'chrome offers') await negotiate(browser, node);
      else {
        node.pc.addTransceiver('audio', { direction: 'recvonly' });
        node.pc.addTransceiver('video', { direction: 'recvonly' });
        await negotiate(node, browser);
      }
      await waitFor(() => tracks.video !== undefined && tracks.audio !== undefined, () => 'both remote tracks');
      const video = tracks.video!;
      const audio = tracks.audio!;
      const ivf = m.file(`${role}.ivf`);
      const ogg = m.file(`${role}.ogg`);
      const webm = m.file(`${role}.webm`);
      const vCount = countFrames(video);
      const aCount = countFrames(audio);
      const r1 = recordIvf(video, ivf);
      const r2 = recordOggOpus(audio, ogg);
      const r3 = new WebmRecorder(webm, { video, audio });
      await waitFor(() => vCount.n >= VIDEO_FRAMES + 5 && aCount.n >= AUDIO_FRAMES + 5, () => `frames: video ${vCount.n}, audio ${aCount.n}`);
      await Promise.all([r1.stop(), r2.stop(), r3.stop()]);
      console.log(`${role}: video ${vCount.n} frames (${vCount.keyframes} key), audio ${aCount.n}; recorded IVF ${r1.frames}, Ogg ${r2.frames}, WebM ${r3.frames} (dropped ${r1.framesDropped}/${r2.framesDropped}/${r3.framesDropped})`);
      expect(vCount.keyframes).toBeGreaterThanOrEqual(1);
      for (const f of [ivf, ogg, webm]) expect(ffmpegStderr(f), f).toBe('');
      expect(ffprobeCount(ivf, 'v:0')).toBeGreaterThanOrEqual(VIDEO_FRAMES);
      expect(ffprobeCount(ogg, 'a:0', 'packets')).toBeGreaterThanOrEqual(AUDIO_FRAMES);
      expect(ffprobeCount(webm, 'v:0')).toBeGreaterThanOrEqual(VIDEO_FRAMES);
      expect(ffprobeCount(webm, 'a:0', 'packets')).toBeGreaterThanOrEqual(AUDIO_FRAMES);
      // the remote tracks carry Chrome's stream id (a=msid, RFC 8830)
      const chromeStreams = [...((await browser.descriptions()).local?.sdp ?? '').matchAll(/^a=msid:(\S+) /gm)].map((x) => x[1]);
      expect(tracks.streams.flat().length).toBeGreaterThan(0);
      for (const s of tracks.streams.flat()) expect(chromeStreams).toContain(s);
    }, 60_000);
  }

  for (const codec of ['H264', 'AV1', 'VP9'] as const) {
    it(`${codec} from Chrome's camera, recorded, decodes`, async () => {
      const page = await chrome.newPage();
      // Chromium 156 here encodes it (RTCRtpSender.getCapabilities); a build without it fails here, by name
      expect(await page.createPeer('probe').then((p) => p.capabilities('video', 'sender'))).toContain(`video/${codec}`);
      const browser = await page.createPeer('chrome', { video: true, codecPreferences: { video: [`video/${codec}`] } });
      const node = new NodePeer('purertc');
      nodes.push(node);
      const file = m.file(codec === 'H264' ? 'chrome.h264' : `chrome-${codec}.ivf`);
      let received = 0;
      let keyframes = 0;
      const mimes = new Set<string>();
      let rec: Recorder | undefined;
      // listen from the track event on, so that the first (key)frame is not missed
      node.pc.addEventListener('track', (e) => {
        const video = (e as unknown as { track: MediaStreamTrack }).track;
        rec = codec === 'H264' ? recordAnnexB(video, file) : recordIvf(video, file);
        video.addEventListener('frame', (ev) => {
          const f = (ev as unknown as { frame: { data: Uint8Array; keyframe: boolean; mimeType?: string } }).frame;
          if (f.mimeType !== undefined) mimes.add(f.mimeType.toLowerCase());
          if (received === 0 && !f.keyframe) return;
          if (f.keyframe) keyframes++;
          received++;
        });
      });
      await negotiate(browser, node);
      await waitFor(() => received >= VIDEO_FRAMES, () => `${codec} frames: ${received}`);
      await rec?.stop();
      expect(rec!.frames).toBeGreaterThanOrEqual(VIDEO_FRAMES);
      expect(keyframes).toBeGreaterThanOrEqual(1);
      expect([...mimes]).toEqual([`video/${codec.toLowerCase()}`]);
      expect(ffmpegStderr(file)).toBe('');
      expect(ffprobeCount(file, 'v:0')).toBeGreaterThanOrEqual(VIDEO_FRAMES);
    }, 60_000);
  }
});

describe.skipIf(!chromeAvailable)('purertc sends, Chrome decodes', () => {
  const chrome = useChrome({ args: ['--autoplay-policy=no-user-gesture-required'] });
  const nodes: NodePeer[] = [];
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s();
    for (const n of nodes.splice(0)) n.close();
  });

  it('playIvf (VP8) and playOggOpus: Chrome decodes frames and receives samples, no decoder errors', async () => {
    const ivf = m.file('send.ivf');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k', '-g', '30', ivf]);
    makeOpus(m, 'send.opus');
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const node = new NodePeer('purertc');
    nodes.push(node);
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const stream = new MediaStream([video, audio]);
    node.pc.addTrack(video, stream);
    node.pc.addTrack(audio, stream);
    await negotiate(node, browser);
    await browser.waitFor({ kind: 'tracks', count: 2 });
    const v = playIvf(video, ivf, { loop: true });
    const a = playOggOpus(audio, m.file('send.opus'), { loop: true });
    stops.push(() => v.stop(), () => a.stop());
    let first: { video?: PageInboundStats; audio?: PageInboundStats } = {};
    await waitFor(async () => {
      first = { video: await inbound(browser, 'video'), audio: await inbound(browser, 'audio') };
      return (first.video?.framesDecoded ?? 0) >= 10 && (first.audio?.totalSamplesReceived ?? 0) > 0;
    }, () => `Chrome decoding: ${JSON.stringify(first)}`);
    let later: { video?: PageInboundStats; audio?: PageInboundStats } = {};
    await waitFor(async () => {
      later = { video: await inbound(browser, 'video'), audio: await inbound(browser, 'audio') };
      return (later.video?.framesDecoded ?? 0) >= DECODED_FRAMES && (later.audio?.totalSamplesReceived ?? 0) > (first.audio?.totalSamplesReceived ?? 0);
    }, () => `Chrome decoding more: ${JSON.stringify(later)}`);
    const vs = later.video!;
    console.log(`Chrome decoding our files: ${JSON.stringify(later)}`);
    expect(vs.mimeType.toLowerCase()).toBe('video/vp8');
    expect(later.audio!.mimeType.toLowerCase()).toBe('audio/opus');
    expect(vs.keyFramesDecoded).toBeGreaterThanOrEqual(1);
    expect(vs.framesDropped, JSON.stringify(vs)).toBeLessThanOrEqual(Math.ceil(vs.framesReceived * MAX_DROPPED_FRACTION));
    expect(decoderComplaints(page)).toEqual([]);
  }, 60_000);

  it('playAnnexB (H.264, picked with setCodecPreferences): Chrome decodes it', async () => {
    const h264 = m.file('send.h264');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '30', '-bsf:v', 'h264_mp4toannexb', h264]);
    const page = await chrome.newPage();
    const browser = await page.createPeer('chrome');
    const node = new NodePeer('purertc');
    nodes.push(node);
    const video = new MediaStreamTrack({ kind: 'video' });
    const t = node.pc.addTransceiver(video, { direction: 'sendonly' });
    // W3C 5.4.1: H.264 first (and its RTX), so that the offer lists only what we will send
    t.setCodecPreferences((RTCRtpSender.getCapabilities('video')?.codecs ?? []).filter((c) => /^video\/(H264|rtx)$/i.test(c.mimeType)));
    const record = await negotiate(node, browser);
    expect(record.offer.sdp).not.toMatch(/VP8\/90000/);
    await browser.waitFor({ kind: 'tracks', count: 1 });
    const playback = playAnnexB(video, h264, { fps: 30, loop: true });
    stops.push(() => playback.stop());
    let s: PageInboundStats | undefined;
    await waitFor(async () => (s = await inbound(browser, 'video')) !== undefined && s.framesDecoded >= DECODED_FRAMES, () => `Chrome decoding our H.264: ${JSON.stringify(s)}`);
    console.log(`Chrome decoding our H.264: ${JSON.stringify(s)}`);
    expect(s!.mimeType.toLowerCase()).toBe('video/h264');
    expect(s!.keyFramesDecoded).toBeGreaterThanOrEqual(1);
    expect(s!.framesDropped, JSON.stringify(s)).toBeLessThanOrEqual(Math.ceil(s!.framesReceived * MAX_DROPPED_FRACTION));
    expect(decoderComplaints(page)).toEqual([]);
  }, 60_000);

  for (const via of ['frame', 'rtp'] as const) {
    it(`echo via ${via === 'frame' ? 'frame events -> writeFrame' : 'rtp events -> writeRtp'}: purertc sends back what Chrome sends, on the same transceiver; Chrome decodes it`, async () => {
      const page = await chrome.newPage();
      const browser = await page.createPeer('chrome', { video: true, codecPreferences: { video: ['video/VP8'] } });
      const node = new NodePeer('purertc');
      nodes.push(node);
      const echo = new MediaStreamTrack({ kind: 'video' });
      let forwarded = 0;
      node.pc.addEventListener('track', (e) => {
        const remote = (e as unknown as { track: MediaStreamTrack }).track;
        if (via === 'frame') {
          remote.addEventListener('frame', (ev) => {
            const f = (ev as unknown as { frame: { data: Uint8Array; timestamp: number; keyframe: boolean } }).frame;
            echo.writeFrame({ data: f.data, timestamp: f.timestamp, keyframe: f.keyframe });
            forwarded++;
          });
        } else {
          remote.addEventListener('rtp', (ev) => {
            echo.writeRtp((ev as unknown as { packet: RtpPacket }).packet);
            forwarded++;
          });
        }
      });
      const offer = await browser.createOffer();
      await node.setRemoteDescription(offer);
      // W3C 5.1 addTrack: reuses the transceiver the offer created (never sent, no track), now sendrecv
      node.pc.addTrack(echo, new MediaStream([echo]));
      expect(node.pc.getTransceivers()).toHaveLength(1);
      const answer = await node.createAnswer();
      expect(answer.sdp).toMatch(/m=video[\s\S]*a=sendrecv/);
      await browser.setRemoteDescription(answer);
      const [a, b] = await Promise.all([browser.gatherCandidates(), node.gatherCandidates()]);
      for (const c of a) await node.addIceCandidate(c);
      for (const c of b) await browser.addIceCandidate(c);
      let s: PageInboundStats | undefined;
      await waitFor(async () => (s = await inbound(browser, 'video')) !== undefined && s.framesDecoded >= DECODED_FRAMES, () => `Chrome decoding the echo: ${JSON.stringify(s)}, forwarded ${forwarded}`);
      console.log(`echo via ${via}: forwarded ${forwarded}; Chrome inbound-rtp ${JSON.stringify(s)}`);
      expect(s!.mimeType.toLowerCase()).toBe('video/vp8');
      expect(s!.keyFramesDecoded).toBeGreaterThanOrEqual(1);
      expect(decoderComplaints(page)).toEqual([]);
    }, 60_000);
  }
});
