/**
 * The ffmpeg check the media tests rely on: it reports a damaged stream, and it does not
 * report ffmpeg's own muxer retiming when a real capture has two frames closer together
 * than ffmpeg's guessed frame rate (what Chrome's camera does; seen as a flaky
 * "non monotonically increasing dts" before the check kept input timestamps).
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIvf, serializeIvf } from '../../src/media/ivf.js';
import { ffmpegStderr, ffprobeCount, makeVp9, mediaDir } from './media-files.js';

const m = mediaDir();
afterAll(() => m.remove());

describe('ffmpegStderr', () => {
  it('accepts a VP9 IVF whose frames are irregularly spaced, and still counts every frame', () => {
    const ivf = parseIvf(makeVp9(m));
    let t = 0n;
    const frames = ivf.frames.map((f, i) => ({ timestamp: (t += i === 2 ? 100n : 3000n), data: f.data }));
    const file = m.file('jittered.ivf');
    writeFileSync(file, serializeIvf({ ...ivf.header, timebaseDenominator: 90000, timebaseNumerator: 1 }, frames));
    expect(ffmpegStderr(file)).toBe('');
    expect(ffprobeCount(file, 'v:0')).toBe(frames.length);
  });

  it('reports a stream whose frames are damaged', () => {
    const ivf = parseIvf(makeVp9(m, 'v2.ivf'));
    const frames = ivf.frames.map((f, i) => ({ timestamp: BigInt(i * 3000), data: i === 0 ? f.data : f.data.map((b, j) => (j > 4 ? b ^ 0x5a : b)) }));
    const file = m.file('damaged.ivf');
    writeFileSync(file, serializeIvf(ivf.header, frames));
    expect(ffmpegStderr(file)).not.toBe('');
  });
});
