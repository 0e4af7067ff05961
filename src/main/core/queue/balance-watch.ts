import type { Micros } from '@shared/pricing';
import type { ApixoClient } from '../apixo';
import type { Logger } from '../log/logger';
import type { Clock, Timer } from '../util/clock';
import { ONE_ATTEMPT } from './engine-types';

/** The balance is asked for again this long after money moved (ms, not scaled by timeScale). */
const BALANCE_REFRESH_MS = 5_000;

export interface BalanceWatchDeps {
  client: () => ApixoClient;
  /** The balance was read: subscribers hear of it. */
  changed: () => void;
  clock: Clock;
  log: Logger;
  /** Aborted when the engine closes (or the machine sleeps): a read in flight stops at once. */
  signal?: () => AbortSignal;
}

/** The account balance as APIXO last reported it; reading it never fails the queue. */
export class BalanceWatch {
  private balance: Micros | undefined;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(private readonly d: BalanceWatchDeps) {}

  get micros(): Micros | undefined {
    return this.balance;
  }

  /** Another client (key) from now on: what the old one said no longer holds. */
  forget(): void {
    this.balance = undefined;
  }

  /** Asks APIXO for the balance now. */
  refresh(): void {
    const signal = this.d.signal?.();
    this.d
      .client()
      .balance({ retry: ONE_ATTEMPT, signal })
      .then(
        (micros) => {
          this.balance = micros;
          this.d.changed();
        },
        (error: unknown) => {
          if (!signal?.aborted) this.d.log.warn(`the balance could not be read: ${(error as Error).message}`);
        }
      );
  }

  /** After money moved: asks at most once per BALANCE_REFRESH_MS. */
  soon(): void {
    if (this.timer) return;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.refresh();
    }, BALANCE_REFRESH_MS);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
  }
}
