// WebM writer (RFC 8794 EBML, RFC 9559 Matroska): recordings of real VP8, VP9 and AV1
// streams with Opus audio, made by ffmpeg at test time, are decoded by ffmpeg without
// error, and ffprobe reports the frame counts, keyframe flags and timestamps we wrote.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseIvf } from '../../src/media/ivf.js';
import { readOggOpus } from '../../src/media/ogg-opus.js';
import { WebmWriter, ebmlVint } from '../../src/media/webm.js';
import type { WebmVideoTrack } from '../../src/media/webm.js';
import { isVp9Keyframe } from '../../src/media/vp9.js';
import { isAv1Keyframe, av1CodecConfigurationRecord } from '../../src/media/av1.js';
import { toHex } from '../../src/common/hex.js';
import { opusPacketDurationSamples } from '../../src/media/opus.js';
import { Vp9Packetizer, vp9Format } from '../../src/media/vp9.js';
import { JitterBuffer } from '../../src/media/jitter-buffer.js';
import { seededRandom } from '../../src/common/random.js';
import { rtpPacket } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { ffmpeg, ffmpegStderr, ffprobeCount, makeAv1, makeOpus, makeVp9, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

let m: MediaDir;
let opus: Uint8Array[];
let vp9: Uint8Array[];
beforeAll(() => {
  m = mediaDir();
  opus = readOggOpus(makeOpus(m)).packets.map((p) => p.data);
  vp9 = parseIvf(makeVp9(m)).frames.map((f) => f.data);
});
afterAll(() => m.remove());

function packets(file: string, stream: string): { pts: number; key: boolean }[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const [pts, flags] = l.split(',');
      return { pts: Math.round(Number(pts) * 1000), key: (flags ?? '').startsWith('K') };
    });
}

/** Interleave 30 fps video and 20 ms audio by timestamp, as a call recorder would. */
function record(codec: WebmVideoTrack['codec'], frames: { data: Uint8Array; key: boolean }[], name: string, codecPrivate?: Uint8Array): string {
  const w = new WebmWriter({ tracks: [{ kind: 'video', codec, width: 320, height: 240, ...(codecPrivate ? { codecPrivate } : {}) }, { kind: 'audio', codec: 'OPUS', channels: 1 }] });
  const parts: Uint8Array[] = [w.start()];
  const items: { t: number; track: number; data: Uint8Array; key: boolean }[] = [];
  frames.forEach((f, i) => items.push({ t: Math.round((i * 1000) / 30), track: 1, data: f.data, key: f.key }));
  let at = 0;
  for (const p of opus) {
    items.push({ t: at, track: 2, data: p, key: true });
    at += opusPacketDurationSamples(p) / 48;
  }
  items.sort((a, b) => a.t - b.t || a.track - b.track);
  for (const it of items) parts.push(w.addFrame(it.track, it.t, it.data, it.key));
  parts.push(w.finish());
  const file = m.file(name);
  writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p))));
  return file;
}

describe('WebM writer', () => {
  it('VP9 + Opus: ffmpeg decodes without error; ffprobe counts frames, keyframes and timestamps', () => {
    const frames = vp9.map((data) => ({ data, key: isVp9Keyframe(data) }));
    const file = record('VP9', frames, 'vp9.webm');
    expect(ffmpegStderr(file)).toBe('');
    expect(ffprobeCount(file, 'v:0')).toBe(30);
    expect(ffprobeCount(file, 'a:0', 'packets')).toBe(opus.length);
    const v = packets(file, 'v:0');
    expect(v.map((p) => p.key)).toEqual(frames.map((f) => f.key));
    expect(v.map((p) => p.pts)).toEqual(frames.map((_, i) => Math.round((i * 1000) / 30)));
    // the check has teeth: the same file with every 97th byte of its clusters flipped is reported
    const bad = new Uint8Array(readFileSync(file));
    for (let i = 3000; i < bad.length; i += 97) bad[i] = (bad[i] as number) ^ 0x55;
    writeFileSync(m.file('bad.webm'), bad);
    expect(ffmpegStderr(m.file('bad.webm'))).not.toBe('');
    expect(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name:stream=codec_name', '-of', 'csv=p=0', file], { encoding: 'utf8' })).toMatch(/vp9[\s\S]*opus[\s\S]*matroska,webm/);
  });

  it('recording a received call: VP9 over RTP with 5% loss, NACK, jitter buffer, then WebM', () => {
    const frames = vp9;
    const rng = seededRandom(42);
    const pk = new Vp9Packetizer({ maxPayloadBytes: 500 });
    const jb = new JitterBuffer({ format: vp9Format, rttMs: 20 });
    const sent = new Map<number, RtpPacket>();
    const w = new WebmWriter({ tracks: [{ kind: 'video', codec: 'VP9', width: 320, height: 240 }] });
    const parts: Uint8Array[] = [w.start()];
    const pending: { at: number; p: RtpPacket }[] = [];
    let seq = 1000;
    let firstTs: number | undefined;
    const drain = (now: number) => {
      for (let e = jb.pollEvent(); e; e = jb.pollEvent()) {
        if (e.type === 'nack') for (const s of e.sequenceNumbers) pending.push({ at: now + 20, p: sent.get(s)! });
        if (e.type === 'frame') {
          firstTs ??= e.timestamp;
          parts.push(w.addFrame(1, Math.round((e.timestamp - firstTs) / 90), e.data!, e.keyframe!));
        }
      }
    };
    for (let now = 0; now < 2000; now++) {
      if (now % 33 === 0 && now / 33 < frames.length) {
        const i = now / 33;
        const payloads = pk.packetize(frames[i]!);
        payloads.forEach((payload, k) => {
          const p = rtpPacket({ payloadType: 98, sequenceNumber: seq++, timestamp: 90_000 + i * 3000, ssrc: 1, marker: k === payloads.length - 1, payload });
          sent.set(p.sequenceNumber, p);
          if (seq === 1001 || rng.float() >= 0.05) pending.push({ at: now + 10, p });
        });
      }
      for (const x of pending.filter((x) => x.at === now)) jb.handleInput(now, x.p);
      const t = jb.pollTimeout();
      if (t !== undefined && t <= now) jb.handleTimeout(now);
      drain(now);
    }
    parts.push(w.finish());
    const file = m.file('call.webm');
    writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p))));
    expect(jb.stats.recovered).toBeGreaterThan(0);
    expect(ffmpegStderr(file)).toBe('');
    expect(ffprobeCount(file, 'v:0')).toBe(30);
    expect(packets(file, 'v:0').map((p) => p.pts)).toEqual(frames.map((_, i) => Math.round((i * 3000) / 90)));
  });

  it('VP8 + Opus', () => {
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-c:v', 'libvpx', '-deadline', 'realtime', '-g', '15', m.file('vp8.ivf')]);
    const frames = parseIvf(m.read('vp8.ivf')).frames.map((f) => ({ data: f.data, key: ((f.data[0] as number) & 1) === 0 }));
    const file = record('VP8', frames, 'vp8.webm');
    expect(ffmpegStderr(file)).toBe('');
    expect(ffprobeCount(file, 'v:0')).toBe(30);
    expect(packets(file, 'v:0').map((p) => p.key)).toEqual(frames.map((f) => f.key));
  });

  it('AV1 + Opus, with the av1C CodecPrivate that ffmpeg writes for the same stream', () => {
    const frames = parseIvf(makeAv1(m)).frames.map((f) => ({ data: f.data, key: isAv1Keyframe(f.data) }));
    // ffmpeg's own WebM of this stream: its CodecPrivate (ID 63 A2, then a size vint) is the av1C record
    ffmpeg(['-i', m.file('av1.ivf'), '-c', 'copy', m.file('ffmpeg-av1.webm')]);
    const theirs = Buffer.from(m.read('ffmpeg-av1.webm'));
    const at = theirs.indexOf(Buffer.from([0x63, 0xa2]));
    expect(at).toBeGreaterThan(0);
    const size = (theirs[at + 2] as number) & 0x7f; // a 1-byte vint: the record is < 127 bytes
    const av1c = av1CodecConfigurationRecord(frames[0]!.data);
    expect(toHex(av1c)).toBe(theirs.subarray(at + 3, at + 3 + size).toString('hex'));
    const file = record('AV1', frames, 'av1.webm', av1c);
    expect(ffmpegStderr(file)).toBe('');
    expect(ffprobeCount(file, 'v:0')).toBe(30);
    expect(packets(file, 'v:0').map((p) => p.key)).toEqual(frames.map((f) => f.key));
  });

  it('audio-only recordings longer than the 16-bit block timestamp range split into clusters', () => {
    const w = new WebmWriter({ tracks: [{ kind: 'audio', codec: 'OPUS', channels: 1 }] });
    const parts: Uint8Array[] = [w.start()];
    const first = opus[0] as Uint8Array;
    const n = 2000; // 2000 x 20 ms = 40 s
    for (let i = 0; i < n; i++) parts.push(w.addFrame(1, i * 20, opus[i % opus.length] ?? first, true));
    parts.push(w.finish());
    const file = m.file('long.webm');
    writeFileSync(file, Buffer.concat(parts.map((p) => Buffer.from(p))));
    expect(ffmpegStderr(file)).toBe('');
    const a = packets(file, 'a:0');
    expect(a.length).toBe(n);
    expect(a.at(-1)!.pts).toBe((n - 1) * 20);
  });

  it('EBML variable-size integers (RFC 8794 4.4 examples) and their bounds', () => {
    expect(Array.from(ebmlVint(2))).toEqual([0x82]);
    expect(Array.from(ebmlVint(126))).toEqual([0xfe]);
    expect(Array.from(ebmlVint(127))).toEqual([0x40, 0x7f]); // 0xff is reserved for unknown size
    expect(Array.from(ebmlVint(500))).toEqual([0x41, 0xf4]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 53 - 2 }), (n) => {
        const b = ebmlVint(n);
        const len = Math.clz32(b[0] as number) - 23;
        expect(b.length).toBe(len);
        let v = (b[0] as number) & (0xff >> len);
        for (let i = 1; i < b.length; i++) v = v * 256 + (b[i] as number);
        expect(v).toBe(n);
      }),
    );
  });
});
