/**
 * @module srtp/replay
 * Packet index estimation and replay protection for SRTP and SRTCP.
 *
 * RFC 3711 3.3.1 and appendix A: the receiver guesses the 48-bit index i = 2^16 * v + SEQ
 * from the highest index seen so far (ROC, s_l):
 *
 *   if s_l < 2^15:  v = (SEQ - s_l > 2^15) ? ROC - 1 : ROC
 *   else:           v = (s_l - 2^15 > SEQ) ? ROC + 1 : ROC
 *
 * RFC 3711 3.3.2: a sliding window of the last W indices, W >= 64 (SRTP_WINDOW_SIZE_MIN).
 * Indices above the highest one are new; indices more than W - 1 below it are too old;
 * in between, a bitmap says whether they were seen. The window is updated only after the
 * packet authenticated (3.3, step 5 / 3.4 step 5 of the receiver's processing).
 */
import { InvalidArgumentError } from '../common/errors.js';

/** RFC 3711 3.3.2: "SRTP_WINDOW_SIZE ... MUST be at least 64". Also our default. */
export const REPLAY_WINDOW_MIN = 64;
/**
 * Largest window we allow: 2^15 packets, half the sequence space, since index estimation
 * can not place a packet further back than 2^15 anyway (appendix A). 1024 is plenty even
 * for high-rate video with NACK/RTX reordering.
 */
export const REPLAY_WINDOW_MAX = 32768;

/** Estimates the packet index of `seq` given the highest index seen, `highest` (>= 0). */
export function estimateSrtpIndex(highest: number, seq: number): number {
  const roc = Math.floor(highest / 0x10000);
  const sl = highest - roc * 0x10000;
  let v = roc;
  if (sl < 0x8000) {
    if (seq - sl > 0x8000) v = roc - 1;
  } else if (sl - 0x8000 > seq) {
    v = roc + 1;
  }
  return v * 0x10000 + seq;
}

export type ReplayVerdict = 'new' | 'replayed' | 'too-old';

/** A bitmap window over the last `size` indices (indices are integers below 2^53). */
export class ReplayWindow {
  readonly size: number;
  /** Highest index accepted, or -1 before the first. */
  private top = -1;
  private readonly bits: Uint32Array;
  /** Number of bit positions in the ring (a multiple of 32, >= size). */
  private readonly ring: number;

  constructor(size = REPLAY_WINDOW_MIN) {
    if (!Number.isInteger(size) || size < REPLAY_WINDOW_MIN || size > REPLAY_WINDOW_MAX) {
      throw new InvalidArgumentError(`replay window must be an integer in [${REPLAY_WINDOW_MIN}, ${REPLAY_WINDOW_MAX}], got ${size}`);
    }
    this.size = size;
    this.bits = new Uint32Array(Math.ceil(size / 32));
    this.ring = this.bits.length * 32;
  }

  /** The highest index accepted, or -1. */
  get highest(): number {
    return this.top;
  }

  /** Whether `index` may be accepted (does not change the window). */
  check(index: number): ReplayVerdict {
    if (index > this.top) return 'new';
    if (this.top - index >= this.size) return 'too-old';
    const bit = index % this.ring;
    return ((this.bits[bit >>> 5] as number) >>> (bit & 31)) & 1 ? 'replayed' : 'new';
  }

  private clearBit(index: number): void {
    const bit = index % this.ring;
    this.bits[bit >>> 5] = (this.bits[bit >>> 5] as number) & ~(1 << (bit & 31));
  }

  /** Records `index` as received; call only after `check(index)` said 'new' and it authenticated. */
  accept(index: number): void {
    if (index > this.top) {
      const advance = this.top < 0 ? this.ring : index - this.top;
      if (advance >= this.ring) {
        this.bits.fill(0);
      } else {
        // Clear the bits of top+1..index: single bits up to a word boundary, then whole
        // words (the ring is a multiple of 32 bits, so boundaries line up), then the rest.
        let i = this.top + 1;
        for (; i <= index && i % 32 !== 0; i++) this.clearBit(i);
        for (; i + 31 <= index; i += 32) this.bits[(i % this.ring) >>> 5] = 0;
        for (; i <= index; i++) this.clearBit(i);
      }
      this.top = index;
    }
    const bit = index % this.ring;
    this.bits[bit >>> 5] = (this.bits[bit >>> 5] as number) | (1 << (bit & 31));
  }
}
