// Real media made by ffmpeg at test time in a temp dir (not a test file: a helper for
// the media tests). Encoders are libx264, libvpx-vp9, libaom-av1 (or libsvtav1) and
// libopus, all present in the CI image.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface MediaDir {
  readonly dir: string;
  file(name: string): string;
  read(name: string): Uint8Array;
  remove(): void;
}

export function mediaDir(): MediaDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'purertc-media-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    read: (name) => new Uint8Array(readFileSync(path.join(dir, name))),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function ffmpeg(args: readonly string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `ffmpeg -v error -i file -f null -`: what the decoder prints on stderr (empty when the file decodes cleanly), plus the exit status when non-zero. */
export function ffmpegStderr(file: string): string {
  // -fps_mode passthrough -enc_time_base -1: frames keep their own timestamps in the
  // input's time base. Without them ffmpeg retimes video to a guessed frame rate for the
  // null muxer, and two of Chrome's capture frames closer together than that guess
  // collide ("non monotonically increasing dts"): a complaint about ffmpeg's own muxer
  // timing, not about the stream we wrote (reproduced with a libvpx IVF whose frames
  // are 100 ticks of 90 kHz apart).
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'null', '-'], { encoding: 'utf8' });
  return r.stderr + (r.status === 0 ? '' : `exit ${r.status}`);
}

/** Frames (video) or packets counted by ffprobe -count_frames for one stream. */
export function ffprobeCount(file: string, stream: 'v:0' | 'a:0', what: 'frames' | 'packets' = 'frames'): number {
  const entry = what === 'frames' ? 'nb_read_frames' : 'nb_read_packets';
  const out = execFileSync('ffprobe', ['-v', 'error', what === 'frames' ? '-count_frames' : '-count_packets', '-select_streams', stream, '-show_entries', `stream=${entry}`, '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number(out.trim());
}

const TESTSRC = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-t', '1', '-pix_fmt', 'yuv420p'];

export function makeH264(m: MediaDir, name = 'out.h264'): Uint8Array {
  ffmpeg([...TESTSRC, '-c:v', 'libx264', '-g', '10', '-bsf:v', 'h264_mp4toannexb', m.file(name)]);
  return m.read(name);
}

export function makeVp9(m: MediaDir, name = 'vp9.ivf'): Uint8Array {
  ffmpeg([...TESTSRC, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '10', m.file(name)]);
  return m.read(name);
}

function encoders(): string {
  return execFileSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' });
}

export function makeAv1(m: MediaDir, name = 'av1.ivf'): Uint8Array {
  const list = encoders();
  const codec = list.includes('libaom-av1') ? ['-c:v', 'libaom-av1', '-cpu-used', '8', '-usage', 'realtime'] : list.includes('libsvtav1') ? ['-c:v', 'libsvtav1', '-preset', '12'] : ['-c:v', 'librav1e', '-speed', '10'];
  ffmpeg([...TESTSRC, ...codec, '-g', '10', m.file(name)]);
  return m.read(name);
}

export function makeOpus(m: MediaDir, name = 'sine.opus'): Uint8Array {
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', m.file(name)]);
  return m.read(name);
}
