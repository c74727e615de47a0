// H.264 Annex B byte streams (H.264 Annex B, 7.4.1.2.3): NAL splitting and access unit
// grouping counted against ffprobe -count_frames on libx264 streams made at test time.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitAnnexB, joinAnnexB, groupAccessUnits, readAnnexBAccessUnits, h264NalType } from '../../src/media/annexb.js';
import { ffmpeg, ffprobeCount, makeH264, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

let m: MediaDir;
beforeAll(() => {
  m = mediaDir();
});
afterAll(() => m.remove());

describe('Annex B reader', () => {
  it('counts the same access units as ffprobe -count_frames (GOP 10)', () => {
    const stream = makeH264(m);
    expect(readAnnexBAccessUnits(stream).length).toBe(ffprobeCount(m.file('out.h264'), 'v:0'));
  });

  it('counts the same access units as ffprobe with AUDs, B-frames and 4 slices per picture', () => {
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-bf', '2', '-x264-params', 'aud=1:slices=4', '-bsf:v', 'h264_mp4toannexb', m.file('b.h264')]);
    const stream = m.read('b.h264');
    const units = readAnnexBAccessUnits(stream);
    expect(units.length).toBe(ffprobeCount(m.file('b.h264'), 'v:0'));
    // every access unit starts with its AUD and holds 4 slices
    for (const u of units) {
      const nals = splitAnnexB(u);
      expect(h264NalType(nals[0] as Uint8Array)).toBe(9);
      expect(nals.filter((n) => [1, 5].includes(h264NalType(n))).length).toBe(4);
    }
    // re-joined access units form a stream ffprobe still counts the same
    writeFileSync(m.file('c.h264'), Buffer.concat(units.map((u) => Buffer.from(u))));
    expect(ffprobeCount(m.file('c.h264'), 'v:0')).toBe(units.length);
  });

  it('3- and 4-byte start codes, leading garbage and trailing zeros', () => {
    const s = Uint8Array.of(0xaa, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 0x88, 0, 0);
    expect(splitAnnexB(s).map((n) => Array.from(n))).toEqual([[0x67, 1, 2], [0x68, 3], [0x65, 0x88]]);
    expect(groupAccessUnits(splitAnnexB(s)).length).toBe(1);
  });

  it('split(join(nals)) == nals for NAL units that cannot contain start codes', () => {
    // emulation prevention (H.264 7.4.1) guarantees no 00 00 0x (x <= 3) inside a NAL
    const nal = fc.uint8Array({ minLength: 1, maxLength: 50 }).map((b) => {
      const out: number[] = [];
      for (const x of b) {
        if (out.length >= 2 && out[out.length - 1] === 0 && out[out.length - 2] === 0 && x <= 3) out.push(3);
        out.push(x);
      }
      if (out[out.length - 1] === 0) out.push(0x80);
      out[0] = ((out[0] as number) & 0x7f) | 0x01;
      return Uint8Array.from(out);
    });
    fc.assert(
      fc.property(fc.array(nal, { maxLength: 8 }), (nals) => {
        expect(splitAnnexB(joinAnnexB(nals)).map((n) => Array.from(n))).toEqual(nals.map((n) => Array.from(n)));
      }),
    );
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        groupAccessUnits(splitAnnexB(b));
      }),
    );
  });
});
