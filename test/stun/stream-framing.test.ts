// RFC 8656 12.5 / RFC 8489 6.2.2: framing STUN and ChannelData on a byte stream.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/common/errors.js';
import { decodeChannelData, decodeStunMessage, encodeChannelData, encodeStunMessage, StunStreamFramer } from '../../src/stun/index.js';
import { message } from './arbitraries.js';

const frame = fc.oneof(
  message.map((m) => ({ kind: 'stun' as const, bytes: encodeStunMessage(m) })),
  fc.record({ ch: fc.integer({ min: 0x4000, max: 0x7ffe }), data: fc.uint8Array({ maxLength: 50 }) }).map(({ ch, data }) => ({ kind: 'cd' as const, bytes: encodeChannelData(ch, data, true, 0x7ffe), data })),
);

describe('StunStreamFramer', () => {
  it('recovers every frame however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (frames, cuts) => {
        const stream = new Uint8Array(frames.reduce((n, f) => n + f.bytes.length, 0));
        let at = 0;
        for (const f of frames) {
          stream.set(f.bytes, at);
          at += f.bytes.length;
        }
        const framer = new StunStreamFramer();
        const out: Uint8Array[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length] as number;
          out.push(...framer.push(stream.subarray(pos, pos + n)));
          pos += n;
        }
        expect(framer.pendingBytes).toBe(0);
        expect(out).toHaveLength(frames.length);
        frames.forEach((f, i) => {
          const got = out[i] as Uint8Array;
          if (f.kind === 'stun') expect(decodeStunMessage(got).transactionId).toEqual(decodeStunMessage(f.bytes).transactionId);
          else expect(decodeChannelData(got, 0x7ffe).data).toEqual(f.data);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a stream that is neither STUN nor ChannelData, and random bytes throw only ParseError', () => {
    expect(() => new StunStreamFramer().push(new Uint8Array([0x80, 0x60, 0x00, 0x01]))).toThrow(ParseError);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const f = new StunStreamFramer();
        try {
          for (const c of chunks) f.push(c);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
        }
        expect(f.pendingBytes).toBeLessThanOrEqual(20 + 0xffff);
      }),
      { numRuns: 1000 },
    );
  });

  it('a largest message trickled one byte at a time is copied a bounded number of times (no quadratic rebuffering)', () => {
    // A peer sending one byte per TCP segment used to cost a copy of the whole pending frame
    // per byte (about 2 GB of copying for one 64 KiB message).
    const big = encodeStunMessage({
      class: 'indication',
      method: 0x0016,
      transactionId: new Uint8Array(12).fill(5),
      attributes: [{ type: 'DATA', value: new Uint8Array(0xffff - 4 - 3).fill(0xab) }],
    });
    const small = encodeChannelData(0x4001, new Uint8Array([1, 2, 3]), true, 0x7ffe);
    const stream = new Uint8Array(big.length + small.length);
    stream.set(big);
    stream.set(small, big.length);
    const f = new StunStreamFramer();
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...f.push(stream.subarray(i, i + 1)));
    expect(out.map((o) => o.length)).toEqual([big.length, 4 + 3]);
    expect(out[0]).toEqual(big);
    expect(f.pendingBytes).toBe(0);
    expect(f.copiedBytes).toBeLessThanOrEqual(4 * stream.length);
  });
});
