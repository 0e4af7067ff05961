/**
 * A sliding-window limit: at most `limit` requests in any window of `windowMs`. A ring of the
 * last `limit` accepted times makes each check O(1): a request is allowed when fewer than
 * `limit` were accepted, or when the oldest of the last `limit` has left the window.
 */
export class SlidingWindowLimiter {
  private readonly times: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number
  ) {
    this.times = new Float64Array(Math.max(1, limit));
  }

  /** Counts the request and returns 0 when allowed; otherwise how many ms until it would be. */
  take(now: number): number {
    if (this.limit <= 0) return this.windowMs;
    if (this.filled === this.limit) {
      const oldest = this.times[this.next];
      const freeAt = oldest + this.windowMs;
      if (freeAt > now) return freeAt - now;
    } else {
      this.filled++;
    }
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    return 0;
  }
}
