/**
 * The queue's memory: an append-only journal of events (one JSON line each), replayed on open
 * onto the last snapshot, and compacted into a new snapshot when it grows.
 *
 * A paid task must never be lost or bought twice, so: `append` returns only once the line is in
 * the OS, `durable: true` also syncs it to disk, `durable: 'group'` lets many lines share one
 * sync (group commit) and `synced(seq)` says when a line is on disk, a torn last line (crash
 * mid-write) is dropped, a damaged line elsewhere is skipped and counted, and a crash at any step of compaction leaves
 * files that replay to the same state.
 *
 * This file is the writer: appends, background syncs and compaction. The files' format and the
 * errors' wording are in journal-format.ts, reading them back on open in journal-replay.ts.
 */
import * as fs from 'node:fs';
import { closeSync, fdatasyncSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
// The group-commit window is the disk's time, never a test's fake clock: these are node:timers' own.
import { clearTimeout as clearDiskTimer, setTimeout as diskTimer } from 'node:timers';
import { fsyncDir, fsyncDirSync, removeIfPresent, writeAllSync, writeFileDurable } from './fs-durable';
import {
  DEFAULT_FILE_NAME,
  DEFAULT_SNAPSHOT_FILE_NAME,
  JOURNAL_VERSION,
  JournalError,
  SNAPSHOT_FORMAT,
  errorText,
  headerLine,
  writeFailure,
  type AppendOptions,
  type JournalFileOps,
  type CompactionStep,
  type JournalOptions,
  type JournalRecovery
} from './journal-format';
import { replay, type Replayed } from './journal-replay';

export {
  JOURNAL_VERSION,
  JournalError,
  isJournalError,
  type AppendOptions,
  type CompactionStep,
  type JournalErrorKind,
  type JournalFileOps,
  type JournalOptions,
  type JournalRecovery
} from './journal-format';
export { readJournalState } from './journal-replay';

const DEFAULT_COMPACT_AFTER_BYTES = 8 * 1024 * 1024;
const DEFAULT_FLUSH_INTERVAL_MS = 200;
const DEFAULT_GROUP_COMMIT_MS = 4;
const DEFAULT_DURABLE_WITHIN_MS = 50;

/** Journal files open in this process: two writers on one file would interleave lines. */
const openJournals = new Set<string>();
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
  private readonly groupCommitMs: number;
  private readonly durableWithinMs: number;
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
  private syncing: Promise<JournalError | undefined> | null = null;
  /** The group commit that starts next (after the running sync, if any): it covers every line written until it starts. */
  private nextCommit: Promise<JournalError | undefined> | null = null;
  private commitResolve: ((outcome: JournalError | undefined | Promise<JournalError | undefined>) => void) | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  /** When the next group commit is due (performance.now()); -Infinity once it is. */
  private commitAt = Infinity;
  /** Someone awaits the next group commit (`synced`). */
  private awaitedCommit = false;
  /** fdatasync calls on the journal file since it was opened (appends, group commits, background flushes, close). */
  private syncCount = 0;
  /** Time the background and group-commit fdatasyncs took, summed (ms). */
  private syncWaitMs = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private compacting: Promise<void> | null = null;
  /** Lines appended while a compaction runs; they are copied into the fresh journal. */
  private carried: Buffer[] | null = null;
  /** Set when the journal cannot go on at all (its file could not be reopened). */
  private failure: JournalError | null = null;
  /** A failed append left bytes past this length that could not be cut off yet. */
  private tornAt: number | null = null;
  private tornError: unknown;
  /** The last background sync failed: the next flush says so (or syncs again). */
  private syncError: JournalError | null = null;
  private readonly ops: JournalFileOps;
  private closed = false;

  private constructor(dir: string, paths: { journal: string; snapshot: string }, options: JournalOptions<Ev, State>, replayed: Replayed<State>) {
    this.dir = dir;
    this.path = paths.journal;
    this.snapshotPath = paths.snapshot;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.warn = options.onWarning ?? ((message) => console.warn(`[journal] ${message}`));
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.groupCommitMs = options.groupCommitMs ?? DEFAULT_GROUP_COMMIT_MS;
    this.durableWithinMs = options.durableWithinMs ?? DEFAULT_DURABLE_WITHIN_MS;
    this.currentState = replayed.state;
    this.fd = replayed.fd;
    this.recovery = replayed.recovery;
    this.lastSeq = replayed.recovery.seq;
    this.lastSnapshotSeq = replayed.recovery.snapshotSeq;
    this.writtenSeq = this.lastSeq;
    this.durableSeq = this.lastSeq;
    this.journalBytes = replayed.bytes;
    this.nextAutoCompactAt = this.compactAfterBytes;
    this.ops = { writeSync: fs.writeSync, fdatasyncSync: fs.fdatasyncSync, fdatasync: fs.fdatasync, ftruncateSync: fs.ftruncateSync, ...options.fileOps };
  }

  /** Opens (creating if needed) the journal in `dir` and replays it onto the last snapshot. */
  static async open<Ev, State>(dataDir: string, options: JournalOptions<Ev, State>): Promise<Journal<Ev, State>> {
    const started = performance.now();
    const dir = resolve(dataDir);
    const fileName = options.fileName ?? DEFAULT_FILE_NAME;
    const snapshotFileName =
      options.snapshotFileName ?? (fileName === DEFAULT_FILE_NAME ? DEFAULT_SNAPSHOT_FILE_NAME : `${fileName.replace(/\.[^.]*$/, '')}.snapshot.json`);
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

  /** fdatasync calls made on the journal file so far: what group commit saves is counted here. */
  get fdatasyncs(): number {
    return this.syncCount;
  }

  /** Milliseconds the background and group-commit fdatasyncs took, summed: their mean is what a waiter pays for the disk. */
  get fdatasyncMs(): number {
    return this.syncWaitMs;
  }

  /** Whether an fdatasync off the main thread is running now, or one someone awaits is about to start. */
  get syncInFlight(): boolean {
    return this.syncing !== null || this.awaitedCommit;
  }

  /** Sequence number of the last line known to be on disk. */
  get syncedSeq(): number {
    return this.durableSeq;
  }

  /**
   * Writes `event` as one line, then applies it to the state; returns its sequence number.
   * When this returns, the line is in the OS (it survives the app crashing); with `durable: true`
   * it and every line before it are on disk (they survive the machine crashing). With
   * `durable: 'group'` the next group commit is started for it: `synced(seq)` resolves once it
   * is on disk, and a burst of such appends shares one fdatasync.
   *
   * Durable or not there (architecture.md, "Persistence and recovery"): when the write (or, with
   * `durable: true`, the sync) fails, nothing is applied, the part of the line that reached the
   * file is cut off, and a JournalError (kind `failed`, with the disk's `problem`) is thrown. The journal stays usable:
   * the next append tries again, so an event refused while the disk was full is written once
   * there is room. If `apply` throws, the line is cut off again and the error is rethrown.
   */
  append(event: Ev, options?: AppendOptions): number {
    this.assertWritable();
    const seq = this.lastSeq + 1;
    const ev = JSON.stringify(event);
    if (ev === undefined) throw new TypeError('A journal event must be serialisable as JSON.');
    const at = this.now();
    const line = Buffer.from(`{"seq":${seq},"at":${Number.isFinite(at) ? at : 0},"ev":${ev}}\n`);
    const goodLength = this.journalBytes;
    try {
      this.writeAll(line);
      if (options?.durable === true) {
        this.syncCount++;
        this.ops.fdatasyncSync(this.fd);
      }
    } catch (error) {
      this.cutBackTo(goodLength);
      throw writeFailure(this.path, this.dir, error);
    }
    try {
      this.options.apply(this.currentState, event);
    } catch (error) {
      this.cutBackTo(goodLength);
      throw error;
    }
    this.lastSeq = seq;
    this.writtenSeq = seq;
    this.journalBytes += line.length;
    this.carried?.push(line);
    if (options?.durable === true) {
      this.durableSeq = seq;
      this.syncError = null;
    } else if (options?.durable === 'group') {
      void this.groupCommit(this.durableWithinMs);
    } else {
      this.scheduleFlush();
    }
    if (this.journalBytes >= this.nextAutoCompactAt && !this.compacting) this.compactInBackground();
    return seq;
  }

  /** Resolves once everything appended before the call is on disk. */
  flush(): Promise<void> {
    return this.synced(this.writtenSeq);
  }

  /**
   * Resolves once the line `seq` (and every line before it) is on disk, by group commit: the
   * next fdatasync starts within `groupCommitMs` (or, with `hurry` false, `durableWithinMs`),
   * shared with every line written until then. Rejects with the JournalError (kind `failed`)
   * when that sync fails; the line stays written and applied (it is in the OS), and the next
   * sync tries it again.
   */
  async synced(seq: number, hurry = true): Promise<void> {
    while (this.durableSeq < seq) {
      if (this.failure) throw this.failure;
      if (hurry) this.awaitedCommit = true;
      const error = await this.groupCommit(hurry ? this.groupCommitMs : this.durableWithinMs);
      if (error && this.durableSeq < seq) throw error;
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
    if (this.commitTimer) {
      clearDiskTimer(this.commitTimer);
      this.commitDue(); // its waiters are answered by the sync below
    }
    let closeError: unknown;
    try {
      await this.compacting?.catch(() => undefined);
      if (this.tornAt !== null) this.cutBackTo(this.tornAt);
      if (!this.failure && this.durableSeq < this.writtenSeq) {
        this.syncCount++;
        this.ops.fdatasyncSync(this.fd);
      }
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
    if (this.tornAt !== null) {
      // An earlier failed append left a fragment: a line written after it would be unreadable.
      const length = this.tornAt;
      this.cutBackTo(length);
      if (this.tornAt !== null) throw writeFailure(this.path, this.dir, this.tornError);
    }
  }

  /** Every byte of `data` at the end of the file (a regular file may accept fewer per call). */
  private writeAll(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) offset += this.ops.writeSync(this.fd, data, offset, data.length - offset);
  }

  /** Cuts the file back to `length` (the end of the last whole line); remembers it if that fails. */
  private cutBackTo(length: number): void {
    try {
      this.ops.ftruncateSync(this.fd, length);
      this.tornAt = null;
    } catch (error) {
      this.tornAt = length;
      this.tornError = error;
    }
  }

  /** Marks the journal unusable: its file is gone from under it, so no further event may be recorded. */
  private fail(error: unknown): JournalError {
    if (!this.failure) {
      const failure = writeFailure(this.path, this.dir, error);
      this.failure = new JournalError('failed', this.path, `${failure.message} Nothing more is recorded until the app restarts.`, {
        cause: error,
        problem: failure.problem
      });
    }
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

  /**
   * Asks for the next group commit within `withinMs`: one fdatasync covering every line written
   * by the time it starts, shared by every caller until then. A caller in more of a hurry brings
   * it forward; when it falls due while a sync runs, it starts right after that one. Never
   * rejects (see `startSync`).
   */
  private groupCommit(withinMs: number): Promise<JournalError | undefined> {
    const at = performance.now() + withinMs;
    let commit = this.nextCommit;
    if (!commit) {
      commit = new Promise<JournalError | undefined>((resolve) => (this.commitResolve = resolve));
      this.nextCommit = commit;
      this.commitAt = Infinity;
    }
    if (at < this.commitAt) {
      this.commitAt = at;
      if (this.commitTimer) clearDiskTimer(this.commitTimer);
      this.commitTimer = diskTimer(() => this.commitDue(), withinMs);
    }
    return commit;
  }

  private commitDue(): void {
    this.commitTimer = null;
    this.commitAt = -Infinity; // due: later callers join it without re-arming
    const resolve = this.commitResolve;
    if (!resolve) return;
    const go = (): void => {
      this.nextCommit = null;
      this.commitResolve = null;
      this.awaitedCommit = false;
      if (this.durableSeq >= this.writtenSeq || this.failure) return resolve(undefined);
      resolve(this.syncing ?? this.startSync());
    };
    if (this.syncing) void this.syncing.then(go);
    else go();
  }

  /**
   * One fdatasync off the main thread; never rejects: resolves with the failure, if it failed
   * (the lines stay written and in memory; the next flush or durable append syncs them again).
   */
  private startSync(): Promise<JournalError | undefined> {
    const fd = this.fd;
    const generation = this.fdGeneration;
    const upTo = this.writtenSeq;
    const run = new Promise<JournalError | undefined>((resolve) => {
      this.syncCount++;
      const started = performance.now();
      this.ops.fdatasync(fd, (error) => {
        this.syncWaitMs += performance.now() - started;
        if (this.syncing === run) this.syncing = null;
        // After a compaction swapped files, the new file was synced whole; the old fd is gone.
        if (generation !== this.fdGeneration) return resolve(undefined);
        if (error) {
          this.syncError = writeFailure(this.path, this.dir, error);
          this.warn(this.syncError.message);
          return resolve(this.syncError);
        }
        this.durableSeq = Math.max(this.durableSeq, upTo);
        resolve(undefined);
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
      this.syncCount++;
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
    this.tornAt = null;
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
