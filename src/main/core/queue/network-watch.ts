import type { Clock } from '../util/clock';

/** Requests in a row that failed on the way to APIXO before the app calls itself offline… */
export const OFFLINE_AFTER_FAILURES = 3;
/** …and for at least this long (ms of product time, × timeScale): a one-second blip is not "offline". */
export const OFFLINE_AFTER_MS = 10_000;

export interface NetworkWatchDeps {
  clock: Clock;
  timeScale: number;
  /** The app went offline (since: when the failures began) or came back; called once per change. */
  changed: (offline: boolean, since: number) => void;
}

/**
 * Whether APIXO can be reached at all (architecture.md, "Scheduling"): every request the client
 * makes reports whether it got an answer. Several failures in a row over some seconds, with no
 * answer in between, mean the network is gone, not that one task is in trouble: the app says so
 * once, stops counting failures against tasks, and carries on when any request is answered again.
 */
export class NetworkWatch {
  private failures = 0;
  private firstFailureAt = 0;
  private offlineSince: number | undefined;

  constructor(private readonly d: NetworkWatchDeps) {}

  /** Set while APIXO cannot be reached: since when (ms since epoch). */
  get since(): number | undefined {
    return this.offlineSince;
  }

  get offline(): boolean {
    return this.offlineSince !== undefined;
  }

  /** One request's fate: answered (whatever the answer), or failed on the way. */
  report(reached: boolean): void {
    const now = this.d.clock.now();
    if (reached) {
      this.failures = 0;
      if (this.offlineSince === undefined) return;
      const since = this.offlineSince;
      this.offlineSince = undefined;
      this.d.changed(false, since);
      return;
    }
    if (this.failures === 0) this.firstFailureAt = now;
    this.failures++;
    if (this.offlineSince === undefined && this.failures >= OFFLINE_AFTER_FAILURES && now - this.firstFailureAt >= OFFLINE_AFTER_MS * this.d.timeScale) {
      this.goOffline(this.firstFailureAt);
    }
  }

  /** The system says there is no network at all: offline at once. */
  systemOffline(): void {
    if (this.offlineSince !== undefined) return;
    this.failures = Math.max(this.failures, OFFLINE_AFTER_FAILURES);
    this.goOffline(this.d.clock.now());
  }

  /** After the machine slept: what failed before it went to sleep says nothing about now. */
  reset(): void {
    this.failures = 0;
  }

  /** The one sentence the status line shows while offline. */
  words(): string | undefined {
    if (this.offlineSince === undefined) return undefined;
    const at = new Date(this.offlineSince).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    return `Offline: cannot reach APIXO since ${at}; carrying on when the connection is back`;
  }

  private goOffline(since: number): void {
    this.offlineSince = since;
    this.d.changed(true, since);
  }
}
