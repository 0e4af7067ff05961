import type { TaskRecord } from '@shared/batch';
import { verdictFor, windowPart, type BalanceReading, type SpendWindow, type WindowShare } from '@shared/money';
import { AT_APIXO_STATES } from '@shared/task-state';
import type { Logger } from '../log/logger';
import type { Clock, Timer } from '../util/clock';
import type { QueueEvent, QueueState } from './queue-state';

/** Nothing real at APIXO for this long (ms, times timeScale) is a quiet moment: the window closes. */
const QUIET_MS = 2_000;
/** A closing reading this recent opens the next window too: nothing of ours moved money since (ms, not scaled). */
const REUSE_READING_MS = 60_000;

export interface SpendMeterDeps {
  state: () => QueueState;
  /** Journals a window; false when the journal could not take it (the window is kept in memory then). */
  record: (event: QueueEvent) => boolean;
  /** Reads the balance now (the engine's one reading). */
  readBalance: () => Promise<BalanceReading | undefined>;
  /** A window opened: submits may go on. */
  opened: () => void;
  /** A window closed: its tasks' charges changed. */
  settled: (taskIds: string[]) => void;
  clock: Clock;
  timeScale: number;
  log: Logger;
}

/**
 * Measures real spend (docs/architecture.md, "Money"): every real submit falls in a spend window,
 * opened by a balance reading just before the first of them and closed by another once nothing
 * real is at APIXO. The balance's fall across the window is what its tasks cost; closing it
 * settles each task's charge (queue-state.ts applies the verdict).
 */
export class SpendMeter {
  private current: SpendWindow | undefined;
  private opening: Promise<void> | undefined;
  private closing = false;
  private quietTimer: Timer | undefined;
  private lastReading: BalanceReading | undefined;
  private readonly atApixo = new Set<string>();
  private stopped = false;
  private nextId = 1;
  /** Whoever waits for the open window to be measured (`measured()`). */
  private waiting: (() => void)[] = [];

  constructor(private readonly d: SpendMeterDeps) {
    // A window the last run left open (it stopped while tasks ran) goes on.
    for (const w of d.state().windows.values()) {
      if (w.closedAt === undefined) this.current = w;
      this.nextId = Math.max(this.nextId, w.id + 1);
    }
  }

  /** The open window a real submit falls in now; undefined while none is open (call `open()` and wait). */
  window(): number | undefined {
    return this.closing ? undefined : this.current?.id;
  }

  /** Opens a window (reading the balance first) unless one is open or opening; `opened` is called once it is. */
  open(): void {
    if (this.current || this.opening || this.closing || this.stopped) return;
    this.opening = this.openWindow().finally(() => {
      this.opening = undefined;
      this.d.opened();
    });
  }

  private async openWindow(): Promise<void> {
    const recent = this.lastReading && this.d.clock.now() - this.lastReading.at < REUSE_READING_MS ? this.lastReading : undefined;
    const reading = recent?.micros !== undefined ? recent : await this.d.readBalance();
    if (this.stopped) return;
    const window: SpendWindow = { id: this.nextId++, openedAt: this.d.clock.now(), openingMicros: reading?.micros };
    if (!this.d.record({ type: 'spend_window', window })) this.d.log.warn('a spend window could not be journaled; it is measured from memory');
    this.current = window;
    if (reading?.micros === undefined) this.d.log.warn(`spend window ${window.id} opened without a balance: its spend cannot be measured`);
  }

  /** Keeps the set of real tasks at APIXO in step with one task's change (and at recovery). */
  follow(task: TaskRecord, real: boolean): void {
    if (real && AT_APIXO_STATES.has(task.state)) {
      this.atApixo.add(task.id);
      this.cancelQuiet();
      return;
    }
    this.atApixo.delete(task.id);
    if (this.atApixo.size === 0) this.armQuiet();
  }

  /**
   * Resolves once the open window is measured (its quiet moment came and it closed), or at once
   * when none is open, something real is still at APIXO, or the meter stopped: a run that ends
   * waits for it, so its spend is measured before it goes (architecture.md, "Money").
   */
  measured(): Promise<void> {
    if (!this.current || this.atApixo.size > 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      // Armed again, held: the process stays up for the window it waits for.
      this.cancelQuiet();
      this.armQuiet();
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  /** Whether real tasks are at APIXO now. */
  get busy(): boolean {
    return this.atApixo.size > 0;
  }

  /** After recovery: an open window with nothing at APIXO closes soon. */
  settle(): void {
    if (this.atApixo.size === 0 && this.current) this.armQuiet();
  }

  private armQuiet(): void {
    if (this.quietTimer || !this.current || this.stopped) return;
    this.quietTimer = this.d.clock.setTimeout(
      () => {
        this.quietTimer = undefined;
        if (this.atApixo.size === 0) void this.close();
      },
      Math.max(20, QUIET_MS * this.d.timeScale)
    );
    // Nobody waiting: a quiet moment never keeps the process up on its own.
    if (this.waiting.length === 0) this.quietTimer.unref?.();
  }

  private cancelQuiet(): void {
    if (this.quietTimer) this.d.clock.clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
  }

  /** Closes the open window: reads the balance, measures the fall, and settles its tasks. */
  private async close(): Promise<void> {
    const window = this.current;
    if (!window || this.closing || this.stopped) return;
    this.closing = true;
    try {
      const reading = await this.d.readBalance();
      if (this.stopped) return;
      const { batches, tasks } = this.shares(window.id);
      let succeeded = 0;
      let failed = 0;
      for (const share of Object.values(batches)) {
        succeeded += share.succeededMicros;
        failed += share.failedMicros;
      }
      const measured = window.openingMicros !== undefined && reading?.micros !== undefined ? window.openingMicros - reading.micros : undefined;
      const closed: SpendWindow = {
        ...window,
        closedAt: this.d.clock.now(),
        closingMicros: reading?.micros,
        measuredMicros: measured,
        verdict: verdictFor(measured, succeeded, failed),
        batches
      };
      if (!this.d.record({ type: 'spend_window', window: closed })) return; // kept open: closed at a later quiet moment
      this.d.log.info(`spend window ${window.id} closed: ${closed.verdict}`, { measuredMicros: measured, estimatedMicros: succeeded, failedMicros: failed });
      this.current = undefined;
      this.lastReading = reading;
      this.d.settled(tasks);
    } finally {
      this.closing = false;
      this.d.opened();
      this.wake();
    }
  }

  /** The estimates of the window's tasks, by batch, as they ended. */
  private shares(windowId: number): { batches: Record<string, WindowShare>; tasks: string[] } {
    const batches: Record<string, WindowShare> = {};
    const tasks: string[] = [];
    for (const task of this.d.state().tasks.values()) {
      if (task.window !== windowId || task.ledger !== 'real') continue;
      tasks.push(task.id);
      const part = windowPart(task);
      // Attempts that failed in this window and were sent again are failures of this window too.
      const retried = retriedIn(task, windowId);
      if (!part && retried === 0) continue;
      const share = (batches[task.batchId] ??= { succeededMicros: 0, failedMicros: 0 });
      if (part) share[part] += task.estimateMicros;
      share.failedMicros += retried;
    }
    // Batches archived while this window was open keep their part of it.
    for (const { summary, openShares } of this.d.state().archived.values()) {
      const part = openShares?.[windowId];
      if (!part) continue;
      const share = (batches[summary.batch.id] ??= { succeededMicros: 0, failedMicros: 0 });
      share.succeededMicros += part.succeededMicros;
      share.failedMicros += part.failedMicros;
    }
    return { batches, tasks };
  }

  stop(): void {
    this.stopped = true;
    this.cancelQuiet();
    this.wake();
  }
}

/** A batch's parts of the windows still open, by window id: what archiving it keeps for them. */
export function openShares(tasks: Iterable<TaskRecord>, windows: ReadonlyMap<number, SpendWindow>): Record<string, WindowShare> | undefined {
  const shares: Record<string, WindowShare> = {};
  let any = false;
  const add = (windowId: number, part: keyof WindowShare, micros: number): void => {
    const w = windows.get(windowId);
    if (!w || w.closedAt !== undefined || micros === 0) return;
    const share = (shares[windowId] ??= { succeededMicros: 0, failedMicros: 0 });
    share[part] += micros;
    any = true;
  };
  for (const task of tasks) {
    if (task.ledger !== 'real') continue;
    for (const attempt of task.failedAttempts ?? []) add(attempt.window, 'failedMicros', attempt.micros);
    const part = windowPart(task);
    if (part && task.window !== undefined) add(task.window, part, task.estimateMicros);
  }
  return any ? shares : undefined;
}

/** The estimates of a task's attempts that failed in the window and were sent again. */
export function retriedIn(task: Pick<TaskRecord, 'failedAttempts'>, windowId: number): number {
  let micros = 0;
  for (const attempt of task.failedAttempts ?? []) if (attempt.window === windowId) micros += attempt.micros;
  return micros;
}

/**
 * What sending a failed task again adds to its record: the attempt that failed, in the window it
 * failed in, so that window still counts it (the task's `window` moves on with its next submit).
 */
export function failedAttempt(task: TaskRecord): Pick<TaskRecord, 'failedAttempts'> {
  if (task.ledger !== 'real' || task.window === undefined) return {};
  return { failedAttempts: [...(task.failedAttempts ?? []), { window: task.window, micros: task.estimateMicros }] };
}
