/**
 * @module crypto/der
 * A small DER (ITU-T X.690 section 10, distinguished encoding) writer and reader: just
 * the types an X.509 certificate (RFC 5280 4.1) and an ECDSA signature (RFC 5480 2.2,
 * RFC 3279 2.2.3 `Ecdsa-Sig-Value`) need. Definite lengths only; the reader throws
 * `ParseError` on anything that is not well-formed DER.
 */
import { ParseError } from '../common/errors.js';
import { concatBytes } from '../common/bytes.js';

export const DerTag = {
  Boolean: 0x01,
  Integer: 0x02,
  BitString: 0x03,
  OctetString: 0x04,
  Null: 0x05,
  Oid: 0x06,
  Utf8String: 0x0c,
  PrintableString: 0x13,
  UtcTime: 0x17,
  GeneralizedTime: 0x18,
  Sequence: 0x30,
  Set: 0x31,
} as const;

/** Deepest nesting the reader follows (certificates nest about 8 levels). */
export const MAX_DER_DEPTH = 32;

function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV with an arbitrary tag byte. */
export function derTlv(tag: number, value: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), encodeLength(value.length), value);
}

export function derSequence(...items: readonly Uint8Array[]): Uint8Array {
  return derTlv(DerTag.Sequence, concatBytes(...items));
}

export function derSet(...items: readonly Uint8Array[]): Uint8Array {
  return derTlv(DerTag.Set, concatBytes(...items));
}

/** A non-negative INTEGER from big-endian magnitude bytes (minimal, sign byte added). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = magnitude.subarray(start);
  if (body.length === 0) body = Uint8Array.of(0);
  if (((body[0] as number) & 0x80) !== 0) body = concatBytes(Uint8Array.of(0), body);
  return derTlv(DerTag.Integer, body);
}

export function derSmallInteger(v: number): Uint8Array {
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  return derUnsignedInteger(Uint8Array.from(bytes));
}

export function derOid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map((p) => Number(p));
  const [a, b, ...rest] = parts;
  if (a === undefined || b === undefined) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [];
    let v = arc;
    chunk.unshift(v & 0x7f);
    v = Math.floor(v / 128);
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...chunk);
  }
  return derTlv(DerTag.Oid, Uint8Array.from(out));
}

export function derNull(): Uint8Array {
  return Uint8Array.of(DerTag.Null, 0);
}

/** BIT STRING with zero unused bits. */
export function derBitString(bytes: Uint8Array): Uint8Array {
  return derTlv(DerTag.BitString, concatBytes(Uint8Array.of(0), bytes));
}

export function derUtf8String(text: string): Uint8Array {
  return derTlv(DerTag.Utf8String, new TextEncoder().encode(text));
}

/** Context-specific constructed [n] EXPLICIT wrapper. */
export function derExplicit(n: number, inner: Uint8Array): Uint8Array {
  return derTlv(0xa0 | n, inner);
}

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** UTCTime for years 1950..2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
export function derTime(date: Date): Uint8Array {
  const y = date.getUTCFullYear();
  const rest = `${pad2(date.getUTCMonth() + 1)}${pad2(date.getUTCDate())}${pad2(date.getUTCHours())}${pad2(date.getUTCMinutes())}${pad2(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return derTlv(DerTag.UtcTime, new TextEncoder().encode(pad2(y % 100) + rest));
  return derTlv(DerTag.GeneralizedTime, new TextEncoder().encode(y.toString().padStart(4, '0') + rest));
}

/** One decoded TLV: `value` is a view into the input, `raw` the whole element. */
export interface DerElement {
  readonly tag: number;
  readonly value: Uint8Array;
  readonly raw: Uint8Array;
}

/** Reads consecutive DER elements from a byte run. */
export class DerReader {
  private readonly bytes: Uint8Array;
  private offset = 0;
  private readonly depth: number;

  constructor(bytes: Uint8Array, depth = 0) {
    if (depth > MAX_DER_DEPTH) throw new ParseError('der: nesting too deep');
    this.bytes = bytes;
    this.depth = depth;
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  peekTag(): number | undefined {
    return this.bytes[this.offset];
  }

  next(what = 'element'): DerElement {
    const start = this.offset;
    const tag = this.bytes[start];
    if (tag === undefined) throw new ParseError(`der: ${what}: end of input`, { offset: start });
    if ((tag & 0x1f) === 0x1f) throw new ParseError(`der: ${what}: multi-byte tags unsupported`, { offset: start });
    const l0 = this.bytes[start + 1];
    if (l0 === undefined) throw new ParseError(`der: ${what}: missing length`, { offset: start });
    let len = 0;
    let at = start + 2;
    if (l0 < 0x80) len = l0;
    else {
      const n = l0 & 0x7f;
      if (n === 0 || n > 4) throw new ParseError(`der: ${what}: bad length form`, { offset: start });
      for (let i = 0; i < n; i++) {
        const b = this.bytes[at++];
        if (b === undefined) throw new ParseError(`der: ${what}: truncated length`, { offset: start });
        if (i === 0 && b === 0) throw new ParseError(`der: ${what}: non-minimal length`, { offset: start });
        len = len * 256 + b;
      }
      if (len < 0x80) throw new ParseError(`der: ${what}: non-minimal length`, { offset: start });
    }
    if (at + len > this.bytes.length) throw new ParseError(`der: ${what}: value runs past end`, { offset: start });
    this.offset = at + len;
    return { tag, value: this.bytes.subarray(at, at + len), raw: this.bytes.subarray(start, at + len) };
  }

  /** The next element, which must carry `tag`. */
  expect(tag: number, what: string): DerElement {
    const el = this.next(what);
    if (el.tag !== tag) throw new ParseError(`der: ${what}: expected tag 0x${tag.toString(16)}, got 0x${el.tag.toString(16)}`);
    return el;
  }

  /** A reader over the contents of the next constructed element with `tag`. */
  enter(tag: number, what: string): DerReader {
    return new DerReader(this.expect(tag, what).value, this.depth + 1);
  }

  end(what: string): void {
    if (!this.done) throw new ParseError(`der: ${what}: trailing bytes`);
  }
}

/** Dotted text of an OBJECT IDENTIFIER's contents. */
export function decodeOid(value: Uint8Array): string {
  if (value.length === 0) throw new ParseError('der: empty OID');
  const first = value[0] as number;
  const arcs: number[] = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let v = 0;
  for (let i = 1; i < value.length; i++) {
    const b = value[i] as number;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 256) throw new ParseError('der: OID arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    } else if (i === value.length - 1) throw new ParseError('der: truncated OID arc');
  }
  return arcs.join('.');
}

/** Magnitude bytes of a non-negative INTEGER (leading zero sign byte removed). */
export function decodeUnsignedInteger(value: Uint8Array): Uint8Array {
  if (value.length === 0) throw new ParseError('der: empty INTEGER');
  if (((value[0] as number) & 0x80) !== 0) throw new ParseError('der: negative INTEGER');
  if (value.length > 1 && value[0] === 0 && ((value[1] as number) & 0x80) === 0) throw new ParseError('der: non-minimal INTEGER');
  return value[0] === 0 && value.length > 1 ? value.subarray(1) : value;
}

/** Contents of a BIT STRING with no unused bits. */
export function decodeBitString(value: Uint8Array): Uint8Array {
  if (value.length === 0 || value[0] !== 0) throw new ParseError('der: BIT STRING with unused bits');
  return value.subarray(1);
}

/** UTCTime or GeneralizedTime text to a Date. */
export function decodeTime(el: DerElement): Date {
  const text = new TextDecoder().decode(el.value);
  let m: RegExpExecArray | null;
  let year: number;
  if (el.tag === DerTag.UtcTime && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (el.tag === DerTag.GeneralizedTime && (m = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text))) {
    year = Number(m[1]);
  } else throw new ParseError(`der: bad time ${JSON.stringify(text)}`);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
