// fast-check properties of what the media facade parses: the file sources (IVF, Ogg Opus,
// Annex B) and track.writeRtp's bytes. Random input throws only ParseError; well-formed
// input round-trips through the existing writers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { serializeIvf } from '../../src/media/ivf.js';
import { OggOpusWriter } from '../../src/media/ogg-opus.js';
import { serializeRtp } from '../../src/rtp/rtp-packet.js';
import type { RtpPacket } from '../../src/rtp/rtp-packet.js';
import { annexBSource, ivfSource, oggOpusSource, VIDEO_CLOCK_HZ } from '../../src/node/media-files.js';
import { MediaStreamTrack } from '../../src/node/media-stream-track.js';
import { rtpPacket } from '../rtp/arbitraries.js';

const onlyParseErrors = (fn: () => unknown): void => {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
  }
};
const bytes = fc.uint8Array({ maxLength: 300 });

describe('file sources', () => {
  it('random bytes throw only ParseError', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        onlyParseErrors(() => ivfSource(b));
        onlyParseErrors(() => oggOpusSource(b));
        onlyParseErrors(() => annexBSource(b, 30));
      }),
    );
  });

  it('IVF: every frame, in order, at file time scaled to 90 kHz', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 90000 }),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 10 }),
        (num, den, datas) => {
          const frames = datas.map((data, i) => ({ timestamp: BigInt(i * 3), data }));
          const file = serializeIvf({ fourcc: 'VP80', width: 16, height: 16, timebaseDenominator: den, timebaseNumerator: num, frameCount: 0 }, frames);
          const src = ivfSource(file);
          expect(src.frames.map((f) => [...f.data])).toEqual(datas.map((d) => [...d]));
          expect(src.frames.map((f) => f.ticks)).toEqual(datas.map((_, i) => Math.round((i * 3 * VIDEO_CLOCK_HZ * num) / den)));
          // RFC 6386 9.1: the P bit (bit 0 of the first byte) is 0 on a key frame.
          expect(src.frames.map((f) => f.keyframe)).toEqual(datas.map((d) => ((d[0] as number) & 1) === 0));
        },
      ),
    );
  });

  it('Ogg Opus: every packet, timestamps advanced by the TOC durations', () => {
    // TOC config 1 (SILK NB 20 ms), code 0: one 960-sample frame per packet (RFC 6716 3.1).
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 30 }), { minLength: 1, maxLength: 60 }), (bodies) => {
        const w = new OggOpusWriter({ serialNumber: 7 });
        const packets = bodies.map((b) => Uint8Array.of(1 << 3, ...b));
        const parts = [w.start(), ...packets.map((p) => w.write(p)), w.finish()];
        const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          file.set(p, at);
          at += p.length;
        }
        const src = oggOpusSource(file);
        expect(src.frames.map((f) => [...f.data])).toEqual(packets.map((p) => [...p]));
        expect(src.frames.map((f) => f.ticks)).toEqual(packets.map((_, i) => i * 960));
      }),
    );
  });
});

describe('MediaStreamTrack.writeRtp', () => {
  it('random bytes throw only ParseError; packet bytes arrive as the packet', () => {
    const t = new MediaStreamTrack({ kind: 'video' });
    let seen: RtpPacket | undefined;
    t.onrtp = (e) => {
      seen = e.packet;
    };
    fc.assert(
      fc.property(bytes, (b) => {
        onlyParseErrors(() => t.writeRtp(b));
      }),
    );
    fc.assert(
      fc.property(rtpPacket, (p) => {
        t.writeRtp(serializeRtp(p));
        expect(serializeRtp(seen!)).toEqual(serializeRtp(p));
      }),
    );
  });
});
