/**
 * The queue's progress in words, for the window's title (and anything else outside the queue
 * screen): "12 of 50 videos finished — LTX Batch Studio" while anything runs, the plain name when idle.
 */
import type { BatchSummary, QueueStatus } from '@shared/batch';
import { countOf, finishedCount } from './task-view';

export const APP_NAME = 'LTX Batch Studio';

/** Finished and total videos over the batches that still have work, and whether any of it moves. */
export function queueProgressOf(batches: readonly BatchSummary[], status: QueueStatus | null): { finished: number; total: number; running: boolean } {
  let finished = 0;
  let total = 0;
  let waiting = 0;
  for (const summary of batches) {
    const done = finishedCount(summary.counts);
    if (done >= summary.total) continue;
    finished += done;
    total += summary.total;
    if (!summary.batch.paused) waiting += countOf(summary.counts, ['queued']);
  }
  const moving = (status?.inFlight ?? 0) + (status?.downloading ?? 0);
  return { finished, total, running: total > 0 && (moving > 0 || waiting > 0) };
}

/** The window's title for the queue as it is. */
export function queueTitle(batches: readonly BatchSummary[], status: QueueStatus | null): string {
  const { finished, total, running } = queueProgressOf(batches, status);
  if (!running) return APP_NAME;
  return `${finished.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} videos finished — ${APP_NAME}`;
}
