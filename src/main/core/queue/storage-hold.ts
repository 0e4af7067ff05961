import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { QueueStatus, TaskRecord } from '@shared/batch';
import { IN_FLIGHT_STATES } from '@shared/task-state';
import type { Logger } from '../log/logger';
import { JournalError } from '../store/journal';
import type { Clock, Timer } from '../util/clock';
import { diskProblem, diskProblemWords, type DiskProblem } from '../util/disk-space';
import type { ChangeTask } from './engine-types';
import type { TaskPatch } from './queue-state';
import type { RescueEntry, RescueKeeper } from './rescue';

/** How often a storage hold tries to journal what was rescued (ms of the engine's clock). */
export const STORAGE_RETRY_MS = 10_000;
const RESCUED_NOTE = 'Its task ID was kept in a rescue file while the data folder could not be written; checking it.';

export interface StorageHoldDeps {
  /** The data folder (the journal's). */
  folder: string;
  task: (id: string) => TaskRecord | undefined;
  change: ChangeTask;
  requeue: (task: TaskRecord, patch: TaskPatch) => TaskRecord;
  /** Polls a task at APIXO at the given time. */
  poll: (id: string, at: number) => void;
  /** When a task just submitted is first polled. */
  firstPollAt: (task: TaskRecord) => number;
  download: (id: string) => void;
  rescue: RescueKeeper;
  clock: Clock;
  log: Logger;
  changed: () => void;
  closing: () => boolean;
}

/**
 * What the engine does once its journal refuses a write (architecture.md, "Persistence and
 * recovery"): submits stop, one message says which folder and what to do, APIXO's answers that
 * could not be recorded are rescued, and a timer writes them into the journal once it can. Polls
 * of tasks at APIXO go on; a download whose end could not be recorded runs again once the journal
 * writes again. Only the person's resume lifts the hold.
 */
export class StorageHold {
  private current: { folder: string; message: string; problem?: DiskProblem } | undefined;
  private readonly stalledDownloads = new Set<string>();
  /** A journal write succeeded since the hold began. */
  private wroteSince = false;
  private timer: Timer | undefined;

  constructor(private readonly d: StorageHoldDeps) {}

  /** The hold, if submits are stopped by the journal. */
  get held(): { folder: string; message: string; problem?: DiskProblem } | undefined {
    return this.current;
  }

  /** What `status()` shows. */
  get status(): QueueStatus['storage'] {
    return this.current && { folder: this.current.folder, message: this.current.message };
  }

  /** A journal write went through. */
  wrote(): void {
    if (this.current) this.wroteSince = true;
  }

  /** The first failed write holds submits, says which folder and what to do, and retries on a timer. */
  failed(error: JournalError): void {
    if (!this.current) {
      const { folder } = this.d;
      const problem = error.problem ?? diskProblem(error);
      const words = problem ? diskProblemWords(problem, folder) : error.message;
      const message =
        `${words} Submitting has stopped so that nothing is paid for unrecorded; videos already paid for are still checked and collected` +
        ' where possible, and any task ID that could not be recorded is kept and shown.';
      this.current = { folder, message, problem };
      this.wroteSince = false;
      this.d.log.error('the queue journal could not be written: submits stop', { folder, problem, error: error.message });
      this.d.changed();
    }
    this.arm();
  }

  /**
   * A task change the journal refused: a task at APIXO is polled again later (its answer is
   * recorded once there is room); a download whose end could not be recorded runs again later.
   */
  unrecorded(task: TaskRecord, error: JournalError): void {
    if (error.kind === 'closed') {
      this.d.log.warn('a task change came after the queue closed; the next start picks the task up', { task: task.id });
      return;
    }
    this.failed(error);
    if (IN_FLIGHT_STATES.has(task.state) && task.taskId) this.d.poll(task.id, this.d.clock.now() + STORAGE_RETRY_MS);
    if (task.state === 'succeeded' || task.state === 'downloading') this.stalledDownloads.add(task.id);
  }

  /** A download that stopped because the journal could not sync its file name: run again with the others once the journal writes. */
  stalled(id: string): void {
    this.stalledDownloads.add(id);
    this.arm();
  }

  /** An answer of APIXO the journal could not record: kept, written to a rescue file, shown. */
  keep(task: TaskRecord, outcome: RescueEntry['outcome'], taskId?: string): void {
    if (outcome === 'accepted')
      this.d.log.error('APIXO returned a task ID the journal could not record: it is kept in a rescue file', { task: task.id, taskId });
    this.d.rescue.keep({
      id: task.id,
      batchId: task.batchId,
      row: task.source.row,
      take: task.source.take,
      taskId,
      outcome,
      attempts: task.attempts,
      at: this.d.clock.now()
    });
    this.arm();
  }

  /** The person resumed: the hold goes (the next submit's intent write tests the disk again). */
  resume(): void {
    if (!this.current) return;
    this.current = undefined;
    this.retry();
    this.d.changed();
  }

  stop(): void {
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Writes each rescued answer into the journal while it can; stops at the first refusal. */
  retryRescued(): void {
    const { rescue } = this.d;
    for (const entry of rescue.list()) {
      const task = this.d.task(entry.id);
      if (entry.outcome === 'accepted' && task?.state === 'submitted' && task.taskId === entry.taskId && task.attempts === entry.attempts) {
        // The ID's line was written but its group commit failed: synced now, before the rescue goes.
        const after = this.d.change(task, undefined, { note: RESCUED_NOTE }, { durable: 'now' });
        if (after.note !== RESCUED_NOTE) return;
        this.d.poll(after.id, this.d.firstPollAt(after));
        rescue.done(entry.id);
        continue;
      }
      if (!task || task.state !== 'submitting' || task.attempts !== entry.attempts) {
        rescue.done(entry.id);
        continue;
      }
      if (entry.outcome === 'accepted') {
        const after = this.d.change(task, 'submitted', { taskId: entry.taskId, note: RESCUED_NOTE }, { durable: 'now' });
        if (after.state !== 'submitted') return;
        this.d.poll(after.id, this.d.firstPollAt(after));
      } else if (this.d.requeue(task, { attempts: task.attempts - 1 }).state === 'submitting') {
        return;
      }
      rescue.done(entry.id);
    }
  }

  private arm(): void {
    if (this.timer || this.d.closing()) return;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      this.retry();
    }, STORAGE_RETRY_MS);
    this.timer.unref?.();
  }

  /** Journals what was rescued, and restarts the downloads whose end could not be recorded. */
  private retry(): void {
    this.retryRescued();
    if (this.wroteSince || !this.current) {
      const stalled = [...this.stalledDownloads];
      this.stalledDownloads.clear();
      for (const id of stalled) this.d.download(id);
    }
    if (this.current && (this.d.rescue.size > 0 || this.stalledDownloads.size > 0)) this.arm();
  }
}

/** Creates the data folder; on a read-only disk (where mkdir says ENOENT) the error says so. */
export async function makeFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch(async (error: unknown) => {
    throw (await whyNotWritable(dir)) ?? error;
  });
}

/** The error writing into the nearest existing folder above `dir` gives (EROFS, EACCES), if any. */
async function whyNotWritable(dir: string): Promise<unknown> {
  for (let at = dirname(dir); ; at = dirname(at)) {
    try {
      await access(at, constants.W_OK);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
      if (dirname(at) === at) return undefined;
    }
  }
}

/** An error opening the queue, worded for the person when the data folder's disk is the cause. */
export function asStorageError(error: unknown, dataDir: string): unknown {
  if (error instanceof JournalError) return error;
  const problem = diskProblem(error);
  if (!problem) return error;
  return new JournalError('failed', dataDir, diskProblemWords(problem, dataDir), { cause: error, problem });
}
