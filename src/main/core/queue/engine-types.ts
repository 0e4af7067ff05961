import type { BatchSummary, CostTotals, QueueStatus, SourceRow, TaskRecord } from '@shared/batch';
import type { FailureCounts } from '@shared/triage';
import type { SignedRequest } from '@shared/image-link';
import type { Micros } from '@shared/pricing';
import type { TaskDraft } from '@shared/request';
import type { TaskState } from '@shared/task-state';
import type { ApixoClient, RetryPolicy } from '../apixo';
import type { Logger } from '../log/logger';
import type { JournalFileOps, JournalRecovery } from '../store/journal';
import type { Clock } from '../util/clock';
import type { LandedVideo } from './download-stage';
import type { TaskPatch } from './queue-state';
import type { PoolLimits } from '../download/pool-controller';

export interface EngineOptions {
  dataDir: string;
  /** The API new batches go to. */
  client: ApixoClient;
  /** True when `client` is the built-in simulator: new batches are simulated, and their money too. */
  simulated?: boolean;
  /** The built-in simulator, for simulated batches' tasks while `client` is APIXO. */
  simulatorClient?: ApixoClient;
  /** Multiplies every product delay (first poll, intervals, backoff); below 1 in tests and demos. */
  timeScale?: number;
  /** Tasks in flight at once (default 4). */
  concurrency?: number;
  /** A fixed number of downloads at once; without it the pool sizes itself from 3 (download/pool-controller.ts). */
  downloadConcurrency?: number;
  /** The self-sizing download pool's limits (default from 3, up to 32). */
  downloadPool?: Partial<PoolLimits>;
  /**
   * Finished videos waiting for a download slot at which new submits wait (default 200): no more
   * videos are bought while the machine cannot take delivery of those already made.
   */
  downloadBacklogLimit?: number;
  /** Status requests per minute for all polling together (default 70 % of APIXO's 10,000). */
  requestBudgetPerMinute?: number;
  /**
   * Automatic new submits of a task after a provider-transient failure (default 2: three
   * attempts in all, architecture.md, "Triage"). Each is a new paid submit, checked against the caps.
   */
  autoRetryLimit?: number;
  /** Failures of one cause in a row (safety, invalid input, image, rejected) that pause a batch (default 5). */
  breakerThreshold?: number;
  /** Provider-transient failures in a row that pause a batch (default 10). */
  breakerTransientThreshold?: number;
  /** Optional cap on money committed and spent across all batches. */
  overallCapMicros?: Micros;
  /** A download that receives nothing for this long is retried (ms, not scaled by timeScale; default 30 s). */
  downloadStallTimeoutMs?: number;
  /** Coalescing interval of the change stream, in ms, not scaled by timeScale (default 250). */
  changeIntervalMs?: number;
  /** Room kept free on the library's disk beyond the videos in flight, before a submit (default 256 MB). */
  diskMarginBytes?: number;
  random?: () => number;
  log?: Logger;
  /** What the engine reads the time from and arms its timers on (default: the system clock). */
  clock?: Clock;
  /** Signs a task's image link afresh before each POST (the journal keeps only its reference); the request is sent as kept without it. */
  signRequest?: (task: TaskRecord) => Promise<SignedRequest>;
  /** The calls the queue journal makes on its file (default: node:fs); tests watch its syncs through them. */
  journalFileOps?: Partial<JournalFileOps>;
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
  /** Failures by cause over every batch in the queue. */
  failures: FailureCounts;
  /** Batches archived since the last change, newest first. */
  archived: BatchSummary[];
  /** Videos written whole since the last change, each with the sidecar written beside it. */
  landed: LandedVideo[];
}

export interface RecoveryReport extends JournalRecovery {
  /** Tasks whose submit was interrupted: they may or may not exist at APIXO. */
  needsReview: number;
  /** Interrupted submits whose task ID a rescue file kept: attached and polled, never paid twice. */
  attachedRescued: number;
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

export interface ChangeOptions {
  /**
   * On disk before a paid step depends on it. `true`: by group commit (one fdatasync shared by
   * the lines of a busy moment; a step that depends on the line awaits `synced()` first).
   * `'now'`: synced before `change()` returns (used where a file is removed right after).
   */
  durable?: boolean | 'now';
  unset?: (keyof TaskPatch)[];
}

/**
 * The engine's one way to change a task: journals the event and returns the task as it is now.
 * The record passed in is not edited; read the returned one from then on.
 */
export type ChangeTask = (task: TaskRecord, state?: TaskState, patch?: TaskPatch, options?: ChangeOptions) => TaskRecord;

/** Why submits (and, for the key, checks) wait for the person: a key refused, a wrong API address, or no balance. */
export type AccountHold = NonNullable<QueueStatus['account']>;

export const DEFAULT_CONCURRENCY = 4;
/** Finished videos waiting for a download at which submits wait (EngineOptions.downloadBacklogLimit). */
export const DEFAULT_DOWNLOAD_BACKLOG_LIMIT = 200;
export const DEFAULT_REQUEST_BUDGET_PER_MINUTE = 7_000;
export const DEFAULT_AUTO_RETRY_LIMIT = 2;

/** The engine makes one attempt per call and does its own waiting, so that one pause rules all. */
export const ONE_ATTEMPT: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
