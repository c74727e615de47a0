/**
 * Media payload format throughput: H.264 (RFC 6184), VP9 (RFC 9628), VP8 (RFC 7741) and
 * AV1 (AOMedia RTP v1.0) packetize and depacketize of real frames (a 1-second 640x480
 * noisy test pattern at 1.5 Mbps, libx264 / libvpx-vp9 / libvpx / libaom-av1 streams made
 * by ffmpeg into a temp dir), in frames per second, purertc next to werift's
 * H264Packetizer / Vp9Packetizer / Vp8Packetizer / Av1Packetizer and
 * dePacketizeRtpPackets in the same run.
 *
 * Each pair (ours, werift's) is measured in 3 alternating rounds and the median round of
 * each is printed, so that a loaded machine slows both sides alike.
 *
 *   npx tsx bench/media.ts [seconds per case]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { H264Packetizer as WH264Packetizer, Vp9Packetizer as WVp9Packetizer, Vp8Packetizer as WVp8Packetizer, Av1Packetizer as WAv1Packetizer, dePacketizeRtpPackets } from 'werift';
import { readAnnexBAccessUnits } from '../src/media/annexb.js';
import { H264Packetizer, depacketizeH264 } from '../src/media/h264.js';
import { Vp9Packetizer, depacketizeVp9, isVp9Keyframe } from '../src/media/vp9.js';
import { Av1Packetizer, depacketizeAv1, isAv1Keyframe } from '../src/media/av1.js';
import { Vp8Packetizer, depacketizeVp8 } from '../src/media/vp8.js';
import { parseIvf } from '../src/media/ivf.js';

const SECONDS = Number(process.argv[2] ?? 1.5);
const dir = mkdtempSync(path.join(tmpdir(), 'purertc-bench-media-'));
const src = ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=30,noise=alls=20:allf=t', '-t', '1', '-pix_fmt', 'yuv420p', '-b:v', '1500k'];
execFileSync('ffmpeg', [...src, '-c:v', 'libx264', '-g', '30', '-bsf:v', 'h264_mp4toannexb', path.join(dir, 'a.h264')]);
execFileSync('ffmpeg', [...src, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '30', path.join(dir, 'a.ivf')]);
execFileSync('ffmpeg', [...src, '-c:v', 'libaom-av1', '-cpu-used', '8', '-usage', 'realtime', '-g', '30', path.join(dir, 'b.ivf')]);
execFileSync('ffmpeg', [...src, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '30', path.join(dir, 'c.ivf')]);
const h264 = readAnnexBAccessUnits(new Uint8Array(readFileSync(path.join(dir, 'a.h264'))));
const vp9 = parseIvf(new Uint8Array(readFileSync(path.join(dir, 'a.ivf')))).frames.map((f) => f.data);
const av1 = parseIvf(new Uint8Array(readFileSync(path.join(dir, 'b.ivf')))).frames.map((f) => f.data);
const vp8 = parseIvf(new Uint8Array(readFileSync(path.join(dir, 'c.ivf')))).frames.map((f) => f.data);
rmSync(dir, { recursive: true, force: true });
const h264Buf = h264.map((f) => Buffer.from(f));
const vp9Buf = vp9.map((f) => Buffer.from(f));
const av1Buf = av1.map((f) => Buffer.from(f));
const vp8Buf = vp8.map((f) => Buffer.from(f));
const avg = (fs: Uint8Array[]) => Math.round(fs.reduce((a, f) => a + f.length, 0) / fs.length);

let sink = 0;
/** Rounds per case; ours and werift's alternate round by round, so load on a shared machine hits both alike. */
const ROUNDS = 3;
function once(frames: number, f: (i: number) => void, ms: number): number {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 30; i++) f((n + i) % frames);
    n += 30;
  }
  return n / ((performance.now() - start) / 1000);
}
/** Frames per second of two functions, warmed up, measured in alternating rounds; the median round of each. */
function rates(frames: number, labels: readonly [string, string], fs: readonly [(i: number) => void, (i: number) => void]): [number, number] {
  const runs: [number[], number[]] = [[], []];
  for (const f of fs) for (let i = 0; i < 200; i++) f(i % frames);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < 2; k++) runs[k]!.push(once(frames, fs[k]!, (SECONDS * 1000) / ROUNDS));
  }
  const medians = runs.map((v) => v.sort((a, b) => a - b)[v.length >> 1]!) as [number, number];
  labels.forEach((label, k) => console.log(`${label.padEnd(56)} ${Math.round(medians[k]!).toString().padStart(9)} frames/s`));
  return medians;
}

type WPacket = { header: { sequenceNumber: number; timestamp: number; marker: boolean }; payload: Buffer };
const asWerift = (payloads: Uint8Array[]): WPacket[] =>
  payloads.map((p, k) => ({ header: { sequenceNumber: k, timestamp: 0, marker: k === payloads.length - 1 }, payload: Buffer.from(p) }));

console.log(`640x480, 30 frames; H.264 ${avg(h264)} B/frame, VP9 ${avg(vp9)} B/frame, VP8 ${avg(vp8)} B/frame, AV1 ${avg(av1)} B/frame; MTU 1200; ${SECONDS}s per case; node ${process.version}`);
const results: [string, number, number][] = [];

{
  const ours = new H264Packetizer();
  const theirs = new WH264Packetizer({ maxPayloadSize: 1200, inputFormat: 'annexb' });
  const [a, b] = rates(h264.length, ['purertc H264 packetize', 'werift  H264 packetize'], [
    (i) => (sink ^= ours.packetize(h264[i]!).length),
    (i) => (sink ^= theirs.packetize(h264Buf[i]!, 0).length),
  ]);
  const ourPackets = h264.map((f) => ours.packetize(f));
  const wPackets = ourPackets.map(asWerift);
  const [c, d] = rates(h264.length, ['purertc H264 depacketize', 'werift  H264 depacketize (dePacketizeRtpPackets)'], [
    (i) => (sink ^= depacketizeH264(ourPackets[i]!).length),
    (i) => (sink ^= dePacketizeRtpPackets('MPEG4/ISO/AVC', wPackets[i]! as never).data.length),
  ]);
  results.push(['H264 packetize', a, b], ['H264 depacketize', c, d]);
}
{
  const ours = new Vp9Packetizer();
  const theirs = new WVp9Packetizer({ maxPayloadSize: 1200 });
  const keys = vp9.map(isVp9Keyframe);
  const [a, b] = rates(vp9.length, ['purertc VP9 packetize', 'werift  VP9 packetize'], [
    (i) => (sink ^= ours.packetize(vp9[i]!).length),
    (i) => (sink ^= theirs.packetize(vp9Buf[i]!, 0, { isKeyframe: keys[i]! }).length),
  ]);
  const ourPackets = vp9.map((f) => ours.packetize(f));
  const wPackets = ourPackets.map(asWerift);
  const [c, d] = rates(vp9.length, ['purertc VP9 depacketize', 'werift  VP9 depacketize (dePacketizeRtpPackets)'], [
    (i) => (sink ^= depacketizeVp9(ourPackets[i]!).length),
    (i) => (sink ^= dePacketizeRtpPackets('VP9', wPackets[i]! as never).data.length),
  ]);
  results.push(['VP9 packetize', a, b], ['VP9 depacketize', c, d]);
}
{
  const ours = new Vp8Packetizer({ maxPayloadBytes: 1200 });
  const theirs = new WVp8Packetizer({ maxPayloadSize: 1200 });
  const [a, b] = rates(vp8.length, ['purertc VP8 packetize', 'werift  VP8 packetize'], [
    (i) => (sink ^= ours.packetize(vp8[i]!).length),
    (i) => (sink ^= theirs.packetize(vp8Buf[i]!, 0).length),
  ]);
  const ourPackets = vp8.map((f) => ours.packetize(f));
  const wPackets = ourPackets.map(asWerift);
  const [c, d] = rates(vp8.length, ['purertc VP8 depacketize', 'werift  VP8 depacketize (dePacketizeRtpPackets)'], [
    (i) => (sink ^= depacketizeVp8(ourPackets[i]!).length),
    (i) => (sink ^= dePacketizeRtpPackets('VP8', wPackets[i]! as never).data.length),
  ]);
  results.push(['VP8 packetize', a, b], ['VP8 depacketize', c, d]);
}
{
  const ours = new Av1Packetizer();
  const theirs = new WAv1Packetizer({ maxPayloadSize: 1200 });
  const keys = av1.map(isAv1Keyframe);
  const [a, b] = rates(av1.length, ['purertc AV1 packetize', 'werift  AV1 packetize'], [
    (i) => (sink ^= ours.packetize(av1[i]!).length),
    (i) => (sink ^= theirs.packetize(av1Buf[i]!, 0, { isKeyframe: keys[i]! }).length),
  ]);
  const ourPackets = av1.map((f) => ours.packetize(f));
  const wPackets = ourPackets.map(asWerift);
  const [c, d] = rates(av1.length, ['purertc AV1 depacketize', 'werift  AV1 depacketize (dePacketizeRtpPackets)'], [
    (i) => (sink ^= depacketizeAv1(ourPackets[i]!).length),
    (i) => (sink ^= dePacketizeRtpPackets('AV1', wPackets[i]! as never).data.length),
  ]);
  results.push(['AV1 packetize', a, b], ['AV1 depacketize', c, d]);
}

console.log('');
for (const [name, ours, theirs] of results) console.log(`ratio purertc/werift, ${name.padEnd(18)} ${(ours / theirs).toFixed(2)}x`);
if (sink === 0.5) console.log(sink);
