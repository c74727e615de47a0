/**
 * @module rtp/unwrap
 * Extending wrapping counters into monotonic ones: RTP sequence numbers (16 bits,
 * RFC 3550 appendix A.1 keeps "cycles" the same way) and RTP timestamps (32 bits). Each
 * new value is placed at the extended value nearest to the last one, so reordered
 * packets get a smaller extended value and a wrap forward adds 2^bits.
 */
import { InvalidArgumentError } from '../common/errors.js';

/** Unwraps a `bits`-wide counter into a (safe) integer. */
export class Unwrapper {
  readonly bits: number;
  private readonly modulus: number;
  private last: number | undefined;

  constructor(bits: number) {
    if (!(Number.isInteger(bits) && bits >= 1 && bits <= 32)) throw new InvalidArgumentError('Unwrapper bits must be 1-32');
    this.bits = bits;
    this.modulus = 2 ** bits;
  }

  /** The extended value of `value` (taken modulo 2^bits), given the values seen before. */
  unwrap(value: number): number {
    const m = this.modulus;
    const v = ((value % m) + m) % m;
    const last = this.last;
    if (last === undefined) {
      this.last = v;
      return v;
    }
    let diff = (v - (((last % m) + m) % m) + m) % m;
    // Forward when less than half the range ahead; exactly half counts as forward (RFC 1982 leaves it undefined).
    if (diff > m / 2) diff -= m;
    const out = last + diff;
    this.last = out;
    return out;
  }

  /** The extended value of the last call, if any. */
  get lastValue(): number | undefined {
    return this.last;
  }
}

/** Unwraps 16-bit RTP sequence numbers. */
export class SequenceNumberUnwrapper extends Unwrapper {
  constructor() {
    super(16);
  }
}

/** Unwraps 32-bit RTP timestamps. */
export class TimestampUnwrapper extends Unwrapper {
  constructor() {
    super(32);
  }
}

/** True when sequence number `a` is newer than `b` (serial number arithmetic, RFC 1982, 16 bits). */
export function isSequenceNewer(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}
