import type { BatchMove, BatchRecord, BatchSummary, CostTotals, QueueStatus, RescuedTask, TaskEdit, TaskRecord } from '@shared/batch';
import { nextBatchColour } from '@shared/batch-colours';
import { countFailure, type FailureCounts, type FailureGroup } from '@shared/triage';
import type { LedgerChoice, LedgerQuestion } from '@shared/ipc';
import { ledgerOf, type Ledger } from '@shared/money';
import { POLL_INTERVAL_MS } from '@shared/model';
import type { Micros } from '@shared/pricing';
import { COMMITTED_STATES, IN_FLIGHT_STATES, TERMINAL_STATES, type TaskState } from '@shared/task-state';
import type { BalanceReading } from '@shared/money';
import { sumCosts, summarize } from '@shared/batch-summary';
import type { ApixoClient } from '../apixo';
import { silentLog, type Logger } from '../log/logger';
import { netPolicy } from '../net';
import { Journal, isJournalError } from '../store/journal';
import { acquireDataLock, type DataLock } from '../store/lock';
import { systemClock, type Clock } from '../util/clock';
import { countWaiting, describeActivity } from './activity';
import { DEFAULT_DISK_MARGIN_BYTES, DiskGuard } from './disk-guard';
import { RescueKeeper, readRescueFiles, rescueFilePlaces, type RescueEntry } from './rescue';
import { firstPollDelayMs } from './schedule-policy';
import { StorageHold, asStorageError, makeFolder } from './storage-hold';
import { BalanceWatch } from './balance-watch';
import { archivedCosts, archiveRecord, distinctName, movedOrder, unfinishedWords } from './queue-control';
import { Breaker, breakerMessage } from './breaker';
import { ChangeStream, type PendingChanges } from './change-stream';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { DownloadStage, type LandedVideo } from './download-stage';
import {
  DEFAULT_AUTO_RETRY_LIMIT,
  DEFAULT_CONCURRENCY,
  DEFAULT_DOWNLOAD_BACKLOG_LIMIT,
  DEFAULT_REQUEST_BUDGET_PER_MINUTE,
  ONE_ATTEMPT,
  TaskActionError,
  type AccountHold,
  type ChangeOptions,
  type EngineChange,
  type EngineOptions,
  type NewBatch,
  type RecoveryReport
} from './engine-types';
import { NetworkWatch } from './network-watch';
import { PollHandler } from './poll-handler';
import { PollScheduler } from './poll-scheduler';
import type { QueueEvent, QueueState, TaskPatch } from './queue-state';
import { newBatchRecords } from './new-batch';
import { QUEUE_JOURNAL } from './queue-journal';
import { firstPollTimes, resumeQueue, sweepLeftovers } from './recovery';
import { SpendLedger } from './spend-ledger';
import { SpendMeter } from './spend-meter';
import { ledgerQuestion, LEDGER_WAIT_MESSAGE, NO_KEY_MESSAGE, NO_SIMULATOR_MESSAGE } from './ledger-question';
import { SubmitLane } from './submit-lane';
import { TaskChoices } from './task-choices';
import { logTransition } from './task-log';

export * from './engine-types';

export type { LandedVideo } from './download-stage';

/**
 * The batch engine: a durable queue that submits under a concurrency limit, polls on one
 * schedule within a request budget, downloads into the library, and survives crashes without
 * paying twice (architecture.md, "A task's life"). This is the facade: the submit lane, the poll
 * handler, the download stage and the spend ledger do the work; every task change goes through
 * `change()`, which journals it first and returns the task as it is now.
 *
 * It is about 650 lines, most of it the constructor's wiring of those parts (and of the storage
 * and disk-space holds, the rescue of task IDs, sleep and the network) and the public surface:
 * one short method per action the doors and the CLI call, and `change()`, the single journalled
 * path every task change takes. Splitting it further would scatter that surface or that one path
 * across files without any idea of its own; the sleep-and-network block is the next candidate to
 * move into a part of its own if it grows.
 */
export class BatchEngine {
  private readonly journal: Journal<QueueEvent, QueueState>;
  private readonly lock: DataLock;
  /** The API of each ledger: APIXO's, and the built-in simulator's (architecture.md, "Money"). */
  private readonly clients: Partial<Record<Ledger, ApixoClient>> = {};
  /** The ledger new batches go to: the one whose client was set last with setClient. */
  private current: Ledger;
  private readonly clock: Clock;
  private readonly ts: number;
  private readonly downloadBacklogLimit: number;
  private readonly random: () => number;
  private readonly log: Logger;
  private budgetPerMinute: number;
  private readonly limiter: ConcurrencyLimiter;
  private readonly ledger: SpendLedger;
  private readonly meter: SpendMeter;
  private readonly polls: PollScheduler;
  private readonly pollHandler: PollHandler;
  private readonly lane: SubmitLane;
  private readonly downloads: DownloadStage;
  private readonly choices: TaskChoices;
  private readonly changes: ChangeStream<EngineChange, LandedVideo>;
  private readonly breaker: Breaker;
  private readonly autoAttempts: number;
  /** Batches archived since the last change was sent. */
  private archivedSince: BatchSummary[] = [];

  private readonly disk: DiskGuard;
  private readonly rescue: RescueKeeper;
  private readonly hold: StorageHold;

  private closing = false;
  // ── Prompt stop, sleep and offline (architecture.md, "Time") ──
  /** Aborted by close() (and on sleep, then renewed): polls and balance reads in flight stop at once. */
  private requests = new AbortController();
  private readonly network: NetworkWatch;
  private unwatchClient: () => void;
  private asleepSince: number | undefined;
  // ──
  private account: QueueStatus['account'];
  private readonly balance: BalanceWatch;
  readonly recovery: RecoveryReport;

  /** fdatasync calls the queue journal has made since it was opened (group commit shares one among many changes). */
  get journalSyncs(): number {
    return this.journal.fdatasyncs;
  }

  /** Whether a journal fdatasync is running now (real work a test on fake time waits for). */
  get journalSyncing(): boolean {
    return this.journal.syncInFlight;
  }

  /** Whether every change so far is on disk. */
  journalSyncedAll(): boolean {
    return this.journal.syncedSeq >= this.journal.seq;
  }

  /** Milliseconds the queue journal's group commits spent in fdatasync, summed. */
  get journalSyncMs(): number {
    return this.journal.fdatasyncMs;
  }

  static async open(options: EngineOptions): Promise<BatchEngine> {
    const lock = await BatchEngine.lockDataDir(options.dataDir);
    let journal: Journal<QueueEvent, QueueState> | undefined;
    try {
      journal = await Journal.open<QueueEvent, QueueState>(options.dataDir, {
        ...QUEUE_JOURNAL,
        fileOps: options.journalFileOps,
        onWarning: (message) => options.log?.warn(`journal: ${message}`, { dataDir: options.dataDir })
      });
      await sweepLeftovers(journal.state, options.log);
      // IDs a run could not journal, kept in rescue files: attached to their tasks now.
      const libraries = [...journal.state.batches.values()].map((b) => b.libraryDir);
      const found = await readRescueFiles(options.dataDir, rescueFilePlaces(options.dataDir, libraries));
      const engine = new BatchEngine(options, lock, journal, found);
      await engine.rescue.settled();
      return engine;
    } catch (error) {
      await journal?.close().catch(() => undefined);
      await lock.release();
      throw asStorageError(error, options.dataDir);
    }
  }

  private static async lockDataDir(dataDir: string): Promise<DataLock> {
    try {
      await makeFolder(dataDir);
      return await acquireDataLock(dataDir);
    } catch (error) {
      throw asStorageError(error, dataDir);
    }
  }

  private constructor(options: EngineOptions, lock: DataLock, journal: Journal<QueueEvent, QueueState>, found: { entries: RescueEntry[]; files: string[] }) {
    this.lock = lock;
    this.journal = journal;
    this.current = options.simulated ? 'simulated' : 'real';
    this.clients[this.current] = options.client;
    if (options.simulatorClient) this.clients.simulated = options.simulatorClient;
    this.clock = options.clock ?? systemClock;
    this.ts = options.timeScale ?? 1;
    this.downloadBacklogLimit = options.downloadBacklogLimit ?? DEFAULT_DOWNLOAD_BACKLOG_LIMIT;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLog;
    this.budgetPerMinute = options.requestBudgetPerMinute ?? DEFAULT_REQUEST_BUDGET_PER_MINUTE;
    this.ledger = new SpendLedger(options.overallCapMicros);
    this.breaker = new Breaker({ threshold: options.breakerThreshold, transientThreshold: options.breakerTransientThreshold });
    this.autoAttempts = (options.autoRetryLimit ?? DEFAULT_AUTO_RETRY_LIMIT) + 1;
    this.balance = new BalanceWatch({
      client: () => this.clients.real,
      changed: () => this.changes.mark(),
      clock: this.clock,
      log: this.log,
      signal: () => this.requests.signal,
      busy: () => this.meter.busy
    });
    this.meter = new SpendMeter({
      state: () => this.journal.state,
      record: (event) => this.record(event),
      readBalance: () => this.balance.read(),
      opened: () => this.lane.pump(),
      settled: (ids) => {
        for (const id of ids) this.changes.mark(id, this.task(id)?.batchId);
      },
      clock: this.clock,
      timeScale: this.ts,
      log: this.log
    });
    this.network = new NetworkWatch({ clock: this.clock, timeScale: this.ts, changed: (offline, since) => this.networkChanged(offline, since) });
    this.unwatchClient = options.client.onReach((reached) => this.network.report(reached));
    this.limiter = new ConcurrencyLimiter(options.concurrency ?? DEFAULT_CONCURRENCY, POLL_INTERVAL_MS * this.ts);
    const change = this.change.bind(this);
    this.disk = new DiskGuard({
      libraryDir: (task) => this.journal.state.batches.get(task.batchId)?.libraryDir,
      marginBytes: options.diskMarginBytes ?? DEFAULT_DISK_MARGIN_BYTES,
      clock: this.clock,
      log: this.log,
      changed: () => this.changes.mark(),
      pump: () => this.lane.pump()
    });
    this.rescue = new RescueKeeper({
      dataDir: options.dataDir,
      libraryDir: (batchId) => this.journal.state.batches.get(batchId)?.libraryDir,
      log: this.log,
      changed: () => this.changes.mark()
    });
    this.rescue.adopt(found.files);
    this.hold = new StorageHold({
      folder: journal.dir,
      task: (id) => this.task(id),
      change,
      requeue: (task, patch) => this.lane.requeue(task, patch),
      poll: (id, at) => this.polls.schedule(id, at),
      firstPollAt: (task) => this.clock.now() + firstPollDelayMs(task.request) * this.ts,
      download: (id) => this.downloads.enqueue(id),
      rescue: this.rescue,
      clock: this.clock,
      log: this.log,
      changed: () => this.changes.mark(),
      closing: () => this.closing
    });
    this.polls = new PollScheduler({
      budgetPerMinute: this.budgetPerMinute,
      timeScale: this.ts,
      clock: this.clock,
      // Polls in flight grow with the tasks in flight (16 for up to 256, 63 at 1,000): the budget still bounds their rate.
      maxConcurrent: Math.max(16, Math.ceil(this.limiter.limit / 16)),
      poll: (id) => this.pollHandler.poll(id)
    });
    const shared = {
      clock: this.clock,
      timeScale: this.ts,
      random: this.random,
      client: (task: TaskRecord) => this.clients[this.ledgerOf(task)],
      change,
      polls: this.polls,
      account: (): QueueStatus['account'] => this.account,
      pauseAccount: (reason: AccountHold['reason'], message: string): void => this.pauseAccount(reason, message)
    };
    this.lane = new SubmitLane({
      ...shared,
      journal,
      record: (event) => this.record(event),
      storageHeld: () => this.hold.held !== undefined,
      roomFor: (task) => this.disk.allows(task),
      downloadsBehind: () => this.downloads.pending >= this.downloadBacklogLimit,
      synced: () => this.synced(),
      rescue: (task, outcome, taskId) => this.hold.keep(task, outcome, taskId),
      fault: (error) => this.log.error('a submit ended with an unexpected error', { error }),
      mark: (taskId, batchId) => this.changes.mark(taskId, batchId),
      limiter: this.limiter,
      ledger: this.ledger,
      ledgerOf: (task) => this.ledgerOf(task),
      noApiFor: (task) => this.noApiFor(task),
      window: () => this.meter.window(),
      openWindow: () => this.meter.open(),
      refreshBalance: () => this.balance.refresh(),
      signRequest: options.signRequest
    });
    this.pollHandler = new PollHandler({
      ...shared,
      task: (id) => this.task(id),
      requeue: (task, patch, unset) => this.lane.requeue(task, patch, unset),
      download: (id) => this.downloads.enqueue(id),
      moneyMoved: () => this.balance.soon(),
      closing: () => this.closing,
      signal: () => this.requests.signal,
      network: this.network,
      autoRetryLimit: options.autoRetryLimit ?? DEFAULT_AUTO_RETRY_LIMIT
    });
    this.downloads = new DownloadStage({
      concurrency: options.downloadConcurrency,
      pool: options.downloadPool,
      stallTimeoutMs: options.downloadStallTimeoutMs,
      timeScale: this.ts,
      random: this.random,
      clock: this.clock,
      task: (id) => this.task(id),
      batch: (id) => this.journal.state.batches.get(id),
      change,
      landed: (video) => this.changes.land(video),
      synced: async (id) => {
        if (await this.synced()) return true;
        this.hold.stalled(id);
        return false;
      },
      freed: () => {
        if (this.downloads.pending < this.downloadBacklogLimit) this.lane.pump();
      },
      onDiskFull: (folder) => this.diskFull(folder),
      freshLink: async (task) => {
        const client = this.clients[this.ledgerOf(task)];
        if (!client) return undefined;
        const status = await client.status(task.taskId!, { retry: ONE_ATTEMPT, signal: this.requests.signal });
        return status.state === 'success' ? status.resultUrls[0] : undefined;
      },
      log: this.log,
      policy: netPolicy({ apiBaseUrl: () => this.apiBaseUrls(), subject: "The video's link" })
    });
    this.choices = new TaskChoices({
      task: (id) => this.task(id),
      tasksOf: (id) => this.tasksOf(id),
      change,
      requeue: (task, patch, unset) => this.lane.requeue(task, patch, unset),
      poll: (id, at) => this.polls.schedule(id, at),
      download: (id) => this.downloads.enqueue(id),
      batchIds: () => this.journal.state.order,
      clock: this.clock,
      random: this.random
    });
    this.changes = new ChangeStream<EngineChange, LandedVideo>(options.changeIntervalMs ?? 250, (pending) => this.buildChange(pending), this.clock);
    this.recovery = this.recover(found.entries);
    for (const batch of journal.state.batches.values()) this.breaker.derive(batch, this.tasksOf(batch.id));
    this.meter.settle();
    this.askAboutLedgers();
    // Files found at open are rewritten without what is now journaled (or removed).
    if (found.files.length > 0 || this.rescue.size > 0) this.rescue.save();
  }

  // ── Reading ─────────────────────────────────────────────────────────────────────────────

  get state(): QueueState {
    return this.journal.state;
  }

  task(id: string): TaskRecord | undefined {
    return this.journal.state.tasks.get(id);
  }

  /** The batches in the queue, in the order they are submitted. */
  batches(): BatchRecord[] {
    const { order, batches } = this.journal.state;
    return order.map((id) => batches.get(id)).filter((b): b is BatchRecord => b !== undefined);
  }

  /** Archived batches' frozen summaries, newest first. */
  archived(): BatchSummary[] {
    return [...this.journal.state.archived.values()].map((a) => a.summary).sort((a, b) => b.archivedAt - a.archivedAt);
  }

  /** Failures by cause over every batch in the queue (triage.ts). */
  failures(): FailureCounts {
    const counts: FailureCounts = {};
    for (const task of this.journal.state.tasks.values()) countFailure(counts, task);
    return counts;
  }

  tasksOf(batchId: string): TaskRecord[] {
    const batch = this.journal.state.batches.get(batchId);
    return batch ? batch.taskIds.map((id) => this.journal.state.tasks.get(id)!) : [];
  }

  summary(batchId: string): BatchSummary | undefined {
    const batch = this.journal.state.batches.get(batchId);
    return batch && summarize(batch, this.tasksOf(batchId), this.journal.state.windows.values(), new Date(this.clock.now()));
  }

  /** Money by stage (real, and the simulator's apart), the one balance reading, and measured against estimated spend. */
  costs(): CostTotals {
    const { tasks, batches, windows, archived } = this.journal.state;
    const now = new Date(this.clock.now());
    // Archived batches' money stays: their tasks are gone from the journal, their frozen totals count.
    const costs = archivedCosts(
      sumCosts(tasks.values(), now, (id) => batches.get(id), windows.values()),
      archived.values(),
      now
    );
    const balance = this.balance.reading;
    return balance ? { ...costs, balance } : costs;
  }

  /** Which money a task moves: its last submit's ledger, or (while it waits) its batch's. */
  ledgerOf(task: TaskRecord): Ledger {
    return ledgerOf(task, this.journal.state.batches.get(task.batchId));
  }

  /** Unfinished tasks of simulated batches: what needs the simulator connected beside APIXO. */
  simulatedWork(): number {
    let n = 0;
    for (const task of this.journal.state.tasks.values()) {
      if (
        this.ledgerOf(task) === 'simulated' &&
        (task.state === 'queued' || COMMITTED_STATES.has(task.state) || task.state === 'succeeded' || task.state === 'downloading')
      )
        n++;
    }
    return n;
  }

  /** Reads the balance now and answers the engine's one reading (undefined while there is no APIXO key). */
  async readBalance(): Promise<BalanceReading | undefined> {
    return (await this.balance.read()) ?? this.balance.reading;
  }

  /** The download pool now: its size, downloads running and waiting for a slot. */
  downloadPool(): { size: number; active: number; pending: number } {
    return { size: this.downloads.poolSize, active: this.downloads.active, pending: this.downloads.pending };
  }

  status(): QueueStatus {
    const { queued, held, needsReview, retrying } = countWaiting(this.journal.state, this.clock.now());
    const { running, inFlight, pauseReason } = this.lane;
    const pauseUntil = this.lane.pausedUntil(this.clock.now());
    const slots = this.limiter.slots;
    const overallCapReached = this.ledger.overallCapReached !== undefined;
    const downloads = this.downloads.active + this.downloads.pending;
    const storage = this.hold.status;
    const diskSpace = this.disk.hold;
    // Offline is the words while it lasts, unless the disk holds submits: that needs the person.
    const offline = this.lane.running && !this.hold.held && !diskSpace ? this.network.words() : undefined;
    const activity =
      offline ??
      describeActivity({
        account: this.account,
        storage: this.hold.held,
        diskSpace,
        overallCapReached,
        running,
        inFlight,
        queued,
        held,
        slots,
        pauseUntil,
        pauseReason,
        downloads,
        retrying
      });
    const limit = this.limiter.limit;
    const rescued = this.rescued();
    return {
      ...(storage ? { storage } : {}),
      ...(rescued.length > 0 ? { rescued } : {}),
      ...(diskSpace ? { diskSpace } : {}),
      running,
      limit,
      effectiveLimit: slots,
      inFlight,
      queued: queued + held,
      downloading: this.downloads.active,
      needsReview,
      account: this.account,
      submitPauseUntil: pauseUntil,
      autoAttempts: this.autoAttempts,
      ...(retrying > 0 ? { retrying } : {}),
      activity
    };
  }

  /**
   * Task IDs APIXO returned that the journal could not record yet, with the rescue file each was
   * written to: a person must see them (architecture.md, "Persistence and recovery").
   */
  rescued(): RescuedTask[] {
    return this.rescue
      .list()
      .filter((e) => e.outcome === 'accepted')
      .map((e) => ({ batchId: e.batchId, row: e.row, take: e.take, taskId: e.taskId, file: this.rescue.fileOf(e.id) }));
  }

  /**
   * A download found the library's disk full: submits hold the same way as when the free-space
   * check finds too little room, and go on by themselves once a re-check finds room.
   */
  diskFull(folder: string): void {
    this.disk.diskFull(folder);
    this.changes.mark();
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

  /**
   * Adds a batch of valid rows; every request is built and validated now and frozen. It gets a
   * colour and a name no batch in the queue or the archive has ("Prompts (2)"), and goes last.
   */
  addBatch(spec: NewBatch): BatchRecord {
    const state = this.journal.state;
    const name = distinctName(spec.name, [...this.batches().map((b) => b.name), ...this.archived().map((a) => a.batch.name)]);
    const colour = nextBatchColour(this.batches().map((b) => b.colour));
    const records = newBatchRecords({ ...spec, name, simulated: this.current === 'simulated' }, this.clock.now(), this.random);
    const batch = { ...records.batch, colour };
    const { tasks } = records;
    const id = batch.id;
    this.recordOrRefuse({ type: 'batch_added', batch, tasks }, true);
    this.log.info(`batch added: ${tasks.length} task(s)`, { batch: id, name, libraryDir: spec.libraryDir });
    this.lane.order(id, state.order.length - 1);
    for (const task of tasks) this.lane.enqueue(task);
    this.changes.mark(undefined, id);
    this.lane.pump();
    return batch;
  }

  findBatchBySourceKey(key: string): BatchRecord | undefined {
    return this.batches()
      .filter((b) => b.sourceKey === key)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
  }

  pauseBatch(batchId: string): void {
    this.requireBatch(batchId);
    this.recordOrRefuse({ type: 'batch_changed', id: batchId, patch: { paused: { reason: 'user', message: 'Paused.' } } });
    this.changes.mark(undefined, batchId);
  }

  resumeBatch(batchId: string): void {
    const batch = this.requireBatch(batchId);
    if (batch.paused?.reason === 'ledger') throw new TaskActionError(batch.paused.message);
    // Resuming what the breaker paused starts its count again, also after a restart.
    const breaker = batch.paused?.reason === 'breaker';
    this.recordOrRefuse({ type: 'batch_changed', id: batchId, patch: breaker ? { breakerSince: this.clock.now() } : {}, unset: ['paused'] });
    if (breaker) this.breaker.reset(batchId);
    // A simulated batch paused by the person before a key was saved is asked about now.
    this.askAboutLedgers();
    this.lane.unpark(batchId);
    this.changes.mark(undefined, batchId);
    this.lane.pump();
  }

  /** Sets or clears a batch's spending cap; a batch the old cap paused goes on if the new one allows. */
  setBatchCap(batchId: string, capMicros: Micros | undefined): void {
    const batch = this.requireBatch(batchId);
    this.recordOrRefuse({
      type: 'batch_changed',
      id: batchId,
      patch: capMicros === undefined ? {} : { capMicros },
      unset: capMicros === undefined ? ['capMicros'] : []
    });
    if (batch.paused?.reason === 'cap') this.resumeBatch(batchId);
    this.changes.mark(undefined, batchId);
  }

  /** Sets or clears the cap across all batches. */
  setOverallCap(capMicros: Micros | undefined): void {
    this.ledger.setOverallCap(capMicros);
    this.changes.mark();
    this.lane.pump();
  }

  /** Cancels every task of the batch not yet submitted; returns how many. */
  cancelBatch(batchId: string): number {
    return this.choices.cancelBatch(batchId);
  }

  /** Queues every failed (or expired) task of the batch again; each is a new, paid submit. */
  retryFailed(batchId: string): number {
    return this.choices.retryFailed(batchId);
  }

  // ── Triage and queue control (architecture.md, "Triage") ────────────────────────────────

  /** The tasks of one failure group, of one batch or (undefined) every batch, in queue order. */
  failuresOf(batchId: string | undefined, group: FailureGroup): TaskRecord[] {
    if (batchId !== undefined) this.requireBatch(batchId);
    return this.choices.failures(batchId, group);
  }

  /** Retries one failure group, of one batch or every batch; answers how many were sent again. */
  retryGroup(batchId: string | undefined, group: FailureGroup): number {
    if (batchId !== undefined) this.requireBatch(batchId);
    return this.choices.retryGroup(batchId, group);
  }

  /** Gives up on one failure group (failed tasks are dismissed and leave the counts); answers how many. */
  abandonGroup(batchId: string | undefined, group: FailureGroup): number {
    if (batchId !== undefined) this.requireBatch(batchId);
    return this.choices.abandonGroup(batchId, group);
  }

  /** Edits a failed task's request and queues it again (a new submit); an invalid edit is refused in words, nothing changed. */
  editRetry(id: string, edit: TaskEdit): void {
    this.choices.editRetry(id, edit);
  }

  /** Moves a batch in the submission order; journaled, so the order survives a restart. */
  moveBatch(batchId: string, to: BatchMove): void {
    this.requireBatch(batchId);
    const order = movedOrder(this.journal.state.order, batchId, to);
    if (order.every((id, i) => id === this.journal.state.order[i])) return;
    this.recordOrRefuse({ type: 'batch_order', ids: order });
    this.lane.reorder(this.journal.state.order);
    for (const id of order) this.changes.mark(undefined, id);
    this.lane.pump();
  }

  /**
   * Moves queued tasks to the front of their batches, the first given first; tasks that are not
   * queued are skipped. Answers how many moved.
   */
  toFront(taskIds: string[]): number {
    const tasks = [...new Set(taskIds)].map((id) => this.task(id)).filter((t): t is TaskRecord => t?.state === 'queued');
    if (tasks.length === 0) return 0;
    const top = new Map<string, number>();
    for (const task of this.journal.state.tasks.values()) {
      if (task.priority) top.set(task.batchId, Math.max(top.get(task.batchId) ?? 0, task.priority));
    }
    let moved = 0;
    tasks.forEach((task, i) => {
      const priority = (top.get(task.batchId) ?? 0) + tasks.length - i;
      if (this.change(task, undefined, { priority }).priority === priority) moved++;
    });
    this.lane.reorder(this.journal.state.order);
    this.lane.pump();
    return moved;
  }

  /** Pauses every batch that has tasks to submit and is not paused yet; answers how many. */
  pauseAll(): number {
    let n = 0;
    for (const batch of this.batches()) {
      if (batch.paused || !this.tasksOf(batch.id).some((t) => t.state === 'queued')) continue;
      this.pauseBatch(batch.id);
      n++;
    }
    return n;
  }

  /** Resumes every batch the person or the breaker paused (not those waiting on a cap or the ledger question); answers how many. */
  resumeAll(): number {
    let n = 0;
    for (const batch of this.batches()) {
      if (batch.paused?.reason !== 'user' && batch.paused?.reason !== 'breaker') continue;
      this.resumeBatch(batch.id);
      n++;
    }
    return n;
  }

  /**
   * Puts finished batches away (every task ended): they leave the queue with their tasks, which
   * the journal compacts away; their frozen summaries, money included, stay. Refuses (changing
   * nothing) when any named batch is unfinished, saying which tasks. Resolves once the journal
   * is compacted.
   */
  archive(batchIds: string[]): Promise<void> {
    const ids = [...new Set(batchIds)];
    for (const id of ids) {
      const batch = this.requireBatch(id);
      const open = this.tasksOf(id).filter((t) => !TERMINAL_STATES.has(t.state));
      if (open.length > 0) throw new TaskActionError(unfinishedWords(batch.name, open));
    }
    const now = this.clock.now();
    for (const id of ids) {
      const archived = archiveRecord(this.summary(id)!, this.tasksOf(id), this.journal.state.windows, now);
      this.recordOrRefuse({ type: 'batch_archived', id, archived }, true);
      this.breaker.reset(id);
      this.archivedSince.unshift(archived.summary);
      this.log.info('batch archived', { batch: id });
    }
    this.lane.reorder(this.journal.state.order);
    this.changes.mark();
    // The archived tasks leave the snapshot now, not at the next size-driven compaction; the
    // promise is that compaction (the archive itself is journaled already).
    return this.journal.compact().catch((error: unknown) => this.log.warn('the queue journal could not be compacted after archiving', { error }));
  }

  // ── Tasks: a person's choices (TaskChoices says what each state allows) ─────────────────

  resubmit(id: string): void {
    this.choices.resubmit(id);
  }

  abandon(id: string): void {
    this.choices.abandon(id);
  }

  attachTaskId(id: string, taskId: string): void {
    this.choices.attachTaskId(id, taskId);
  }

  retry(id: string): void {
    this.choices.retry(id);
  }

  cancel(id: string): void {
    this.choices.cancel(id);
  }

  // ── Running ─────────────────────────────────────────────────────────────────────────────

  start(): void {
    if (this.lane.running || this.closing) return;
    this.lane.start();
    this.refreshBalance();
    this.balance.startSlowTimer();
    this.changes.mark();
    this.lane.pump();
  }

  setConcurrency(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new TaskActionError('Concurrency must be a whole number from 1 to 1000.');
    this.limiter.setLimit(limit);
    this.changes.mark();
    this.lane.pump();
  }

  /** Keeps all polling under a new request budget from now on. */
  setRequestBudget(perMinute: number): void {
    this.budgetPerMinute = perMinute;
    this.polls.setBudget(perMinute);
  }

  /**
   * Talks to another API from now on (a new key or base URL, or the simulator switched on or
   * off): new batches go there. Batches of the other ledger keep theirs; those with queued tasks
   * wait for the person's choice (askAboutLedgers).
   */
  setClient(client: ApixoClient, simulated = false): void {
    const ledger: Ledger = simulated ? 'simulated' : 'real';
    this.unwatchClient();
    this.unwatchClient = client.onReach((reached) => this.network.report(reached));
    this.clients[ledger] = client;
    this.current = ledger;
    if (!simulated) {
      this.balance.forget();
      this.balance.refresh();
    }
    this.askAboutLedgers();
    this.pollHandler.releaseHeld();
    this.changes.mark();
    this.lane.pump();
  }

  /** The built-in simulator, for simulated batches while APIXO is the API; their held polls go on. */
  setSimulatorClient(client: ApixoClient): void {
    this.clients.simulated = client;
    this.askAboutLedgers();
    this.pollHandler.releaseHeld();
    this.lane.pump();
  }

  /** The question about simulated batches with queued tasks once APIXO is the API; undefined when there is none. */
  ledgerQuestion(): LedgerQuestion | undefined {
    return ledgerQuestion(this.journal.state, this.ledger, this.current);
  }

  /**
   * The person's answer for simulated batches waiting on the ledger question: keep them on the
   * simulator, cancel their queued tasks, or send those to APIXO (each checked against the caps
   * again as it is submitted). Only the batches in the question (of `batchIds`, if given).
   */
  chooseLedger(choice: LedgerChoice, batchIds?: string[]): void {
    const asked = this.ledgerQuestion()?.batches.map((b) => b.id) ?? [];
    const chosen = batchIds ? asked.filter((id) => batchIds.includes(id)) : asked;
    for (const id of chosen) {
      if (choice === 'cancel') this.choices.cancelBatch(id);
      const patch = choice === 'real' ? { simulated: false } : choice === 'keep' ? { simulatedKept: true } : {};
      if (choice === 'real') for (const task of this.tasksOf(id)) if (task.state === 'queued') this.ledger.track(task, task, 'simulated', 'real');
      this.recordOrRefuse({ type: 'batch_changed', id, patch, unset: ['paused'] });
      this.log.info(`simulated batch: ${choice === 'real' ? 'sent to APIXO' : choice === 'keep' ? 'kept simulated' : 'queued tasks cancelled'}`, { batch: id });
      this.lane.unpark(id);
      this.changes.mark(undefined, id);
    }
    this.lane.pump();
  }

  /**
   * After the person fixed the key, the API address or the data folder's disk, or added balance.
   * A storage hold goes too: the next submit writes its intent first, so if the disk is still
   * full that write fails and submits stop again before anything is sent.
   */
  resumeAccount(): void {
    this.account = undefined;
    this.hold.resume();
    this.pollHandler.releaseHeld();
    this.refreshBalance();
    this.changes.mark();
    this.lane.pump();
  }

  /** Resolves once the open spend window is measured, or at once when it cannot be yet (spend-meter.ts). */
  spendMeasured(): Promise<void> {
    return this.meter.measured();
  }

  /** Asks APIXO for the balance; never fails the queue. */
  refreshBalance(): void {
    this.balance.refresh();
  }

  /**
   * Stops cleanly: no new submits or polls, submits already sent get their answer (so no taskId
   * is lost), downloads stop and keep their `.part` to resume, then the journal is closed.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.lane.stop();
    this.balance.stop();
    this.meter.stop();
    this.polls.stop();
    this.disk.stop();
    this.hold.stop();
    // Polls and balance reads in flight stop now (a stopped poll changes nothing: the task is
    // polled again at the next start). A submit already sent is never aborted: its answer is
    // awaited, bounded by the client's request timeout, so that no task ID is lost.
    this.requests.abort(new Error('the queue is closing'));
    this.unwatchClient();
    try {
      await this.lane.settled();
      await this.downloads.stop();
      // A last try to journal what was rescued (room may be back); the rest stays in its files.
      this.hold.retryRescued();
      this.changes.flush();
      this.changes.close();
      await this.rescue.settled();
      await this.journal.close().catch((error: unknown) => this.log.warn('the queue journal did not close cleanly', { error }));
    } finally {
      await this.lock.release();
    }
  }

  // ── The machine's own life: sleep and the network (architecture.md, "Time") ─────────────

  /** The computer goes to sleep: no poll is sent until `resume`; polls in flight stop and are asked again later. */
  suspend(): void {
    if (this.closing || this.asleepSince !== undefined) return;
    this.asleepSince = this.clock.now();
    this.log.info('the computer is going to sleep: polls wait');
    this.polls.pause();
    const stopping = this.requests;
    this.requests = new AbortController();
    stopping.abort(new Error('the computer is going to sleep'));
  }

  /** Awake again: overdue polls are spread within the request budget; time asleep counts against no task. */
  resume(): void {
    if (this.closing || this.asleepSince === undefined) return;
    const from = this.asleepSince;
    this.asleepSince = undefined;
    this.log.info(`awake again after ${Math.round((this.clock.now() - from) / 1000)} s: catching up`);
    this.network.reset();
    this.pollHandler.freshStart({ from, to: this.clock.now() });
    this.polls.resume(POLL_INTERVAL_MS * this.ts);
    this.changes.mark();
    this.lane.pump();
  }

  /** The system says the network is gone (or back): gone counts at once; back is proven by the next answer. */
  systemNetwork(online: boolean): void {
    if (!online) this.network.systemOffline();
    else if (this.network.offline) {
      // Any answer proves the network is back: the balance is the cheapest question.
      if (this.current === 'real') this.balance.refresh();
      else void this.clients.simulated?.balance({ retry: ONE_ATTEMPT, signal: this.requests.signal }).catch(() => undefined);
    }
  }

  private networkChanged(offline: boolean, since: number): void {
    if (offline) this.log.warn(`offline: APIXO cannot be reached since ${new Date(since).toISOString()}; failures are not counted against tasks`);
    else {
      this.log.info(`online again after ${Math.round((this.clock.now() - since) / 1000)} s`);
      this.pollHandler.freshStart({ from: since, to: this.clock.now() });
      this.lane.pump();
    }
    this.changes.mark();
  }

  // ── Internals ───────────────────────────────────────────────────────────────────────────

  /** What opening does with the tasks the journal left (architecture.md, "Persistence and recovery"). */
  private recover(rescued: RescueEntry[]): RecoveryReport {
    const byTask = new Map(rescued.map((e) => [`${e.id}:${e.attempts}`, e]));
    // Archived batches' money still counts against the cap across all batches.
    for (const { summary } of this.journal.state.archived.values()) this.ledger.carry(summary.costs.spentMicros);
    return resumeQueue(this.journal, {
      order: (batchId, place) => this.lane.order(batchId, place),
      count: (task) => {
        const ledger = this.ledgerOf(task);
        this.ledger.track(undefined, task, ledger);
        this.meter.follow(task, ledger === 'real');
        this.disk.follow(task);
      },
      rescued: (task) => byTask.get(`${task.id}:${task.attempts}`),
      keep: (entry) => this.rescue.keep(entry),
      change: (task, state, patch, options) => this.change(task, state, patch, options),
      inFlight: (task) => this.lane.follow(task),
      download: (task) => this.downloads.enqueue(task.id),
      queue: (task) => this.lane.enqueue(task),
      poll: (task, at) => this.polls.schedule(task.id, at),
      firstPolls: (count) => firstPollTimes(count, this.budgetPerMinute, this.ts, this.clock.now(), this.random)
    });
  }

  /**
   * The one way a task changes: journal the event (durably when a paid step depends on it), keep
   * the lane, the polls and the ledger in step, and tell subscribers. The record passed in only
   * names the task: it is not edited (architecture.md, "A task's life"). Returns the task as it
   * is now, which callers read from then on.
   */
  private change(task: TaskRecord, state?: TaskState, patch?: TaskPatch, options: ChangeOptions = {}): TaskRecord {
    const before = this.task(task.id) ?? task;
    try {
      const event: QueueEvent = { type: 'task_changed', id: task.id, at: this.clock.now(), state, patch, unset: options.unset };
      // Group commit (architecture.md, "Persistence and recovery"): a burst of durable changes
      // shares one fdatasync; the submit lane awaits `synced()` before the POST and before
      // acting on a task ID. A failed sync holds submits as a failed write does.
      const seq = this.journal.append(event, { durable: options.durable === 'now' ? true : options.durable ? 'group' : false });
      if (options.durable === true) this.journal.synced(seq, false).catch((error: unknown) => this.syncFailed(error));
    } catch (error) {
      // Durable or not at all: the task stays as the journal has it, and the caller reads that.
      if (!isJournalError(error)) throw error;
      this.hold.unrecorded(before, error);
      return before;
    }
    this.hold.wrote();
    const after = this.task(task.id)!;
    if (state && state !== before.state) logTransition(this.log, after, before.state);
    const ledger = this.ledgerOf(after);
    this.ledger.track(before, after, this.ledgerOf(before), ledger);
    if (state && state !== before.state) this.breakerCounts(after);
    this.meter.follow(after, ledger === 'real');
    this.disk.follow(after);
    this.lane.follow(after);
    if (!IN_FLIGHT_STATES.has(after.state)) {
      this.polls.remove(after.id);
      this.pollHandler.forget(after.id);
    }
    this.changes.mark(after.id, after.batchId);
    return after;
  }

  /**
   * A task ended: the breaker counts it, and a run of one cause long enough pauses its batch,
   * saying why (architecture.md, "Triage"). A batch already paused, or with nothing left to
   * submit, is left as it is.
   */
  private breakerCounts(task: TaskRecord): void {
    const run = this.breaker.ended(task);
    if (!run) return;
    const batch = this.journal.state.batches.get(task.batchId);
    if (!batch || batch.paused || !this.tasksOf(batch.id).some((t) => t.state === 'queued')) return;
    const message = breakerMessage(run);
    if (this.record({ type: 'batch_changed', id: batch.id, patch: { paused: { reason: 'breaker', message } } })) {
      this.log.warn(`batch paused by the breaker: ${message}`, { batch: batch.id, group: run.group, count: run.count });
      this.changes.mark(undefined, batch.id);
    }
  }

  /** A group commit failed: submits hold as for a failed write (the lines stay written; the next sync tries them again). */
  private syncFailed(error: unknown): void {
    if (isJournalError(error)) this.hold.failed(error);
    else this.log.error('a journal sync ended with an unexpected error', { error });
  }

  /**
   * Resolves true once every change so far is on disk (sharing one group commit with the changes
   * of the same moment); false, with submits held, when the sync failed.
   */
  private async synced(): Promise<boolean> {
    try {
      await this.journal.flush();
      return true;
    } catch (error) {
      this.syncFailed(error);
      return false;
    }
  }

  /** A batch event; false (and submits held) when the journal could not write it. */
  private record(event: QueueEvent, durable = false): boolean {
    try {
      this.journal.append(event, { durable });
      return true;
    } catch (error) {
      if (!isJournalError(error)) throw error;
      this.hold.failed(error);
      return false;
    }
  }

  /** A person's action on a batch: refused with the storage message when the journal cannot take it. */
  private recordOrRefuse(event: QueueEvent, durable = false): void {
    if (!this.record(event, durable)) throw new TaskActionError(this.hold.held?.message ?? 'The queue journal could not be written.');
  }

  /** Holds submits for the account (also when the saved key is refused at start); resumeAccount() lifts it. */
  pauseAccount(reason: AccountHold['reason'], message: string): void {
    // A refused key or a wrong address outranks an empty balance: it must be fixed first.
    if (this.account && this.account.reason !== 'balance') return;
    this.account = { reason, message };
    this.log.warn(`submits paused: ${message}`, { reason });
    this.changes.mark();
  }

  /**
   * Batches that wait for the person's choice about their ledger: simulated ones with queued
   * tasks once APIXO is the API (unless kept simulated), and real ones while no key is set.
   * Nothing goes to APIXO without that choice (architecture.md, "Money").
   */
  private askAboutLedgers(): void {
    for (const batch of this.journal.state.batches.values()) {
      const real = !batch.simulated;
      const reason = real
        ? (this.current !== 'real' || !this.clients.real) && NO_KEY_MESSAGE
        : (this.current === 'real' && !batch.simulatedKept && LEDGER_WAIT_MESSAGE) || (!this.clients.simulated && NO_SIMULATOR_MESSAGE);
      const waiting = batch.paused?.reason === 'ledger';
      if (reason && !waiting && !batch.paused && this.tasksOf(batch.id).some((t) => t.state === 'queued')) {
        this.record({ type: 'batch_changed', id: batch.id, patch: { paused: { reason: 'ledger', message: reason } } });
        this.changes.mark(undefined, batch.id);
      } else if (!reason && waiting) {
        this.record({ type: 'batch_changed', id: batch.id, patch: {}, unset: ['paused'] });
        this.lane.unpark(batch.id);
        this.changes.mark(undefined, batch.id);
      }
    }
  }

  /** A task whose ledger has no API connected came up: its batch waits, saying why. */
  private noApiFor(task: TaskRecord): void {
    const batch = this.journal.state.batches.get(task.batchId);
    if (!batch || batch.paused) return;
    const message = this.ledgerOf(task) === 'real' ? NO_KEY_MESSAGE : NO_SIMULATOR_MESSAGE;
    this.record({ type: 'batch_changed', id: batch.id, patch: { paused: { reason: 'ledger', message } } });
    this.changes.mark(undefined, batch.id);
  }

  /** The API addresses videos may come from: each connected ledger's. */
  private apiBaseUrls(): string[] {
    return [this.clients.real?.baseUrl, this.clients.simulated?.baseUrl].filter((u): u is string => u !== undefined);
  }

  private buildChange(pending: PendingChanges<LandedVideo>): EngineChange {
    const tasks = [...pending.tasks].map((id) => this.task(id)).filter((t): t is TaskRecord => t !== undefined);
    const batchIds = new Set([...pending.batches, ...tasks.map((t) => t.batchId)]);
    const batches = [...batchIds].map((id) => this.summary(id)).filter((b): b is BatchSummary => b !== undefined);
    const archived = this.archivedSince;
    this.archivedSince = [];
    return { tasks, batches, status: this.status(), costs: this.costs(), failures: this.failures(), archived, landed: pending.landed };
  }

  private requireBatch(id: string): BatchRecord {
    const batch = this.journal.state.batches.get(id);
    if (!batch) throw new TaskActionError(`There is no batch ${id}.`);
    return batch;
  }
}
