import { join } from 'node:path';
import type { TaskRecord } from '@shared/batch';
import { POLL_INTERVAL_MS } from '@shared/model';
import type { Logger } from '../log/logger';
import type { Journal } from '../store/journal';
import { shouldRetryOnStart, sweepEmptyParts } from './download-stage';
import type { ChangeTask, RecoveryReport } from './engine-types';
import type { QueueEvent, QueueState } from './queue-state';
import type { RescueEntry } from './rescue';

const INTERRUPTED_SUBMIT =
  'The app stopped while this task was being submitted, so APIXO may or may not have created it (and charged for it). ' +
  'Check before submitting it again: resubmit, abandon, or attach its task ID.';

/** What opening the queue does with the tasks the journal left (architecture.md, "Persistence and recovery"). */
export interface RecoveryPlan {
  /** Batch ids in the queue's order (as added, or as the person set it): the order tasks are submitted in. */
  batchOrder: string[];
  /** Submits cut short: APIXO may or may not have the task, so a person decides (never a silent second submit). */
  interrupted: TaskRecord[];
  /** At the server: polled again. */
  toPoll: TaskRecord[];
  /** Succeeded and not yet (wholly) downloaded: downloaded, resuming any `.part`. */
  toDownload: TaskRecord[];
  /** Not yet submitted: queued again. */
  toQueue: TaskRecord[];
}

/** Sorts the tasks left in the journal by what must happen to them next. */
export function planRecovery(state: QueueState): RecoveryPlan {
  const plan: RecoveryPlan = {
    batchOrder: [...state.order],
    interrupted: [],
    toPoll: [],
    toDownload: [],
    toQueue: []
  };
  for (const task of state.tasks.values()) {
    switch (task.state) {
      case 'submitting':
        plan.interrupted.push(task);
        break;
      case 'submitted':
      case 'pending':
      case 'processing':
        plan.toPoll.push(task);
        break;
      case 'succeeded':
      case 'downloading':
        plan.toDownload.push(task);
        break;
      case 'download_failed':
        if (shouldRetryOnStart(task)) plan.toDownload.push(task);
        break;
      case 'queued':
        plan.toQueue.push(task);
        break;
    }
  }
  return plan;
}

/**
 * When to poll each resumed task first: spread over one interval (longer if the budget needs
 * it), not all at once.
 */
export function firstPollTimes(count: number, budgetPerMinute: number, timeScale: number, now: number, random: () => number): number[] {
  const spreadMs = Math.max(POLL_INTERVAL_MS, (count / budgetPerMinute) * 60_000) * timeScale;
  return Array.from({ length: count }, (_, i) => now + (spreadMs * (i + random())) / count);
}

/** The engine's parts that take the tasks over. */
export interface ResumeTargets {
  /** A batch's place in the submission order. */
  order: (batchId: string, place: number) => void;
  /** Counts a task's committed and spent money in the ledger. */
  count: (task: TaskRecord) => void;
  change: ChangeTask;
  /** A task at the server holds a submit slot. */
  inFlight: (task: TaskRecord) => void;
  download: (task: TaskRecord) => void;
  queue: (task: TaskRecord) => void;
  poll: (task: TaskRecord, at: number) => void;
  /** When to poll each of `count` resumed tasks first. */
  firstPolls: (count: number) => number[];
  /** What a rescue file says about this interrupted submit, if anything. */
  rescued: (task: TaskRecord) => RescueEntry | undefined;
  /** A rescued answer that still cannot be journaled: kept, to try again. */
  keep: (entry: RescueEntry) => void;
}

const RESCUED_ATTACHED = 'Its task ID was kept in a rescue file while the data folder could not be written; attached and checking it.';
const RESCUED_NOT_CREATED = 'APIXO made no task for its last submit (kept in a rescue file while the data folder could not be written); queued again.';

/**
 * Takes over what the journal left: interrupted submits whose answer a rescue file kept get that
 * answer (their task ID attached, or queued again when no task was made); the others wait for a
 * person. Tasks at the server are polled again (spread out), succeeded ones downloaded, queued
 * ones queued.
 */
export function resumeQueue(journal: Journal<QueueEvent, QueueState>, to: ResumeTargets): RecoveryReport {
  const plan = planRecovery(journal.state);
  plan.batchOrder.forEach((id, i) => to.order(id, i));
  for (const task of journal.state.tasks.values()) to.count(task);
  let needsReview = 0;
  let attached = 0;
  for (const task of plan.interrupted) {
    const entry = to.rescued(task);
    if (entry?.outcome === 'accepted' && entry.taskId) {
      // Synced before returning: the rescue file that kept the ID is removed once this is journaled.
      const after = to.change(task, 'submitted', { taskId: entry.taskId, note: RESCUED_ATTACHED }, { durable: 'now' });
      if (after.state === 'submitted') {
        plan.toPoll.push(after);
        attached++;
      } else to.keep(entry);
    } else if (entry?.outcome === 'not_created') {
      const after = to.change(task, 'queued', { attempts: task.attempts - 1, note: RESCUED_NOT_CREATED }, { durable: 'now' });
      if (after.state === 'queued') plan.toQueue.push(after);
      else to.keep(entry);
    } else if (to.change(task, 'needs_review', { note: INTERRUPTED_SUBMIT }, { durable: true }).state === 'needs_review') {
      needsReview++;
    }
  }
  for (const task of plan.toPoll) to.inFlight(task);
  for (const task of plan.toDownload) to.download(task);
  for (const task of plan.toQueue) to.queue(task);
  const times = to.firstPolls(plan.toPoll.length);
  plan.toPoll.forEach((task, i) => to.poll(task, times[i]));
  return { ...journal.recovery, needsReview, attachedRescued: attached, resumedPolls: plan.toPoll.length, resumedDownloads: plan.toDownload.length };
}

/** Removes empty `.part` files from a crash between choosing a file name and journaling it. */
export async function sweepLeftovers(state: QueueState, log?: Logger): Promise<void> {
  const inUse = new Set<string>();
  for (const task of state.tasks.values()) {
    const batch = state.batches.get(task.batchId);
    if (task.file && batch) inUse.add(join(batch.libraryDir, task.file));
  }
  const removed = await sweepEmptyParts(new Set([...state.batches.values()].map((b) => b.libraryDir)), inUse);
  if (removed > 0) log?.info(`removed ${removed} empty leftover .part file(s)`);
}
