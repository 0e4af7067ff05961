/**
 * The life of a task, from a CSV row to a file in the library (architecture.md, "A task's
 * life").
 */
export const TASK_STATES = [
  'draft',
  'queued',
  'submitting',
  'submitted',
  'pending',
  'processing',
  'succeeded',
  'downloading',
  'done',
  'rejected',
  'failed',
  'needs_review',
  'canceled',
  'abandoned',
  'download_failed',
  'expired'
] as const;

export type TaskState = (typeof TASK_STATES)[number];

/** States after which nothing more happens on its own. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['done', 'rejected', 'failed', 'canceled', 'abandoned', 'expired']);

/** States in which APIXO holds a task we may have paid for: it must be polled to an end. */
export const IN_FLIGHT_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['submitted', 'pending', 'processing']);

/** Being submitted or at APIXO: a submit slot is taken, and the task's money may still move (debited at submit, refunded on failure). */
export const AT_APIXO_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['submitting', ...IN_FLIGHT_STATES]);

/** States that wait for a person's choice. */
export const ATTENTION_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['needs_review', 'download_failed']);

export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

/** States whose money is committed: the task exists (or may exist) at APIXO and is not finished. */
export const COMMITTED_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['submitting', 'submitted', 'pending', 'processing', 'needs_review']);
