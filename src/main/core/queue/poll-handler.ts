import type { QueueStatus, TaskRecord } from '@shared/batch';
import { describeFailure, isTransientFailure } from '@shared/fail-codes';
import { IN_FLIGHT_STATES } from '@shared/task-state';
import { ApixoError, type ApixoClient, type TaskStatus } from '../apixo';
import type { Clock } from '../util/clock';
import { ONE_ATTEMPT, type AccountHold, type ChangeTask } from './engine-types';
import type { PollScheduler } from './poll-scheduler';
import type { TaskPatch } from './queue-state';
import type { NetworkWatch } from './network-watch';
import { failedAttempt } from './spend-meter';
import { OFFLINE_POLL_SLOWDOWN, UNKNOWN_POLLS_FOR_REVIEW, UNKNOWN_STATE_FOR_REVIEW_MS, overdueAfterMs, pollIntervalMs } from './schedule-policy';

/** The wait before each automatic retry (ms, times timeScale): 30 s, 60 s, then 120 s. */
const AUTO_RETRY_DELAYS_MS = [30_000, 60_000, 120_000];

/** The wait before automatic retry `done + 1`, with ±25 % jitter so that a burst of failures does not come back at once. */
export function autoRetryDelayMs(done: number, random: () => number): number {
  const base = AUTO_RETRY_DELAYS_MS[Math.min(done, AUTO_RETRY_DELAYS_MS.length - 1)];
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** Consecutive failed polls of one task before its row says so. */
const POLL_ERRORS_SHOWN = 3;
/** Consecutive "task not found" answers (about a minute of polls) before a person is asked. */
const NOT_FOUND_FOR_REVIEW = 12;

const UNKNOWN_TASK =
  'APIXO has answered "task not found" for this task ID for about a minute. If it was made with another key, or by the ' +
  'simulator in an earlier session, abandon it; resubmitting makes (and pays for) a new video.';
const OVERDUE_NOTE = 'Taking much longer than usual; still checking.';

export interface PollHandlerDeps {
  /** The API the task was sent to (its ledger's); undefined while that API is not connected: the poll is held. */
  client: (task: TaskRecord) => ApixoClient | undefined;
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
  /** Aborted when the engine closes or the machine goes to sleep: a poll in flight then changes nothing. */
  signal: () => AbortSignal;
  /** Whether APIXO can be reached at all. */
  network: NetworkWatch;
  autoRetryLimit: number;
  clock: Clock;
  timeScale: number;
  random: () => number;
}

/**
 * The poll handler (architecture.md, "Scheduling"): one status request for a task the
 * scheduler says is due, what its answer means for the task, and when to ask again. A poll
 * error never fails a task; time offline or asleep never counts against one; every task ends
 * (a success with nothing to download, or a state that stays unknown, goes to a person); and a
 * note that did not change is not written again.
 */
export class PollHandler {
  /** Polls in a row that failed, per task (backoff, and the note after a few). */
  private readonly errors = new Map<string, number>();
  /** "Task not found" answers in a row, per task. */
  private readonly notFound = new Map<string, number>();
  /** Since when (and for how many answers) a task's state has been one this app does not know. */
  private readonly unknown = new Map<string, { since: number; answers: number }>();
  /** Polls held while the key is refused or the engine closes; polled again on resume. */
  private readonly held = new Set<string>();
  /** The times the machine slept or APIXO could not be reached: they do not make a task overdue. */
  private readonly away: { from: number; to: number }[] = [];

  constructor(private readonly d: PollHandlerDeps) {}

  /** The task left the in-flight states: its counts go. */
  forget(id: string): void {
    this.errors.delete(id);
    this.notFound.delete(id);
    this.unknown.delete(id);
  }

  /** After the person fixed the key: every held poll is due now. */
  releaseHeld(): void {
    const now = this.d.clock.now();
    for (const id of this.held) this.d.polls.schedule(id, now);
    this.held.clear();
  }

  /**
   * The machine slept, or APIXO could not be reached, from `from` to `to`: failures counted
   * before say nothing about the tasks, and a state that stayed unknown starts its wait again.
   */
  freshStart(away: { from: number; to: number }): void {
    if (away.to > away.from) this.away.push(away);
    this.errors.clear();
    this.unknown.clear();
  }

  async poll(id: string): Promise<void> {
    const { clock, timeScale: ts, random } = this.d;
    const asked = this.d.task(id);
    if (!asked?.taskId || !IN_FLIGHT_STATES.has(asked.state)) return;
    // A refused key, or an API address that is not APIXO's (every answer would be a 404), holds
    // the polls until the person resumes: neither may count against the tasks.
    const hold = this.d.account()?.reason;
    const client = this.d.client(asked);
    if (hold === 'auth' || hold === 'address' || this.d.closing() || !client) {
      this.held.add(id);
      return;
    }
    // Before any answer the task is most likely processing: the first poll comes after pending.
    let next = pollIntervalMs(asked.state === 'submitted' ? 'processing' : asked.state, random) * ts;
    const signal = this.d.signal();
    try {
      const status = await client.status(asked.taskId, { retry: ONE_ATTEMPT, signal });
      // Closing: what came stays unread; the journal still holds the task, polled again at the next start.
      if (this.d.closing()) return;
      // The task as it is now: it may have changed while the answer was on its way.
      const task = this.d.task(id);
      if (!task || task.taskId !== status.taskId || !IN_FLIGHT_STATES.has(task.state)) return;
      this.errors.delete(id);
      if (status.state !== 'unknown') this.unknown.delete(id);
      this.notFound.delete(id);
      if (this.onStatus(task, status)) return;
      next = pollIntervalMs(status.state, random) * ts;
    } catch (error) {
      // Stopped on purpose (closing, or the machine going to sleep): nothing changes.
      if (signal.aborted) {
        if (!this.d.closing()) this.d.polls.schedule(id, clock.now() + next);
        return;
      }
      if (this.d.closing()) return;
      next = this.onPollError(this.d.task(id) ?? asked, error, next);
      if (next < 0) return;
    }
    const task = this.d.task(id);
    if (!task || !IN_FLIGHT_STATES.has(task.state)) return;
    if (
      !task.overdue &&
      !this.d.network.offline &&
      task.times.submitted !== undefined &&
      this.awakeSince(task.times.submitted) > overdueAfterMs(task.request) * ts
    ) {
      // A note that says more (an unknown state, a poll error) stays; the flag is set either way.
      this.d.change(task, undefined, task.note ? { overdue: true } : { overdue: true, note: OVERDUE_NOTE });
    }
    if (!this.d.closing() && IN_FLIGHT_STATES.has(this.d.task(id)!.state)) this.d.polls.schedule(id, clock.now() + next);
  }

  /** Time since `from`, less the time the machine slept or was offline. */
  private awakeSince(from: number): number {
    let slept = 0;
    for (const s of this.away) slept += Math.max(0, Math.min(s.to, this.d.clock.now()) - Math.max(s.from, from));
    return this.d.clock.now() - from - slept;
  }

  /** Writes a note, unless the task already says exactly that. */
  private note(task: TaskRecord, note: string): void {
    if (task.note !== note) this.d.change(task, undefined, { note });
  }

  /** Applies a status answer; true when the task left the in-flight states. */
  private onStatus(task: TaskRecord, status: TaskStatus): boolean {
    const { change, autoRetryLimit } = this.d;
    switch (status.state) {
      case 'pending':
      case 'processing': {
        // An overdue task keeps saying so; any other note (a poll error, an unknown state) is over.
        const note = task.overdue ? OVERDUE_NOTE : undefined;
        if (task.state !== status.state || task.note !== note) {
          change(task, status.state, note ? { note } : undefined, { unset: note ? [] : ['note'] });
        }
        return false;
      }
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
      case 'no_result':
        // Still counted as committed money while it waits for the person (COMMITTED_STATES).
        change(task, 'needs_review', { note: noResultNote(task, status) }, { durable: true, unset: ['overdue'] });
        this.d.moneyMoved();
        return true;
      case 'failed': {
        const info = describeFailure(status.failCode);
        if (isTransientFailure(status.failCode) && task.autoRetries < autoRetryLimit) {
          // A new paid submit after a wait (architecture.md, "Triage"): it passes the caps like any other.
          const retryAt = this.d.clock.now() + autoRetryDelayMs(task.autoRetries, this.d.random) * this.d.timeScale;
          const attempt = `attempt ${task.autoRetries + 2} of ${autoRetryLimit + 1}`;
          const note = `APIXO failed it (${status.failCode}: ${status.failMsg}); trying again automatically shortly (${attempt}), as a new submit.`;
          this.d.requeue(
            task,
            { autoRetries: task.autoRetries + 1, failCode: status.failCode, failMsg: status.failMsg, note, retryAt, ...failedAttempt(task) },
            ['taskId', 'overdue']
          );
        } else {
          change(task, 'failed', { failCode: status.failCode, failMsg: status.failMsg, note: info.guidance }, { durable: true, unset: ['overdue'] });
        }
        return true;
      }
      case 'unknown': {
        const now = this.d.clock.now();
        const seen = this.unknown.get(task.id) ?? { since: now, answers: 0 };
        seen.answers++;
        this.unknown.set(task.id, seen);
        const waitedMs = now - seen.since;
        if (seen.answers >= UNKNOWN_POLLS_FOR_REVIEW && waitedMs >= UNKNOWN_STATE_FOR_REVIEW_MS * this.d.timeScale) {
          const minutes = Math.round(waitedMs / this.d.timeScale / 60_000);
          change(
            task,
            'needs_review',
            {
              note:
                `APIXO has reported a state this app does not know ("${status.rawState}") for ${minutes} minutes, so it stopped checking. ` +
                `The video may or may not be made (and paid for): attach its task ID (${task.taskId}) again to check once more, or abandon it.`
            },
            { durable: true, unset: ['overdue'] }
          );
          return true;
        }
        this.note(task, `APIXO reports a state this app does not know ("${status.rawState}"); it keeps checking.`);
        return false;
      }
    }
  }

  /** A poll error never fails a task: returns when to poll again (or -1 to hold it). */
  private onPollError(task: TaskRecord, error: unknown, interval: number): number {
    // Offline: the network is gone, not this task. Nothing is counted and no note is written;
    // polls go on, slower, and the first one answered brings the app back online.
    if (error instanceof ApixoError && error.kind === 'network' && this.d.network.offline) return interval * OFFLINE_POLL_SLOWDOWN;
    const count = (this.errors.get(task.id) ?? 0) + 1;
    this.errors.set(task.id, count);
    if (error instanceof ApixoError) {
      if (error.kind === 'auth' || error.kind === 'forbidden') {
        this.d.pauseAccount('auth', `${error.message} Submits and checks are paused until you resume.`);
        this.held.add(task.id);
        return -1;
      }
      if (error.kind === 'rate_limited') return Math.max(interval, (error.retryAfterMs ?? 0) * this.d.timeScale);
      if (error.kind === 'not_found' && error.delivery === 'not_sent') {
        // The address is no web address: the task is not missing, the address is.
        this.d.pauseAccount('address', `${error.message} Fix it in Settings (or --base-url), then resume.`);
        this.held.add(task.id);
        return -1;
      }
      if (error.kind === 'not_found') {
        // Only answers count here: a poll that never reached APIXO says nothing about the task.
        const missing = (this.notFound.get(task.id) ?? 0) + 1;
        this.notFound.set(task.id, missing);
        if (missing >= NOT_FOUND_FOR_REVIEW) {
          this.d.change(task, 'needs_review', { note: UNKNOWN_TASK }, { durable: true });
          return -1;
        }
        if (missing >= POLL_ERRORS_SHOWN) this.note(task, 'APIXO does not find this task right now; it keeps checking.');
      }
    }
    if (count === POLL_ERRORS_SHOWN && !(error instanceof ApixoError && error.kind === 'not_found')) {
      this.note(task, `Checking this task failed ${count} times (${(error as Error).message}); it keeps trying.`);
    }
    // Back off a little on repeated errors, but never stop polling.
    return interval * Math.min(4, 1 + (count - 1) * 0.5);
  }
}

/** Why a success with nothing to download waits for the person, and what they can do. */
function noResultNote(task: TaskRecord, status: Extract<TaskStatus, { state: 'no_result' }>): string {
  const answered = status.answered ? ` (it answered: ${status.answered})` : '';
  return (
    `APIXO says this video is finished, and charged for it, but ${status.problem}${answered}, so there is nothing to download. ` +
    `Attach its task ID (${task.taskId}) again later to check once more, or abandon it; resubmitting makes (and pays for) a new video.`
  );
}
