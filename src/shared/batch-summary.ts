import type { BatchInfo, BatchRecord, BatchSummary, CostTotals, TaskRecord } from './batch';
import { ATTENTION_STATES, COMMITTED_STATES, TERMINAL_STATES, type TaskState } from './task-state';

/** Money by stage, derived from the tasks. */
export function sumCosts(tasks: Iterable<TaskRecord>, now: Date = new Date()): CostTotals {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const costs: CostTotals = { queuedMicros: 0, committedMicros: 0, spentMicros: 0, spentTodayMicros: 0 };
  for (const task of tasks) {
    costs.spentMicros += task.spentMicros;
    if ((task.times.succeeded ?? 0) >= midnight) costs.spentTodayMicros += task.estimateMicros;
    if (task.state === 'queued') costs.queuedMicros += task.estimateMicros;
    else if (COMMITTED_STATES.has(task.state)) costs.committedMicros += task.estimateMicros;
  }
  return costs;
}

export function summarize(batch: BatchRecord, tasks: TaskRecord[]): BatchSummary {
  const counts: BatchSummary['counts'] = {};
  for (const task of tasks) counts[task.state] = (counts[task.state] ?? 0) + 1;
  return { batch: batchInfo(batch), counts, total: tasks.length, costs: sumCosts(tasks) };
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
