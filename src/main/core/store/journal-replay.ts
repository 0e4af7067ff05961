/**
 * Opening the queue's journal: read the snapshot, apply every journal line after it, and say
 * what was found (architecture.md, "Persistence and recovery"). A torn last line (a crash
 * mid-write) is dropped and, when the journal is being taken over, truncated away; a damaged
 * line elsewhere is skipped and counted; a file from a newer version is refused.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fsyncDir, writeFileDurable } from './fs-durable';
import {
  DEFAULT_FILE_NAME,
  DEFAULT_SNAPSHOT_FILE_NAME,
  JOURNAL_VERSION,
  JournalError,
  errorText,
  headerLine,
  isObject,
  isRecord,
  newerVersionError,
  unreadableSnapshot,
  type JournalOptions,
  type JournalRecovery
} from './journal-format';

const READ_CHUNK_BYTES = 4 * 1024 * 1024;
/** Individual warnings per replay before they are summarised, so a ruined file cannot flood the log. */
const MAX_REPLAY_WARNINGS = 10;
const NEWLINE = 0x0a;

/** What replay needs of the journal's options. */
export type ReplayOptions<Ev, State> = Pick<JournalOptions<Ev, State>, 'initial' | 'apply' | 'parseEvent' | 'fromSnapshot' | 'onWarning'>;

/** The replayed state and the journal file, open for appending, that continues it. */
export interface Replayed<State> {
  state: State;
  fd: number;
  bytes: number;
  recovery: JournalRecovery;
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

/**
 * Replays a data folder's journal without changing any file and without taking it over: for a
 * look at the queue (`status`) while another process may be driving it.
 */
export async function readJournalState<Ev, State>(dataDir: string, options: ReplayOptions<Ev, State>): Promise<{ state: State; recovery: JournalRecovery }> {
  const started = performance.now();
  const dir = resolve(dataDir);
  const { state, recovery } = await scanJournal(join(dir, DEFAULT_FILE_NAME), join(dir, DEFAULT_SNAPSHOT_FILE_NAME), options, started);
  return { state, recovery };
}
/** Reads the snapshot, replays the journal after it, and repairs a torn end. */
export async function replay<Ev, State>(
  journalPath: string,
  snapshotPath: string,
  options: JournalOptions<Ev, State>,
  started: number
): Promise<Replayed<State>> {
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
  options: ReplayOptions<Ev, State>,
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
