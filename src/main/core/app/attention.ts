import type { QueueSnapshot } from '@shared/ipc';
import { isSettled } from '@shared/batch-summary';

/** Something worth a native notification. */
export interface Notice {
  title: string;
  body: string;
}

/**
 * Decides what deserves a notification as the queue changes: a batch that finished, the queue
 * pausing for the key or the balance, tasks newly needing review. Each is said once.
 */
export class AttentionTracker {
  private readonly settled = new Set<string>();
  private account: string | undefined;
  private reviewed = 0;

  constructor(initial?: QueueSnapshot) {
    if (initial) this.update(initial);
  }

  update(snapshot: QueueSnapshot): Notice[] {
    const notices: Notice[] = [];
    for (const summary of snapshot.batches) {
      if (!isSettled(summary) || this.settled.has(summary.batch.id)) continue;
      this.settled.add(summary.batch.id);
      const done = summary.counts.done ?? 0;
      const rest = summary.total - done;
      notices.push({
        title: `${summary.batch.name} finished`,
        body: rest === 0 ? `All ${done} videos are in the library.` : `${done} of ${summary.total} videos are in the library; ${rest} need a look.`
      });
    }
    const account = snapshot.status.account?.message;
    if (account && account !== this.account) notices.push({ title: 'LTX Batch Studio paused', body: account });
    this.account = account;
    const review = snapshot.status.needsReview;
    if (review > this.reviewed) {
      notices.push({
        title: 'Tasks need your review',
        body: `${review} task${review === 1 ? '' : 's'} may or may not exist at APIXO: decide to resubmit, abandon, or attach a task ID.`
      });
    }
    this.reviewed = review;
    return notices;
  }
}
