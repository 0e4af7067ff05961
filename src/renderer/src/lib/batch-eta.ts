import type { BatchSummary, QueueStatus } from '@shared/batch';
import { LATENCY } from '@shared/model';
import { countOf, finishedCount } from './task-view';

const TYPICAL_MS = (LATENCY['720p'].minMs + LATENCY['720p'].maxMs) / 2;

/**
 * A rough time to go for a batch: from its own pace once a few videos are finished, else from
 * the latency table and the number of slots.
 */
export function batchEtaMs(summary: BatchSummary, status: QueueStatus | null, now: number): number | undefined {
  const { counts, total, batch } = summary;
  const finished = finishedCount(counts);
  const waiting = countOf(counts, ['needs_review', 'download_failed']);
  const remaining = total - finished - waiting;
  if (remaining <= 0 || batch.paused) return undefined;
  const slots = Math.max(1, status?.effectiveLimit ?? 1);
  const done = counts.done ?? 0;
  if (done >= 3) {
    const perVideo = (now - batch.createdAt) / done;
    return Math.max(0, perVideo * remaining);
  }
  return Math.ceil(remaining / slots) * TYPICAL_MS;
}
