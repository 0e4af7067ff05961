import { systemClock, type Clock, type Timer } from './clock';

export interface CoalescerOptions<P> {
  /** The shortest time between two sends. */
  delayMs: number;
  /**
   * `from-first-change`: a send comes `delayMs` after the first change of a quiet spell (later
   * changes do not push it back, so a steady trickle still shows every `delayMs`).
   * `from-last-send`: at most one send per `delayMs`; the first change after a quiet spell goes
   * out at once.
   */
  pace: 'from-first-change' | 'from-last-send';
  /** A fresh, empty pending value. */
  empty: () => P;
  /** Hands on what was gathered. */
  send: (pending: P) => void;
  /** A pending value that is empty is not sent (default: every value is sent). */
  isEmpty?: (pending: P) => boolean;
  /** While false, changes are gathered but nothing is sent (nobody listens). Default: always true. */
  wanted?: () => boolean;
  clock?: Clock;
}

/**
 * Gathers changes and hands them on together, at most once per interval, however many arrive in
 * between: the engine's updates to the window and the CLI, and the library's changes, both go
 * through one of these.
 */
export class Coalescer<P> {
  private pending: P;
  private timer: Timer | undefined;
  private lastSend = -Infinity;
  private readonly clock: Clock;

  constructor(private readonly options: CoalescerOptions<P>) {
    this.pending = options.empty();
    this.clock = options.clock ?? systemClock;
  }

  /** Records a change into the pending value and arms the send. */
  add(update: (pending: P) => void): void {
    update(this.pending);
    if (this.timer || !this.wanted() || this.options.isEmpty?.(this.pending)) return;
    const { delayMs, pace } = this.options;
    const wait = pace === 'from-first-change' ? delayMs : Math.max(0, this.lastSend + delayMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.flush(), wait);
    this.timer.unref?.();
  }

  /** Sends what is pending now. */
  flush(): void {
    this.cancel();
    this.lastSend = this.clock.now();
    if (!this.wanted() || this.options.isEmpty?.(this.pending)) return;
    const pending = this.pending;
    this.pending = this.options.empty();
    this.options.send(pending);
    // Paced from the end of the send: a send that takes long (a big queue's totals) does not
    // bring the next one closer to it.
    this.lastSend = this.clock.now();
  }

  /** Drops what was gathered and stops. */
  close(): void {
    this.cancel();
    this.pending = this.options.empty();
  }

  private cancel(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private wanted(): boolean {
    return this.options.wanted?.() ?? true;
  }
}
