/**
 * Time as the queue and the library watcher see it (architecture.md, "Testing"): reading the
 * time and arming timers go through a Clock, so that tests can drive time instead of sleeping.
 * The app always runs on `systemClock`.
 */
export interface Timer {
  /** Lets the process exit while the timer is armed (Node's timers have it; a test clock's need not). */
  unref?(): unknown;
}

export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  setTimeout(callback: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  setInterval(callback: () => void, ms: number): Timer;
  clearInterval(timer: Timer | undefined): void;
}

/**
 * The real clock. Each call reaches the global functions when it is made (not when this module
 * loads), so that vitest's fake timers, once installed, rule it too.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout | undefined)
};
