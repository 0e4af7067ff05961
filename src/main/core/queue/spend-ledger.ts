import type { BatchRecord, TaskRecord } from '@shared/batch';
import { formatUsd, type Micros } from '@shared/pricing';
import { COMMITTED_STATES } from '@shared/task-state';

/** Why a submit must wait: its estimate would pass this batch's cap, or the cap across all batches. */
export type CapVerdict = { scope: 'batch'; message: string } | { scope: 'overall'; message: string };

/**
 * The spend ledger: money committed (submitted, not yet finished) or spent, per batch and in
 * all, kept in step with every task change so that checking a cap costs O(1).
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

  /** Follows one task from `before` (undefined: not counted yet) to `after`. */
  track(before: TaskRecord | undefined, after: TaskRecord): void {
    const delta = SpendLedger.used(after) - (before ? SpendLedger.used(before) : 0);
    if (delta === 0) return;
    this.byBatch.set(after.batchId, (this.byBatch.get(after.batchId) ?? 0) + delta);
    this.total += delta;
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
   * Whether a submit at the task's estimate stays within the caps; if not, why. Passing the
   * overall cap holds the whole queue until the cap changes.
   */
  check(task: TaskRecord, batch: BatchRecord): CapVerdict | undefined {
    if (batch.capMicros !== undefined) {
      const used = this.byBatch.get(batch.id) ?? 0;
      if (used + task.estimateMicros > batch.capMicros) {
        return {
          scope: 'batch',
          message: `Spending cap reached: ${formatUsd(used)} of this batch's ${formatUsd(batch.capMicros)} is spent or committed; the next video would cost ${formatUsd(task.estimateMicros)}. Raise the cap to go on.`
        };
      }
    }
    if (this.overallCap !== undefined && this.total + task.estimateMicros > this.overallCap) {
      this.overallMessage = `Spending cap reached: ${formatUsd(this.total)} of the overall ${formatUsd(this.overallCap)} is spent or committed.`;
      return { scope: 'overall', message: this.overallMessage };
    }
    return undefined;
  }
}
