import { systemClock, type Clock, type Timer } from '../util/clock';
import { MinHeap } from '../util/min-heap';

export interface PollSchedulerOptions {
  /** Most status requests per minute (in real time at timeScale 1). */
  budgetPerMinute: number;
  timeScale: number;
  /** Polls running at once. */
  maxConcurrent?: number;
  /** Performs one poll; the scheduler does not reschedule by itself. */
  poll: (taskId: string) => Promise<void>;
  clock?: Clock;
}

/**
 * One scheduler for every task's polls: a heap ordered by due time, one timer for the earliest,
 * and a token bucket that keeps all polling inside the request budget by letting due polls wait
 * (which stretches every interval evenly when many tasks are in flight).
 */
export class PollScheduler {
  private readonly heap = new MinHeap<{ at: number; id: string; version: number }>((item) => item.at);
  private readonly due = new Map<string, number>();
  private versions = 0;
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private running = 0;
  private tokens = Infinity;
  private tokensAt: number;
  private ratePerMs = 0;
  private burst = 1;
  private readonly maxConcurrent: number;
  private readonly clock: Clock;
  private stopped = false;
  private paused = false;

  constructor(private readonly options: PollSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.setBudget(options.budgetPerMinute);
    this.tokens = this.burst;
    this.tokensAt = this.clock.now();
    this.maxConcurrent = options.maxConcurrent ?? 16;
  }

  /** Changes the request budget from now on. */
  setBudget(budgetPerMinute: number): void {
    this.ratePerMs = budgetPerMinute / 60_000 / this.options.timeScale;
    // A second's worth of budget may be spent at once (at least one poll).
    this.burst = Math.max(1, budgetPerMinute / 60);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Tasks waiting for a poll. */
  get size(): number {
    return this.due.size;
  }

  /** (Re)schedules a task's next poll; replaces any earlier schedule for it. */
  schedule(id: string, at: number): void {
    const version = ++this.versions;
    this.due.set(id, version);
    this.heap.push({ at, id, version });
    this.arm();
  }

  remove(id: string): void {
    this.due.delete(id);
  }

  has(id: string): boolean {
    return this.due.has(id);
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  /** The machine goes to sleep: no poll is sent until `resume`, and due times keep their place. */
  pause(): void {
    this.paused = true;
    this.disarm();
  }

  /**
   * Awake again: every poll that fell due meanwhile is spread over at least `minSpreadMs`, and
   * over as long as the request budget needs for that many (architecture.md, "Scheduling"),
   * in the order they fell due, so catching up never sends a burst.
   */
  resume(minSpreadMs: number): void {
    if (!this.paused) return;
    this.paused = false;
    const now = this.clock.now();
    const overdue: string[] = [];
    for (let top = this.peekLive(); top && top.at <= now; top = this.peekLive()) {
      this.heap.pop();
      this.due.delete(top.id);
      overdue.push(top.id);
    }
    const spreadMs = Math.max(minSpreadMs, overdue.length / this.ratePerMs);
    // What was saved up while asleep is not spent at once either.
    this.tokens = Math.min(this.tokens, 1);
    this.tokensAt = now;
    overdue.forEach((id, i) => this.schedule(id, now + (spreadMs * i) / Math.max(1, overdue.length)));
    this.arm();
  }

  private disarm(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) * this.ratePerMs);
    this.tokensAt = now;
  }

  private arm(): void {
    if (this.stopped || this.paused) return;
    const top = this.peekLive();
    if (!top) return;
    let at = top.at;
    if (this.tokens < 1) at = Math.max(at, this.clock.now() + (1 - this.tokens) / this.ratePerMs);
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, at - this.clock.now()));
    this.timer.unref?.();
  }

  private peekLive(): { at: number; id: string; version: number } | undefined {
    for (let top = this.heap.peek(); top; top = this.heap.peek()) {
      if (this.due.get(top.id) === top.version) return top;
      this.heap.pop();
    }
    return undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped || this.paused) return;
    const now = this.clock.now();
    this.refill(now);
    for (let top = this.peekLive(); top && top.at <= now; top = this.peekLive()) {
      if (this.tokens < 1 || this.running >= this.maxConcurrent) break;
      this.heap.pop();
      this.due.delete(top.id);
      this.tokens -= 1;
      this.running += 1;
      void this.options
        .poll(top.id)
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          this.arm();
        });
    }
    this.arm();
  }
}
