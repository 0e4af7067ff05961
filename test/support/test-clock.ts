import type { Clock, Timer } from '../../src/main/core/util/clock';

interface Pending {
  id: number;
  at: number;
  callback: () => void;
  /** Repeats every this many ms (an interval), or once. */
  every?: number;
}

/** Lets every promise chain that is ready run to its end (a real turn of the event loop). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock the test drives: time stands still until `advance` moves it, firing each timer at its
 * own time, in order, and letting the promises a timer starts settle before the next one fires.
 */
export class TestClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Pending>();

  constructor(start = Date.UTC(2026, 0, 1, 12)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.arm(callback, ms);
  }

  setInterval(callback: () => void, ms: number): Timer {
    return this.arm(callback, ms, Math.max(1, ms));
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer) this.timers.delete((timer as { id: number }).id);
  }

  clearInterval(timer: Timer | undefined): void {
    this.clearTimeout(timer);
  }

  /** Timers armed and not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the earliest timer is due, if any. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  /** Moves time on by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = this.earliest();
      if (!due || due.at > end) break;
      this.time = Math.max(this.time, due.at);
      if (due.every === undefined) this.timers.delete(due.id);
      else due.at += due.every;
      due.callback();
      await settle();
    }
    this.time = end;
    await settle();
  }

  private arm(callback: () => void, ms: number, every?: number): Timer {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), callback, every });
    return { id } as Timer;
  }

  private earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const t of this.timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best;
  }
}
