/**
 * How the window groups and labels task states, and which of a person's actions each state
 * allows (the engine refuses the others; these only decide which buttons to show).
 */
import type { BatchCounts, BatchSummary } from '@shared/batch';
import { LATENCY, LORA_LATENCY, isLoraMode } from '@shared/model';
import { TERMINAL_STATES, type TaskState } from '@shared/task-state';
import type { TaskRecord } from '@shared/batch';

export const STATE_LABEL: Record<TaskState, string> = {
  draft: 'Draft',
  queued: 'Queued',
  submitting: 'Submitting',
  submitted: 'Submitted',
  pending: 'Waiting at APIXO',
  processing: 'Generating',
  succeeded: 'Generated',
  downloading: 'Downloading',
  done: 'Done',
  rejected: 'Rejected',
  failed: 'Failed',
  needs_review: 'Needs review',
  canceled: 'Canceled',
  abandoned: 'Abandoned',
  download_failed: 'Download failed',
  expired: 'Expired'
};

export type StateTone = 'idle' | 'active' | 'ok' | 'bad' | 'attention' | 'muted';

export const STATE_TONE: Record<TaskState, StateTone> = {
  draft: 'idle',
  queued: 'idle',
  submitting: 'active',
  submitted: 'active',
  pending: 'active',
  processing: 'active',
  succeeded: 'active',
  downloading: 'active',
  done: 'ok',
  rejected: 'bad',
  failed: 'bad',
  needs_review: 'attention',
  canceled: 'muted',
  abandoned: 'muted',
  download_failed: 'attention',
  expired: 'bad'
};

/** The groups a batch row counts by, in the order a batch moves through them. */
export const COUNT_GROUPS: { key: string; label: string; tone: StateTone; states: TaskState[] }[] = [
  { key: 'queued', label: 'queued', tone: 'idle', states: ['draft', 'queued'] },
  { key: 'running', label: 'generating', tone: 'active', states: ['submitting', 'submitted', 'pending', 'processing'] },
  { key: 'downloading', label: 'downloading', tone: 'active', states: ['succeeded', 'downloading'] },
  { key: 'done', label: 'done', tone: 'ok', states: ['done'] },
  { key: 'attention', label: 'need you', tone: 'attention', states: ['needs_review', 'download_failed'] },
  { key: 'failed', label: 'failed', tone: 'bad', states: ['failed', 'rejected', 'expired'] },
  { key: 'canceled', label: 'canceled', tone: 'muted', states: ['canceled'] },
  { key: 'abandoned', label: 'abandoned', tone: 'muted', states: ['abandoned'] }
];

export function countOf(counts: BatchCounts, states: readonly TaskState[]): number {
  let n = 0;
  for (const s of states) n += counts[s] ?? 0;
  return n;
}

export function finishedCount(counts: BatchCounts): number {
  return countOf(counts, [...TERMINAL_STATES]);
}

/** Every task of the batch ended: nothing left to pause, cancel or wait for. */
export function isFinished(summary: Pick<BatchSummary, 'counts' | 'total'>): boolean {
  return summary.total > 0 && finishedCount(summary.counts) >= summary.total;
}

/** When a task waiting for its automatic retry goes: "retries at 14:02:10", or '' when it does not wait. */
export function retryAtWords(task: Pick<TaskRecord, 'state' | 'retryAt'>, now: number): string {
  if (task.state !== 'queued' || task.retryAt === undefined || task.retryAt <= now) return '';
  const secs = Math.ceil((task.retryAt - now) / 1000);
  if (secs < 60) return `retries in ${secs} s`;
  return `retries at ${new Date(task.retryAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
}

export const CAN_RETRY: ReadonlySet<TaskState> = new Set<TaskState>(['failed', 'expired', 'download_failed', 'rejected']);
export const CAN_CANCEL: ReadonlySet<TaskState> = new Set<TaskState>(['queued']);
export const CAN_ABANDON: ReadonlySet<TaskState> = new Set<TaskState>(['needs_review', 'download_failed']);
export const CAN_RESUBMIT: ReadonlySet<TaskState> = new Set<TaskState>(['needs_review']);
/** A failed or refused request can be edited (prompt, duration, resolution, aspect, seed, image link) and retried. */
export const CAN_EDIT: ReadonlySet<TaskState> = new Set<TaskState>(['failed', 'rejected']);

const ACTIVE: ReadonlySet<TaskState> = new Set<TaskState>(['submitting', 'submitted', 'pending', 'processing', 'succeeded', 'downloading']);

/** When the task left the queue (its first submit), if it has. */
function startedAt(task: TaskRecord): number | undefined {
  return task.times.submitting ?? task.times.submitted;
}

/** Time since submit: running while active, frozen once the task ended. */
export function elapsedMs(task: TaskRecord, now: number): number | undefined {
  const start = startedAt(task);
  if (start === undefined) return undefined;
  if (ACTIVE.has(task.state) || task.state === 'needs_review') return Math.max(0, now - start);
  const end = task.times[task.state];
  return end === undefined ? undefined : Math.max(0, end - start);
}

/** How long a generation of this task usually takes at most (the model page's latency table). */
export function typicalMs(task: TaskRecord): number {
  const input = task.request.input;
  return LATENCY[input.resolution].maxMs + (isLoraMode(input.mode) ? LORA_LATENCY.extraMaxMs : 0);
}

/** Time to go for a task being generated, or undefined when there is nothing to estimate. */
export function taskEtaMs(task: TaskRecord, now: number): number | undefined {
  if (!ACTIVE.has(task.state) || task.state === 'succeeded' || task.state === 'downloading') return undefined;
  const elapsed = elapsedMs(task, now) ?? 0;
  return Math.max(0, typicalMs(task) - elapsed);
}
