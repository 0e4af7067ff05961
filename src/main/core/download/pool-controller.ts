/**
 * How many downloads run at once (architecture.md, "Downloads"): an AIMD-like controller, fed
 * what each window of time carried (bytes, failed attempts, whether downloads waited for a slot)
 * and answering with the pool's size. It holds no clock and no timer: the download stage cuts
 * the windows and passes their length.
 *
 * - It starts at `start` (3) and, while downloads wait for a slot, grows: first by doubling
 *   (a link that carries twice as much with twice the connections is far from full), then, once
 *   a step brought too little, one at a time.
 * - A step is kept only if the throughput grew with it: by at least a quarter of what the added
 *   connections would bring on a link that scales linearly (and by 3 % at the least, the noise
 *   of a window). Each size is measured over `MEASURE_WINDOWS` windows after `SETTLE_WINDOWS`
 *   (the new downloads are starting). Otherwise the pool steps back and holds; every
 *   `RETRY_ROUNDS` measurements it tries one more again, to follow a link that got faster.
 * - Timeouts, 5xx/429 answers and broken connections shrink it at once to 70 % (never below
 *   `min`); it then grows again one at a time, each step judged as above. The window right
 *   after a shrink cannot shrink it again (its failures began before it).
 * - It never grows past `max`.
 */

export interface PoolLimits {
  /** The size it starts at. */
  start: number;
  /** The least it shrinks to. */
  min: number;
  /** The most it grows to. */
  max: number;
}

/**
 * 32 at most: each running download buffers about 1 MB between the socket and the disk
 * (chunk-queue.ts), so 32 hold about 32 MB of the main process; and 32 streams at 10 MB/s
 * each carry 320 MB/s, more than 1,000 tasks at once finishing 1080p × 20 s videos (about 10 a
 * second of 30 MB: 300 MB/s) ask of it.
 */
export const DEFAULT_POOL_LIMITS: Readonly<PoolLimits> = { start: 3, min: 1, max: 32 };

/** What one window carried. */
export interface PoolWindow {
  /** Bytes received by every download together. */
  bytes: number;
  /** The window's length (ms). */
  ms: number;
  /** Failed attempts that mean "too much at once": timeouts, 5xx or 429 answers, broken connections. */
  errors: number;
  /** Whether downloads waited for a slot in the window (without demand, throughput says nothing of the link). */
  saturated: boolean;
}

export type PoolChange = 'grow' | 'hold' | 'back' | 'shrink';

export interface PoolDecision {
  size: number;
  change: PoolChange;
  /** In a few words, for the log. */
  reason: string;
}

/** Multiplicative decrease on errors. */
const SHRINK = 0.7;
/** The least growth that counts as growth (a window's noise). */
const MIN_GAIN = 0.03;
/** Share of the linear gain a step must bring to be kept. */
const GAIN_SHARE = 0.25;
/** Windows skipped after a change (new downloads are still starting), then windows averaged into one measurement. */
export const SETTLE_WINDOWS = 1;
export const MEASURE_WINDOWS = 2;
/** Measurements held at a size that stopped giving more before one more is tried again. */
export const RETRY_ROUNDS = 5;

export class PoolController {
  private current: number;
  /** Doubling until a step brings too little or an error comes; then one at a time. */
  private doubling = true;
  /** The throughput (bytes/ms) measured at the size before the last step up, while that step is judged. */
  private judging?: { from: number; rate: number };
  /** A step up brought too little: the pool holds, and tries one more every RETRY_ROUNDS measurements. */
  private plateau = false;
  private held = 0;
  /** Windows still to skip, and the rates of the windows measured so far, at the current size. */
  private settling = SETTLE_WINDOWS;
  private samples: number[] = [];
  /** The window after a shrink: its failures do not count. */
  private coolingDown = false;
  readonly limits: Readonly<PoolLimits>;

  constructor(limits: Partial<PoolLimits> = {}) {
    const min = Math.max(1, Math.floor(limits.min ?? DEFAULT_POOL_LIMITS.min));
    const max = Math.max(min, Math.floor(limits.max ?? DEFAULT_POOL_LIMITS.max));
    const start = Math.min(max, Math.max(min, Math.floor(limits.start ?? DEFAULT_POOL_LIMITS.start)));
    this.limits = { start, min, max };
    this.current = start;
  }

  get size(): number {
    return this.current;
  }

  /** The window that just ended; returns the size for the next one. */
  observe(window: PoolWindow): PoolDecision {
    if (window.errors > 0 && !this.coolingDown) {
      this.coolingDown = true;
      this.doubling = false;
      this.judging = undefined;
      this.plateau = false;
      return this.change(Math.max(this.limits.min, Math.floor(this.current * SHRINK)), 'shrink', `${window.errors} failed attempt(s)`);
    }
    const cooled = this.coolingDown;
    this.coolingDown = false;
    if (window.errors > 0 && cooled) return this.hold('failures that began before the last shrink');
    // No download waited: the throughput is the demand's, not the link's.
    if (!window.saturated) return this.hold('no download waited for a slot');
    if (this.settling > 0) {
      this.settling--;
      return this.hold('downloads are starting');
    }
    this.samples.push(window.ms > 0 ? window.bytes / window.ms : 0);
    if (this.samples.length < MEASURE_WINDOWS) return this.hold('measuring');
    const rate = this.samples.reduce((a, b) => a + b, 0) / this.samples.length;
    this.samples = [];
    if (this.judging) {
      const { from, rate: before } = this.judging;
      const step = this.current - from;
      const needed = Math.max(MIN_GAIN, (GAIN_SHARE * step) / from);
      this.judging = undefined;
      if (rate < before * (1 + needed)) {
        this.doubling = false;
        this.plateau = true;
        this.held = 0;
        return this.change(from, 'back', `${from + step} carried no more than ${from}`);
      }
      this.plateau = false;
    } else if (this.plateau && ++this.held < RETRY_ROUNDS) {
      return this.hold('holding at the size that stopped giving more');
    }
    if (this.current >= this.limits.max) return this.hold('at the bound');
    this.judging = { from: this.current, rate };
    this.held = 0;
    return this.change(Math.min(this.limits.max, this.doubling ? this.current * 2 : this.current + 1), 'grow', 'downloads waited and the link may carry more');
  }

  private change(size: number, change: PoolChange, reason: string): PoolDecision {
    this.current = size;
    this.settling = SETTLE_WINDOWS;
    this.samples = [];
    return { size, change, reason };
  }

  private hold(reason: string): PoolDecision {
    return { size: this.current, change: 'hold', reason };
  }
}
