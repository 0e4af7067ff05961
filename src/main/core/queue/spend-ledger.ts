import type { BatchRecord, TaskRecord } from '@shared/batch';
import type { Ledger } from '@shared/money';
import { formatUsd, type Micros } from '@shared/pricing';
import { COMMITTED_STATES } from '@shared/task-state';

/** Why a submit must wait: its estimate would pass this batch's cap, or the cap across all batches. */
export type CapVerdict = { scope: 'batch'; message: string } | { scope: 'overall'; message: string };

/**
 * The spend ledger: money committed (submitted, not yet finished) or spent, per batch and in
 * all, kept in step with every task change so that checking a cap costs O(1). Each ledger is
 * counted apart: a batch's cap counts the money of its own ledger, and the cap across all
 * batches counts real money only (simulated money is nobody's).
 */
export class SpendLedger {
  private readonly byBatch = new Map<string, Micros>();
  private total: Micros = 0;
  private overallCap: Micros | undefined;
  private overallMessage: string | undefined;

  constructor(overallCapMicros?: Micros) {
    this.overallCap = overallCapMicros;
  }

  /** Money a task has committed or spent: what the caps count. */
  static used(task: TaskRecord): Micros {
    return task.spentMicros + (COMMITTED_STATES.has(task.state) ? task.estimateMicros : 0);
  }

  /** Follows one task from `before` (undefined: not counted yet), counted in `was`, to `after`, counted in `now`. */
  track(before: TaskRecord | undefined, after: TaskRecord, was: Ledger, now: Ledger = was): void {
    if (before) this.add(before.batchId, was, -SpendLedger.used(before));
    this.add(after.batchId, now, SpendLedger.used(after));
  }

  private add(batchId: string, ledger: Ledger, micros: Micros): void {
    if (micros === 0) return;
    const key = `${ledger}:${batchId}`;
    this.byBatch.set(key, (this.byBatch.get(key) ?? 0) + micros);
    if (ledger === 'real') this.total += micros;
  }

  /** Real money spent by batches archived since (their tasks are gone): still counted against the cap across all batches. */
  carry(micros: Micros): void {
    this.total += micros;
  }

  /** Real money committed or spent, across all batches. */
  get realMicros(): Micros {
    return this.total;
  }

  /** Money committed or spent by one batch in one ledger. */
  batchMicros(batchId: string, ledger: Ledger): Micros {
    return this.byBatch.get(`${ledger}:${batchId}`) ?? 0;
  }

  get overallCapMicros(): Micros | undefined {
    return this.overallCap;
  }

  /** Set while the cap across all batches holds the queue: the sentence saying so. */
  get overallCapReached(): string | undefined {
    return this.overallMessage;
  }

  /** Sets or clears the cap across all batches; the queue is held by it no longer. */
  setOverallCap(capMicros: Micros | undefined): void {
    this.overallCap = capMicros;
    this.overallMessage = undefined;
  }

  /**
   * Whether a submit at the task's estimate, in `ledger`, stays within the caps; if not, why.
   * Passing the overall cap holds the whole queue until the cap changes.
   */
  check(task: TaskRecord, batch: BatchRecord, ledger: Ledger): CapVerdict | undefined {
    if (batch.capMicros !== undefined) {
      const used = this.batchMicros(batch.id, ledger);
      if (used + task.estimateMicros > batch.capMicros) {
        const what = ledger === 'simulated' ? 'is used (simulated)' : 'is spent or committed';
        return {
          scope: 'batch',
          message: `Spending cap reached: ${formatUsd(used)} of this batch's ${formatUsd(batch.capMicros)} ${what}; the next video would cost ${formatUsd(task.estimateMicros)}. Raise the cap to go on.`
        };
      }
    }
    if (ledger === 'real' && this.overallCap !== undefined && this.total + task.estimateMicros > this.overallCap) {
      this.overallMessage = `Spending cap reached: ${formatUsd(this.total)} of the overall ${formatUsd(this.overallCap)} is spent or committed.`;
      return { scope: 'overall', message: this.overallMessage };
    }
    return undefined;
  }
}
