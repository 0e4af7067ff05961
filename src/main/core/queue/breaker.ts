import type { BatchRecord, TaskRecord } from '@shared/batch';
import { failureGroupOf, type FailureGroup } from '@shared/triage';
import type { TaskState } from '@shared/task-state';

/** Failures of one cause in a row that pause a batch (architecture.md, "Triage"). */
export const DEFAULT_BREAKER_THRESHOLD = 5;
/** Provider-transient failures in a row that pause it: more, since the provider may only be down a while. */
export const DEFAULT_BREAKER_TRANSIENT_THRESHOLD = 10;

/** Groups the breaker counts; a download that failed, or a submit of unknown outcome, says nothing about the input. */
const COUNTED: ReadonlySet<FailureGroup> = new Set<FailureGroup>(['safety', 'invalid_input', 'image', 'rejected', 'transient']);
/** States whose generation succeeded: they end a run. */
const SUCCEEDED: ReadonlySet<TaskState> = new Set<TaskState>(['succeeded', 'downloading', 'done', 'download_failed', 'expired']);

export interface Run {
  group: FailureGroup;
  count: number;
}

/** How a task's end counts: a success ends the run, a failure of a counted group adds to it; undefined for anything else. */
export function endOf(task: Pick<TaskRecord, 'state' | 'failCode'>): FailureGroup | 'success' | undefined {
  if (task.state === 'succeeded') return 'success';
  if (task.state !== 'failed' && task.state !== 'rejected') return undefined;
  const group = failureGroupOf(task);
  return group && COUNTED.has(group) ? group : undefined;
}

/** When a task ended, and how it counts, read from the journal's times. */
function endedAt(task: TaskRecord): { at: number; end: FailureGroup | 'success' } | undefined {
  if (SUCCEEDED.has(task.state)) return task.times.succeeded === undefined ? undefined : { at: task.times.succeeded, end: 'success' };
  const end = endOf(task);
  const at = task.times[task.state];
  return end && at !== undefined ? { at, end } : undefined;
}

/** The run a batch's tasks ended in (after `since`), derived from the journal's end times: what a restart starts from. */
export function deriveRun(tasks: Iterable<TaskRecord>, since = 0): Run | undefined {
  const ends: { at: number; end: FailureGroup | 'success' }[] = [];
  for (const task of tasks) {
    const ended = endedAt(task);
    if (ended && ended.at >= since) ends.push(ended);
  }
  ends.sort((a, b) => b.at - a.at);
  const last = ends[0]?.end;
  if (!last || last === 'success') return undefined;
  let count = 0;
  for (const { end } of ends) {
    if (end !== last) break;
    count++;
  }
  return { group: last, count };
}

/** The sentence a batch the breaker paused shows: why, and what to do. */
export function breakerMessage(run: Run): string {
  const n = run.count;
  switch (run.group) {
    case 'safety':
      return `Paused after ${n} safety refusals in a row: edit the prompts or images, then resume.`;
    case 'invalid_input':
      return `Paused after ${n} invalid prompts or inputs in a row: edit them, then resume.`;
    case 'image':
      return `Paused after ${n} source images in a row APIXO could not use: check the image links (or image hosting in Settings), then resume.`;
    case 'rejected':
      return `Paused after ${n} requests in a row APIXO rejected at submit: edit them, then resume.`;
    default:
      return `Paused after ${n} provider failures in a row: APIXO may be having problems. Resume to try again.`;
  }
}

export interface BreakerOptions {
  threshold?: number;
  transientThreshold?: number;
}

/**
 * The breaker (architecture.md, "Triage"): per batch, the failures of one cause in a row as its
 * tasks end. A success ends the run; a run reaching its threshold trips, and the engine pauses
 * the batch saying why. Kept in memory and derived again from the journal at start.
 */
export class Breaker {
  private readonly runs = new Map<string, Run>();
  private readonly threshold: number;
  private readonly transientThreshold: number;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.threshold ?? DEFAULT_BREAKER_THRESHOLD;
    this.transientThreshold = options.transientThreshold ?? DEFAULT_BREAKER_TRANSIENT_THRESHOLD;
  }

  /** Picks up a batch's run from its tasks (at start). */
  derive(batch: BatchRecord, tasks: Iterable<TaskRecord>): void {
    const run = deriveRun(tasks, batch.breakerSince);
    if (run) this.runs.set(batch.id, run);
    else this.runs.delete(batch.id);
  }

  /** A task of the batch ended; answers the run when it trips the breaker now. */
  ended(task: TaskRecord): Run | undefined {
    const end = endOf(task);
    if (!end) return undefined;
    if (end === 'success') {
      this.runs.delete(task.batchId);
      return undefined;
    }
    const run = this.runs.get(task.batchId);
    const next = run && run.group === end ? { group: end, count: run.count + 1 } : { group: end, count: 1 };
    this.runs.set(task.batchId, next);
    const limit = end === 'transient' ? this.transientThreshold : this.threshold;
    return next.count >= limit ? next : undefined;
  }

  /** The person resumed the batch (or it left the queue): its run starts again. */
  reset(batchId: string): void {
    this.runs.delete(batchId);
  }

  run(batchId: string): Run | undefined {
    return this.runs.get(batchId);
  }
}
