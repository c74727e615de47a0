// Chrome both ways, over 127.0.0.1 with werift doing only ICE/DTLS/SRTP:
// - what Chrome sends: its fake camera encoded as VP9, H.264 and AV1, reassembled by our
//   jitter buffer and depacketizers into frames that ffmpeg decodes without error;
// - what Chrome receives: ffmpeg-made streams packetized by us, decoded by Chrome
//   (getStats framesDecoded and keyFramesDecoded).
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTCRtpCodecParameters } from 'werift';
import { chromeAvailable, negotiate, useChrome, createNodePeer, STACKS } from '../interop/harness/index.js';
import { JitterBuffer } from '../../src/media/jitter-buffer.js';
import { RTCRtpCodecParameters as WCodec } from 'werift';
import type { EncodedFrame, PayloadFormat } from '../../src/media/frame.js';
import { vp9Format, parseVp9Descriptor } from '../../src/media/vp9.js';
import { h264Format } from '../../src/media/h264.js';
import { av1Format } from '../../src/media/av1.js';
import { serializeIvf } from '../../src/media/ivf.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { serializeRtp } from '../../src/rtp/rtp-packet.js';
import { parseIvf } from '../../src/media/ivf.js';
import { readAnnexBAccessUnits } from '../../src/media/annexb.js';
import { Vp9Packetizer } from '../../src/media/vp9.js';
import { H264Packetizer } from '../../src/media/h264.js';
import { Av1Packetizer } from '../../src/media/av1.js';
import type { Packetizer } from '../../src/media/frame.js';
import { ffmpeg, ffmpegStderr, ffprobeCount, makeAv1, makeVp9, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

/** Frames to collect from Chrome per codec. */
const FRAMES = 15;
/** Real-time bound on waiting for them (interop with a browser runs on the wall clock). */
const WAIT_MS = 20_000;

interface Case {
  readonly name: string;
  readonly mimeType: string;
  readonly parameters?: string;
  readonly format: PayloadFormat;
  readonly file: string;
}

const cases: Case[] = [
  { name: 'VP9', mimeType: 'video/VP9', parameters: 'profile-id=0', format: vp9Format, file: 'chrome-vp9.ivf' },
  { name: 'H264', mimeType: 'video/H264', parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', format: h264Format, file: 'chrome.h264' },
  { name: 'AV1', mimeType: 'video/AV1', format: av1Format, file: 'chrome-av1.ivf' },
];

let m: MediaDir;
beforeAll(() => {
  m = mediaDir();
});
afterAll(() => m.remove());

describe.skipIf(!chromeAvailable)('Chrome video RTP through our depacketizers', () => {
  const chrome = useChrome();

  for (const c of cases) {
    it(`${c.name}: Chrome's packets reassemble into frames ffmpeg decodes`, async () => {
      const page = await chrome.newPage();
      const sender = await page.createPeer('chrome', { video: true });
      const base = STACKS.werift();
      const codec = new RTCRtpCodecParameters({
        mimeType: c.mimeType,
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        ...(c.parameters ? { parameters: c.parameters } : {}),
      });
      const receiver = createNodePeer({ ...base, config: { ...base.config, codecs: { video: [codec] } } }, 'werift');
      const packets: RtpPacket[] = [];
      const frames: EncodedFrame[] = [];
      // Chrome's packets go through the jitter buffer (real arrival times: this is interop)
      const jb = new JitterBuffer({ format: c.format });
      let done: () => void = () => {};
      const enough = new Promise<void>((resolve) => (done = resolve));
      const pc = receiver.pc as unknown as { onTrack: { subscribe(f: (t: { onReceiveRtp: { subscribe(g: (p: { header: { sequenceNumber: number; timestamp: number; marker: boolean; payloadType: number; ssrc: number }; payload: Buffer }) => void): void } }) => void): void } };
      pc.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((w) => {
          if (frames.length >= FRAMES) return;
          const p = rtpPacket({ payloadType: w.header.payloadType, sequenceNumber: w.header.sequenceNumber, timestamp: w.header.timestamp, ssrc: w.header.ssrc, marker: w.header.marker, payload: new Uint8Array(w.payload) });
          packets.push(p);
          jb.handleInput(Date.now(), p);
          for (let e = jb.pollEvent(); e; e = jb.pollEvent()) {
            if (e.type === 'frame' && frames.length < FRAMES) frames.push({ data: e.data!, timestamp: e.timestamp, keyframe: e.keyframe! });
          }
          if (frames.length >= FRAMES) done();
        });
      });
      try {
        await negotiate(sender, receiver);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([enough, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${frames.length} frames from ${packets.length} packets`)), WAIT_MS)))]);
        clearTimeout(timer);
      } finally {
        await receiver.close();
      }
      expect(frames[0]!.keyframe).toBe(true);
      // frames come out in order, one per RTP timestamp (offsets taken modulo 2^32)
      const offsets = frames.map((f) => (f.timestamp - frames[0]!.timestamp) >>> 0);
      for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThan(offsets[i - 1]!);
      const file = m.file(c.file);
      if (c.name === 'H264') {
        writeFileSync(file, Buffer.concat(frames.map((f) => Buffer.from(f.data))));
      } else {
        const fourcc = c.name === 'VP9' ? 'VP90' : 'AV01';
        writeFileSync(file, serializeIvf({ fourcc, width: 640, height: 480, timebaseDenominator: 90000, timebaseNumerator: 1, frameCount: 0 }, frames.map((f, i) => ({ timestamp: BigInt(offsets[i]!), data: f.data }))));
      }
      const complaints = ffmpegStderr(file);
      if (complaints !== '') console.log(complaints, frames.map((f) => [f.timestamp, f.keyframe, f.data.length]), jb.stats);
      expect(complaints).toBe('');
      expect(ffprobeCount(file, 'v:0')).toBe(FRAMES);
      if (c.name === 'VP9') {
        // Chrome's VP9 descriptor: a 15-bit picture ID on every packet
        const key = packets.find((p) => parseVp9Descriptor(p.payload).descriptor.startOfFrame && !parseVp9Descriptor(p.payload).descriptor.interPicturePredicted)!;
        const d = parseVp9Descriptor(key.payload).descriptor;
        expect(d.pictureIdBits).toBe(15);
        // our flexible-mode keyframe descriptor has the same shape as Chrome's (one layer: no L, Z set, SS with the resolution)
        const ours = parseVp9Descriptor(new Vp9Packetizer({ mode: 'flexible' }).packetize(frames[0]!.data)[0]!).descriptor;
        const shape = (x: typeof d) => ({ flexible: x.flexible, layer: x.layer, z: x.notUpperReference, bits: x.pictureIdBits, ss: x.scalability?.spatialLayers, g: x.scalability?.pictureGroup, p: x.interPicturePredicted });
        expect(shape(ours)).toEqual(shape(d));
        console.log(`Chrome VP9 keyframe descriptor: ${JSON.stringify(d)}`);
      }
    });
  }
});

interface SendCase {
  readonly name: string;
  readonly mimeType: string;
  readonly parameters?: string;
  frames(m: MediaDir): Uint8Array[];
  packetizer(): Packetizer;
}

const sendCases: SendCase[] = [
  { name: 'VP9 flexible', mimeType: 'video/VP9', parameters: 'profile-id=0', frames: (d) => parseIvf(makeVp9(d, 'send-vp9.ivf')).frames.map((f) => f.data), packetizer: () => new Vp9Packetizer({ mode: 'flexible', pictureId: 77 }) },
  { name: 'VP9 non-flexible', mimeType: 'video/VP9', parameters: 'profile-id=0', frames: (d) => parseIvf(makeVp9(d, 'send-vp9b.ivf')).frames.map((f) => f.data), packetizer: () => new Vp9Packetizer({ mode: 'non-flexible', pictureId: 32000, layerIndices: true }) },
  {
    name: 'H264',
    mimeType: 'video/H264',
    parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    frames: (d) => {
      ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '10', '-bsf:v', 'h264_mp4toannexb', d.file('send.h264')]);
      return readAnnexBAccessUnits(d.read('send.h264'));
    },
    packetizer: () => new H264Packetizer(),
  },
  { name: 'AV1', mimeType: 'video/AV1', frames: (d) => parseIvf(makeAv1(d, 'send-av1.ivf')).frames.map((f) => f.data), packetizer: () => new Av1Packetizer() },
];

describe.skipIf(!chromeAvailable)('Chrome decodes our packetization', () => {
  const chrome = useChrome();

  for (const c of sendCases) {
    it(`${c.name}: 30 frames packetized by us are decoded by Chrome`, async () => {
      const frames = c.frames(m);
      expect(frames.length).toBe(30);
      const page = await chrome.newPage();
      // keep a handle on the page's RTCPeerConnection to read framesDecoded from getStats()
      await page.page.evaluate(() => {
        const Original = RTCPeerConnection;
        const w = window as unknown as { __pcs: RTCPeerConnection[]; RTCPeerConnection: unknown };
        w.__pcs = [];
        const Wrapped = function (this: unknown, config?: RTCConfiguration) {
          const pc = new Original(config);
          w.__pcs.push(pc);
          return pc;
        } as unknown as typeof RTCPeerConnection;
        Wrapped.prototype = Original.prototype;
        w.RTCPeerConnection = Wrapped;
      });
      const receiver = await page.createPeer('chrome');
      const base = STACKS.werift();
      const codec = new WCodec({ mimeType: c.mimeType, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }], ...(c.parameters ? { parameters: c.parameters } : {}) });
      const sender = createNodePeer({ ...base, config: { ...base.config, codecs: { video: [codec] } } }, 'werift');
      const pc = sender.pc as unknown as { addTransceiver(kind: string, init: { direction: string }): { sender: { sendRtp(b: Buffer): Promise<void> } }; connectionState: string };
      const transceiver = pc.addTransceiver('video', { direction: 'sendonly' });
      try {
        await negotiate(sender, receiver);
        const started = Date.now();
        while (pc.connectionState !== 'connected') {
          if (Date.now() - started > WAIT_MS) throw new Error(`werift connectionState ${pc.connectionState}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const packetizer = c.packetizer();
        let seq = 4000;
        // real time: Chrome renders at the pace frames arrive (two passes so the last frames are flushed)
        for (let round = 0; round < 2; round++) {
          for (let i = 0; i < frames.length; i++) {
            const payloads = packetizer.packetize(frames[i]!);
            for (let k = 0; k < payloads.length; k++) {
              const p = rtpPacket({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: (round * 30 + i) * 3000, ssrc: 1, marker: k === payloads.length - 1, payload: payloads[k]! });
              await transceiver.sender.sendRtp(Buffer.from(serializeRtp(p)));
            }
            await new Promise((r) => setTimeout(r, 33));
          }
        }
        let stats = { framesDecoded: 0, keyFramesDecoded: 0, codec: '' };
        const waitStart = Date.now();
        while (stats.framesDecoded < 50 && Date.now() - waitStart < WAIT_MS) {
          stats = await page.page.evaluate(async () => {
            const w = window as unknown as { __pcs: RTCPeerConnection[] };
            const report = await w.__pcs[0]!.getStats();
            let framesDecoded = 0;
            let keyFramesDecoded = 0;
            let codec = '';
            const codecs = new Map<string, string>();
            report.forEach((s: Record<string, unknown>) => {
              if (s['type'] === 'codec') codecs.set(s['id'] as string, s['mimeType'] as string);
            });
            report.forEach((s: Record<string, unknown>) => {
              if (s['type'] === 'inbound-rtp' && s['kind'] === 'video') {
                framesDecoded = (s['framesDecoded'] as number) ?? 0;
                keyFramesDecoded = (s['keyFramesDecoded'] as number) ?? 0;
                codec = codecs.get(s['codecId'] as string) ?? '';
              }
            });
            return { framesDecoded, keyFramesDecoded, codec };
          });
          if (stats.framesDecoded < 50) await new Promise((r) => setTimeout(r, 100));
        }
        console.log(`Chrome decoded our ${c.name}: ${JSON.stringify(stats)}`);
        expect(stats.codec.toLowerCase()).toBe(c.mimeType.toLowerCase());
        expect(stats.framesDecoded).toBeGreaterThanOrEqual(50);
        expect(stats.keyFramesDecoded).toBeGreaterThanOrEqual(5);
      } finally {
        await sender.close();
      }
    });
  }
});
