import type { AccountHold } from './engine-types';
import type { QueueState } from './queue-state';

/** What the one line of activity is made from. */
export interface ActivityFacts {
  account?: AccountHold;
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
export function describeActivity(f: ActivityFacts): string {
  if (f.account) return `paused: ${f.account.reason === 'auth' ? 'check your API key' : 'add balance to your APIXO account'}`;
  if (f.overallCapReached) return 'paused: spending cap reached';
  if (!f.running) return f.inFlight + f.queued + f.held > 0 ? 'stopped' : 'idle';
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
