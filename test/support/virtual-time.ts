import { setImmediate as realImmediate } from 'node:timers';
import { performance } from 'node:perf_hooks';
import { vi } from 'vitest';
import { ApixoClient, type ApixoClientOptions } from '../../src/main/core/apixo';
import type { BatchEngine } from '../../src/main/core/queue/engine';

/** Calls to the API that have not been answered yet, across every client a test makes. */
export class CallCount {
  private open = 0;
  private waiters: (() => void)[] = [];

  get inFlight(): number {
    return this.open;
  }

  track<T>(call: Promise<T>): Promise<T> {
    this.open++;
    return call.finally(() => {
      if (--this.open === 0) for (const resolve of this.waiters.splice(0)) resolve();
    });
  }

  idle(): Promise<void> {
    return this.open === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** The real client, whose calls are counted so that the clock moves only once they are answered. */
export class CountedClient extends ApixoClient {
  constructor(
    options: ApixoClientOptions,
    private readonly calls: CallCount
  ) {
    super(options);
  }

  override submit(...args: Parameters<ApixoClient['submit']>): ReturnType<ApixoClient['submit']> {
    return this.calls.track(super.submit(...args));
  }

  override status(...args: Parameters<ApixoClient['status']>): ReturnType<ApixoClient['status']> {
    return this.calls.track(super.status(...args));
  }

  override balance(...args: Parameters<ApixoClient['balance']>): ReturnType<ApixoClient['balance']> {
    return this.calls.track(super.balance(...args));
  }
}

/** What vitest fakes: time and timers, for the engine, the simulator and the HTTP client alike. I/O stays real. */
export const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const;

/** Longest a step may wait for real work (answers, downloads) before the test fails saying so. */
const REAL_WORK_LIMIT_MS = 10_000;

/**
 * Drives fake time for a whole engine over the loopback simulator: real work (HTTP answers,
 * downloads, files) runs to its end first; then the clock jumps to the next timer. Nothing
 * waits on the wall clock, and a poll that is due in 40 s of product time is polled at once.
 * Downloads are real work here: a download that waits on time (a stall, a backoff) is not
 * for these tests, and fails them with a message instead of hanging.
 */
export class VirtualTime {
  constructor(
    private readonly calls: CallCount,
    private readonly engine: () => BatchEngine | undefined
  ) {}

  /** Lets real work finish: every API call answered, every download written. */
  async quiet(): Promise<void> {
    const started = performance.now();
    for (;;) {
      await new Promise((resolve) => realImmediate(resolve));
      if (this.calls.inFlight > 0) {
        await this.calls.idle();
        continue;
      }
      // A group commit's fdatasync is real work too: what waits on it (a submit) goes on after it.
      if (this.engine()?.journalSyncing) continue;
      if ((this.engine()?.status().downloading ?? 0) === 0) return;
      if (performance.now() - started > REAL_WORK_LIMIT_MS)
        throw new Error('a download did not finish: it waits on time, which these tests do not move during a download');
    }
  }

  /** Moves time on, timer by timer, until `check` holds or `limitMs` of fake time has passed. */
  async until(check: () => boolean, limitMs: number, what: string): Promise<void> {
    const end = Date.now() + limitMs;
    for (;;) {
      await this.quiet();
      if (check()) return;
      if (vi.getTimerCount() === 0) throw new Error(`nothing is left to happen, and still no ${what}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${limitMs} ms of fake time)`);
      vi.advanceTimersToNextTimer();
    }
  }
}
