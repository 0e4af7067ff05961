import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { taskIdFor, type BatchRecord, type BatchSummary, type CostTotals, type QueueStatus, type SourceRow, type TaskRecord } from '@shared/batch';
import { describeFailure, isTransientFailure } from '@shared/fail-codes';
import { POLL_INTERVAL_MS } from '@shared/model';
import { formatUsd, taskCost, type Micros } from '@shared/pricing';
import type { TaskDraft } from '@shared/request';
import { buildRequest } from '@shared/request-builder';
import { COMMITTED_STATES as COMMITTED, IN_FLIGHT_STATES, type TaskState } from '@shared/task-state';
import { sumCosts, summarize } from '@shared/batch-summary';
import { validateRequest } from '@shared/validation';
import { ApixoError, backoffDelay, type ApixoClient, type RetryPolicy, type TaskStatus } from '../apixo';
import { silentLog, type Logger } from '../log/logger';
import { taskFields } from '../log/task-fields';
import { MinHeap } from '../util/min-heap';
import { ChangeStream } from './change-stream';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { Journal, type JournalRecovery } from '../store/journal';
import { acquireDataLock, type DataLock } from '../store/lock';
import { PollScheduler } from './poll-scheduler';
import { applyQueueEvent, emptyQueueState, queueStateFromJson, queueStateToJson, type QueueEvent, type QueueState, type TaskPatch } from './queue-state';
import { parseQueueEvent } from './queue-schema';
import { firstPollDelayMs, overdueAfterMs, pollIntervalMs } from './schedule-policy';
import { DownloadStage, sweepEmptyParts } from './download-stage';

export interface EngineOptions {
  dataDir: string;
  client: ApixoClient;
  /** Multiplies every product delay (first poll, intervals, backoff); tests run at 0.01. */
  timeScale?: number;
  /** Tasks in flight at once (default 4). */
  concurrency?: number;
  /** Downloads at once (default 3). */
  downloadConcurrency?: number;
  /** Status requests per minute for all polling together (default 70 % of APIXO's 10,000). */
  requestBudgetPerMinute?: number;
  /** Automatic new submits of a task after a transient failure (default 2). */
  autoRetryLimit?: number;
  /** Optional cap on money committed and spent across all batches. */
  overallCapMicros?: Micros;
  /** A download that receives nothing for this long is retried (real ms, default 30 s). */
  downloadStallTimeoutMs?: number;
  /** Coalescing interval of the change stream, in real ms (default 250). */
  changeIntervalMs?: number;
  random?: () => number;
  log?: Logger;
}

/** One row to turn into a task. */
export interface NewTask {
  source: SourceRow;
  draft: TaskDraft;
  imagePath?: string;
}

export interface NewBatch {
  name: string;
  libraryDir: string;
  tasks: NewTask[];
  sourceFile?: string;
  sourceKey?: string;
  capMicros?: Micros;
}

/** What subscribers receive, a few times a second at most. */
export interface EngineChange {
  tasks: TaskRecord[];
  batches: BatchSummary[];
  status: QueueStatus;
  costs: CostTotals;
}

export interface RecoveryReport extends JournalRecovery {
  /** Tasks whose submit was interrupted: they may or may not exist at APIXO. */
  needsReview: number;
  resumedPolls: number;
  resumedDownloads: number;
}

/** Thrown by an action a task's state does not allow; the message says why. */
export class TaskActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskActionError';
  }
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_REQUEST_BUDGET_PER_MINUTE = 7_000;
export const DEFAULT_AUTO_RETRY_LIMIT = 2;

/** The engine makes one attempt per call and does its own waiting, so that one pause rules all. */
const ONE_ATTEMPT: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
const SUBMIT_BACKOFF: RetryPolicy = { attempts: Infinity, baseDelayMs: 1_000, maxDelayMs: 60_000 };
/** The balance is asked for again this long after money moved (real ms). */
const BALANCE_REFRESH_MS = 5_000;
/** Consecutive failed polls of one task before its row says so. */
const POLL_ERRORS_SHOWN = 3;
/** Consecutive "task not found" answers (about a minute of polls) before a person is asked. */
const NOT_FOUND_FOR_REVIEW = 12;

const ACTIVE_SUBMIT: ReadonlySet<TaskState> = new Set<TaskState>(['submitting', ...IN_FLIGHT_STATES]);

const UNKNOWN_TASK =
  'APIXO has answered "task not found" for this task ID for about a minute. If it was made with another key, or by the ' +
  'simulator in an earlier session, abandon it; resubmitting makes (and pays for) a new video.';

const INTERRUPTED_SUBMIT =
  'The app stopped while this task was being submitted, so APIXO may or may not have created it (and charged for it). ' +
  'Check before submitting it again: resubmit, abandon, or attach its task ID.';

/**
 * The batch engine: a durable queue that submits under a concurrency limit, polls on one
 * schedule within a request budget, downloads into the library, and survives crashes without
 * paying twice. Every change goes through `change()`, which journals it first.
 */
export class BatchEngine {
  private readonly journal: Journal<QueueEvent, QueueState>;
  private readonly lock: DataLock;
  private client: ApixoClient;
  private readonly ts: number;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly autoRetryLimit: number;
  private budgetPerMinute: number;
  private overallCapMicros?: Micros;
  private readonly limiter: ConcurrencyLimiter;
  private readonly polls: PollScheduler;
  private readonly downloads: DownloadStage;
  private readonly changes: ChangeStream<EngineChange>;

  /** Queued tasks in submission order: batch order, then position. */
  private readonly queue = new MinHeap<{ key: number; id: string }>((item) => item.key);
  private readonly queued = new Set<string>();
  private readonly parked = new Map<string, string[]>();
  private readonly batchOrder = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  /** Money committed or spent, per batch and in all: kept by `change()` so caps cost O(1). */
  private readonly usedByBatch = new Map<string, Micros>();
  private usedTotal: Micros = 0;
  private readonly pollErrors = new Map<string, number>();
  private readonly heldPolls = new Set<string>();

  private running = false;
  private closing = false;
  private submitsInProgress = 0;
  private submitIdle: (() => void)[] = [];
  private submitPauseUntil = 0;
  private submitPauseReason = '';
  private consecutiveSubmitErrors = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private pumpQueued = false;
  private account: QueueStatus['account'];
  private capMessage: string | undefined;
  private balanceMicros: Micros | undefined;
  private balanceTimer: NodeJS.Timeout | undefined;
  readonly recovery: RecoveryReport;

  static async open(options: EngineOptions): Promise<BatchEngine> {
    await mkdir(options.dataDir, { recursive: true });
    const lock = await acquireDataLock(options.dataDir);
    try {
      const journal = await Journal.open<QueueEvent, QueueState>(options.dataDir, {
        initial: emptyQueueState,
        apply: applyQueueEvent,
        parseEvent: parseQueueEvent,
        toSnapshot: queueStateToJson,
        fromSnapshot: queueStateFromJson,
        onWarning: (message) => options.log?.warn(`journal: ${message}`, { dataDir: options.dataDir })
      });
      await sweepLeftovers(journal.state, options.log);
      return new BatchEngine(options, lock, journal);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private constructor(options: EngineOptions, lock: DataLock, journal: Journal<QueueEvent, QueueState>) {
    this.lock = lock;
    this.journal = journal;
    this.client = options.client;
    this.ts = options.timeScale ?? 1;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLog;
    this.autoRetryLimit = options.autoRetryLimit ?? DEFAULT_AUTO_RETRY_LIMIT;
    this.budgetPerMinute = options.requestBudgetPerMinute ?? DEFAULT_REQUEST_BUDGET_PER_MINUTE;
    this.overallCapMicros = options.overallCapMicros;
    this.limiter = new ConcurrencyLimiter(options.concurrency ?? DEFAULT_CONCURRENCY, POLL_INTERVAL_MS * this.ts);
    this.polls = new PollScheduler({
      budgetPerMinute: this.budgetPerMinute,
      timeScale: this.ts,
      poll: (id) => this.poll(id)
    });
    this.downloads = new DownloadStage({
      concurrency: options.downloadConcurrency ?? 3,
      stallTimeoutMs: options.downloadStallTimeoutMs,
      timeScale: this.ts,
      random: this.random,
      task: (id) => this.task(id),
      batch: (id) => this.journal.state.batches.get(id),
      change: (task, state, patch, opts) => this.change(task, state, patch, opts),
      log: this.log
    });
    this.changes = new ChangeStream(options.changeIntervalMs ?? 250, (tasks, batches) => this.buildChange(tasks, batches));
    this.recovery = this.recover();
  }

  // ── Reading ─────────────────────────────────────────────────────────────────────────────

  get state(): QueueState {
    return this.journal.state;
  }

  task(id: string): TaskRecord | undefined {
    return this.journal.state.tasks.get(id);
  }

  batches(): BatchRecord[] {
    return [...this.journal.state.batches.values()];
  }

  tasksOf(batchId: string): TaskRecord[] {
    const batch = this.journal.state.batches.get(batchId);
    return batch ? batch.taskIds.map((id) => this.journal.state.tasks.get(id)!) : [];
  }

  summary(batchId: string): BatchSummary | undefined {
    const batch = this.journal.state.batches.get(batchId);
    return batch && summarize(batch, this.tasksOf(batchId));
  }

  costs(): CostTotals {
    return { ...sumCosts(this.journal.state.tasks.values()), balanceMicros: this.balanceMicros };
  }

  status(): QueueStatus {
    let queued = 0;
    let held = 0;
    let needsReview = 0;
    const batches = this.journal.state.batches;
    for (const task of this.journal.state.tasks.values()) {
      if (task.state === 'queued') {
        if (batches.get(task.batchId)?.paused) held++;
        else queued++;
      } else if (task.state === 'needs_review') needsReview++;
    }
    const now = Date.now();
    const pauseUntil = this.submitPauseUntil > now ? this.submitPauseUntil : undefined;
    return {
      running: this.running,
      limit: this.limiter.limit,
      effectiveLimit: this.limiter.slots,
      inFlight: this.inFlight.size,
      queued: queued + held,
      downloading: this.downloads.active,
      needsReview,
      account: this.account,
      submitPauseUntil: pauseUntil,
      activity: this.activity(queued, held, pauseUntil)
    };
  }

  /** Subscribes to coalesced changes; returns the unsubscribe function. */
  onChange(listener: (change: EngineChange) => void): () => void {
    return this.changes.subscribe(listener);
  }

  /** Sends any pending change now (for a final screen). */
  flushChanges(): void {
    this.changes.flush();
  }

  // ── Batches ─────────────────────────────────────────────────────────────────────────────

  /** Adds a batch of valid rows; every request is built and validated now and frozen. */
  addBatch(spec: NewBatch): BatchRecord {
    const id = newId(this.random);
    const createdAt = Date.now();
    const tasks: TaskRecord[] = spec.tasks.map((row, position) => {
      const request = buildRequest(row.draft);
      const problems = validateRequest(request);
      if (row.imagePath && !row.draft.imageUrl) {
        throw new TaskActionError(`Row ${row.source.row} uses a local image, which needs image hosting before it can be submitted.`);
      }
      if (problems.length > 0) throw new TaskActionError(`Row ${row.source.row} is not valid: ${problems[0].message}`);
      return {
        id: taskIdFor(id, position),
        batchId: id,
        position,
        source: row.source,
        request,
        imagePath: row.imagePath,
        estimateMicros: taskCost(request.input),
        state: 'queued',
        attempts: 0,
        autoRetries: 0,
        spentMicros: 0,
        times: { created: createdAt, queued: createdAt }
      };
    });
    const batch: BatchRecord = {
      id,
      name: spec.name,
      createdAt,
      libraryDir: spec.libraryDir,
      sourceFile: spec.sourceFile,
      sourceKey: spec.sourceKey,
      capMicros: spec.capMicros,
      taskIds: tasks.map((t) => t.id)
    };
    this.journal.append({ type: 'batch_added', batch, tasks }, { durable: true });
    this.log.info(`batch added: ${tasks.length} task(s)`, { batch: id, name: spec.name, libraryDir: spec.libraryDir });
    this.batchOrder.set(id, this.batchOrder.size);
    for (const task of tasks) this.enqueue(task);
    this.changes.mark(undefined, id);
    this.pump();
    return batch;
  }

  findBatchBySourceKey(key: string): BatchRecord | undefined {
    return this.batches()
      .filter((b) => b.sourceKey === key)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
  }

  pauseBatch(batchId: string): void {
    this.requireBatch(batchId);
    this.journal.append({ type: 'batch_changed', id: batchId, patch: { paused: { reason: 'user', message: 'Paused.' } } });
    this.changes.mark(undefined, batchId);
  }

  resumeBatch(batchId: string): void {
    this.requireBatch(batchId);
    this.journal.append({ type: 'batch_changed', id: batchId, patch: {}, unset: ['paused'] });
    for (const id of this.parked.get(batchId) ?? []) this.enqueue(this.task(id)!);
    this.parked.delete(batchId);
    this.changes.mark(undefined, batchId);
    this.pump();
  }

  /** Sets or clears a batch's spending cap; a batch the old cap paused goes on if the new one allows. */
  setBatchCap(batchId: string, capMicros: Micros | undefined): void {
    const batch = this.requireBatch(batchId);
    this.journal.append({ type: 'batch_changed', id: batchId, patch: capMicros === undefined ? {} : { capMicros }, unset: capMicros === undefined ? ['capMicros'] : [] });
    if (batch.paused?.reason === 'cap') this.resumeBatch(batchId);
    this.changes.mark(undefined, batchId);
  }

  /** Sets or clears the cap across all batches. */
  setOverallCap(capMicros: Micros | undefined): void {
    this.overallCapMicros = capMicros;
    this.capMessage = undefined;
    this.changes.mark();
    this.pump();
  }

  /** Cancels every task of the batch not yet submitted; returns how many. */
  cancelBatch(batchId: string): number {
    let n = 0;
    for (const task of this.tasksOf(batchId)) {
      if (task.state === 'queued') {
        this.change(task, 'canceled', { note: 'Canceled before it was submitted: nothing was charged.' });
        n++;
      }
    }
    return n;
  }

  /** Queues every failed (or expired) task of the batch again; each is a new, paid submit. */
  retryFailed(batchId: string): number {
    let n = 0;
    for (const task of this.tasksOf(batchId)) {
      if (task.state === 'failed' || task.state === 'expired') {
        this.retry(task.id);
        n++;
      }
    }
    return n;
  }

  // ── Tasks: a person's choices ───────────────────────────────────────────────────────────

  /** Submits a task again although its earlier submit may have created one: the person chose. */
  resubmit(id: string): void {
    const task = this.requireTask(id, ['needs_review'], 'Only a task that needs review can be resubmitted.');
    this.requeue(task, { note: 'Resubmitted by you.' }, ['taskId']);
  }

  /** Gives up on a task without submitting again. */
  abandon(id: string): void {
    const task = this.requireTask(id, ['needs_review', 'download_failed'], 'Only a task that needs review or whose download failed can be abandoned.');
    this.change(task, 'abandoned', { note: 'Abandoned by you.' }, { durable: true });
  }

  /** The person found the task at APIXO: poll it from now on. */
  attachTaskId(id: string, taskId: string): void {
    const task = this.requireTask(id, ['needs_review'], 'A task ID can only be attached to a task that needs review.');
    const clean = taskId.trim();
    if (!clean || clean.length > 256) throw new TaskActionError('That task ID is empty or too long.');
    this.change(task, 'submitted', { taskId: clean, note: 'Task ID attached by you; checking it.' }, { durable: true });
    this.polls.schedule(task.id, Date.now());
  }

  /** Tries a failed or expired task again (a new submit, a new cost), or a failed download. */
  retry(id: string): void {
    const task = this.requireTask(id, ['failed', 'expired', 'download_failed', 'rejected'], 'Only a failed task can be retried.');
    if (task.state === 'download_failed') {
      this.change(task, 'succeeded', { note: 'Downloading again.' });
      this.downloads.enqueue(task.id);
      return;
    }
    this.requeue(task, { note: 'Queued again by you: this is a new submit.' }, ['taskId', 'resultUrl', 'failCode', 'failMsg', 'file']);
  }

  /** Cancels a task that has not been submitted (APIXO has no cancel). */
  cancel(id: string): void {
    const task = this.requireTask(id, ['queued'], 'Only a task that has not been submitted can be canceled: APIXO cannot cancel a running task.');
    this.change(task, 'canceled', { note: 'Canceled before it was submitted: nothing was charged.' });
  }

  // ── Running ─────────────────────────────────────────────────────────────────────────────

  start(): void {
    if (this.running || this.closing) return;
    this.running = true;
    this.refreshBalance();
    this.changes.mark();
    this.pump();
  }

  setConcurrency(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new TaskActionError('Concurrency must be a whole number from 1 to 1000.');
    this.limiter.setLimit(limit);
    this.changes.mark();
    this.pump();
  }

  /** Keeps all polling under a new request budget from now on. */
  setRequestBudget(perMinute: number): void {
    this.budgetPerMinute = perMinute;
    this.polls.setBudget(perMinute);
  }

  /** Talks to APIXO through another client from now on (a new key or base URL). */
  setClient(client: ApixoClient): void {
    this.client = client;
    this.balanceMicros = undefined;
    this.refreshBalance();
  }

  /** After the person fixed the key or added balance. */
  resumeAccount(): void {
    this.account = undefined;
    for (const id of this.heldPolls) this.polls.schedule(id, Date.now());
    this.heldPolls.clear();
    this.refreshBalance();
    this.changes.mark();
    this.pump();
  }

  /** After money moved: asks for the balance at most once per BALANCE_REFRESH_MS (real time). */
  private refreshBalanceSoon(): void {
    if (this.balanceTimer) return;
    this.balanceTimer = setTimeout(() => {
      this.balanceTimer = undefined;
      if (!this.closing) this.refreshBalance();
    }, BALANCE_REFRESH_MS);
    this.balanceTimer.unref?.();
  }

  /** Asks APIXO for the balance; never fails the queue. */
  refreshBalance(): void {
    this.client.balance({ retry: ONE_ATTEMPT }).then(
      (micros) => {
        this.balanceMicros = micros;
        this.changes.mark();
      },
      (error: unknown) => this.log.warn(`the balance could not be read: ${(error as Error).message}`)
    );
  }

  /**
   * Stops cleanly: no new submits or polls, submits already sent get their answer (so no taskId
   * is lost), downloads stop and keep their `.part` to resume, then the journal is closed.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.running = false;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    if (this.balanceTimer) clearTimeout(this.balanceTimer);
    this.polls.stop();
    if (this.submitsInProgress > 0) await new Promise<void>((resolve) => this.submitIdle.push(resolve));
    await this.downloads.stop();
    this.changes.flush();
    this.changes.close();
    await this.journal.close();
    await this.lock.release();
  }

  // ── Internals ───────────────────────────────────────────────────────────────────────────

  private recover(): RecoveryReport {
    const state = this.journal.state;
    [...state.batches.values()].sort((a, b) => a.createdAt - b.createdAt).forEach((b, i) => this.batchOrder.set(b.id, i));
    let needsReview = 0;
    const toPoll: TaskRecord[] = [];
    for (const task of state.tasks.values()) {
      this.trackUsed(task, 0);
      switch (task.state) {
        case 'submitting':
          this.change(task, 'needs_review', { note: INTERRUPTED_SUBMIT }, { durable: true });
          needsReview++;
          break;
        case 'submitted':
        case 'pending':
        case 'processing':
          this.inFlight.add(task.id);
          toPoll.push(task);
          break;
        case 'succeeded':
        case 'downloading':
          this.downloads.enqueue(task.id);
          break;
        case 'queued':
          this.enqueue(task);
          break;
      }
    }
    // Spread the first polls over one interval (longer if the budget needs it), not all at once.
    const now = Date.now();
    const spreadMs = Math.max(POLL_INTERVAL_MS, (toPoll.length / this.budgetPerMinute) * 60_000) * this.ts;
    toPoll.forEach((task, i) => this.polls.schedule(task.id, now + (spreadMs * (i + this.random())) / toPoll.length));
    return { ...this.journal.recovery, needsReview, resumedPolls: toPoll.length, resumedDownloads: this.downloads.pending };
  }

  /**
   * The one way state changes: journal the event (durably when a paid step depends on it), keep
   * the derived sets and sums in step, and tell subscribers.
   */
  private change(task: TaskRecord, state?: TaskState, patch?: TaskPatch, options: { durable?: boolean; unset?: (keyof TaskPatch)[] } = {}): void {
    const before = usedMicros(task);
    const from = task.state;
    this.journal.append({ type: 'task_changed', id: task.id, at: Date.now(), state, patch, unset: options.unset }, { durable: options.durable });
    if (state && state !== from) logTransition(this.log, task, from);
    this.trackUsed(task, before);
    if (ACTIVE_SUBMIT.has(task.state)) this.inFlight.add(task.id);
    else if (this.inFlight.delete(task.id)) this.schedulePump();
    if (task.state !== 'queued') this.queued.delete(task.id);
    if (!IN_FLIGHT_STATES.has(task.state)) {
      this.polls.remove(task.id);
      this.pollErrors.delete(task.id);
    }
    this.changes.mark(task.id, task.batchId);
  }

  /** Keeps the committed-and-spent sums in step with one task's change. */
  private trackUsed(task: TaskRecord, before: Micros): void {
    const delta = usedMicros(task) - before;
    if (delta === 0) return;
    this.usedByBatch.set(task.batchId, (this.usedByBatch.get(task.batchId) ?? 0) + delta);
    this.usedTotal += delta;
  }

  private enqueue(task: TaskRecord): void {
    if (this.queued.has(task.id)) return;
    this.queued.add(task.id);
    this.queue.push({ key: (this.batchOrder.get(task.batchId) ?? 0) * 1e7 + task.position, id: task.id });
  }

  private requeue(task: TaskRecord, patch: TaskPatch, unset: (keyof TaskPatch)[] = []): void {
    this.change(task, 'queued', patch, { unset });
    this.enqueue(task);
    this.pump();
  }

  /** Starts as many submits as the limits allow. */
  private pump(): void {
    if (!this.running || this.account || this.capMessage) return;
    const now = Date.now();
    if (now < this.submitPauseUntil) {
      this.armPump(this.submitPauseUntil - now);
      return;
    }
    while (this.inFlight.size < this.limiter.slots) {
      const task = this.nextQueued();
      if (!task) return;
      if (!this.withinCaps(task)) {
        if (this.capMessage) return; // the overall cap holds every batch
        continue;
      }
      void this.submit(task);
    }
  }

  /** A slot freed up: fill it once the current change is done. */
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private armPump(ms: number): void {
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.changes.mark();
      this.pump();
    }, ms);
  }

  private nextQueued(): TaskRecord | undefined {
    for (let top = this.queue.pop(); top; top = this.queue.pop()) {
      const task = this.task(top.id);
      if (!task || task.state !== 'queued' || !this.queued.has(task.id)) continue;
      const batch = this.journal.state.batches.get(task.batchId);
      if (batch?.paused) {
        this.queued.delete(task.id);
        this.parked.set(batch.id, [...(this.parked.get(batch.id) ?? []), task.id]);
        continue;
      }
      this.queued.delete(task.id);
      return task;
    }
    return undefined;
  }

  /** No submit whose estimate would pass a cap: the batch (or the queue) pauses saying why. */
  private withinCaps(task: TaskRecord): boolean {
    const batch = this.journal.state.batches.get(task.batchId)!;
    if (batch.capMicros !== undefined) {
      const used = this.usedByBatch.get(batch.id) ?? 0;
      if (used + task.estimateMicros > batch.capMicros) {
        const message = `Spending cap reached: ${formatUsd(used)} of this batch's ${formatUsd(batch.capMicros)} is spent or committed; the next video would cost ${formatUsd(task.estimateMicros)}. Raise the cap to go on.`;
        this.journal.append({ type: 'batch_changed', id: batch.id, patch: { paused: { reason: 'cap', message } } });
        this.parked.set(batch.id, [...(this.parked.get(batch.id) ?? []), task.id]);
        this.changes.mark(undefined, batch.id);
        return false;
      }
    }
    if (this.overallCapMicros !== undefined && this.usedTotal + task.estimateMicros > this.overallCapMicros) {
      this.capMessage = `Spending cap reached: ${formatUsd(this.usedTotal)} of the overall ${formatUsd(this.overallCapMicros)} is spent or committed.`;
      this.enqueue(task);
      this.changes.mark();
      return false;
    }
    return true;
  }

  private async submit(task: TaskRecord): Promise<void> {
    this.submitsInProgress++;
    // The intent is on disk before the POST: a crash from here on leaves `submitting`, which
    // replays as "needs review", never as a silent second submit.
    this.change(task, 'submitting', { attempts: task.attempts + 1 }, { durable: true, unset: ['note', 'failCode', 'failMsg'] });
    try {
      const { taskId } = await this.client.submit(task.request, { retry: ONE_ATTEMPT });
      this.change(task, 'submitted', { taskId }, { durable: true });
      this.consecutiveSubmitErrors = 0;
      this.limiter.onAccepted(this.inFlight.size);
      this.polls.schedule(task.id, Date.now() + firstPollDelayMs(task.request) * this.ts);
    } catch (error) {
      this.onSubmitError(task, error);
    } finally {
      this.submitsInProgress--;
      if (this.submitsInProgress === 0) for (const resolve of this.submitIdle.splice(0)) resolve();
      this.pump();
    }
  }

  private onSubmitError(task: TaskRecord, error: unknown): void {
    const notCreated = { attempts: task.attempts - 1 };
    if (!(error instanceof ApixoError)) {
      this.change(task, 'needs_review', { note: `Submitting failed unexpectedly (${(error as Error).message}); APIXO may or may not have created the task.` }, { durable: true });
      return;
    }
    switch (error.kind) {
      case 'rate_limited':
        this.limiter.onRateLimited(Date.now(), this.inFlight.size - this.submitsInProgress);
        this.pauseSubmits(error.retryAfterMs, 'paused by the server until');
        this.requeue(task, { ...notCreated, note: 'APIXO asked to slow down; waiting to submit.' });
        return;
      case 'network':
      case 'server':
        this.pauseSubmits(error.retryAfterMs, error.kind === 'network' ? 'cannot reach APIXO; trying again at' : 'APIXO has a problem; trying again at');
        this.requeue(task, { ...notCreated, note: `${error.message} Trying again shortly.` });
        return;
      case 'validation':
        this.change(task, 'rejected', { ...notCreated, failMsg: error.serverMessage ?? error.message, note: `${error.message} Fix the row and import it again.` }, { durable: true });
        return;
      case 'auth':
      case 'forbidden':
        this.pauseAccount('auth', `${error.message} Submits and checks are paused until you resume.`);
        this.requeue(task, notCreated);
        return;
      case 'balance':
        this.pauseAccount('balance', `${error.message} Submits are paused; running tasks are still checked and downloaded.`);
        this.requeue(task, notCreated);
        this.refreshBalance();
        return;
      default:
        this.change(task, 'needs_review', { note: error.message }, { durable: true });
    }
  }

  /** One deadline for all submits, which only ever moves later; the server's Retry-After wins. */
  private pauseSubmits(retryAfterMs: number | undefined, reason: string): void {
    const waitMs = (retryAfterMs ?? backoffDelay(this.consecutiveSubmitErrors, SUBMIT_BACKOFF, this.random)) * this.ts;
    this.consecutiveSubmitErrors++;
    const until = Date.now() + waitMs;
    if (until > this.submitPauseUntil) {
      this.submitPauseUntil = until;
      this.submitPauseReason = reason;
    }
    this.changes.mark();
  }

  private pauseAccount(reason: 'auth' | 'balance', message: string): void {
    if (this.account?.reason === 'auth') return;
    this.account = { reason, message };
    this.log.warn(`submits paused: ${message}`, { reason });
    this.changes.mark();
  }

  private async poll(id: string): Promise<void> {
    const task = this.task(id);
    if (!task?.taskId || !IN_FLIGHT_STATES.has(task.state)) return;
    if (this.account?.reason === 'auth' || this.closing) {
      this.heldPolls.add(id);
      return;
    }
    // Before any answer the task is most likely processing: the first poll comes after pending.
    let next = pollIntervalMs(task.state === 'submitted' ? 'processing' : task.state, this.random) * this.ts;
    try {
      const status = await this.client.status(task.taskId, { retry: ONE_ATTEMPT });
      if (this.task(id) !== task || task.taskId !== status.taskId || !IN_FLIGHT_STATES.has(task.state)) return;
      this.pollErrors.delete(id);
      if (this.onStatus(task, status)) return;
      next = pollIntervalMs(status.state, this.random) * this.ts;
    } catch (error) {
      next = this.onPollError(task, error, next);
      if (next < 0) return;
    }
    if (!task.overdue && task.times.submitted !== undefined && Date.now() - task.times.submitted > overdueAfterMs(task.request) * this.ts) {
      this.change(task, undefined, { overdue: true, note: 'Taking much longer than usual; still checking.' });
    }
    if (!this.closing && IN_FLIGHT_STATES.has(task.state)) this.polls.schedule(id, Date.now() + next);
  }

  /** Applies a status answer; true when the task left the in-flight states. */
  private onStatus(task: TaskRecord, status: TaskStatus): boolean {
    switch (status.state) {
      case 'pending':
      case 'processing':
        if (task.state !== status.state || task.note) this.change(task, status.state, undefined, { unset: task.overdue ? [] : ['note'] });
        return false;
      case 'success':
        this.change(task, 'succeeded', { resultUrl: status.resultUrls[0], spentMicros: task.spentMicros + task.estimateMicros }, { durable: true, unset: ['note', 'overdue'] });
        this.downloads.enqueue(task.id);
        this.refreshBalanceSoon();
        return true;
      case 'failed': {
        const info = describeFailure(status.failCode);
        if (isTransientFailure(status.failCode) && task.autoRetries < this.autoRetryLimit) {
          const note = `APIXO failed it (${status.failCode}: ${status.failMsg}); trying again automatically (${task.autoRetries + 1} of ${this.autoRetryLimit}).`;
          this.requeue(task, { autoRetries: task.autoRetries + 1, failCode: status.failCode, failMsg: status.failMsg, note }, ['taskId', 'overdue']);
        } else {
          this.change(task, 'failed', { failCode: status.failCode, failMsg: status.failMsg, note: info.guidance }, { durable: true, unset: ['overdue'] });
        }
        return true;
      }
      case 'unknown':
        this.change(task, undefined, { note: `APIXO reports a state this app does not know ("${status.rawState}"); it keeps checking.` });
        return false;
    }
  }

  /** A poll error never fails a task: returns when to poll again (or -1 to hold it). */
  private onPollError(task: TaskRecord, error: unknown, interval: number): number {
    const count = (this.pollErrors.get(task.id) ?? 0) + 1;
    this.pollErrors.set(task.id, count);
    if (error instanceof ApixoError) {
      if (error.kind === 'auth' || error.kind === 'forbidden') {
        this.pauseAccount('auth', `${error.message} Submits and checks are paused until you resume.`);
        this.heldPolls.add(task.id);
        return -1;
      }
      if (error.kind === 'rate_limited') return Math.max(interval, (error.retryAfterMs ?? 0) * this.ts);
      if (error.kind === 'not_found' && count >= NOT_FOUND_FOR_REVIEW) {
        this.change(task, 'needs_review', { note: UNKNOWN_TASK }, { durable: true });
        return -1;
      }
      if (error.kind === 'not_found' && count >= POLL_ERRORS_SHOWN) {
        this.change(task, undefined, { note: 'APIXO does not find this task right now; it keeps checking.' });
      }
    }
    if (count === POLL_ERRORS_SHOWN && !(error instanceof ApixoError && error.kind === 'not_found')) {
      this.change(task, undefined, { note: `Checking this task failed ${count} times (${(error as Error).message}); it keeps trying.` });
    }
    // Back off a little on repeated errors, but never stop polling.
    return interval * Math.min(4, 1 + (count - 1) * 0.5);
  }

  /** `queued`: tasks waiting to be submitted; `held`: queued in paused batches. */
  private activity(queued: number, held: number, pauseUntil: number | undefined): string {
    if (this.account) return `paused: ${this.account.reason === 'auth' ? 'check your API key' : 'add balance to your APIXO account'}`;
    if (this.capMessage) return 'paused: spending cap reached';
    if (!this.running) return this.inFlight.size + queued + held > 0 ? 'stopped' : 'idle';
    const slots = this.limiter.slots;
    if (queued > 0 && pauseUntil) return `${this.submitPauseReason} ${new Date(pauseUntil).toLocaleTimeString('en-GB')}`;
    if (queued > 0 && this.inFlight.size >= slots) return `waiting: ${this.inFlight.size} of ${slots} slots busy`;
    if (queued > 0) return `submitting (${this.inFlight.size} of ${slots} slots busy)`;
    if (this.inFlight.size > 0) return `generating ${this.inFlight.size} video${this.inFlight.size === 1 ? '' : 's'}`;
    if (this.downloads.active + this.downloads.pending > 0) return 'downloading';
    if (held > 0) return `paused: ${held} video${held === 1 ? '' : 's'} wait in paused batches`;
    return 'idle';
  }

  private buildChange(taskIds: ReadonlySet<string>, batchIds: ReadonlySet<string>): EngineChange {
    const tasks: TaskRecord[] = [];
    const batches = new Set(batchIds);
    for (const id of taskIds) {
      const task = this.task(id);
      if (task) {
        tasks.push(task);
        batches.add(task.batchId);
      }
    }
    const summaries: BatchSummary[] = [];
    for (const id of batches) {
      const summary = this.summary(id);
      if (summary) summaries.push(summary);
    }
    return { tasks, batches: summaries, status: this.status(), costs: this.costs() };
  }

  private requireBatch(id: string): BatchRecord {
    const batch = this.journal.state.batches.get(id);
    if (!batch) throw new TaskActionError(`There is no batch ${id}.`);
    return batch;
  }

  private requireTask(id: string, states: TaskState[], message: string): TaskRecord {
    const task = this.task(id);
    if (!task) throw new TaskActionError(`There is no task ${id}.`);
    if (!states.includes(task.state)) throw new TaskActionError(`${message} (This one is ${task.state.replace('_', ' ')}.)`);
    return task;
  }
}

/** States a person or a bug report cares about; the rest (pending, processing …) are debug lines. */
const NOTABLE = new Set<TaskState>(['submitted', 'succeeded', 'done', 'failed', 'rejected', 'needs_review', 'download_failed', 'expired', 'canceled', 'abandoned']);
const TROUBLE = new Set<TaskState>(['failed', 'rejected', 'needs_review', 'download_failed', 'expired']);

/** One line per task transition, with everything that finds the task again. */
function logTransition(log: Logger, task: TaskRecord, from: TaskState): void {
  const fields = { ...taskFields(task), from, failCode: task.failCode, note: TROUBLE.has(task.state) ? task.note : undefined };
  const message = `task ${task.state.replace('_', ' ')}`;
  if (TROUBLE.has(task.state)) log.warn(message, fields);
  else if (NOTABLE.has(task.state)) log.info(message, fields);
  else log.debug(message, fields);
}

/** Removes empty `.part` files from a crash between choosing a file name and journaling it. */
async function sweepLeftovers(state: QueueState, log?: Logger): Promise<void> {
  const inUse = new Set<string>();
  for (const task of state.tasks.values()) {
    const batch = state.batches.get(task.batchId);
    if (task.file && batch) inUse.add(join(batch.libraryDir, task.file));
  }
  const removed = await sweepEmptyParts(new Set([...state.batches.values()].map((b) => b.libraryDir)), inUse);
  if (removed > 0) log?.info(`removed ${removed} empty leftover .part file(s)`);
}

/** Money a task has committed or spent: what the caps count. */
function usedMicros(task: TaskRecord): Micros {
  return task.spentMicros + (COMMITTED.has(task.state) ? task.estimateMicros : 0);
}

function newId(random: () => number): string {
  const time = Date.now().toString(36);
  const rand = Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0');
  return `b${time}${rand}`;
}

