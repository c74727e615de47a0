// Ogg (RFC 3533) and Ogg Opus (RFC 7845): an ffmpeg/libopus file read page by page with
// CRCs checked, files we write decoded by ffmpeg and counted by ffprobe, page and header
// properties, and hostile input.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../src/common/errors.js';
import { oggCrc, parseOggPage, parseOggPages, serializeOggPage, oggPackets, OggPageWriter, OggHeaderType } from '../../src/media/ogg.js';
import type { OggPage } from '../../src/media/ogg.js';
import { readOggOpus, OggOpusWriter, parseOpusHead, serializeOpusHead, parseOpusTags, serializeOpusTags, OGG_OPUS_PACKETS_PER_PAGE } from '../../src/media/ogg-opus.js';
import type { OpusHead } from '../../src/media/ogg-opus.js';
import { opusPacketDurationSamples } from '../../src/media/opus.js';
import { ffmpeg, ffmpegStderr, ffprobeCount, makeOpus, mediaDir } from './media-files.js';
import type { MediaDir } from './media-files.js';

let m: MediaDir;
let file: Uint8Array;
beforeAll(() => {
  m = mediaDir();
  file = makeOpus(m);
});
afterAll(() => m.remove());

describe('Ogg pages (RFC 3533)', () => {
  it('the CRC is the unreflected 0x04c11db7 CRC with initial 0 (check value of "123456789" is 0x89a1897f)', () => {
    expect(oggCrc(new TextEncoder().encode('123456789'))).toBe(0x89a1897f);
  });

  it('reads every page of a libopus file, CRCs checked, and one corrupted byte fails the CRC', () => {
    const pages = parseOggPages(file);
    expect(pages[0]!.headerType & OggHeaderType.BeginningOfStream).toBeTruthy();
    expect(pages.at(-1)!.headerType & OggHeaderType.EndOfStream).toBeTruthy();
    pages.forEach((p, i) => expect(p.sequenceNumber).toBe(i));
    // re-serializing each page gives the same bytes
    expect(Buffer.concat(pages.map((p) => Buffer.from(serializeOggPage(p))))).toEqual(Buffer.from(file));
    const bad = file.slice();
    bad[40] = (bad[40] as number) ^ 1;
    expect(() => parseOggPage(bad, 0)).toThrow(ParseError);
  });

  const pageArb: fc.Arbitrary<OggPage> = fc
    .record({
      headerType: fc.integer({ min: 0, max: 7 }),
      granulePosition: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      serialNumber: fc.integer({ min: 0, max: 0xffffffff }),
      sequenceNumber: fc.integer({ min: 0, max: 0xffffffff }),
      segments: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }),
    })
    .map((r) => ({ ...r, body: new Uint8Array(r.segments.reduce((a, b) => a + b, 0)).map((_, i) => i * 7) }));
  it('parse(serialize(page)) == page', () => {
    fc.assert(
      fc.property(pageArb, (p) => {
        const bytes = serializeOggPage(p);
        const { page, pageBytes } = parseOggPage(bytes);
        expect(page).toEqual(p);
        expect(pageBytes).toBe(bytes.length);
      }),
    );
  });
  it('packets survive lacing across pages (0, 255, 510 and 70000 bytes)', () => {
    const w = new OggPageWriter(9);
    const data = [0, 255, 510, 1, 70000, 3].map((n, i) => ({ data: new Uint8Array(n).fill(i + 1), granulePosition: BigInt(i) }));
    const pages = parseOggPages(Buffer.concat(w.writePackets(data, true)));
    expect(pages.length).toBeGreaterThan(1);
    const got = oggPackets(pages);
    expect(got.map((p) => p.data)).toEqual(data.map((d) => d.data));
    expect(got.at(-1)!.granulePosition).toBe(5n);
  });
  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (b, prefix) => {
        const bytes = prefix ? Uint8Array.from([0x4f, 0x67, 0x67, 0x53, 0, ...b]) : b;
        try {
          oggPackets(parseOggPages(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Ogg Opus (RFC 7845)', () => {
  it('reads the libopus file: OpusHead, OpusTags, packets and final granule', () => {
    const f = readOggOpus(file);
    expect(f.head).toMatchObject({ version: 1, channels: 1, inputSampleRate: 48000, mappingFamily: 0 });
    expect(f.tags.comments.some((c) => c.startsWith('encoder='))).toBe(true);
    expect(f.packets.length).toBe(ffprobeCount(m.file('sine.opus'), 'a:0', 'packets'));
    const total = f.packets.reduce((a, p) => a + opusPacketDurationSamples(p.data), 0);
    // RFC 7845 4: the last granule is pre-skip + the samples to play, at most the coded samples
    const lastGranule = f.packets.at(-1)!.granulePosition!;
    expect(lastGranule).toBe(BigInt(f.head.preSkip + 48000));
    expect(BigInt(total + f.head.preSkip)).toBeGreaterThanOrEqual(lastGranule);
  });

  it('a file we write from those packets decodes in ffmpeg without error and ffprobe counts every packet', () => {
    const src = readOggOpus(file);
    const w = new OggOpusWriter({ channels: 1, serialNumber: 0x1234, preSkip: src.head.preSkip, comments: ['TITLE=purertc test'] });
    const parts = [w.start(), ...src.packets.map((p) => w.write(p.data)), w.finish()];
    const out = Buffer.concat(parts.map((p) => Buffer.from(p)));
    writeFileSync(m.file('ours.opus'), out);
    expect(ffmpegStderr(m.file('ours.opus'))).toBe('');
    expect(ffprobeCount(m.file('ours.opus'), 'a:0', 'packets')).toBe(src.packets.length);
    // and we read it back: headers on their own pages, granules add up, EOS set
    const pages = parseOggPages(out);
    expect(oggPackets(pages.slice(0, 1)).length).toBe(1);
    expect(oggPackets(pages.slice(1, 2)).length).toBe(1);
    expect(pages.at(-1)!.headerType & OggHeaderType.EndOfStream).toBeTruthy();
    const back = readOggOpus(out);
    expect(back.tags.comments).toEqual(['TITLE=purertc test']);
    expect(back.packets.map((p) => p.data)).toEqual(src.packets.map((p) => p.data));
    const total = src.packets.reduce((a, p) => a + opusPacketDurationSamples(p.data), 0);
    expect(back.packets.at(-1)!.granulePosition).toBe(BigInt(total + src.head.preSkip));
    expect(pages.length).toBe(2 + Math.ceil(src.packets.length / OGG_OPUS_PACKETS_PER_PAGE));
  });

  it('a stereo file of 20 ms packets decodes to the right duration', () => {
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=300:duration=2', '-ac', '2', '-c:a', 'libopus', '-frame_duration', '20', m.file('st.opus')]);
    const src = readOggOpus(m.read('st.opus'));
    expect(src.head.channels).toBe(2);
    const w = new OggOpusWriter({ channels: 2, serialNumber: 7 });
    const out = Buffer.concat([w.start(), ...src.packets.map((p) => w.write(p.data)), w.finish()].map((p) => Buffer.from(p)));
    writeFileSync(m.file('st2.opus'), out);
    expect(ffmpegStderr(m.file('st2.opus'))).toBe('');
    expect(ffprobeCount(m.file('st2.opus'), 'a:0', 'packets')).toBe(src.packets.length);
  });

  it('OpusHead and OpusTags round trip; random bytes throw only ParseError', () => {
    const head: fc.Arbitrary<OpusHead> = fc.record({
      version: fc.integer({ min: 0, max: 15 }),
      channels: fc.integer({ min: 1, max: 2 }),
      preSkip: fc.integer({ min: 0, max: 0xffff }),
      inputSampleRate: fc.integer({ min: 0, max: 0xffffffff }),
      outputGain: fc.integer({ min: -32768, max: 32767 }),
      mappingFamily: fc.constant(0),
    });
    fc.assert(
      fc.property(head, (h) => {
        expect(parseOpusHead(serializeOpusHead(h))).toEqual(h);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { maxLength: 5 }), (vendor, comments) => {
        expect(parseOpusTags(serializeOpusTags({ vendor, comments }))).toEqual({ vendor, comments });
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (b) => {
        for (const magic of ['OpusHead', 'OpusTags']) {
          const bytes = Uint8Array.from([...new TextEncoder().encode(magic), ...b]);
          try {
            if (magic === 'OpusHead') parseOpusHead(bytes);
            else parseOpusTags(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        }
        try {
          readOggOpus(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
