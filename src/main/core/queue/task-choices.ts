import type { TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
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
  clock: Clock;
}

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

  /** Gives up on a task without submitting again. */
  abandon(id: string): void {
    const task = this.require(id, ['needs_review', 'download_failed'], 'Only a task that needs review or whose download failed can be abandoned.');
    this.d.change(task, 'abandoned', { note: 'Abandoned by you.' }, { durable: true });
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
    this.d.requeue(task, { note: 'Queued again by you: this is a new submit.' }, ['taskId', 'resultUrl', 'failCode', 'failMsg', 'file']);
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

  /** Queues every failed (or expired) task of the batch again; each is a new, paid submit. */
  retryFailed(batchId: string): number {
    let n = 0;
    for (const task of this.d.tasksOf(batchId)) {
      if (task.state === 'failed' || task.state === 'expired') {
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
