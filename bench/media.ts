/**
 * Media payload format throughput: H.264 (RFC 6184) and VP9 (RFC 9628) packetize and
 * depacketize of real frames (a 1-second 640x480 noisy test pattern at 1.5 Mbps, libx264 / libvpx-vp9 stream made by
 * ffmpeg into a temp dir), in frames per second, purertc next to werift's
 * H264Packetizer / Vp9Packetizer and dePacketizeRtpPackets in the same run.
 * Also AV1 (purertc only next to werift's Av1Packetizer).
 *
 *   npx tsx bench/media.ts [seconds per case]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { H264Packetizer as WH264Packetizer, Vp9Packetizer as WVp9Packetizer, Av1Packetizer as WAv1Packetizer, dePacketizeRtpPackets } from 'werift';
import { readAnnexBAccessUnits } from '../src/media/annexb.js';
import { H264Packetizer, depacketizeH264 } from '../src/media/h264.js';
import { Vp9Packetizer, depacketizeVp9, isVp9Keyframe } from '../src/media/vp9.js';
import { Av1Packetizer, depacketizeAv1, isAv1Keyframe } from '../src/media/av1.js';
import { parseIvf } from '../src/media/ivf.js';

const SECONDS = Number(process.argv[2] ?? 1.5);
const dir = mkdtempSync(path.join(tmpdir(), 'purertc-bench-media-'));
const src = ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=30,noise=alls=20:allf=t', '-t', '1', '-pix_fmt', 'yuv420p', '-b:v', '1500k'];
execFileSync('ffmpeg', [...src, '-c:v', 'libx264', '-g', '30', '-bsf:v', 'h264_mp4toannexb', path.join(dir, 'a.h264')]);
execFileSync('ffmpeg', [...src, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '30', path.join(dir, 'a.ivf')]);
execFileSync('ffmpeg', [...src, '-c:v', 'libaom-av1', '-cpu-used', '8', '-usage', 'realtime', '-g', '30', path.join(dir, 'b.ivf')]);
const h264 = readAnnexBAccessUnits(new Uint8Array(readFileSync(path.join(dir, 'a.h264'))));
const vp9 = parseIvf(new Uint8Array(readFileSync(path.join(dir, 'a.ivf')))).frames.map((f) => f.data);
const av1 = parseIvf(new Uint8Array(readFileSync(path.join(dir, 'b.ivf')))).frames.map((f) => f.data);
rmSync(dir, { recursive: true, force: true });
const h264Buf = h264.map((f) => Buffer.from(f));
const vp9Buf = vp9.map((f) => Buffer.from(f));
const av1Buf = av1.map((f) => Buffer.from(f));
const avg = (fs: Uint8Array[]) => Math.round(fs.reduce((a, f) => a + f.length, 0) / fs.length);

let sink = 0;
function rate(label: string, frames: number, f: (i: number) => void): number {
  for (let i = 0; i < 200; i++) f(i % frames);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 30; i++) f((n + i) % frames);
    n += 30;
  }
  const perSec = n / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(56)} ${Math.round(perSec).toString().padStart(9)} frames/s`);
  return perSec;
}

type WPacket = { header: { sequenceNumber: number; timestamp: number; marker: boolean }; payload: Buffer };
const asWerift = (payloads: Uint8Array[]): WPacket[] =>
  payloads.map((p, k) => ({ header: { sequenceNumber: k, timestamp: 0, marker: k === payloads.length - 1 }, payload: Buffer.from(p) }));

console.log(`640x480, 30 frames; H.264 ${avg(h264)} B/frame, VP9 ${avg(vp9)} B/frame, AV1 ${avg(av1)} B/frame; MTU 1200; ${SECONDS}s per case; node ${process.version}`);
const results: [string, number, number][] = [];

{
  const ours = new H264Packetizer();
  const theirs = new WH264Packetizer({ maxPayloadSize: 1200, inputFormat: 'annexb' });
  const a = rate('purertc H264 packetize', h264.length, (i) => (sink ^= ours.packetize(h264[i]!).length));
  const b = rate('werift  H264 packetize', h264.length, (i) => (sink ^= theirs.packetize(h264Buf[i]!, 0).length));
  const ourPackets = h264.map((f) => ours.packetize(f));
  const wPackets = ourPackets.map(asWerift);
  const c = rate('purertc H264 depacketize', h264.length, (i) => (sink ^= depacketizeH264(ourPackets[i]!).length));
  const d = rate('werift  H264 depacketize (dePacketizeRtpPackets)', h264.length, (i) => (sink ^= dePacketizeRtpPackets('MPEG4/ISO/AVC', wPackets[i]! as never).data.length));
  results.push(['H264 packetize', a, b], ['H264 depacketize', c, d]);
}
{
  const ours = new Vp9Packetizer();
  const theirs = new WVp9Packetizer({ maxPayloadSize: 1200 });
  const keys = vp9.map(isVp9Keyframe);
  const a = rate('purertc VP9 packetize', vp9.length, (i) => (sink ^= ours.packetize(vp9[i]!).length));
  const b = rate('werift  VP9 packetize', vp9.length, (i) => (sink ^= theirs.packetize(vp9Buf[i]!, 0, { isKeyframe: keys[i]! }).length));
  const ourPackets = vp9.map((f) => ours.packetize(f));
  const wPackets = ourPackets.map(asWerift);
  const c = rate('purertc VP9 depacketize', vp9.length, (i) => (sink ^= depacketizeVp9(ourPackets[i]!).length));
  const d = rate('werift  VP9 depacketize (dePacketizeRtpPackets)', vp9.length, (i) => (sink ^= dePacketizeRtpPackets('VP9', wPackets[i]! as never).data.length));
  results.push(['VP9 packetize', a, b], ['VP9 depacketize', c, d]);
}
{
  const ours = new Av1Packetizer();
  const theirs = new WAv1Packetizer({ maxPayloadSize: 1200 });
  const keys = av1.map(isAv1Keyframe);
  const a = rate('purertc AV1 packetize', av1.length, (i) => (sink ^= ours.packetize(av1[i]!).length));
  const b = rate('werift  AV1 packetize', av1.length, (i) => (sink ^= theirs.packetize(av1Buf[i]!, 0, { isKeyframe: keys[i]! }).length));
  const ourPackets = av1.map((f) => ours.packetize(f));
  const wPackets = ourPackets.map(asWerift);
  const c = rate('purertc AV1 depacketize', av1.length, (i) => (sink ^= depacketizeAv1(ourPackets[i]!).length));
  const d = rate('werift  AV1 depacketize (dePacketizeRtpPackets)', av1.length, (i) => (sink ^= dePacketizeRtpPackets('AV1', wPackets[i]! as never).data.length));
  results.push(['AV1 packetize', a, b], ['AV1 depacketize', c, d]);
}

console.log('');
for (const [name, ours, theirs] of results) console.log(`ratio purertc/werift, ${name.padEnd(18)} ${(ours / theirs).toFixed(2)}x`);
if (sink === 0.5) console.log(sink);
