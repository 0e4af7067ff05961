import type { BatchInfo, BatchRecord, BatchSummary, CostTotals, MoneyByStage, TaskRecord } from './batch';
import { ledgerOf, spendCheck, type SpendWindow } from './money';
import { ATTENTION_STATES, COMMITTED_STATES, TERMINAL_STATES, type TaskState } from './task-state';
import { countFailure, type FailureCounts } from './triage';

/** Where a task's batch is looked up: its ledger may be the batch's. */
export type BatchLookup = (batchId: string) => Pick<BatchRecord, 'simulated'> | undefined;

function emptyStages(): MoneyByStage {
  return { queuedMicros: 0, committedMicros: 0, spentMicros: 0, spentTodayMicros: 0 };
}

/**
 * Money by stage, derived from the tasks: the real ledger's figures, the simulator's apart, and
 * (given the spend windows) estimated against measured spend. `batchId` measures one batch.
 */
export function sumCosts(
  tasks: Iterable<TaskRecord>,
  now: Date = new Date(),
  batchOf: BatchLookup = () => undefined,
  windows?: Iterable<SpendWindow>,
  batchId?: string
): CostTotals {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const real = emptyStages();
  const simulated = emptyStages();
  let pending = 0;
  for (const task of tasks) {
    const isReal = ledgerOf(task, batchOf(task.batchId)) === 'real';
    const costs = isReal ? real : simulated;
    costs.spentMicros += task.spentMicros;
    if ((task.times.succeeded ?? 0) >= midnight) costs.spentTodayMicros += task.spentMicros;
    if (task.state === 'queued') costs.queuedMicros += task.estimateMicros;
    else if (COMMITTED_STATES.has(task.state)) costs.committedMicros += task.estimateMicros;
    if (isReal && task.spentMicros > 0 && task.charge === undefined) pending += task.spentMicros;
  }
  const totals: CostTotals = { ...real, simulated };
  if (windows) totals.spend = { ...spendCheck(windows, batchId), pendingMicros: pending };
  return totals;
}

export function summarize(batch: BatchRecord, tasks: TaskRecord[], windows?: Iterable<SpendWindow>, now: Date = new Date()): BatchSummary {
  const counts: BatchSummary['counts'] = {};
  const failures: FailureCounts = {};
  for (const task of tasks) {
    counts[task.state] = (counts[task.state] ?? 0) + 1;
    countFailure(failures, task);
  }
  return { batch: batchInfo(batch), counts, total: tasks.length, costs: sumCosts(tasks, now, () => batch, windows, batch.id), failures };
}

function batchInfo(batch: BatchRecord): BatchInfo {
  const info: Partial<BatchRecord> = { ...batch };
  delete info.taskIds;
  return info as BatchInfo;
}

/** True when nothing more happens in the batch without a person. */
export function isSettled(summary: BatchSummary): boolean {
  let settled = 0;
  for (const [state, n] of Object.entries(summary.counts) as [TaskState, number][]) {
    if (TERMINAL_STATES.has(state) || ATTENTION_STATES.has(state)) settled += n;
  }
  return settled === summary.total;
}
