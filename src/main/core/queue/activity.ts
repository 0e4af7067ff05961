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
}

/** The words the window shows for what the queue is doing and why anything waits. */
const ACCOUNT_WORDS: Record<AccountHold['reason'], string> = {
  auth: 'check your API key',
  balance: 'add balance to your APIXO account',
  address: 'check the API address (it answered 404)'
};

const STORAGE_WORDS: Record<DiskProblem, string> = { full: 'its disk is full', read_only: 'it is read-only', gone: 'it is not there' };

export function describeActivity(f: ActivityFacts): string {
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

/** Queued tasks (outside paused batches), those held in paused batches, and those a person must look at. */
export function countWaiting(state: QueueState): { queued: number; held: number; needsReview: number } {
  const counts = { queued: 0, held: 0, needsReview: 0 };
  for (const task of state.tasks.values()) {
    if (task.state === 'queued') {
      if (state.batches.get(task.batchId)?.paused) counts.held++;
      else counts.queued++;
    } else if (task.state === 'needs_review') counts.needsReview++;
  }
  return counts;
}
