import type { QueueStatus, TaskRecord } from '@shared/batch';
import { describeFailure, isTransientFailure } from '@shared/fail-codes';
import { IN_FLIGHT_STATES } from '@shared/task-state';
import { ApixoError, type ApixoClient, type TaskStatus } from '../apixo';
import type { Clock } from '../util/clock';
import { ONE_ATTEMPT, type AccountHold, type ChangeTask } from './engine-types';
import type { PollScheduler } from './poll-scheduler';
import type { TaskPatch } from './queue-state';
import { overdueAfterMs, pollIntervalMs } from './schedule-policy';

/** Consecutive failed polls of one task before its row says so. */
const POLL_ERRORS_SHOWN = 3;
/** Consecutive "task not found" answers (about a minute of polls) before a person is asked. */
const NOT_FOUND_FOR_REVIEW = 12;

const UNKNOWN_TASK =
  'APIXO has answered "task not found" for this task ID for about a minute. If it was made with another key, or by the ' +
  'simulator in an earlier session, abandon it; resubmitting makes (and pays for) a new video.';

export interface PollHandlerDeps {
  client: () => ApixoClient;
  task: (id: string) => TaskRecord | undefined;
  change: ChangeTask;
  /** Queues a task again for a new submit (a transient failure at APIXO). */
  requeue: (task: TaskRecord, patch: TaskPatch, unset: (keyof TaskPatch)[]) => void;
  /** A task succeeded: download its video. */
  download: (id: string) => void;
  /** Money moved: read the balance again soon. */
  moneyMoved: () => void;
  polls: PollScheduler;
  account: () => QueueStatus['account'];
  pauseAccount: (reason: AccountHold['reason'], message: string) => void;
  closing: () => boolean;
  autoRetryLimit: number;
  clock: Clock;
  timeScale: number;
  random: () => number;
}

/**
 * The poll handler (architecture.md, "Scheduling"): one status request for a task the
 * scheduler says is due, what its answer means for the task, and when to ask again. A poll
 * error never fails a task.
 */
export class PollHandler {
  private readonly errors = new Map<string, number>();
  /** Polls held while the key is refused or the engine closes; polled again on resume. */
  private readonly held = new Set<string>();

  constructor(private readonly d: PollHandlerDeps) {}

  /** The task left the in-flight states: its error count goes. */
  forget(id: string): void {
    this.errors.delete(id);
  }

  /** After the person fixed the key: every held poll is due now. */
  releaseHeld(): void {
    const now = this.d.clock.now();
    for (const id of this.held) this.d.polls.schedule(id, now);
    this.held.clear();
  }

  async poll(id: string): Promise<void> {
    const { clock, timeScale: ts, random } = this.d;
    const asked = this.d.task(id);
    if (!asked?.taskId || !IN_FLIGHT_STATES.has(asked.state)) return;
    if (this.d.account()?.reason === 'auth' || this.d.closing()) {
      this.held.add(id);
      return;
    }
    // Before any answer the task is most likely processing: the first poll comes after pending.
    let next = pollIntervalMs(asked.state === 'submitted' ? 'processing' : asked.state, random) * ts;
    try {
      const status = await this.d.client().status(asked.taskId, { retry: ONE_ATTEMPT });
      // The task as it is now: it may have changed while the answer was on its way.
      const task = this.d.task(id);
      if (!task || task.taskId !== status.taskId || !IN_FLIGHT_STATES.has(task.state)) return;
      this.errors.delete(id);
      if (this.onStatus(task, status)) return;
      next = pollIntervalMs(status.state, random) * ts;
    } catch (error) {
      next = this.onPollError(this.d.task(id) ?? asked, error, next);
      if (next < 0) return;
    }
    const task = this.d.task(id);
    if (!task) return;
    if (!task.overdue && task.times.submitted !== undefined && clock.now() - task.times.submitted > overdueAfterMs(task.request) * ts) {
      this.d.change(task, undefined, { overdue: true, note: 'Taking much longer than usual; still checking.' });
    }
    if (!this.d.closing() && IN_FLIGHT_STATES.has(this.d.task(id)!.state)) this.d.polls.schedule(id, clock.now() + next);
  }

  /** Applies a status answer; true when the task left the in-flight states. */
  private onStatus(task: TaskRecord, status: TaskStatus): boolean {
    const { change, autoRetryLimit } = this.d;
    switch (status.state) {
      case 'pending':
      case 'processing':
        if (task.state !== status.state || task.note) change(task, status.state, undefined, { unset: task.overdue ? [] : ['note'] });
        return false;
      case 'success':
        change(
          task,
          'succeeded',
          { resultUrl: status.resultUrls[0], spentMicros: task.spentMicros + task.estimateMicros },
          { durable: true, unset: ['note', 'overdue'] }
        );
        this.d.download(task.id);
        this.d.moneyMoved();
        return true;
      case 'failed': {
        const info = describeFailure(status.failCode);
        if (isTransientFailure(status.failCode) && task.autoRetries < autoRetryLimit) {
          const note = `APIXO failed it (${status.failCode}: ${status.failMsg}); trying again automatically (${task.autoRetries + 1} of ${autoRetryLimit}).`;
          this.d.requeue(task, { autoRetries: task.autoRetries + 1, failCode: status.failCode, failMsg: status.failMsg, note }, ['taskId', 'overdue']);
        } else {
          change(task, 'failed', { failCode: status.failCode, failMsg: status.failMsg, note: info.guidance }, { durable: true, unset: ['overdue'] });
        }
        return true;
      }
      case 'unknown':
        change(task, undefined, { note: `APIXO reports a state this app does not know ("${status.rawState}"); it keeps checking.` });
        return false;
    }
  }

  /** A poll error never fails a task: returns when to poll again (or -1 to hold it). */
  private onPollError(task: TaskRecord, error: unknown, interval: number): number {
    const count = (this.errors.get(task.id) ?? 0) + 1;
    this.errors.set(task.id, count);
    if (error instanceof ApixoError) {
      if (error.kind === 'auth' || error.kind === 'forbidden') {
        this.d.pauseAccount('auth', `${error.message} Submits and checks are paused until you resume.`);
        this.held.add(task.id);
        return -1;
      }
      if (error.kind === 'rate_limited') return Math.max(interval, (error.retryAfterMs ?? 0) * this.d.timeScale);
      if (error.kind === 'not_found' && count >= NOT_FOUND_FOR_REVIEW) {
        this.d.change(task, 'needs_review', { note: UNKNOWN_TASK }, { durable: true });
        return -1;
      }
      if (error.kind === 'not_found' && count >= POLL_ERRORS_SHOWN) {
        this.d.change(task, undefined, { note: 'APIXO does not find this task right now; it keeps checking.' });
      }
    }
    if (count === POLL_ERRORS_SHOWN && !(error instanceof ApixoError && error.kind === 'not_found')) {
      this.d.change(task, undefined, { note: `Checking this task failed ${count} times (${(error as Error).message}); it keeps trying.` });
    }
    // Back off a little on repeated errors, but never stop polling.
    return interval * Math.min(4, 1 + (count - 1) * 0.5);
  }
}
