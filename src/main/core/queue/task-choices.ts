import type { TaskEdit, TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
import { FAILURE_GROUP_WORDS, failureGroupOf, type FailureGroup } from '@shared/triage';
import { editedRequest } from './edit-request';
import { failedAttempt } from './spend-meter';
import type { Clock } from '../util/clock';
import { TaskActionError, type ChangeTask } from './engine-types';
import type { TaskPatch } from './queue-state';

export interface TaskChoicesDeps {
  task: (id: string) => TaskRecord | undefined;
  tasksOf: (batchId: string) => TaskRecord[];
  change: ChangeTask;
  requeue: (task: TaskRecord, patch: TaskPatch, unset: (keyof TaskPatch)[]) => void;
  /** Polls a task at the given time. */
  poll: (id: string, at: number) => void;
  download: (id: string) => void;
  /** The batches' ids in queue order. */
  batchIds: () => string[];
  clock: Clock;
  random: () => number;
}

/** What a person's retry clears: the last attempt's outcome, and any wait for an automatic retry. */
const RETRY_UNSET: (keyof TaskPatch)[] = ['taskId', 'resultUrl', 'failCode', 'failMsg', 'file', 'retryAt', 'overdue'];

const CANCELED = 'Canceled before it was submitted: nothing was charged.';

/**
 * A person's choices about tasks: what each state allows, and what it does. A choice the
 * state does not allow throws TaskActionError saying why.
 */
export class TaskChoices {
  constructor(private readonly d: TaskChoicesDeps) {}

  /** Submits a task again although its earlier submit may have created one: the person chose. */
  resubmit(id: string): void {
    const task = this.require(id, ['needs_review'], 'Only a task that needs review can be resubmitted.');
    this.d.requeue(task, { note: 'Resubmitted by you.' }, ['taskId']);
  }

  /**
   * Gives up on a task without submitting again; a failed, rejected or expired one is dismissed
   * (architecture.md, "Triage"): it leaves the failure counts.
   */
  abandon(id: string): void {
    const task = this.require(
      id,
      ['needs_review', 'download_failed', 'failed', 'rejected', 'expired'],
      'Only a task that failed, needs review or whose download failed can be abandoned.'
    );
    const note = task.state === 'needs_review' || task.state === 'download_failed' ? 'Abandoned by you.' : 'Dismissed by you.';
    this.d.change(task, 'abandoned', { note }, { durable: true });
  }

  /** The person found the task at APIXO: poll it from now on. */
  attachTaskId(id: string, taskId: string): void {
    const task = this.require(id, ['needs_review'], 'A task ID can only be attached to a task that needs review.');
    const clean = taskId.trim();
    if (!clean || clean.length > 256) throw new TaskActionError('That task ID is empty or too long.');
    this.d.change(task, 'submitted', { taskId: clean, note: 'Task ID attached by you; checking it.' }, { durable: true });
    this.d.poll(task.id, this.d.clock.now());
  }

  /** Tries a failed or expired task again (a new submit, a new cost), or a failed download. */
  retry(id: string): void {
    const task = this.require(id, ['failed', 'expired', 'download_failed', 'rejected'], 'Only a failed task can be retried.');
    if (task.state === 'download_failed') {
      this.d.change(task, 'succeeded', { note: 'Downloading again.' });
      this.d.download(task.id);
      return;
    }
    this.d.requeue(task, { note: 'Queued again by you: this is a new submit.', autoRetries: 0, ...failedAttempt(task) }, RETRY_UNSET);
  }

  /**
   * Changes a failed, rejected or expired task's request (checked as an import's row is) and
   * queues it again: a new submit, at the new request's estimate. An edit that is not valid is
   * refused, saying why, and nothing changes.
   */
  editRetry(id: string, edit: TaskEdit): void {
    const task = this.require(id, ['failed', 'rejected', 'expired'], 'Only a task that failed, was rejected or expired can be edited and retried.');
    const { patch, unset } = editedRequest(task, edit, this.d.random);
    this.d.requeue(task, { ...patch, note: 'Edited and queued again by you: this is a new submit.', autoRetries: 0, ...failedAttempt(task) }, [
      ...RETRY_UNSET,
      ...unset
    ]);
  }

  /** The tasks of one failure group, of one batch or (undefined) every batch, in queue order. */
  failures(batchId: string | undefined, group: FailureGroup): TaskRecord[] {
    const ids = batchId === undefined ? this.d.batchIds() : [batchId];
    return ids.flatMap((b) => this.d.tasksOf(b).filter((t) => failureGroupOf(t) === group));
  }

  /**
   * Retries one failure group (failed, rejected and expired tasks are queued again as new
   * submits; failed downloads are downloaded again, with no new charge); answers how many.
   * "Needs review" is refused: a resubmit may pay twice, so the person resubmits them one by one.
   */
  retryGroup(batchId: string | undefined, group: FailureGroup): number {
    if (group === 'needs_review') {
      throw new TaskActionError(
        'Tasks that need review are not retried together: each may have been made and charged already. Check them at APIXO, then attach, resubmit or abandon them one by one.'
      );
    }
    const tasks = this.failures(batchId, group);
    for (const task of tasks) this.retry(task.id);
    return tasks.length;
  }

  /** Gives up on one failure group (failed ones are dismissed, the others abandoned); answers how many. */
  abandonGroup(batchId: string | undefined, group: FailureGroup): number {
    const tasks = this.failures(batchId, group);
    for (const task of tasks) this.abandon(task.id);
    return tasks.length;
  }

  /** Cancels a task that has not been submitted (APIXO has no cancel). */
  cancel(id: string): void {
    const task = this.require(id, ['queued'], 'Only a task that has not been submitted can be canceled: APIXO cannot cancel a running task.');
    this.d.change(task, 'canceled', { note: CANCELED });
  }

  /** Cancels every task of the batch not yet submitted; returns how many. */
  cancelBatch(batchId: string): number {
    let n = 0;
    for (const task of this.d.tasksOf(batchId)) {
      if (task.state === 'queued') {
        this.d.change(task, 'canceled', { note: CANCELED });
        n++;
      }
    }
    return n;
  }

  /**
   * Queues again every failed (or expired) task of the batch that sending again can mend; each is
   * a new, paid submit. A safety refusal or an invalid prompt would only be refused (and maybe
   * charged) again: those wait for an edit (architecture.md, "Triage").
   */
  retryFailed(batchId: string): number {
    let n = 0;
    for (const task of this.d.tasksOf(batchId)) {
      const group = failureGroupOf(task);
      if ((task.state === 'failed' || task.state === 'expired') && group && FAILURE_GROUP_WORDS[group].retryHelps) {
        this.retry(task.id);
        n++;
      }
    }
    return n;
  }

  private require(id: string, states: TaskState[], message: string): TaskRecord {
    const task = this.d.task(id);
    if (!task) throw new TaskActionError(`There is no task ${id}.`);
    if (!states.includes(task.state)) throw new TaskActionError(`${message} (This one is ${task.state.replace('_', ' ')}.)`);
    return task;
  }
}
