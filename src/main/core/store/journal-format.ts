/**
 * What the queue's journal and snapshot files look like on disk, what can go wrong with them,
 * and how each problem is worded for the person (architecture.md, "Persistence and recovery").
 * The journal (journal.ts) writes these files; replay (journal-replay.ts) reads them back.
 */

import { diskProblem, diskProblemWords, type DiskProblem } from '../util/disk-space';

/** The newest file format this code reads and the one it writes. */
export const JOURNAL_VERSION = 1;
const JOURNAL_FORMAT = 'ltx-batch-studio/journal';
export const SNAPSHOT_FORMAT = 'ltx-batch-studio/snapshot';

export const DEFAULT_FILE_NAME = 'journal.jsonl';
export const DEFAULT_SNAPSHOT_FILE_NAME = 'snapshot.json';

/** The points between compaction steps, in order; a crash after any of them is survivable. */
export type CompactionStep =
  /** `snapshot.json.tmp` is written and synced. */
  | 'snapshot-written'
  /** It is renamed to `snapshot.json` and the folder synced; the old journal is still in place. */
  | 'snapshot-installed'
  /** The fresh journal (`journal.jsonl.tmp`) is written and synced. */
  | 'journal-written'
  /** It is renamed over the old journal and the folder synced. */
  | 'journal-installed';

export interface JournalOptions<Ev, State> {
  /** The empty state, used when there is no snapshot. */
  initial: () => State;
  /** The reducer: applies one event to the state in place. If it throws, the event is refused. */
  apply: (state: State, event: Ev) => void;
  /**
   * Checks an event read back from the journal and returns it typed; throws when the line holds
   * no such event, which replay then skips and counts like one `apply` refused. Without it the
   * parsed JSON is taken as it is.
   */
  parseEvent?: (json: unknown) => Ev;
  /** What to store in the snapshot (default: the state itself, as JSON). */
  toSnapshot?: (state: State) => unknown;
  /** Rebuilds the state from what `toSnapshot` stored (default: the parsed JSON itself). */
  fromSnapshot?: (json: unknown) => State;
  /** Compact automatically once the journal has grown this much since the last snapshot (default 8 MiB). */
  compactAfterBytes?: number;
  /** Journal file name inside the data folder (default `journal.jsonl`). */
  fileName?: string;
  /** Snapshot file name (default `snapshot.json`, or `<stem>.snapshot.json` for a custom `fileName`). */
  snapshotFileName?: string;
  /** Non-durable appends are synced in the background this long after the first one (default 200 ms). */
  flushIntervalMs?: number;
  /**
   * A group commit someone awaits (`synced`, `flush`) starts at most this long after the first
   * call that asks for it, so that the lines of a busy moment share one fdatasync (default 4 ms).
   * Every waiter is still answered only once its own line is on disk.
   */
  groupCommitMs?: number;
  /** A `durable: 'group'` line nobody awaits is synced within this long (default 50 ms). */
  durableWithinMs?: number;
  /** Told about anything skipped or repaired, and about failed background work (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Clock for each line's `at` (default Date.now). */
  now?: () => number;
  /** Called after each compaction step; lets tests crash the process at exactly that point. */
  onCompactionStep?: (step: CompactionStep) => void;
  /** The file calls appends go through (default: node:fs); tests pass ones that fail on cue. */
  fileOps?: Partial<JournalFileOps>;
}

/** The calls appends and syncs make on the journal's file. */
export interface JournalFileOps {
  writeSync: (fd: number, data: Buffer, offset: number, length: number) => number;
  fdatasyncSync: (fd: number) => void;
  /** The background and group-commit sync, off the main thread. */
  fdatasync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;
  ftruncateSync: (fd: number, length: number) => void;
}

export interface AppendOptions {
  /**
   * `true`: sync the line to disk before returning (one fdatasync of its own), and every line
   * before it. `'group'`: the line is written and applied now, and the next group commit (one
   * fdatasync shared by every line written meanwhile) starts within `durableWithinMs`;
   * `synced(seq)` resolves when it is on disk, bringing the commit forward to `groupCommitMs`.
   * A caller whose next step depends on the line awaits that.
   */
  durable?: boolean | 'group';
}

/** What replay found when the journal was opened. */
export interface JournalRecovery {
  /** Sequence number the snapshot covered (0 without a snapshot). */
  snapshotSeq: number;
  /** Last sequence number after replay; the next append gets `seq + 1`. */
  seq: number;
  /** Journal lines applied on top of the snapshot. */
  lines: number;
  /** Lines already covered by the snapshot, passed over (left by a crash during compaction). */
  staleLines: number;
  /** Whether an unfinished end of the file (a crash mid-write) was dropped and truncated away. */
  tornTail: boolean;
  /** How many bytes that was. */
  tornBytes: number;
  /** Lines skipped in the middle of the journal: unreadable ones plus those `apply` refused. */
  skippedCorrupt: number;
  /** Of `skippedCorrupt`, the readable events that `apply` threw on. */
  rejected: number;
  /** Time to open and replay, in milliseconds. */
  ms: number;
}

export type JournalErrorKind =
  /** A file was written by a newer version of the app: refuse rather than lose what it holds. */
  | 'newer_version'
  /** `snapshot.json` exists but cannot be read. */
  | 'unreadable_snapshot'
  /** The journal starts after a snapshot that is not there: events would be missing. */
  | 'missing_snapshot'
  /** This journal file is already open in this process. */
  | 'in_use'
  /** Used after `close()`. */
  | 'closed'
  /** Writing or syncing failed; the event was not recorded (nor applied), so nothing may be paid for on it. */
  | 'failed';

export class JournalError extends Error {
  readonly kind: JournalErrorKind;
  readonly path: string;
  /** For a failed write: what is wrong with the disk, when the cause is the disk itself. */
  readonly problem?: DiskProblem;

  constructor(kind: JournalErrorKind, path: string, message: string, options?: { cause?: unknown; problem?: DiskProblem }) {
    super(message, options);
    this.name = 'JournalError';
    this.kind = kind;
    this.path = path;
    this.problem = options?.problem;
  }
}

/**
 * A write or sync that failed. The journal rolled it back (nothing applied, no fragment left), so
 * a later append may succeed once the disk has room again.
 */
export function writeFailure(path: string, dir: string, error: unknown): JournalError {
  const problem = diskProblem(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = problem
    ? `${diskProblemWords(problem, dir)} (The queue journal could not be written${code ? `: ${code}` : ''}.)`
    : `The queue journal ${path} could not be written (${errorText(error)}). Fix the disk or the folder, then carry on.`;
  return new JournalError('failed', path, message, { cause: error, problem });
}

export function isJournalError(error: unknown, kind?: JournalErrorKind): error is JournalError {
  return error instanceof JournalError && (kind === undefined || error.kind === kind);
}

export interface JournalRecord {
  seq: number;
  at: number;
  ev: unknown;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRecord(value: unknown): value is JournalRecord {
  return isObject(value) && Number.isSafeInteger(value.seq) && (value.seq as number) > 0 && 'ev' in value;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of every journal: its format, and the snapshot it continues from. */
export function headerLine(baseSeq: number): Buffer {
  return Buffer.from(`${JSON.stringify({ format: JOURNAL_FORMAT, version: JOURNAL_VERSION, baseSeq })}\n`);
}

export function newerVersionError(path: string, what: string, version: unknown): JournalError {
  return new JournalError(
    'newer_version',
    path,
    `The queue ${what} ${path} was written by a newer version of LTX Batch Studio ` +
      `(format version ${String(version)}; this version reads up to ${JOURNAL_VERSION}). ` +
      'Update the app, or use another --data-dir.'
  );
}

export function unreadableSnapshot(path: string, reason: string): JournalError {
  return new JournalError(
    'unreadable_snapshot',
    path,
    `The queue snapshot ${path} cannot be read (${reason}). ` + 'Restore it from a backup, or move the data folder aside to start with an empty queue.'
  );
}
