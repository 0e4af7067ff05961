import type { BalanceReading } from '@shared/money';
import type { ApixoClient } from '../apixo';
import type { Logger } from '../log/logger';
import type { Clock, Timer } from '../util/clock';
import { ONE_ATTEMPT } from './engine-types';

/** The balance is asked for again this long after money moved (ms, not scaled by timeScale). */
const BALANCE_REFRESH_MS = 5_000;
/** While real tasks run, the balance is read at least this often (ms, not scaled). */
export const BALANCE_SLOW_MS = 60_000;

export interface BalanceWatchDeps {
  /** APIXO's client; undefined while the simulator is the only API (its money is not a balance anyone has). */
  client: () => ApixoClient | undefined;
  /** The balance was read: subscribers hear of it. */
  changed: () => void;
  clock: Clock;
  log: Logger;
  /** Aborted when the engine closes (or the machine sleeps): a read in flight stops at once. */
  signal?: () => AbortSignal;
  /** Whether real tasks are running: the slow timer reads only then. */
  busy: () => boolean;
}

/**
 * The account balance as APIXO last reported it, with its time: the one reading every screen
 * shows (docs/architecture.md, "Money"). A read that fails, or an answer that is no usable
 * amount, makes it unknown with the reason, never $0. Reading it never fails the queue.
 */
export class BalanceWatch {
  private last: BalanceReading | undefined;
  private inFlight: Promise<BalanceReading | undefined> | undefined;
  private timer: Timer | undefined;
  private slow: Timer | undefined;
  private stopped = false;

  constructor(private readonly d: BalanceWatchDeps) {}

  get reading(): BalanceReading | undefined {
    return this.last;
  }

  /** Another client (key) from now on: what the old one said no longer holds. */
  forget(): void {
    this.last = undefined;
  }

  /** Asks APIXO for the balance now; reads already under way are shared. */
  refresh(): void {
    void this.read();
  }

  /** Reads the balance now and resolves with the reading (undefined with no APIXO client, or once stopped). */
  read(): Promise<BalanceReading | undefined> {
    const client = this.d.client();
    if (!client || this.stopped) return Promise.resolve(undefined);
    this.inFlight ??= this.ask(client).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async ask(client: ApixoClient): Promise<BalanceReading | undefined> {
    const signal = this.d.signal?.();
    let reading: BalanceReading;
    try {
      reading = { at: this.d.clock.now(), micros: await client.balance({ retry: ONE_ATTEMPT, signal }) };
    } catch (error) {
      if (signal?.aborted) return undefined;
      const problem = (error as Error).message;
      this.d.log.warn(`the balance could not be read: ${problem}`);
      reading = { at: this.d.clock.now(), problem };
    }
    // A key changed while the answer was on its way: it is the old key's balance.
    if (this.d.client() !== client) return undefined;
    this.last = reading;
    this.d.changed();
    return reading;
  }

  /** After money moved: asks at most once per BALANCE_REFRESH_MS. */
  soon(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.refresh();
    }, BALANCE_REFRESH_MS);
    this.timer.unref?.();
  }

  /** Reads on a slow timer while real tasks run. */
  startSlowTimer(): void {
    if (this.slow || this.stopped) return;
    const tick = (): void => {
      this.slow = this.d.clock.setTimeout(tick, BALANCE_SLOW_MS);
      this.slow.unref?.();
      if (this.d.busy()) this.refresh();
    };
    this.slow = this.d.clock.setTimeout(tick, BALANCE_SLOW_MS);
    this.slow.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    if (this.slow) this.d.clock.clearTimeout(this.slow);
  }
}
