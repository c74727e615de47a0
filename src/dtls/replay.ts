/**
 * @module dtls/replay
 * The anti-replay sliding window of RFC 6347 4.1.2.6 (from IPsec, RFC 4303 3.4.3): a
 * record whose sequence number was seen, or is left of the window, is dropped. The
 * window is only advanced after the record authenticates.
 */

/** Window width in records; RFC 6347 4.1.2.6 says "a minimum window size of 32 MUST be supported... 64 is preferred". */
export const REPLAY_WINDOW_SIZE = 64;

export class ReplayWindow {
  private highest = -1;
  private bitmap = 0n;

  /** True when `seq` is new and inside (or right of) the window. */
  check(seq: number): boolean {
    if (seq > this.highest) return true;
    const diff = this.highest - seq;
    if (diff >= REPLAY_WINDOW_SIZE) return false;
    return ((this.bitmap >> BigInt(diff)) & 1n) === 0n;
  }

  /** Marks `seq` as received (call after the record authenticated). */
  accept(seq: number): void {
    if (seq > this.highest) {
      const shift = this.highest < 0 ? REPLAY_WINDOW_SIZE : seq - this.highest;
      this.bitmap = shift >= REPLAY_WINDOW_SIZE ? 1n : ((this.bitmap << BigInt(shift)) | 1n) & ((1n << BigInt(REPLAY_WINDOW_SIZE)) - 1n);
      this.highest = seq;
    } else {
      this.bitmap |= 1n << BigInt(this.highest - seq);
    }
  }
}
