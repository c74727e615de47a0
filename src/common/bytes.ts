/**
 * @module common/bytes
 * A small cursor over `DataView` for network byte order (RFC 791 appendix B), the way
 * noble-hashes and aioquic's `_buffer` do it: `Uint8Array` in, `subarray` out, no copies
 * unless the caller keeps the bytes. Reading past the end throws `ParseError`.
 */
import { ParseError } from './errors.js';

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads big-endian integers and byte runs from a `Uint8Array`. */
export class Reader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Offset of the next byte to read. */
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.view = viewOf(bytes);
    this.offset = offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (n < 0 || at + n > this.bytes.length) {
      throw new ParseError(`${what}: need ${n} bytes at offset ${at}, have ${this.bytes.length - at}`, { offset: at });
    }
    this.offset = at + n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.view.getUint8(this.need(1, what));
  }
  u16(what = 'u16'): number {
    return this.view.getUint16(this.need(2, what));
  }
  u24(what = 'u24'): number {
    const at = this.need(3, what);
    return (this.view.getUint8(at) << 16) | this.view.getUint16(at + 1);
  }
  u32(what = 'u32'): number {
    return this.view.getUint32(this.need(4, what));
  }
  /** 48-bit unsigned as a number (exact: below 2^53). */
  u48(what = 'u48'): number {
    const at = this.need(6, what);
    return this.view.getUint16(at) * 0x1_0000_0000 + this.view.getUint32(at + 2);
  }
  u64(what = 'u64'): bigint {
    return this.view.getBigUint64(this.need(8, what));
  }
  /** A view (no copy) of the next `n` bytes. */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    const at = this.need(n, what);
    return this.bytes.subarray(at, at + n);
  }
  /** A copy of the next `n` bytes, for values that outlive the input buffer. */
  bytesCopy(n: number, what = 'bytes'): Uint8Array {
    // Not `.slice()`: on a node Buffer (what dgram delivers) slice() is a view.
    const out = new Uint8Array(n);
    out.set(this.bytesView(n, what));
    return out;
  }
  /** Everything left, as a view. */
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.offset);
    this.offset = this.bytes.length;
    return out;
  }
  skip(n: number, what = 'skip'): void {
    this.need(n, what);
  }
}

/** Writes big-endian integers and bytes into a growable buffer. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  /** Number of bytes written so far. */
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = viewOf(this.buf);
  }

  private ensure(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = viewOf(next);
    }
    this.length = need;
    return at;
  }

  u8(v: number): this {
    const at = this.ensure(1);
    this.view.setUint8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.ensure(2);
    this.view.setUint16(at, v);
    return this;
  }
  u24(v: number): this {
    const at = this.ensure(3);
    this.view.setUint8(at, (v >>> 16) & 0xff);
    this.view.setUint16(at + 1, v & 0xffff);
    return this;
  }
  u32(v: number): this {
    const at = this.ensure(4);
    this.view.setUint32(at, v >>> 0);
    return this;
  }
  u48(v: number): this {
    const at = this.ensure(6);
    this.view.setUint16(at, Math.floor(v / 0x1_0000_0000) & 0xffff);
    this.view.setUint32(at + 2, v >>> 0);
    return this;
  }
  u64(v: bigint): this {
    const at = this.ensure(8);
    this.view.setBigUint64(at, v);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.ensure(b.length);
    this.buf.set(b, at);
    return this;
  }
  /** `n` zero bytes (padding). */
  zeros(n: number): this {
    const at = this.ensure(n);
    this.buf.fill(0, at, this.length);
    return this;
  }
  /** Overwrite a u16 already written at `at` (length fields known only at the end). */
  setU16(at: number, v: number): this {
    this.view.setUint16(at, v);
    return this;
  }
  setU24(at: number, v: number): this {
    this.view.setUint8(at, (v >>> 16) & 0xff);
    this.view.setUint16(at + 1, v & 0xffff);
    return this;
  }
  setU32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0);
    return this;
  }
  /** A view of what was written; valid until the next write. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Concatenate byte arrays into one new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte-wise equality (not constant time; see `constantTimeEqual` for secrets). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equality whose time does not depend on where the inputs differ (MAC checks). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
