// File sources and sinks of node/media-files against ffmpeg: files made by ffmpeg at test
// time are played into local tracks (frame counts, keyframes and timestamps compared with
// what ffprobe reads from the same files), and what the recorders write is decoded by
// ffmpeg. Playback is paced on the wall clock; the clips are short and nothing asserts a
// duration.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { MediaStreamTrack } from '../../src/node/media-stream-track.js';
import type { RTCEncodedFrame } from '../../src/node/media-stream-track.js';
import { playAnnexB, playIvf, playOggOpus, recordAnnexB, recordIvf, recordOggOpus, WebmRecorder } from '../../src/node/media-files.js';
import { ffmpeg, ffmpegStderr, ffprobeCount, mediaDir } from '../media/media-files.js';
import type { MediaDir } from '../media/media-files.js';
import { waitFor } from '../support/wait.js';

let m: MediaDir;
const clip = (seconds: number, size: string): string[] => ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=30`, '-t', String(seconds), '-pix_fmt', 'yuv420p'];
const VP8 = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k'];

beforeAll(() => {
  m = mediaDir();
  ffmpeg([...clip(0.5, '320x240'), ...VP8, '-g', '5', m.file('vp8.ivf')]);
  ffmpeg([...clip(0.2, '160x120'), ...VP8, '-g', '3', m.file('short.ivf')]);
  ffmpeg([...clip(0.5, '320x240'), '-c:v', 'libx264', '-profile:v', 'baseline', '-bf', '0', '-g', '5', '-bsf:v', 'h264_mp4toannexb', m.file('h264.h264')]);
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', '-c:a', 'libopus', m.file('sine.opus')]);
});
afterAll(() => m.remove());

/** ffprobe's key_frame flag per video frame, in order. */
function keyFlags(file: string): boolean[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  // (side data of a frame may add a comma and an empty line)
  return out.split('\n').filter((l) => /^[01]/.test(l)).map((l) => l.startsWith('1'));
}

function collect(track: MediaStreamTrack): RTCEncodedFrame[] {
  const frames: RTCEncodedFrame[] = [];
  track.onframe = (e) => frames.push(e.frame);
  return frames;
}

describe.concurrent('sources', () => {
  it('playIvf writes every frame with ffprobe keyframes, 90 kHz timestamps and the VP8 mime type', async () => {
    const t = new MediaStreamTrack({ kind: 'video' });
    const frames = collect(t);
    await playIvf(t, m.file('vp8.ivf')).done;
    expect(frames.length).toBe(ffprobeCount(m.file('vp8.ivf'), 'v:0'));
    expect(frames.map((f) => f.keyframe)).toEqual(keyFlags(m.file('vp8.ivf')));
    // 30 frames per second on the 90 kHz clock (RFC 7741 4.1).
    expect(frames.slice(1).map((f, i) => f.timestamp - (frames[i] as RTCEncodedFrame).timestamp)).toEqual(frames.slice(1).map(() => 3000));
    expect(new Set(frames.map((f) => f.mimeType))).toEqual(new Set(['video/VP8']));
  });

  it('playAnnexB writes the access units at fps with IDR keyframes', async () => {
    const t = new MediaStreamTrack({ kind: 'video' });
    const frames = collect(t);
    await playAnnexB(t, m.read('h264.h264'), { fps: 30 }).done;
    expect(frames.length).toBe(ffprobeCount(m.file('h264.h264'), 'v:0'));
    expect(frames.map((f) => f.keyframe)).toEqual(keyFlags(m.file('h264.h264')));
    expect(frames[1]!.timestamp - frames[0]!.timestamp).toBe(3000);
    expect(() => playAnnexB(t, m.read('h264.h264'), { fps: 0 })).toThrow(RangeError);
  });

  it('playOggOpus writes every packet 960 samples apart (20 ms at 48 kHz)', async () => {
    const t = new MediaStreamTrack({ kind: 'audio' });
    const frames = collect(t);
    await playOggOpus(t, m.file('sine.opus')).done;
    expect(frames.length).toBe(ffprobeCount(m.file('sine.opus'), 'a:0', 'packets'));
    expect(new Set(frames.slice(1).map((f, i) => f.timestamp - (frames[i] as RTCEncodedFrame).timestamp))).toEqual(new Set([960]));
  });

  it('loops with increasing timestamps until stopped, and stops when the track ends', async () => {
    const t = new MediaStreamTrack({ kind: 'video' });
    const frames = collect(t);
    const n = ffprobeCount(m.file('short.ivf'), 'v:0');
    const p = playIvf(t, m.read('short.ivf'), { loop: true });
    await new Promise<void>((resolve) => {
      t.addEventListener('frame', () => {
        if (frames.length >= 2 * n + 2) resolve();
      });
    });
    p.stop();
    await p.done;
    const count = frames.length;
    for (let i = 1; i < count; i++) expect(frames[i]!.timestamp).toBeGreaterThan(frames[i - 1]!.timestamp);
    expect(frames[n]!.keyframe).toBe(true);
    const q = playIvf(t, m.read('short.ivf'), { loop: true });
    t.stop();
    await q.done;
  });

  it('answers a keyframe request by jumping to the next keyframe', async () => {
    const t = new MediaStreamTrack({ kind: 'video' });
    const frames = collect(t);
    const flags = keyFlags(m.file('vp8.ivf'));
    let asked = false;
    t.addEventListener('frame', () => {
      if (frames.length === 2 && !asked) {
        asked = true;
        t.requestKeyframe();
      }
    });
    await playIvf(t, m.file('vp8.ivf')).done;
    // Frames 2-4 of the file were skipped: the third frame sent is the keyframe at 5.
    expect(flags.slice(0, 6)).toEqual([true, false, false, false, false, true]);
    expect(frames.map((f) => f.keyframe).slice(0, 3)).toEqual([true, false, true]);
    expect(frames.length).toBe(flags.length - 3);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.timestamp).toBeGreaterThan(frames[i - 1]!.timestamp);
  });

  it('rejects done on a file that does not parse', async () => {
    const t = new MediaStreamTrack({ kind: 'video' });
    await expect(playIvf(t, Uint8Array.of(1, 2, 3)).done).rejects.toBeInstanceOf(ParseError);
    await expect(playOggOpus(t, new Uint8Array(64)).done).rejects.toBeInstanceOf(ParseError);
  });
});

describe.concurrent('sinks', () => {
  it('recordIvf and recordOggOpus write files ffmpeg decodes', async () => {
    const v = new MediaStreamTrack({ kind: 'video' });
    const a = new MediaStreamTrack({ kind: 'audio' });
    const rv = recordIvf(v, m.file('rec.ivf'));
    const ra = recordOggOpus(a, m.file('rec.opus'));
    await Promise.all([playIvf(v, m.file('vp8.ivf')).done, playOggOpus(a, m.file('sine.opus')).done]);
    await Promise.all([rv.stop(), ra.stop()]);
    expect(ffmpegStderr(m.file('rec.ivf'))).toBe('');
    expect(ffmpegStderr(m.file('rec.opus'))).toBe('');
    expect(ffprobeCount(m.file('rec.ivf'), 'v:0')).toBe(ffprobeCount(m.file('vp8.ivf'), 'v:0'));
    expect(rv.frames).toBe(ffprobeCount(m.file('vp8.ivf'), 'v:0'));
    expect(ffprobeCount(m.file('rec.opus'), 'a:0', 'packets')).toBe(ra.frames);
    const dims = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height,codec_name', '-of', 'csv=p=0', m.file('rec.ivf')], { encoding: 'utf8' }).trim();
    expect(dims).toBe('vp8,320,240');
  });

  it('recordAnnexB writes the access units ffmpeg decodes', async () => {
    const v = new MediaStreamTrack({ kind: 'video' });
    const r = recordAnnexB(v, m.file('rec.h264'));
    await playAnnexB(v, m.file('h264.h264'), { fps: 30 }).done;
    await r.stop();
    expect(ffmpegStderr(m.file('rec.h264'))).toBe('');
    expect(ffprobeCount(m.file('rec.h264'), 'v:0')).toBe(ffprobeCount(m.file('h264.h264'), 'v:0'));
    expect(keyFlags(m.file('rec.h264'))).toEqual(keyFlags(m.file('h264.h264')));
  });

  it('recordIvf starts at a keyframe', async () => {
    const v = new MediaStreamTrack({ kind: 'video' });
    const r = recordIvf(v, m.file('late.ivf'));
    v.writeFrame({ data: Uint8Array.of(0x01, 0, 0), timestamp: 0, keyframe: false });
    await r.stop();
    expect([r.frames, r.framesDropped]).toEqual([0, 1]);
    expect(m.read('late.ivf').length).toBe(32);
  });

  it('WebmRecorder muxes a video and an audio track ffmpeg decodes', async () => {
    const v = new MediaStreamTrack({ kind: 'video' });
    const a = new MediaStreamTrack({ kind: 'audio' });
    const rec = new WebmRecorder(m.file('rec.webm'), { video: v, audio: a });
    // The recording starts at a video keyframe and drops audio before it: start the audio
    // once the first video frame is in (on a loaded machine the IVF may load last).
    const video = playIvf(v, m.file('vp8.ivf'));
    await waitFor(() => (rec.frames > 0 ? true : undefined), 'the first video frame in the recording');
    await Promise.all([video.done, playOggOpus(a, m.file('sine.opus')).done]);
    await rec.stop();
    expect(ffmpegStderr(m.file('rec.webm'))).toBe('');
    expect(ffprobeCount(m.file('rec.webm'), 'v:0')).toBe(ffprobeCount(m.file('vp8.ivf'), 'v:0'));
    expect(ffprobeCount(m.file('rec.webm'), 'a:0', 'packets')).toBeGreaterThan(0);
    expect(() => new WebmRecorder(m.file('x.webm'), {})).toThrow(TypeError);
    expect(() => new WebmRecorder(m.file('x.webm'), { video: a })).toThrow(TypeError);
  });
});
