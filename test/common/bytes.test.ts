import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader, Writer, constantTimeEqual, concatBytes } from '../../src/common/bytes.js';
import { ParseError } from '../../src/common/errors.js';
import { fromHex, toHex } from '../../src/common/hex.js';
import { TimerTable } from '../../src/common/timers.js';
import { seededRandom } from '../../src/common/random.js';

describe('Reader / Writer', () => {
  it('writes network byte order', () => {
    const w = new Writer(1).u8(1).u16(0x0203).u24(0x040506).u32(0x0708090a).u48(0x0b0c0d0e0f10).u64(0x1112131415161718n);
    expect(toHex(w.finish())).toBe('0102030405060708090a0b0c0d0e0f101112131415161718');
  });
  it('reads back what it writes, for all widths', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffff }),
        fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ maxLength: 40 }),
        (a, b, c, d, e, f, g) => {
          const w = new Writer(4).u8(a).u16(b).u24(c).u32(d).u48(e).u64(f).bytes(g);
          const r = new Reader(w.finish());
          expect([r.u8(), r.u16(), r.u24(), r.u32(), r.u48(), r.u64(), r.bytesCopy(g.length)]).toEqual([a, b, c, d, e, f, g]);
          expect(r.done).toBe(true);
        },
      ),
    );
  });
  it('throws ParseError, naming the offset, when reading past the end', () => {
    const r = new Reader(fromHex('0102 03'));
    r.u16();
    expect(() => r.u16('length')).toThrow(ParseError);
    try {
      r.u32();
    } catch (e) {
      expect((e as ParseError).offset).toBe(2);
    }
  });
  it('patches length fields in place', () => {
    const w = new Writer().u16(0).bytes(fromHex('aabbcc'));
    w.setU16(0, 3);
    expect(toHex(w.finish())).toBe('0003aabbcc');
  });
  it('constant-time equality and concat', () => {
    expect(constantTimeEqual(fromHex('0102'), fromHex('0102'))).toBe(true);
    expect(constantTimeEqual(fromHex('0102'), fromHex('0103'))).toBe(false);
    expect(constantTimeEqual(fromHex('0102'), fromHex('01'))).toBe(false);
    expect(toHex(concatBytes(fromHex('01'), fromHex(''), fromHex('0203')))).toBe('010203');
  });
  it('hex accepts separators and rejects junk with ParseError', () => {
    expect(toHex(fromHex('AB:cd 0e\n0F'))).toBe('abcd0e0f');
    expect(toHex(fromHex('abcd'), ':')).toBe('ab:cd');
    expect(() => fromHex('abc')).toThrow(ParseError);
    expect(() => fromHex('zz')).toThrow(ParseError);
  });
});

describe('TimerTable', () => {
  it('gives the earliest deadline and expires in order', () => {
    const t = new TimerTable<'rto' | 'keepalive' | 'consent'>();
    expect(t.next()).toBeUndefined();
    t.set('keepalive', 2500);
    t.set('rto', 500);
    t.set('consent', 1000);
    expect(t.next()).toBe(500);
    t.set('rto', 3000);
    expect(t.next()).toBe(1000);
    expect(t.expired(2500)).toEqual(['consent', 'keepalive']);
    expect(t.next()).toBe(3000);
    t.clear('rto');
    expect(t.next()).toBeUndefined();
  });
});

describe('seededRandom', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = seededRandom(42).fill(new Uint8Array(32));
    const b = seededRandom(42).fill(new Uint8Array(32));
    const c = seededRandom(43).fill(new Uint8Array(32));
    expect(toHex(a)).toBe(toHex(b));
    expect(toHex(a)).not.toBe(toHex(c));
    const r = seededRandom(1);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
  });
});

describe('Reader.bytesCopy on a node Buffer', () => {
  it('returns a copy, not a view (Buffer.prototype.slice is a view)', () => {
    const buf = Buffer.from([1, 2, 3, 4]);
    const copy = new Reader(buf).bytesCopy(4);
    copy[0] = 99;
    expect(buf[0]).toBe(1);
    expect(copy).toBeInstanceOf(Uint8Array);
  });
});
