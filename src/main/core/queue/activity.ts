import type { QueueStatus } from '@shared/batch';
import type { DiskProblem } from '../util/disk-space';
import type { AccountHold } from './engine-types';
import type { QueueState } from './queue-state';

/** What the one line of activity is made from. */
export interface ActivityFacts {
  account?: AccountHold;
  /** The journal could not be written: submits stopped. */
  storage?: { folder: string; problem?: DiskProblem };
  /** Submits wait for room on the library's disk. */
  diskSpace?: QueueStatus['diskSpace'];
  /** The cap across all batches holds the queue. */
  overallCapReached: boolean;
  running: boolean;
  /** Tasks being submitted or at the server. */
  inFlight: number;
  /** Tasks waiting to be submitted (not in paused batches). */
  queued: number;
  /** Queued tasks of paused batches. */
  held: number;
  /** Slots usable now (after 429s). */
  slots: number;
  /** Submits wait until then (ms since epoch), if they wait. */
  pauseUntil?: number;
  /** Words for that wait, before its time: "paused by the server until". */
  pauseReason: string;
  /** Downloads running or waiting. */
  downloads: number;
  /** Of the queued tasks, those waiting out the backoff before an automatic retry. */
  retrying?: number;
}

/** The words the window shows for what the queue is doing and why anything waits. */
const ACCOUNT_WORDS: Record<AccountHold['reason'], string> = {
  auth: 'check your API key',
  balance: 'add balance to your APIXO account',
  address: 'check the API address (it answered 404)'
};

const STORAGE_WORDS: Record<DiskProblem, string> = { full: 'its disk is full', read_only: 'it is read-only', gone: 'it is not there' };

export function describeActivity(f: ActivityFacts): string {
  const retrying = f.retrying ?? 0;
  // Holds that need the person say only that; otherwise the tasks waiting to retry are named too.
  if (retrying === 0 || f.storage || f.account || f.overallCapReached || !f.running || f.diskSpace) return activityLine(f);
  const words = `${retrying} task${retrying === 1 ? '' : 's'} wait${retrying === 1 ? 's' : ''} to retry after a provider error`;
  const line = activityLine({ ...f, queued: f.queued - retrying });
  return line === 'idle' ? words : `${line}; ${words}`;
}

function activityLine(f: ActivityFacts): string {
  if (f.storage) {
    return `stopped submitting: the data folder ${f.storage.folder} cannot be written${f.storage.problem ? ` (${STORAGE_WORDS[f.storage.problem]})` : ''}`;
  }
  if (f.account) return `paused: ${ACCOUNT_WORDS[f.account.reason]}`;
  if (f.overallCapReached) return 'paused: spending cap reached';
  if (!f.running) return f.inFlight + f.queued + f.held > 0 ? 'stopped' : 'idle';
  if (f.queued > 0 && f.diskSpace) {
    return `waiting for disk space: the disk holding ${f.diskSpace.folder} has ${Math.floor(f.diskSpace.freeBytes / 1048576)} MB free; free some space and submits go on by themselves`;
  }
  if (f.queued > 0 && f.pauseUntil) return `${f.pauseReason} ${new Date(f.pauseUntil).toLocaleTimeString('en-GB')}`;
  if (f.queued > 0 && f.inFlight >= f.slots) return `waiting: ${f.inFlight} of ${f.slots} slots busy`;
  if (f.queued > 0) return `submitting (${f.inFlight} of ${f.slots} slots busy)`;
  if (f.inFlight > 0) return `generating ${f.inFlight} video${f.inFlight === 1 ? '' : 's'}`;
  if (f.downloads > 0) return 'downloading';
  if (f.held > 0) return `paused: ${f.held} video${f.held === 1 ? '' : 's'} wait in paused batches`;
  return 'idle';
}

/**
 * Queued tasks (outside paused batches), those held in paused batches, those a person must look
 * at, and of the queued ones those waiting (at `now`) to retry after a provider error.
 */
export function countWaiting(state: QueueState, now = 0): { queued: number; held: number; needsReview: number; retrying: number } {
  const counts = { queued: 0, held: 0, needsReview: 0, retrying: 0 };
  for (const task of state.tasks.values()) {
    if (task.state === 'queued') {
      if (state.batches.get(task.batchId)?.paused) counts.held++;
      else {
        counts.queued++;
        if (task.retryAt !== undefined && task.retryAt > now) counts.retrying++;
      }
    } else if (task.state === 'needs_review') counts.needsReview++;
  }
  return counts;
}
