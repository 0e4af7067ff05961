/**
 * The queue's progress as the window's title, the dock or taskbar and the launcher show it: one
 * pure reckoning, so the title, the progress bar and the badge always agree.
 */
import type { BatchSummary } from './batch';
import { isSettled } from './batch-summary';

export interface QueueProgress {
  /** Tasks of the running batches that ended (done, failed, rejected, canceled, abandoned, expired). */
  done: number;
  /** Tasks of the running batches. */
  total: number;
  /** What is left of them: the badge's count. */
  remaining: number;
  /** done / total, 0..1; undefined when nothing runs (no progress bar then). */
  fraction?: number;
  /** "42% · 126 of 300 videos"; undefined when nothing runs. */
  title?: string;
}

/** Ended for good: nothing more happens to the task. */
function ended(summary: BatchSummary): number {
  const c = summary.counts;
  return (c.done ?? 0) + (c.failed ?? 0) + (c.rejected ?? 0) + (c.canceled ?? 0) + (c.abandoned ?? 0) + (c.expired ?? 0);
}

/**
 * Progress across the batches still running (a settled batch, every task ended or waiting for a
 * person, counts no more): done of total, as a fraction and in words.
 */
export function queueProgress(snapshot: { batches: readonly BatchSummary[] }): QueueProgress {
  let total = 0;
  let done = 0;
  for (const summary of snapshot.batches) {
    if (isSettled(summary)) continue;
    total += summary.total;
    done += ended(summary);
  }
  if (total === 0) return { done: 0, total: 0, remaining: 0 };
  const fraction = done / total;
  // Never "100%" while something still runs.
  const percent = Math.min(99, Math.floor(fraction * 100));
  return { done, total, remaining: total - done, fraction, title: `${percent}% · ${done} of ${total} video${total === 1 ? '' : 's'}` };
}
