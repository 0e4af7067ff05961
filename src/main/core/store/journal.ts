/**
 * The queue's memory: an append-only journal of events (one JSON line each), replayed on open
 * onto the last snapshot, and compacted into a new snapshot when it grows.
 *
 * A paid task must never be lost or bought twice, so: `append` returns only once the line is in
 * the OS, `durable: true` also syncs it to disk, a torn last line (crash mid-write) is dropped,
 * a damaged line elsewhere is skipped and counted, and a crash at any step of compaction leaves
 * files that replay to the same state.
 */
import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fsyncDir, fsyncDirSync, removeIfPresent, writeAllSync, writeFileDurable } from './fs-durable';

/** The newest file format this code reads and the one it writes. */
export const JOURNAL_VERSION = 1;
const JOURNAL_FORMAT = 'ltx-batch-studio/journal';
const SNAPSHOT_FORMAT = 'ltx-batch-studio/snapshot';

const DEFAULT_FILE_NAME = 'journal.jsonl';
const DEFAULT_COMPACT_AFTER_BYTES = 8 * 1024 * 1024;
const DEFAULT_FLUSH_INTERVAL_MS = 200;
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/** Individual warnings per replay before they are summarised, so a ruined file cannot flood the log. */
const MAX_REPLAY_WARNINGS = 10;
const NEWLINE = 0x0a;

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
  /** Told about anything skipped or repaired, and about failed background work (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Clock for each line's `at` (default Date.now). */
  now?: () => number;
  /** Called after each compaction step; lets tests crash the process at exactly that point. */
  onCompactionStep?: (step: CompactionStep) => void;
}

export interface AppendOptions {
  /** Sync the line to disk before returning (one fdatasync), and every line before it. */
  durable?: boolean;
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
  /** Writing or syncing failed; nothing more is recorded, so nothing more may be paid for. */
  | 'failed';

export class JournalError extends Error {
  readonly kind: JournalErrorKind;
  readonly path: string;

  constructor(kind: JournalErrorKind, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalError';
    this.kind = kind;
    this.path = path;
  }
}

export function isJournalError(error: unknown, kind?: JournalErrorKind): error is JournalError {
  return error instanceof JournalError && (kind === undefined || error.kind === kind);
}

interface JournalRecord {
  seq: number;
  at: number;
  ev: unknown;
}

/** Journal files open in this process: two writers on one file would interleave lines. */
const openJournals = new Set<string>();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecord(value: unknown): value is JournalRecord {
  return isObject(value) && Number.isSafeInteger(value.seq) && (value.seq as number) > 0 && 'ev' in value;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function headerLine(baseSeq: number): Buffer {
  return Buffer.from(`${JSON.stringify({ format: JOURNAL_FORMAT, version: JOURNAL_VERSION, baseSeq })}\n`);
}

function newerVersionError(path: string, what: string, version: unknown): JournalError {
  return new JournalError(
    'newer_version',
    path,
    `The queue ${what} ${path} was written by a newer version of LTX Batch Studio ` +
      `(format version ${String(version)}; this version reads up to ${JOURNAL_VERSION}). ` +
      'Update the app, or use another --data-dir.'
  );
}

/** Calls `onLine` for every newline-terminated line; returns the file size and the unterminated rest. */
async function forEachLine(path: string, onLine: (text: string, endOffset: number) => void): Promise<{ size: number; unterminated: number } | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    let buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let filled = 0; // bytes of an unfinished line at the start of `buffer`
    let base = 0; // file offset of buffer[0]
    let position = 0;
    for (;;) {
      if (filled === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const view = buffer.subarray(0, filled + bytesRead);
      let start = 0;
      for (let nl = view.indexOf(NEWLINE, filled); nl !== -1; nl = view.indexOf(NEWLINE, start)) {
        onLine(view.toString('utf8', start, nl), base + nl + 1);
        start = nl + 1;
      }
      view.copy(buffer, 0, start);
      base += start;
      filled = view.length - start;
    }
    return { size: position, unterminated: filled };
  } finally {
    await handle.close();
  }
}

export class Journal<Ev, State> {
  readonly dir: string;
  readonly path: string;
  readonly snapshotPath: string;
  readonly recovery: JournalRecovery;

  private readonly options: JournalOptions<Ev, State>;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly compactAfterBytes: number;
  private readonly flushIntervalMs: number;
  private readonly currentState: State;

  private fd: number;
  /** Bumped when the fd is replaced, so a background sync of the old one is ignored. */
  private fdGeneration = 0;
  private lastSeq: number;
  private lastSnapshotSeq: number;
  /** Highest seq handed to the OS, and highest known to be on disk. */
  private writtenSeq: number;
  private durableSeq: number;
  private journalBytes: number;
  private nextAutoCompactAt: number;
  private syncing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> | null = null;
  /** Lines appended while a compaction runs; they are copied into the fresh journal. */
  private carried: Buffer[] | null = null;
  private failure: JournalError | null = null;
  private closed = false;

  private constructor(
    dir: string,
    paths: { journal: string; snapshot: string },
    options: JournalOptions<Ev, State>,
    replayed: { state: State; fd: number; bytes: number; recovery: JournalRecovery }
  ) {
    this.dir = dir;
    this.path = paths.journal;
    this.snapshotPath = paths.snapshot;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? ((message) => console.warn(`[journal] ${message}`));
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.currentState = replayed.state;
    this.fd = replayed.fd;
    this.recovery = replayed.recovery;
    this.lastSeq = replayed.recovery.seq;
    this.lastSnapshotSeq = replayed.recovery.snapshotSeq;
    this.writtenSeq = this.lastSeq;
    this.durableSeq = this.lastSeq;
    this.journalBytes = replayed.bytes;
    this.nextAutoCompactAt = this.compactAfterBytes;
  }

  /** Opens (creating if needed) the journal in `dir` and replays it onto the last snapshot. */
  static async open<Ev, State>(dataDir: string, options: JournalOptions<Ev, State>): Promise<Journal<Ev, State>> {
    const started = performance.now();
    const dir = resolve(dataDir);
    const fileName = options.fileName ?? DEFAULT_FILE_NAME;
    const snapshotFileName =
      options.snapshotFileName ?? (fileName === DEFAULT_FILE_NAME ? 'snapshot.json' : `${fileName.replace(/\.[^.]*$/, '')}.snapshot.json`);
    const journalPath = join(dir, fileName);
    const snapshotPath = join(dir, snapshotFileName);
    if (openJournals.has(journalPath)) {
      throw new JournalError('in_use', journalPath, `The queue journal ${journalPath} is already open in this process.`);
    }
    openJournals.add(journalPath);
    try {
      await mkdir(dir, { recursive: true });
      // A leftover .tmp is an unfinished compaction step whose rename never happened: the files
      // it would have replaced are still whole, so it is safe to drop.
      await removeIfPresent(`${snapshotPath}.tmp`);
      await removeIfPresent(`${journalPath}.tmp`);
      const replayed = await replay(journalPath, snapshotPath, options, started);
      return new Journal(dir, { journal: journalPath, snapshot: snapshotPath }, options, replayed);
    } catch (error) {
      openJournals.delete(journalPath);
      throw error;
    }
  }

  /** The replayed state, kept current by every append. Mutate it only through `append`. */
  get state(): State {
    return this.currentState;
  }

  /** Sequence number of the last event appended (or replayed). */
  get seq(): number {
    return this.lastSeq;
  }

  /** Sequence number covered by the newest snapshot. */
  get snapshotSeq(): number {
    return this.lastSnapshotSeq;
  }

  /** Size of the journal file: what a compaction would reclaim. */
  get bytesSinceSnapshot(): number {
    return this.journalBytes;
  }

  /**
   * Applies `event` to the state and writes it as one line; returns its sequence number.
   * When this returns, the line is in the OS (it survives the app crashing); with `durable`
   * it and every line before it are on disk (they survive the machine crashing).
   * If `apply` throws, nothing is written and the error is rethrown.
   */
  append(event: Ev, options?: AppendOptions): number {
    this.assertWritable();
    const seq = this.lastSeq + 1;
    const ev = JSON.stringify(event);
    if (ev === undefined) throw new TypeError('A journal event must be serialisable as JSON.');
    const at = this.now();
    const line = Buffer.from(`{"seq":${seq},"at":${Number.isFinite(at) ? at : 0},"ev":${ev}}\n`);
    this.options.apply(this.currentState, event);
    try {
      writeAllSync(this.fd, line);
    } catch (error) {
      throw this.fail(error);
    }
    this.lastSeq = seq;
    this.writtenSeq = seq;
    this.journalBytes += line.length;
    this.carried?.push(line);
    if (options?.durable) {
      try {
        fdatasyncSync(this.fd);
      } catch (error) {
        throw this.fail(error);
      }
      this.durableSeq = seq;
    } else {
      this.scheduleFlush();
    }
    if (this.journalBytes >= this.nextAutoCompactAt && !this.compacting) this.compactInBackground();
    return seq;
  }

  /** Resolves once everything appended before the call is on disk. */
  async flush(): Promise<void> {
    const target = this.writtenSeq;
    while (this.durableSeq < target) {
      if (this.failure) throw this.failure;
      await (this.syncing ?? this.startSync());
    }
    if (this.failure) throw this.failure;
  }

  /** Writes a snapshot of the current state and starts a fresh journal. Appends may continue meanwhile. */
  compact(): Promise<void> {
    if (this.compacting) return this.compacting.catch(() => undefined).then(() => this.compact());
    try {
      this.assertWritable();
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.runCompaction().finally(() => {
      if (this.compacting === run) this.compacting = null;
    });
    this.compacting = run;
    return run;
  }

  /** Waits for a running compaction, syncs everything, and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    let closeError: unknown;
    try {
      await this.compacting?.catch(() => undefined);
      if (!this.failure && this.durableSeq < this.writtenSeq) fdatasyncSync(this.fd);
      this.durableSeq = this.writtenSeq;
      await this.syncing;
    } finally {
      openJournals.delete(this.path);
      try {
        closeSync(this.fd);
      } catch (error) {
        closeError = error; // after a failure the fd may already be unusable
      }
    }
    // A failed close matters only when nothing failed before it (a sync error is the one to report).
    if (closeError !== undefined && !this.failure) throw closeError;
  }

  private assertWritable(): void {
    if (this.closed) throw new JournalError('closed', this.path, `The queue journal ${this.path} is closed.`);
    if (this.failure) throw this.failure;
  }

  /** Marks the journal unusable: state and disk may now differ, so no further event may be recorded. */
  private fail(error: unknown): JournalError {
    this.failure ??= new JournalError(
      'failed',
      this.path,
      `The queue journal ${this.path} could not be written (${errorText(error)}). ` +
        'Nothing more is recorded until the app restarts; free disk space or fix the disk, then restart.',
      { cause: error }
    );
    return this.failure;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      if (this.durableSeq < this.writtenSeq && !this.syncing && !this.failure) void this.startSync();
    }, this.flushIntervalMs);
    this.flushTimer.unref();
  }

  /** One fdatasync off the main thread; never rejects (a failure is recorded in `this.failure`). */
  private startSync(): Promise<void> {
    const fd = this.fd;
    const generation = this.fdGeneration;
    const upTo = this.writtenSeq;
    const run = new Promise<void>((resolve) => {
      fdatasync(fd, (error) => {
        if (this.syncing === run) this.syncing = null;
        // After a compaction swapped files, the new file was synced whole; the old fd is gone.
        if (generation === this.fdGeneration) {
          if (error) this.warn(this.fail(error).message);
          else this.durableSeq = Math.max(this.durableSeq, upTo);
        }
        resolve();
      });
    });
    this.syncing = run;
    return run;
  }

  private compactInBackground(): void {
    this.compact().catch((error: unknown) => {
      // Try again only after as much growth again, not on every append.
      this.nextAutoCompactAt = this.journalBytes + this.compactAfterBytes;
      this.warn(`Compacting the queue journal failed; it keeps growing until the next try (${errorText(error)}).`);
    });
  }

  private async runCompaction(): Promise<void> {
    const seq = this.lastSeq;
    const toSnapshot = this.options.toSnapshot ?? ((state: State) => state);
    // Captured synchronously, so the snapshot is exactly the state after `seq`.
    const body = `${JSON.stringify({ format: SNAPSHOT_FORMAT, version: JOURNAL_VERSION, seq, at: this.now(), state: toSnapshot(this.currentState) })}\n`;
    const step = this.options.onCompactionStep ?? (() => undefined);
    const snapshotTmp = `${this.snapshotPath}.tmp`;
    this.carried = [];
    try {
      await writeFileDurable(snapshotTmp, body);
      step('snapshot-written');
      await rename(snapshotTmp, this.snapshotPath);
      await fsyncDir(this.dir);
      this.lastSnapshotSeq = seq;
      step('snapshot-installed');
      if (this.failure) throw this.failure;
      this.installFreshJournal(seq, this.carried, step);
      this.nextAutoCompactAt = this.compactAfterBytes;
    } catch (error) {
      await removeIfPresent(snapshotTmp).catch(() => undefined);
      throw error;
    } finally {
      this.carried = null;
    }
  }

  /**
   * Replaces the journal with one holding only the lines after `baseSeq`. Synchronous, so no
   * append can slip between copying the carried lines and switching files.
   */
  private installFreshJournal(baseSeq: number, carried: Buffer[], step: (s: CompactionStep) => void): void {
    const tmp = `${this.path}.tmp`;
    const content = Buffer.concat([headerLine(baseSeq), ...carried]);
    try {
      unlinkSync(tmp);
    } catch {
      // not there: the usual case
    }
    const fd = openSync(tmp, 'ax');
    try {
      writeAllSync(fd, content);
      fdatasyncSync(fd);
      step('journal-written');
    } catch (error) {
      closeSync(fd);
      unlinkSync(tmp);
      throw error;
    }
    // Close the old file before replacing it (Windows will not rename over an open file).
    closeSync(this.fd);
    this.fdGeneration++;
    try {
      renameSync(tmp, this.path);
    } catch (error) {
      closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // best effort: open() removes it next time
      }
      try {
        this.fd = openSync(this.path, 'a');
      } catch (reopenError) {
        throw this.fail(reopenError);
      }
      throw error;
    }
    this.fd = fd;
    this.journalBytes = content.length;
    this.durableSeq = this.writtenSeq;
    try {
      fsyncDirSync(this.dir);
    } catch (error) {
      throw this.fail(error);
    }
    step('journal-installed');
  }
}

/**
 * Replays a data folder's journal without changing any file and without taking it over: for a
 * look at the queue (`status`) while another process may be driving it.
 */
export async function readJournalState<Ev, State>(
  dataDir: string,
  options: Pick<JournalOptions<Ev, State>, 'initial' | 'apply' | 'parseEvent' | 'fromSnapshot' | 'onWarning'>
): Promise<{ state: State; recovery: JournalRecovery }> {
  const started = performance.now();
  const dir = resolve(dataDir);
  const { state, recovery } = await scanJournal(join(dir, DEFAULT_FILE_NAME), join(dir, 'snapshot.json'), options, started);
  return { state, recovery };
}

/** Reads the snapshot, replays the journal after it, and repairs a torn end. */
async function replay<Ev, State>(
  journalPath: string,
  snapshotPath: string,
  options: JournalOptions<Ev, State>,
  started: number
): Promise<{ state: State; fd: number; bytes: number; recovery: JournalRecovery }> {
  const { state, recovery, hasHeader, validEnd } = await scanJournal(journalPath, snapshotPath, options, started);
  const { snapshotSeq, tornTail } = recovery;
  const warn = options.onWarning ?? ((message: string) => console.warn(`[journal] ${message}`));
  if (tornTail) {
    warn(`Dropped an unfinished end of ${journalPath} (${recovery.tornBytes} bytes, left by a crash mid-write).`);
  }

  let fd: number;
  let bytes: number;
  if (!hasHeader && validEnd === 0) {
    // No journal yet (or nothing readable in it): start one, created whole by a rename.
    const content = headerLine(snapshotSeq);
    await writeFileDurable(`${journalPath}.tmp`, content);
    await rename(`${journalPath}.tmp`, journalPath);
    await fsyncDir(dirname(journalPath));
    fd = openSync(journalPath, 'a');
    bytes = content.length;
  } else {
    fd = openSync(journalPath, 'a');
    if (tornTail) {
      try {
        ftruncateSync(fd, validEnd);
        fdatasyncSync(fd);
      } catch (error) {
        closeSync(fd);
        throw error;
      }
    }
    bytes = validEnd;
  }

  return { state, fd, bytes, recovery: { ...recovery, ms: performance.now() - started } };
}

/** Reads the snapshot and applies every journal line after it; changes no file. */
async function scanJournal<Ev, State>(
  journalPath: string,
  snapshotPath: string,
  options: Pick<JournalOptions<Ev, State>, 'initial' | 'apply' | 'parseEvent' | 'fromSnapshot' | 'onWarning'>,
  started: number
): Promise<{ state: State; recovery: JournalRecovery; hasHeader: boolean; validEnd: number }> {
  const warn = options.onWarning ?? ((message: string) => console.warn(`[journal] ${message}`));
  const snapshot = await readSnapshot(snapshotPath);
  let state: State;
  if (snapshot) {
    try {
      state = (options.fromSnapshot ?? ((json: unknown) => json as State))(snapshot.state);
    } catch (error) {
      throw new JournalError(
        'unreadable_snapshot',
        snapshotPath,
        `The queue snapshot ${snapshotPath} could not be loaded (${errorText(error)}). ` +
          'Restore it from a backup, or move the data folder aside to start with an empty queue.',
        { cause: error }
      );
    }
  } else {
    state = options.initial();
  }
  const snapshotSeq = snapshot?.seq ?? 0;

  let lineNo = 0;
  let hasHeader = false;
  let lastSeq = snapshotSeq;
  let validEnd = 0; // file offset just after the last readable line
  let pendingBad: number[] = []; // unreadable lines not yet known to be in the middle
  let lines = 0;
  let staleLines = 0;
  let skippedCorrupt = 0;
  let rejected = 0;
  let warnings = 0;
  const note = (message: string): void => {
    if (++warnings <= MAX_REPLAY_WARNINGS) warn(message);
  };

  const scan = await forEachLine(journalPath, (text, endOffset) => {
    lineNo++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      pendingBad.push(lineNo);
      return;
    }
    if (lineNo === 1 && isObject(parsed) && !('seq' in parsed) && 'version' in parsed) {
      if (typeof parsed.version !== 'number' || parsed.version > JOURNAL_VERSION) {
        throw newerVersionError(journalPath, 'journal', parsed.version);
      }
      const baseSeq = Number.isSafeInteger(parsed.baseSeq) ? (parsed.baseSeq as number) : 0;
      if (baseSeq > snapshotSeq) {
        throw new JournalError(
          'missing_snapshot',
          journalPath,
          `The queue journal ${journalPath} continues from snapshot #${baseSeq}, but ` +
            `${snapshot ? `${snapshotPath} is older (#${snapshotSeq})` : `${snapshotPath} is missing`}, ` +
            'so part of the queue history is gone. Restore the snapshot from a backup, or move the data folder aside.'
        );
      }
      hasHeader = true;
      validEnd = endOffset;
      return;
    }
    if (!isRecord(parsed)) {
      pendingBad.push(lineNo);
      return;
    }
    if (pendingBad.length > 0) {
      skippedCorrupt += pendingBad.length;
      note(`Skipped unreadable journal line(s) ${pendingBad.join(', ')} in ${journalPath}.`);
      pendingBad = [];
    }
    validEnd = endOffset;
    if (parsed.seq <= snapshotSeq) {
      staleLines++;
      return;
    }
    if (parsed.seq <= lastSeq) {
      skippedCorrupt++;
      note(`Skipped journal line ${lineNo} in ${journalPath}: event #${parsed.seq} repeats an earlier number.`);
      return;
    }
    if (parsed.seq !== lastSeq + 1) {
      note(`Journal ${journalPath} jumps from event #${lastSeq} to #${parsed.seq} at line ${lineNo}.`);
    }
    lastSeq = parsed.seq;
    try {
      options.apply(state, options.parseEvent ? options.parseEvent(parsed.ev) : (parsed.ev as Ev));
      lines++;
    } catch (error) {
      skippedCorrupt++;
      rejected++;
      note(`Skipped journal event #${parsed.seq} (line ${lineNo}) in ${journalPath}: ${errorText(error)}`);
    }
  });
  if (warnings > MAX_REPLAY_WARNINGS) warn(`…and ${warnings - MAX_REPLAY_WARNINGS} more journal warning(s).`);

  const size = scan?.size ?? 0;
  const tornTail = scan !== null && (scan.unterminated > 0 || pendingBad.length > 0);
  const tornBytes = size - validEnd;

  return {
    state,
    hasHeader,
    validEnd,
    recovery: {
      snapshotSeq,
      seq: lastSeq,
      lines,
      staleLines,
      tornTail,
      tornBytes: tornTail ? tornBytes : 0,
      skippedCorrupt,
      rejected,
      ms: performance.now() - started
    }
  };
}

/** The snapshot's seq and stored state, or null when there is none. */
async function readSnapshot(path: string): Promise<{ seq: number; state: unknown } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw unreadableSnapshot(path, `not valid JSON: ${errorText(error)}`);
  }
  if (!isObject(parsed)) throw unreadableSnapshot(path, 'not a snapshot');
  const version = parsed.version ?? 1;
  if (typeof version !== 'number' || version > JOURNAL_VERSION) throw newerVersionError(path, 'snapshot', version);
  if (!Number.isSafeInteger(parsed.seq) || (parsed.seq as number) < 0 || !('state' in parsed)) {
    throw unreadableSnapshot(path, 'no sequence number or state');
  }
  return { seq: parsed.seq as number, state: parsed.state };
}

function unreadableSnapshot(path: string, reason: string): JournalError {
  return new JournalError(
    'unreadable_snapshot',
    path,
    `The queue snapshot ${path} cannot be read (${reason}). ` + 'Restore it from a backup, or move the data folder aside to start with an empty queue.'
  );
}
