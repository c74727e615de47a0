/**
 * @module dtls/replay
 * The anti-replay sliding window of RFC 6347 4.1.2.6 (from IPsec, RFC 4303 3.4.3): a
 * record whose sequence number was seen, or is left of the window, is dropped. The
 * window is only advanced after the record authenticates.
 */

/** Window width in records; RFC 6347 4.1.2.6 says "a minimum window size of 32 MUST be supported... 64 is preferred". */
export const REPLAY_WINDOW_SIZE = 64;
const WORD_BITS = 32;

/**
 * The bitmap is two 32-bit words (bit i set: `highest - i` was received), so checking
 * and accepting a record allocate nothing (BigInt shifts did, per record).
 */
export class ReplayWindow {
  private highest = -1;
  /** Bits 0-31: highest .. highest - 31. */
  private low = 0;
  /** Bits 32-63: highest - 32 .. highest - 63. */
  private high = 0;

  /** True when `seq` is new and inside (or right of) the window. */
  check(seq: number): boolean {
    if (seq > this.highest) return true;
    const diff = this.highest - seq;
    if (diff >= REPLAY_WINDOW_SIZE) return false;
    const bit = diff < WORD_BITS ? (this.low >>> diff) & 1 : (this.high >>> (diff - WORD_BITS)) & 1;
    return bit === 0;
  }

  /** Marks `seq` as received (call after the record authenticated). */
  accept(seq: number): void {
    if (seq > this.highest) {
      const shift = this.highest < 0 ? REPLAY_WINDOW_SIZE : seq - this.highest;
      if (shift >= REPLAY_WINDOW_SIZE) {
        this.high = 0;
        this.low = 1;
      } else if (shift >= WORD_BITS) {
        this.high = (this.low << (shift - WORD_BITS)) >>> 0;
        this.low = 1;
      } else {
        this.high = ((this.high << shift) | (this.low >>> (WORD_BITS - shift))) >>> 0;
        this.low = ((this.low << shift) | 1) >>> 0;
      }
      this.highest = seq;
      return;
    }
    const diff = this.highest - seq;
    if (diff >= REPLAY_WINDOW_SIZE) return;
    if (diff < WORD_BITS) this.low = (this.low | (1 << diff)) >>> 0;
    else this.high = (this.high | (1 << (diff - WORD_BITS))) >>> 0;
  }
}
