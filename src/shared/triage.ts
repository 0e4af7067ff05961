/**
 * Failures by cause (architecture.md, "Triage"): every task that ended without a video, or waits
 * for a person, falls in one group, and each group says what it means and what can be done.
 */
import type { TaskRecord } from './batch';
import { describeFailure } from './fail-codes';

export const FAILURE_GROUPS = ['safety', 'invalid_input', 'image', 'transient', 'rejected', 'download', 'needs_review'] as const;

export type FailureGroup = (typeof FAILURE_GROUPS)[number];

/** Tasks per group; a group with none is absent. */
export type FailureCounts = Partial<Record<FailureGroup, number>>;

export interface FailureGroupWords {
  /** A short name for the group's heading: "Safety refusals". */
  label: string;
  /** What happened and what to do, in a sentence. */
  advice: string;
  /** Whether sending the same request again can help: safety refusals and bad input need an edit first. */
  retryHelps: boolean;
}

export const FAILURE_GROUP_WORDS: Record<FailureGroup, FailureGroupWords> = {
  safety: {
    label: 'Safety refusals',
    advice: 'The prompt, image or result failed the safety check. Edit the prompt or image, then retry; the same request is refused again.',
    retryHelps: false
  },
  invalid_input: {
    label: 'Invalid prompt or input',
    advice: 'APIXO could not use the prompt or a LoRA link. Edit it, then retry.',
    retryHelps: false
  },
  image: {
    label: 'Image not reachable',
    advice: 'APIXO could not fetch or use the source image. Check its link or image hosting in Settings, then retry.',
    retryHelps: true
  },
  transient: {
    label: 'Provider problems',
    advice:
      'A temporary problem at APIXO (a timeout, the model unavailable, a failed generation). These are retried on their own a few times; retry again if they still fail.',
    retryHelps: true
  },
  rejected: {
    label: 'Rejected at submit',
    advice: 'APIXO refused the request before making a task: nothing was charged. Edit the request, then retry.',
    retryHelps: false
  },
  download: {
    label: 'Download failed',
    advice: 'The video was made and paid for, but could not be saved. Retry downloads it again, with no new charge.',
    retryHelps: true
  },
  needs_review: {
    label: 'Needs review',
    advice: 'The outcome of a submit is unknown: it may have been made and charged. Check it at APIXO and attach its task ID, or resubmit or abandon it.',
    retryHelps: false
  }
};

/** The group a task's failure falls in; undefined for a task that has not failed (or was canceled or abandoned). */
export function failureGroupOf(task: Pick<TaskRecord, 'state' | 'failCode'>): FailureGroup | undefined {
  switch (task.state) {
    case 'rejected':
      return 'rejected';
    case 'download_failed':
    case 'expired':
      return 'download';
    case 'needs_review':
      return 'needs_review';
    case 'failed': {
      switch (describeFailure(task.failCode ?? '').kind) {
        case 'content':
          return 'safety';
        case 'prompt':
        case 'lora':
          return 'invalid_input';
        case 'image':
          return 'image';
        default:
          return 'transient';
      }
    }
    default:
      return undefined;
  }
}

/** Adds one task to a count of groups, in place. */
export function countFailure(counts: FailureCounts, task: Pick<TaskRecord, 'state' | 'failCode'>): void {
  const group = failureGroupOf(task);
  if (group) counts[group] = (counts[group] ?? 0) + 1;
}

/** Every group's count added together. */
export function failureTotal(counts: FailureCounts): number {
  let total = 0;
  for (const group of FAILURE_GROUPS) total += counts[group] ?? 0;
  return total;
}

/**
 * Where a task stands in its automatic retries, for its row: "attempt 2 of 3" while its second
 * attempt runs or waits; undefined before any automatic retry. `attempts` is
 * `QueueStatus.autoAttempts`, the first attempt and the automatic retries in all.
 */
export function autoRetryWords(task: Pick<TaskRecord, 'autoRetries'>, attempts: number): string | undefined {
  if (task.autoRetries <= 0) return undefined;
  return `attempt ${task.autoRetries + 1} of ${Math.max(attempts, task.autoRetries + 1)}`;
}
