import type { QueueStatus, TaskRecord } from '@shared/batch';
import type { Ledger } from '@shared/money';
import type { SignedRequest } from '@shared/image-link';
import type { GenerateRequest } from '@shared/request';
import { AT_APIXO_STATES } from '@shared/task-state';
import { ApixoError, backoffDelay, type ApixoClient, type RetryPolicy } from '../apixo';
import type { Journal } from '../store/journal';
import type { Clock, Timer } from '../util/clock';
import { MinHeap } from '../util/min-heap';
import type { ConcurrencyLimiter } from './concurrency-limiter';
import { ONE_ATTEMPT, type AccountHold, type ChangeTask } from './engine-types';
import type { PollScheduler } from './poll-scheduler';
import type { QueueEvent, QueueState, TaskPatch } from './queue-state';
import { firstPollDelayMs } from './schedule-policy';
import type { SpendLedger } from './spend-ledger';

const SYNC_FAILED_NOTE = 'Not submitted: the queue journal could not be saved to disk. Nothing was sent or charged.';
const SUBMIT_BACKOFF: RetryPolicy = { attempts: Infinity, baseDelayMs: 1_000, maxDelayMs: 60_000 };

export interface SubmitLaneDeps {
  journal: Journal<QueueEvent, QueueState>;
  /** Journals a batch change; false when the journal could not write it (the engine then holds submits). */
  record: (event: QueueEvent) => boolean;
  /** The journal failed to write: no submit may start. */
  storageHeld: () => boolean;
  /** Whether the library's disk has room for this task's video on top of those in flight. */
  roomFor: (task: TaskRecord) => boolean;
  /** Whether so many finished videos wait for a download that no more should be bought yet (the download stage calls `pump` as they land). */
  downloadsBehind: () => boolean;
  /** True once every change so far is on disk (one group commit shared by a burst); false, submits held, when the sync failed. */
  synced: () => Promise<boolean>;
  /**
   * APIXO answered (with a task ID, or saying no task was made) but the journal could not record
   * it: the engine keeps the answer, shows it and writes it down elsewhere.
   */
  rescue: (task: TaskRecord, outcome: 'accepted' | 'not_created', taskId?: string) => void;
  /** Something went wrong that is no one's answer (a bug): logged, never thrown out of a submit. */
  fault: (error: unknown) => void;
  /** The API a task goes to (its ledger's); undefined while that API is not connected. */
  client: (task: TaskRecord) => ApixoClient | undefined;
  ledgerOf: (task: TaskRecord) => Ledger;
  /** A task's ledger has no API connected: its batch waits for the person (the engine pauses it, saying why). */
  noApiFor: (task: TaskRecord) => void;
  /** The spend window a real submit falls in now (undefined: none open yet), and a way to open one. */
  window: () => number | undefined;
  openWindow: () => void;
  change: ChangeTask;
  /** Tells subscribers something changed (a task, a batch, or the status only). */
  mark: (taskId?: string, batchId?: string) => void;
  limiter: ConcurrencyLimiter;
  ledger: SpendLedger;
  polls: PollScheduler;
  account: () => QueueStatus['account'];
  pauseAccount: (reason: AccountHold['reason'], message: string) => void;
  refreshBalance: () => void;
  clock: Clock;
  timeScale: number;
  random: () => number;
  /** Signs the image link afresh before the POST (architecture.md, "Security"). */
  signRequest?: (task: TaskRecord) => Promise<SignedRequest>;
}

/**
 * The submit lane (architecture.md, "Scheduling"): queued tasks in submission order (batch
 * order, then position), submitted while a slot is free and the caps allow, with one deadline
 * for every submit when the server asks to wait.
 */
export class SubmitLane {
  private readonly queue = new MinHeap<{ key: number; id: string }>((item) => item.key);
  private readonly queued = new Set<string>();
  /** Tasks met while their batch was paused, waiting for it to resume. */
  private readonly parked = new Map<string, string[]>();
  private readonly batchOrder = new Map<string, number>();
  /** Queued tasks waiting out the backoff before an automatic retry, by when they are due. */
  private readonly backoff = new MinHeap<{ at: number; id: string }>((item) => item.at);
  private retryTimer: Timer | undefined;
  private retryTimerAt = 0;
  private readonly inFlightIds = new Set<string>();
  private isRunning = false;
  private submitsInProgress = 0;
  private submitIdle: (() => void)[] = [];
  private pauseUntilMs = 0;
  private reason = '';
  private consecutiveErrors = 0;
  private pumpTimer: Timer | undefined;
  private pumpQueued = false;

  constructor(private readonly d: SubmitLaneDeps) {}

  get running(): boolean {
    return this.isRunning;
  }

  /** Tasks being submitted or at the server. */
  get inFlight(): number {
    return this.inFlightIds.size;
  }

  /** Words for the submit pause: "paused by the server until". */
  get pauseReason(): string {
    return this.reason;
  }

  /** When submits may go on again, if they wait now. */
  pausedUntil(now: number): number | undefined {
    return this.pauseUntilMs > now ? this.pauseUntilMs : undefined;
  }

  /** Submits may go from the next `pump()` on. */
  start(): void {
    this.isRunning = true;
  }

  /** No new submits from now on. */
  stop(): void {
    this.isRunning = false;
    if (this.pumpTimer) this.d.clock.clearTimeout(this.pumpTimer);
    if (this.retryTimer) this.d.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Resolves once the submits already sent have their answer (so no taskId is lost). */
  async settled(): Promise<void> {
    if (this.submitsInProgress > 0) await new Promise<void>((resolve) => this.submitIdle.push(resolve));
  }

  /** A batch's place in the submission order (the order batches were added in, or as the person set it). */
  order(batchId: string, place = this.batchOrder.size): void {
    this.batchOrder.set(batchId, place);
  }

  /**
   * The person reordered the batches, or moved tasks to the front of theirs: the queued tasks
   * are sorted again, so that the next submit follows the new order.
   */
  reorder(batchIds: string[]): void {
    this.batchOrder.clear();
    batchIds.forEach((id, place) => this.batchOrder.set(id, place));
    this.queue.clear();
    const { tasks } = this.d.journal.state;
    for (const id of this.queued) {
      const task = tasks.get(id);
      if (task) this.queue.push({ key: this.keyOf(task), id });
    }
  }

  enqueue(task: TaskRecord): void {
    if (this.queued.has(task.id)) return;
    this.queued.add(task.id);
    this.queue.push({ key: this.keyOf(task), id: task.id });
  }

  /** Submission order: the batch's place, then the tasks moved to the front (higher priority first), then position. */
  private keyOf(task: TaskRecord): number {
    const place = this.batchOrder.get(task.batchId) ?? 0;
    const within = task.priority ? 5e8 - Math.min(task.priority, 5e8) : 5e8 + task.position;
    return place * 1e9 + within;
  }

  /** Queues a task again; returns it as it is now (still in its old state if the journal refused). */
  requeue(task: TaskRecord, patch: TaskPatch, unset: (keyof TaskPatch)[] = []): TaskRecord {
    const queued = this.d.change(task, 'queued', patch, { unset });
    this.enqueue(queued);
    this.pump();
    return queued;
  }

  /** A batch resumed: its parked tasks queue again. */
  unpark(batchId: string): void {
    for (const id of this.parked.get(batchId) ?? []) this.enqueue(this.d.journal.state.tasks.get(id)!);
    this.parked.delete(batchId);
  }

  /** Keeps the lane's sets in step with one task's change (called by the engine's `change()`). */
  follow(task: TaskRecord): void {
    if (AT_APIXO_STATES.has(task.state)) this.inFlightIds.add(task.id);
    else if (this.inFlightIds.delete(task.id)) this.schedulePump();
    if (task.state !== 'queued') this.queued.delete(task.id);
  }

  /** Starts as many submits as the limits allow. */
  pump(): void {
    if (!this.isRunning || this.d.account() || this.d.ledger.overallCapReached || this.d.storageHeld() || this.d.downloadsBehind()) return;
    const now = this.d.clock.now();
    if (now < this.pauseUntilMs) {
      this.armPump(this.pauseUntilMs - now);
      return;
    }
    while (this.inFlightIds.size < this.d.limiter.slots) {
      // A journal write that failed (here or anywhere) stops submits at once.
      if (this.d.storageHeld() || this.d.downloadsBehind()) return;
      const task = this.nextQueued();
      if (!task) return;
      if (!this.withinCaps(task)) {
        if (this.d.ledger.overallCapReached) return; // the overall cap holds every batch
        continue;
      }
      if (!this.d.roomFor(task)) {
        this.enqueue(task);
        return;
      }
      if (!this.d.client(task)) {
        this.park(task.batchId, task.id);
        this.d.noApiFor(task);
        continue;
      }
      // A real submit falls in a spend window, opened by a balance reading first (money.ts):
      // submits wait for that reading, then the window's `opened` pumps again.
      const ledger = this.d.ledgerOf(task);
      if (ledger === 'real' && this.d.window() === undefined) {
        this.enqueue(task);
        this.d.openWindow();
        return;
      }
      void this.submit(task, ledger).catch((error: unknown) => this.d.fault(error));
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
    if (this.pumpTimer) this.d.clock.clearTimeout(this.pumpTimer);
    this.pumpTimer = this.d.clock.setTimeout(() => {
      this.pumpTimer = undefined;
      this.d.mark();
      this.pump();
    }, ms);
  }

  private nextQueued(): TaskRecord | undefined {
    const { state } = this.d.journal;
    for (let top = this.queue.pop(); top; top = this.queue.pop()) {
      const task = state.tasks.get(top.id);
      if (!task || task.state !== 'queued' || !this.queued.has(task.id)) continue;
      const batch = state.batches.get(task.batchId);
      this.queued.delete(task.id);
      if (batch?.paused) {
        this.park(batch.id, task.id);
        continue;
      }
      if (task.retryAt !== undefined && task.retryAt > this.d.clock.now()) {
        this.waitForRetry(task.id, task.retryAt);
        continue;
      }
      return task;
    }
    return undefined;
  }

  /** A task waits out its backoff: queued again when it is due, and the lane wakes then (on the engine's clock). */
  private waitForRetry(id: string, at: number): void {
    this.backoff.push({ at, id });
    if (this.retryTimer && this.retryTimerAt <= at) return;
    if (this.retryTimer) this.d.clock.clearTimeout(this.retryTimer);
    this.retryTimerAt = at;
    this.retryTimer = this.d.clock.setTimeout(() => this.retryDue(), Math.max(0, at - this.d.clock.now()));
  }

  private retryDue(): void {
    this.retryTimer = undefined;
    const now = this.d.clock.now();
    const { tasks } = this.d.journal.state;
    for (let top = this.backoff.peek(); top && top.at <= now; top = this.backoff.peek()) {
      this.backoff.pop();
      const task = tasks.get(top.id);
      if (task?.state === 'queued') this.enqueue(task);
    }
    const next = this.backoff.peek();
    if (next && this.isRunning) {
      this.retryTimerAt = next.at;
      this.retryTimer = this.d.clock.setTimeout(() => this.retryDue(), Math.max(0, next.at - now));
    }
    this.d.mark();
    this.pump();
  }

  private park(batchId: string, taskId: string): void {
    this.parked.set(batchId, [...(this.parked.get(batchId) ?? []), taskId]);
  }

  /** No submit whose estimate would pass a cap: the batch (or the queue) pauses saying why. */
  private withinCaps(task: TaskRecord): boolean {
    const batch = this.d.journal.state.batches.get(task.batchId)!;
    const verdict = this.d.ledger.check(task, batch, this.d.ledgerOf(task));
    if (!verdict) return true;
    if (verdict.scope === 'batch') {
      if (!this.d.record({ type: 'batch_changed', id: batch.id, patch: { paused: { reason: 'cap', message: verdict.message } } })) {
        this.enqueue(task);
        return false;
      }
      this.park(batch.id, task.id);
      this.d.mark(undefined, batch.id);
    } else {
      this.enqueue(task);
      this.d.mark();
    }
    return false;
  }

  private async submit(queued: TaskRecord, ledger: Ledger): Promise<void> {
    this.submitsInProgress++;
    try {
      // The intent is on disk before the POST: a crash from here on leaves `submitting`, which
      // replays as "needs review", never as a silent second submit. If the journal refuses it,
      // nothing is sent (architecture.md, "Persistence and recovery"). The ledger and the spend
      // window are stamped with it: a simulated task stays simulated, and its money apart.
      const window = ledger === 'real' ? this.d.window() : undefined;
      const task = this.d.change(
        queued,
        'submitting',
        { attempts: queued.attempts + 1, ledger, ...(window === undefined ? {} : { window }) },
        { durable: true, unset: ['note', 'failCode', 'failMsg', 'charge', ...(window === undefined ? (['window'] as const) : [])] }
      );
      if (task.state !== 'submitting') {
        this.enqueue(task);
        return;
      }
      // Group commit: the intents of a burst of submits share one fdatasync, and none is sent
      // before its own is on disk. A sync that failed sends nothing: the row waits again, its
      // attempt uncounted (should the machine crash first, the intent replays as needs review).
      if (!(await this.d.synced())) {
        if (this.requeue(task, { attempts: task.attempts - 1, note: SYNC_FAILED_NOTE }).state === 'submitting') this.d.rescue(task, 'not_created');
        return;
      }
      const request = await this.signed(task);
      if (!request) return;
      let taskId: string;
      try {
        const client = this.d.client(task);
        if (!client) throw new ApixoError('network', 'The API this task goes to is not connected any more; nothing was sent.', { delivery: 'not_sent' });
        ({ taskId } = await client.submit(request, { retry: ONE_ATTEMPT }));
      } catch (error) {
        this.onSubmitError(task, error);
        return;
      }
      // Paid for from here on: an ID the journal cannot take is rescued, never dropped.
      if (this.d.change(task, 'submitted', { taskId }, { durable: true }).state !== 'submitted') {
        this.d.rescue(task, 'accepted', taskId);
        return;
      }
      // Nothing acts on the ID (no poll) before it is on disk; if its sync failed, it is rescued too.
      if (!(await this.d.synced())) {
        this.d.rescue(task, 'accepted', taskId);
        return;
      }
      this.consecutiveErrors = 0;
      this.d.limiter.onAccepted(this.inFlightIds.size);
      this.d.polls.schedule(task.id, this.d.clock.now() + firstPollDelayMs(task.request) * this.d.timeScale);
    } finally {
      this.submitsInProgress--;
      if (this.submitsInProgress === 0) for (const resolve of this.submitIdle.splice(0)) resolve();
      this.pump();
    }
  }

  /** The request to POST, its image link signed afresh; undefined (the task rejected, saying why, nothing sent) when it cannot be. */
  private async signed(task: TaskRecord): Promise<GenerateRequest | undefined> {
    if (!this.d.signRequest) return task.request;
    const signed = await this.d.signRequest(task);
    if (signed.ok) return signed.request;
    this.d.change(task, 'rejected', { attempts: task.attempts - 1, note: signed.message }, { durable: true });
    return undefined;
  }

  /**
   * `task` is the task as it was while submitting (its attempt counted). When APIXO said no task
   * was made but the journal cannot record that, the answer is rescued, so that the next start
   * queues the row again instead of asking a person about a task that does not exist.
   */
  private onSubmitError(task: TaskRecord, error: unknown): void {
    const { change } = this.d;
    const notCreated = { attempts: task.attempts - 1 };
    const requeue = (patch: TaskPatch): void => {
      if (this.requeue(task, patch).state === 'submitting') this.d.rescue(task, 'not_created');
    };
    if (!(error instanceof ApixoError)) {
      change(
        task,
        'needs_review',
        { note: `Submitting failed unexpectedly (${(error as Error).message}); APIXO may or may not have created the task.` },
        { durable: true }
      );
      return;
    }
    switch (error.kind) {
      case 'rate_limited':
        this.d.limiter.onRateLimited(this.d.clock.now(), this.inFlightIds.size - this.submitsInProgress);
        this.pauseSubmits(error.retryAfterMs, 'paused by the server until');
        requeue({ ...notCreated, note: 'APIXO asked to slow down; waiting to submit.' });
        return;
      case 'network':
      case 'server':
        this.pauseSubmits(error.retryAfterMs, error.kind === 'network' ? 'cannot reach APIXO; trying again at' : 'APIXO has a problem; trying again at');
        requeue({ ...notCreated, note: `${error.message} Trying again shortly.` });
        return;
      case 'validation':
        if (
          change(
            task,
            'rejected',
            { ...notCreated, failMsg: error.serverMessage ?? error.message, note: `${error.message} Fix the row and import it again.` },
            { durable: true }
          ).state === 'submitting'
        ) {
          this.d.rescue(task, 'not_created');
        }
        return;
      case 'auth':
      case 'forbidden':
        this.d.pauseAccount('auth', `${error.message} Submits and checks are paused until you resume.`);
        requeue(notCreated);
        return;
      case 'balance':
        this.d.pauseAccount('balance', `${error.message} Submits are paused; running tasks are still checked and downloaded.`);
        requeue(notCreated);
        this.d.refreshBalance();
        return;
      case 'not_found':
        // A 404 on submit: the address answers, but it is not APIXO's generate endpoint. No task
        // was made, so the row waits (its attempt uncounted) until the address is fixed.
        // (Or an address that is no web address at all: then nothing left the computer.)
        if (error.delivery === 'not_sent') {
          this.d.pauseAccount('address', `${error.message} Nothing was charged. Fix it in Settings (or --base-url), then resume.`);
          requeue({ ...notCreated, note: 'Not submitted: the API address is not a web address. Fix the address, then resume.' });
          return;
        }
        this.d.pauseAccount('address', wrongAddressMessage(error.serverMessage));
        requeue({ ...notCreated, note: 'Not submitted: the API address answered "not found". Fix the address, then resume.' });
        return;
      default:
        change(task, 'needs_review', { note: error.message }, { durable: true });
    }
  }

  /** One deadline for all submits, which only ever moves later; the server's Retry-After wins. */
  private pauseSubmits(retryAfterMs: number | undefined, reason: string): void {
    const waitMs = (retryAfterMs ?? backoffDelay(this.consecutiveErrors, SUBMIT_BACKOFF, this.d.random)) * this.d.timeScale;
    this.consecutiveErrors++;
    const until = this.d.clock.now() + waitMs;
    if (until > this.pauseUntilMs) {
      this.pauseUntilMs = until;
      this.reason = reason;
    }
    this.d.mark();
  }
}

/** What a 404 on submit means and what to do about it. */
export function wrongAddressMessage(serverWords?: string): string {
  return (
    `The API address answered the submit with 404 (not found)${serverWords ? `: ${serverWords}` : ''}, so no task was created and nothing was charged. ` +
    'The API address (base URL) is probably wrong: check it in Settings (or --base-url), then resume.'
  );
}
