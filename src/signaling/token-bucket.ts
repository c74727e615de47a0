/**
 * @module signaling/token-bucket
 * A token bucket driven by a `now` argument (no clock inside): `ratePerSecond` tokens
 * accrue per second up to `burst`; each accepted message takes one. The same shaping
 * idea as RFC 8085 section 3.1.5 (bounding a sender's rate), applied per connection.
 */

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #lastMs: number | undefined;

  /** `ratePerSecond <= 0` or non-finite means no limit. */
  constructor(ratePerSecond: number, burst: number) {
    this.ratePerSecond = ratePerSecond;
    this.burst = Math.max(1, burst);
    this.#tokens = this.burst;
  }

  /** Takes one token at time `nowMs` if there is one. */
  take(nowMs: number): boolean {
    if (!(this.ratePerSecond > 0) || !Number.isFinite(this.ratePerSecond)) return true;
    if (this.#lastMs !== undefined && nowMs > this.#lastMs) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((nowMs - this.#lastMs) * this.ratePerSecond) / 1000);
    }
    if (this.#lastMs === undefined || nowMs > this.#lastMs) this.#lastMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whole tokens available at the last `take` (for tests and stats). */
  get tokens(): number {
    return Math.floor(this.#tokens);
  }
}
