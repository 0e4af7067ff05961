import type { AspectRatio, Resolution } from './model';
import type { BalanceReading, Charge, Ledger, SpendCheck } from './money';
import type { Micros } from './pricing';
import type { FailureCounts } from './triage';
import type { GenerateRequest, ImageRef } from './request';
import type { TaskState } from './task-state';

/** Where a task came from: its CSV row (spreadsheet numbering) and take. */
export interface SourceRow {
  row: number;
  take: number;
  name?: string;
  /** The name the person gave the video (a CSV's `name` column): its file name and library title. */
  videoName?: string;
  cells: Record<string, string>;
  /** The sweep axes that made this take (axis → value as text): `{ seed: '42', duration: '10' }`. */
  axes?: Record<string, string>;
}

/** Everything the app knows about one task; the frozen request never changes after creation. */
export interface TaskRecord {
  /** Local id, stable for life: `<batch id>-<position>`. */
  id: string;
  batchId: string;
  /** Position in its batch, from 0: the order of submission. */
  position: number;
  source: SourceRow;
  request: GenerateRequest;
  /** A local source image that was hosted to give `request`'s image URL. */
  imagePath?: string;
  /** Where that image was hosted: `request` holds the link's unsigned form, signed again at each submit. */
  image?: ImageRef;
  estimateMicros: Micros;
  state: TaskState;
  /** APIXO's id, as soon as it is known. */
  taskId?: string;
  /** POSTs that may have created a task for this row (each may have cost money). */
  attempts: number;
  /**
   * Automatic new submits after a provider-transient failure since the person last sent it
   * (architecture.md, "Triage"): attempt `autoRetries + 1` of `QueueStatus.autoAttempts` is the
   * one running or waiting now, which the row shows as "attempt 2 of 3" (`autoRetryWords`, triage.ts).
   */
  autoRetries: number;
  /** A queued task that waits before its automatic retry (backoff): not submitted before then (ms since epoch). */
  retryAt?: number;
  /**
   * Attempts that failed in a spend window and were sent again (automatically or by the person):
   * the window each failed in and its estimate, so that window counts the failure once (money.ts).
   */
  failedAttempts?: { window: number; micros: Micros }[];
  /** Moved to the front of its batch by the person: higher goes first, then `position`. Absent for most tasks. */
  priority?: number;
  /** The person edited the request and retried it: how many times. `request` then holds the edited body. */
  edits?: number;
  failCode?: string;
  failMsg?: string;
  /** A sentence for people: why it waits, needs review, or failed to download. */
  note?: string;
  resultUrl?: string;
  /** The finished video, relative to the batch's library folder. */
  file?: string;
  /**
   * Why the last download failed, by kind (the download stage's `DownloadErrorKind`): a
   * permanent kind is never retried on its own, the others are retried at the next start.
   */
  downloadFailure?: string;
  /** Money spent on this row so far (successful generations), as estimated. */
  spentMicros: Micros;
  /** Where its last submit went: stamped with the submit, so a simulated task stays simulated for life. */
  ledger?: Ledger;
  /** The spend window its last submit fell in (money.ts): the balance readings that measure it. */
  window?: number;
  /** What the balance showed it cost, once its window closed; absent until then. */
  charge?: Charge;
  /** When each state was last entered (ms since epoch). */
  times: Partial<Record<TaskState | 'created', number>>;
  /** Still polled, but far past the time this resolution usually takes. */
  overdue?: boolean;
}

/**
 * Why a batch waits: the person, its cap, a choice about its ledger (made on the simulator, a key
 * since saved), or the breaker (several failures of one cause in a row: architecture.md, "Triage").
 */
export type PauseReason = 'user' | 'cap' | 'ledger' | 'breaker';

export interface BatchRecord {
  id: string;
  name: string;
  createdAt: number;
  /** Folder the videos go to. */
  libraryDir: string;
  sourceFile?: string;
  /** Hash of the source file and settings: running the same command again resumes this batch. */
  sourceKey?: string;
  /** Optional spending cap for this batch. */
  capMicros?: Micros;
  paused?: { reason: PauseReason; message: string };
  /** Made against the built-in simulator (and kept there): its tasks go to the simulator, and its money is simulated. */
  simulated?: boolean;
  /** The person chose to keep it simulated after a key was saved: not asked again. */
  simulatedKept?: boolean;
  /** Its colour in the queue and the library: an index into `BATCH_COLOURS` (batch-colours.ts), picked at creation. */
  colour?: number;
  /** The breaker counts failures in a row from this time on (ms since epoch): set when the person resumes a batch it paused. */
  breakerSince?: number;
  taskIds: string[];
}

/** Where to move a batch in the queue's order: one place, to an end, or to an index (a drop). */
export type BatchMove = 'up' | 'down' | 'top' | 'bottom' | number;

/** What "edit and retry" may change in a failed task's request; absent fields keep their value. */
export interface TaskEdit {
  prompt?: string;
  resolution?: Resolution;
  duration?: number;
  /** Text modes only. */
  aspectRatio?: AspectRatio;
  /** null: a random seed. */
  seed?: number | null;
  /** Image modes only: a public http(s) link to the source image. */
  imageUrl?: string;
}

/** Money by stage, of one ledger. */
export interface MoneyByStage {
  /** Not yet submitted: what the queued tasks will cost. */
  queuedMicros: Micros;
  /** Submitted and not yet finished (or of unknown outcome). */
  committedMicros: Micros;
  /** Paid for successful generations, in all. */
  spentMicros: Micros;
  /** Of that, for videos that succeeded since local midnight. */
  spentTodayMicros: Micros;
}

/** Money by stage, derived from the tasks (never stored twice): the real ledger's, with the simulator's apart. */
export interface CostTotals extends MoneyByStage {
  /** The simulator's tasks: never added to the real figures. */
  simulated: MoneyByStage;
  /** The account balance as the engine last read it (the real API only), with its time. */
  balance?: BalanceReading;
  /** Estimated against measured spend over the spend windows closed so far (real ledger only). */
  spend?: SpendCheck;
}

/** Why submits wait for the person: a refused key, no balance, or an API address that answers 404. */
export type AccountPause = 'auth' | 'balance' | 'address';

/** A task ID APIXO returned that the queue's journal could not record yet: shown so it is never lost. */
export interface RescuedTask {
  batchId: string;
  row: number;
  take: number;
  /** APIXO's task ID (absent when APIXO said no task was made). */
  taskId?: string;
  /** The rescue file it was written to, if any place could be written. */
  file?: string;
}

/** What the engine is doing, and why anything waits, in words a person reads. */
export interface QueueStatus {
  running: boolean;
  /** The user's limit on tasks in flight, and the limit in force after 429s. */
  limit: number;
  effectiveLimit: number;
  inFlight: number;
  queued: number;
  downloading: number;
  needsReview: number;
  account?: { reason: AccountPause; message: string };
  /** Submits wait until then (ms since epoch) because the server asked. */
  submitPauseUntil?: number;
  /** Attempts in all a task gets at a provider-transient failure (the first and the automatic retries): the "3" of "attempt 2 of 3". */
  autoAttempts?: number;
  /** Queued tasks waiting out the backoff before their automatic retry (outside paused batches). */
  retrying?: number;
  /**
   * The queue's journal could not be written (a full, read-only or missing data folder): nothing
   * more is submitted until the person resumes or restarts. `message` says which folder and what to do.
   */
  storage?: { folder: string; message: string };
  /** Task IDs APIXO returned that are not in the journal yet; they must be shown (and can be copied). */
  rescued?: RescuedTask[];
  /** Submits wait because the library's disk has too little room for the videos in flight. */
  diskSpace?: { folder: string; freeBytes: number; neededBytes: number; message: string };
  /** One line: "submitting 3 of 4 slots", "waiting: 4 of 4 slots busy", "paused by the server until 14:02:10". */
  activity: string;
}

export type BatchCounts = Partial<Record<TaskState, number>>;

/** A batch without its task list: what summaries carry, so a delta stays small however big the batch. */
export type BatchInfo = Omit<BatchRecord, 'taskIds'>;

/** A task's id is its batch's id and its position: stable, and known without asking. */
export function taskIdFor(batchId: string, position: number): string {
  return `${batchId}-${String(position).padStart(5, '0')}`;
}

export interface BatchSummary {
  batch: BatchInfo;
  counts: BatchCounts;
  total: number;
  costs: CostTotals;
  /** Its tasks that failed or wait for a person, by cause (triage.ts). */
  failures: FailureCounts;
  /** Archived: finished and put away. The queue lists it apart; its tasks are compacted away, its counts and money stay. */
  archivedAt?: number;
}
