import { spawn } from 'node:child_process';
import { closeSync, existsSync, fdatasync, fstatSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { transpileCoreModules } from '../support/child-modules';
import { tempDirs } from '../support/temp-dirs';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, isJournalError, type CompactionStep, type JournalOptions } from '../../src/main/core/store/journal';

// ── A small task reducer, shaped like the engine's ───────────────────────────────────────────

type Ev = { type: 'added'; id: string; prompt: string } | { type: 'submitted'; id: string; taskId: string } | { type: 'done'; id: string; file: string };

interface Task {
  id: string;
  prompt: string;
  state: 'queued' | 'submitted' | 'done';
  taskId?: string;
  file?: string;
}
type State = Record<string, Task>;

function apply(state: State, ev: Ev): void {
  if (ev.type === 'added') {
    state[ev.id] = { id: ev.id, prompt: ev.prompt, state: 'queued' };
    return;
  }
  const task = state[ev.id];
  if (!task) throw new Error(`no task ${ev.id}`);
  if (ev.type === 'submitted') Object.assign(task, { state: 'submitted', taskId: ev.taskId });
  else Object.assign(task, { state: 'done', file: ev.file });
}

function events(from: number, to: number): Ev[] {
  const out: Ev[] = [];
  for (let i = from; i <= to; i++) {
    const id = `t${Math.ceil(i / 3)}`;
    const step = (i - 1) % 3;
    if (step === 0) out.push({ type: 'added', id, prompt: `A fox, take ${i}` });
    else if (step === 1) out.push({ type: 'submitted', id, taskId: `task_${i}` });
    else out.push({ type: 'done', id, file: `${id}.mp4` });
  }
  return out;
}

function reference(evs: Ev[]): State {
  const state: State = {};
  for (const ev of evs) apply(state, ev);
  return state;
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────

const tempDir = tempDirs('ltx-journal-');

const open: Journal<Ev, State>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((j) => j.close()));
});

async function openJournal(dir: string, extra: Partial<JournalOptions<Ev, State>> = {}, warnings: string[] = []) {
  const journal = await Journal.open<Ev, State>(dir, {
    initial: () => ({}),
    apply,
    onWarning: (m) => warnings.push(m),
    ...extra
  });
  open.push(journal);
  return journal;
}

async function reopen(journal: Journal<Ev, State>, extra: Partial<JournalOptions<Ev, State>> = {}, warnings: string[] = []) {
  await journal.close();
  return openJournal(journal.dir, extra, warnings);
}

const read = (path: string): string => readFileSync(path, 'utf8');
const lines = (path: string): string[] => read(path).split('\n').filter(Boolean);

/** The journal modules as plain .mjs, for child processes (Node 20 cannot import .ts). */
const childModules = (() => {
  let dir: string | undefined;
  return (): string => (dir ??= transpileCoreModules(['util/disk-space', 'store/fs-durable', 'store/journal-format', 'store/journal-replay', 'store/journal']));
})();

/** Runs `body` as an ES module next to the transpiled journal; resolves with how it ended. */
function runChild(
  body: string,
  args: string[],
  onLine?: (line: string, kill: () => void) => void
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string[]; err: string }> {
  const dir = childModules();
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, `import { Journal } from './journal.mjs';\n${body}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    let err = '';
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        out.push(line);
        onLine?.(line, () => child.kill('SIGKILL'));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

const CHILD_REDUCER = `
const apply = ${apply.toString()};
const events = ${events.toString()};
`;

// ── Tests ────────────────────────────────────────────────────────────────────────────────────

describe('journal: append and replay', () => {
  it('starts empty, writes one JSON line per event, and replays to the same state', async () => {
    const dir = tempDir();
    let clock = 1_700_000_000_000;
    const journal = await openJournal(dir, { now: () => clock++ });
    expect(journal.state).toEqual({});
    expect(journal.recovery).toMatchObject({ snapshotSeq: 0, seq: 0, lines: 0, tornTail: false, skippedCorrupt: 0 });

    const evs = events(1, 30);
    evs.forEach((ev, i) => expect(journal.append(ev, { durable: i % 10 === 0 })).toBe(i + 1));
    expect(journal.state).toEqual(reference(evs));

    const [header, first] = lines(journal.path);
    expect(JSON.parse(header)).toEqual({ format: 'ltx-batch-studio/journal', version: 1, baseSeq: 0 });
    expect(first).toBe(`{"seq":1,"at":1700000000000,"ev":${JSON.stringify(evs[0])}}`);
    expect(read(journal.path).endsWith('\n')).toBe(true);

    const again = await reopen(journal);
    expect(again.state).toEqual(reference(evs));
    expect(again.recovery).toMatchObject({ snapshotSeq: 0, seq: 30, lines: 30, tornTail: false, skippedCorrupt: 0 });
    expect(again.append(events(31, 31)[0])).toBe(31);
  });

  it('refuses an event the reducer rejects, writing nothing', async () => {
    const journal = await openJournal(tempDir());
    expect(() => journal.append({ type: 'done', id: 'nope', file: 'x.mp4' })).toThrow('no task nope');
    expect(lines(journal.path)).toHaveLength(1); // the header only
    expect(journal.append(events(1, 1)[0])).toBe(1);
  });

  it('flush() and the background timer make non-durable appends durable', async () => {
    const journal = await openJournal(tempDir(), { flushIntervalMs: 10 });
    journal.append(events(1, 1)[0]);
    await journal.flush();
    journal.append(events(2, 2)[0]);
    await new Promise((r) => setTimeout(r, 50));
    // Nothing is pending: flush() resolves without another sync being needed.
    await journal.flush();
    expect(lines(journal.path)).toHaveLength(3);
  });

  it('refuses to be opened twice in one process, and to append after close', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    await expect(Journal.open(dir, { initial: () => ({}), apply })).rejects.toSatisfy((e) => isJournalError(e, 'in_use'));
    await journal.close();
    await journal.close();
    expect(() => journal.append(events(1, 1)[0])).toThrow(/is closed/);
  });

  it('applies nothing when a write fails, and goes on once the file takes writes again', async () => {
    const journal = await openJournal(tempDir());
    journal.append(events(1, 1)[0]);
    // The disk stops taking writes: swap in a read-only descriptor of the same file.
    const internals = journal as unknown as { fd: number };
    const writable = internals.fd;
    internals.fd = openSync(journal.path, 'r');
    expect(() => journal.append(events(2, 2)[0])).toThrow(/could not be written/);
    expect(journal.seq).toBe(1);
    expect(journal.state.t1.state).toBe('queued');
    closeSync(internals.fd);
    internals.fd = writable;
    journal.append(events(2, 2)[0], { durable: true });
    expect(journal.state.t1.state).toBe('submitted');
    await journal.close();
    const again = await openJournal(journal.dir);
    expect(again.state).toEqual(reference(events(1, 2)));
    expect(again.recovery.skippedCorrupt).toBe(0);
  });

  it('survives SIGKILL in the middle of a stream of durable appends', async () => {
    const dir = tempDir();
    let acked = 0;
    const result = await runChild(
      `${CHILD_REDUCER}
const journal = await Journal.open(process.argv[2], { initial: () => ({}), apply });
for (let i = 1; ; i++) {
  journal.append(events(i, i)[0], { durable: i % 2 === 0 });
  process.stdout.write(i + '\\n');
}`,
      [dir],
      (line, kill) => {
        acked = Number(line);
        if (acked === 300) kill();
      }
    );
    expect(result.signal).toBe('SIGKILL');

    const journal = await openJournal(dir);
    const seq = journal.recovery.seq;
    expect(seq).toBeGreaterThanOrEqual(acked);
    expect(journal.recovery).toMatchObject({ tornTail: false, skippedCorrupt: 0, lines: seq });
    expect(journal.state).toEqual(reference(events(1, seq)));
  });
});

describe('journal: group commit', () => {
  it('a burst of group appends shares one fdatasync, and each waiter is answered only once its line is on disk', async () => {
    let onDisk = 0;
    const dir = tempDir();
    const journal = await openJournal(dir, {
      fileOps: {
        fdatasync: (fd, callback) => {
          const size = fstatSync(fd).size; // what this sync covers, at least
          fdatasync(fd, (error) => {
            if (!error) onDisk = Math.max(onDisk, size);
            callback(error);
          });
        }
      }
    });
    const before = journal.fdatasyncs;
    const answered: Promise<void>[] = [];
    for (const ev of events(1, 3_000)) {
      const seq = journal.append(ev, { durable: 'group' });
      answered.push(
        journal.synced(seq).then(() => {
          // On disk by now: the file's first `onDisk` bytes hold this line.
          const text = readFileSync(journal.path).subarray(0, onDisk).toString('utf8');
          if (!text.includes(`{"seq":${seq},`)) throw new Error(`line ${seq} answered before it was on disk`);
        })
      );
    }
    await Promise.all(answered);
    expect(journal.fdatasyncs - before).toBe(1);
    expect(journal.syncedSeq).toBe(3_000);
    const again = await reopen(journal);
    expect(again.state).toEqual(reference(events(1, 3_000)));
  });

  it('a group line nobody awaits is synced by itself soon after', async () => {
    const journal = await openJournal(tempDir(), { durableWithinMs: 5 });
    const seq = journal.append(events(1, 1)[0], { durable: 'group' });
    expect(journal.syncedSeq).toBeLessThan(seq);
    while (journal.syncedSeq < seq) await new Promise((r) => setTimeout(r, 5));
    expect(journal.fdatasyncs).toBe(1);
  });

  it('a failed group commit rejects its waiters, keeps the lines, and the next one makes them durable', async () => {
    let fail = true;
    const journal = await openJournal(tempDir(), {
      fileOps: {
        fdatasync: (fd, callback) => {
          if (fail) return void setImmediate(() => callback(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
          fdatasync(fd, callback);
        }
      }
    });
    const seq = journal.append(events(1, 1)[0], { durable: 'group' });
    const error: unknown = await journal.synced(seq).catch((e: unknown) => e);
    expect(isJournalError(error, 'failed')).toBe(true);
    expect(journal.state).toEqual(reference(events(1, 1)));
    fail = false;
    await journal.synced(seq);
    expect(journal.syncedSeq).toBe(seq);
  });
});

describe('journal: damage', () => {
  it('drops a torn last line, truncates it away, and appends on a clean line', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 5).forEach((ev) => journal.append(ev));
    await journal.close();
    const whole = statSync(journal.path).size;
    appendFileSync(journal.path, '{"seq":6,"at":1,"ev":{"type":"added","id":"t3","pro');

    const warnings: string[] = [];
    const again = await openJournal(dir, {}, warnings);
    expect(again.recovery).toMatchObject({ seq: 5, lines: 5, tornTail: true, tornBytes: 51, skippedCorrupt: 0 });
    expect(again.state).toEqual(reference(events(1, 5)));
    expect(statSync(journal.path).size).toBe(whole);
    expect(warnings.join('\n')).toMatch(/unfinished end/);

    expect(again.append(events(6, 6)[0])).toBe(6);
    const third = await reopen(again);
    expect(third.recovery).toMatchObject({ seq: 6, lines: 6, tornTail: false, skippedCorrupt: 0 });
    expect(third.state).toEqual(reference(events(1, 6)));
  });

  it('drops a complete-looking last line that lacks its newline, and trailing garbage', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 3).forEach((ev) => journal.append(ev));
    await journal.close();
    appendFileSync(journal.path, `{"seq":4,"at":1,"ev":${JSON.stringify(events(4, 4)[0])}}`);
    let again = await openJournal(dir);
    expect(again.recovery).toMatchObject({ seq: 3, tornTail: true });
    await again.close();

    appendFileSync(journal.path, '\0\0\0\0\n\0\0\n');
    again = await openJournal(dir);
    expect(again.recovery).toMatchObject({ seq: 3, lines: 3, tornTail: true, tornBytes: 8, skippedCorrupt: 0 });
    expect(again.state).toEqual(reference(events(1, 3)));
  });

  it('skips and counts a corrupt line in the middle, never failing', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 6).forEach((ev) => journal.append(ev));
    await journal.close();
    const all = read(journal.path).split('\n');
    all[4] = '{"seq":4,"at":17000, garbage'; // event 4 = 'added' t2
    writeFileSync(journal.path, all.join('\n'));

    const warnings: string[] = [];
    const again = await openJournal(dir, {}, warnings);
    // Event 4 added t2; without it, 5 and 6 (about t2) are refused by the reducer.
    expect(again.recovery).toMatchObject({ seq: 6, lines: 3, tornTail: false, skippedCorrupt: 3, rejected: 2 });
    expect(again.state).toEqual(reference(events(1, 3)));
    expect(warnings.join('\n')).toMatch(/unreadable journal line\(s\) 5/);
    expect(warnings.join('\n')).toMatch(/event #5 .*no task t2/);
    expect(again.append(events(7, 7)[0])).toBe(7);
  });

  it('skips and counts a readable line whose event parseEvent refuses, naming why', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 6).forEach((ev) => journal.append(ev));
    await journal.close();
    const all = read(journal.path).split('\n');
    all[3] = JSON.stringify({ seq: 3, at: 0, ev: { type: 'done', id: 't1', file: 42 } }); // event 3 = 'done' t1, its file damaged
    writeFileSync(journal.path, all.join('\n'));

    const parseEvent = (json: unknown): Ev => {
      const ev = json as Record<string, unknown>;
      if (ev.type === 'done' && typeof ev.file !== 'string') throw new Error('file is not text');
      return json as Ev;
    };
    const warnings: string[] = [];
    const again = await openJournal(dir, { parseEvent }, warnings);
    expect(again.recovery).toMatchObject({ seq: 6, lines: 5, skippedCorrupt: 1, rejected: 1, tornTail: false });
    const expected = reference(events(1, 6));
    expected.t1 = { id: 't1', prompt: 'A fox, take 1', state: 'submitted', taskId: 'task_2' };
    expect(again.state).toEqual(expected);
    expect(warnings.join('\n')).toMatch(/event #3 .*file is not text/);
  });

  it('replays a journal with no header (hand-written or from an early build)', async () => {
    const dir = tempDir();
    const evs = events(1, 4);
    writeFileSync(join(dir, 'journal.jsonl'), evs.map((ev, i) => `${JSON.stringify({ seq: i + 1, at: 0, ev })}\n`).join(''));
    const journal = await openJournal(dir);
    expect(journal.state).toEqual(reference(evs));
    expect(journal.append(events(5, 5)[0])).toBe(5);
  });
});

describe('journal: compaction', () => {
  it('compacts on demand into snapshot.json and a fresh journal, and replays the same state', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 40).forEach((ev) => journal.append(ev));
    await journal.compact();
    expect(journal.snapshotSeq).toBe(40);
    const snapshot = JSON.parse(read(join(dir, 'snapshot.json')));
    expect(snapshot).toMatchObject({ format: 'ltx-batch-studio/snapshot', version: 1, seq: 40 });
    expect(snapshot.state).toEqual(reference(events(1, 40)));
    expect(lines(journal.path)).toEqual([JSON.stringify({ format: 'ltx-batch-studio/journal', version: 1, baseSeq: 40 })]);

    journal.append(events(41, 41)[0]);
    const again = await reopen(journal);
    expect(again.recovery).toMatchObject({ snapshotSeq: 40, seq: 41, lines: 1, staleLines: 0 });
    expect(again.state).toEqual(reference(events(1, 41)));
    expect(readdirSync(dir).sort()).toEqual(['journal.jsonl', 'snapshot.json']);
  });

  it('keeps events appended while a compaction is writing', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 30).forEach((ev) => journal.append(ev));
    const compaction = journal.compact();
    events(31, 45).forEach((ev, i) => journal.append(ev, { durable: i === 3 }));
    await compaction;
    expect(journal.snapshotSeq).toBe(30);
    expect(lines(journal.path)).toHaveLength(16);
    events(46, 48).forEach((ev) => journal.append(ev));

    const again = await reopen(journal);
    expect(again.recovery).toMatchObject({ snapshotSeq: 30, seq: 48, lines: 18 });
    expect(again.state).toEqual(reference(events(1, 48)));
  });

  it('compacts automatically after compactAfterBytes', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir, { compactAfterBytes: 4096 });
    const evs = events(1, 200);
    evs.slice(0, 40).forEach((ev) => journal.append(ev)); // about 3 KB: below the threshold
    await journal.close();
    expect(existsSync(join(dir, 'snapshot.json'))).toBe(false);

    const again = await openJournal(dir, { compactAfterBytes: 4096 });
    evs.slice(40).forEach((ev) => again.append(ev));
    await again.close(); // waits for the compaction the appends started
    const snapshot = JSON.parse(read(join(dir, 'snapshot.json')));
    expect(snapshot.seq).toBeGreaterThan(40);
    expect(lines(again.path)).toHaveLength(1 + 200 - snapshot.seq);

    const third = await openJournal(dir);
    expect(third.recovery).toMatchObject({ snapshotSeq: snapshot.seq, seq: 200, staleLines: 0 });
    expect(third.state).toEqual(reference(evs));
  });

  it('stores and restores a state that is not plain JSON (toSnapshot / fromSnapshot)', async () => {
    const dir = tempDir();
    type MapState = Map<string, number>;
    const options: JournalOptions<{ id: string }, MapState> = {
      initial: () => new Map(),
      apply: (state, ev) => void state.set(ev.id, (state.get(ev.id) ?? 0) + 1),
      toSnapshot: (state) => [...state],
      fromSnapshot: (json) => new Map(json as [string, number][])
    };
    const journal = await Journal.open(dir, options);
    ['a', 'b', 'a'].forEach((id) => journal.append({ id }));
    await journal.compact();
    journal.append({ id: 'b' });
    await journal.close();
    const again = await Journal.open(dir, options);
    expect([...again.state]).toEqual([
      ['a', 2],
      ['b', 2]
    ]);
    await again.close();
  });

  const steps: CompactionStep[] = ['snapshot-written', 'snapshot-installed', 'journal-written', 'journal-installed'];
  const expectedAfterCrash: Record<CompactionStep, { snapshotSeq: number; staleLines: number; lines: number }> = {
    'snapshot-written': { snapshotSeq: 0, staleLines: 0, lines: 60 },
    'snapshot-installed': { snapshotSeq: 50, staleLines: 50, lines: 10 },
    'journal-written': { snapshotSeq: 50, staleLines: 50, lines: 10 },
    'journal-installed': { snapshotSeq: 50, staleLines: 0, lines: 10 }
  };

  it('replays to the same state after a SIGKILL at each step of compaction', async () => {
    const runs = steps.map(async (step) => {
      const dir = tempDir();
      const result = await runChild(
        `${CHILD_REDUCER}
const [dir, crashAt] = process.argv.slice(2);
const journal = await Journal.open(dir, {
  initial: () => ({}), apply,
  onCompactionStep: (step) => { if (step === crashAt) process.kill(process.pid, 'SIGKILL'); }
});
events(1, 50).forEach((ev) => journal.append(ev));
const compaction = journal.compact();
events(51, 60).forEach((ev) => journal.append(ev));  // while the snapshot is being written
await compaction;
console.log('not killed');`,
        [dir, step]
      );
      expect(result.err).toBe('');
      expect(result.signal).toBe('SIGKILL');
      const leftover = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
      expect(leftover.length > 0).toBe(step === 'snapshot-written' || step === 'journal-written');

      const journal = await openJournal(dir);
      expect(journal.recovery).toMatchObject({ ...expectedAfterCrash[step], seq: 60, tornTail: false, skippedCorrupt: 0 });
      expect(journal.state).toEqual(reference(events(1, 60)));
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      // And it carries on normally from there.
      journal.append(events(61, 61)[0]);
      await journal.compact();
      const again = await reopen(journal);
      expect(again.state).toEqual(reference(events(1, 61)));
    });
    await Promise.all(runs);
  });

  it('ignores a half-written snapshot.json.tmp or journal.jsonl.tmp (crash mid-write)', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 12).forEach((ev) => journal.append(ev));
    await journal.close();
    writeFileSync(join(dir, 'snapshot.json.tmp'), '{"format":"ltx-batch-studio/snapshot","version":1,"seq":12,"at":1,"state":{"t1":');
    writeFileSync(join(dir, 'journal.jsonl.tmp'), '{"format":"ltx-batch-studio/journal","ver');
    const again = await openJournal(dir);
    expect(again.recovery).toMatchObject({ snapshotSeq: 0, seq: 12, lines: 12 });
    expect(again.state).toEqual(reference(events(1, 12)));
    expect(existsSync(join(dir, 'snapshot.json.tmp'))).toBe(false);
    expect(existsSync(join(dir, 'journal.jsonl.tmp'))).toBe(false);
  });

  it('refuses a journal that continues from a snapshot that is missing', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir);
    events(1, 9).forEach((ev) => journal.append(ev));
    await journal.compact();
    journal.append(events(10, 10)[0]);
    await journal.close();
    rmSync(join(dir, 'snapshot.json'));
    await expect(openJournal(dir)).rejects.toSatisfy(
      (e) => isJournalError(e, 'missing_snapshot') && /continues from snapshot #9.*snapshot\.json is missing/.test((e as Error).message)
    );
  });
});

describe('journal: versions', () => {
  it('refuses a journal written by a newer version, with a clear message', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'journal.jsonl'), '{"format":"ltx-batch-studio/journal","version":2,"baseSeq":0}\n{"seq":1,"at":0,"ev":{}}\n');
    const error = await openJournal(dir).catch((e: unknown) => e);
    expect(isJournalError(error, 'newer_version')).toBe(true);
    expect((error as Error).message).toMatch(
      /written by a newer version of LTX Batch Studio \(format version 2; this version reads up to 1\)\. Update the app/
    );
    // Nothing was touched.
    expect(read(join(dir, 'journal.jsonl'))).toContain('"version":2');
  });

  it('refuses a snapshot written by a newer version, and an unreadable snapshot', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'snapshot.json'), '{"format":"ltx-batch-studio/snapshot","version":3,"seq":5,"at":0,"state":{}}');
    await expect(openJournal(dir)).rejects.toSatisfy((e) => isJournalError(e, 'newer_version'));
    writeFileSync(join(dir, 'snapshot.json'), '{"seq":5,"sta');
    await expect(openJournal(dir)).rejects.toSatisfy((e) => isJournalError(e, 'unreadable_snapshot'));
  });
});

describe('journal: speed', () => {
  it('appends 10,000 events well under a second, and replays 60,000 lines well under a second', async () => {
    const dir = tempDir();
    const journal = await openJournal(dir, { compactAfterBytes: 1e9 });
    const evs = events(1, 60_000);
    let started = performance.now();
    for (let i = 0; i < 10_000; i++) journal.append(evs[i]);
    const appendMs = performance.now() - started;
    for (let i = 10_000; i < 60_000; i++) journal.append(evs[i]);
    started = performance.now();
    for (let i = 0; i < 100; i++) journal.append({ type: 'submitted', id: 't1', taskId: `again_${i}` }, { durable: true });
    const durableMs = performance.now() - started;

    const again = await reopen(journal, { compactAfterBytes: 1e9 });
    expect(again.recovery.lines).toBe(60_100);
    expect(Object.keys(again.state)).toHaveLength(20_000);
    console.log(
      `journal: 10,000 appends ${appendMs.toFixed(0)} ms; 100 durable appends ${durableMs.toFixed(0)} ms; ` +
        `replay of 60,100 lines (${(statSync(again.path).size / 1e6).toFixed(1)} MB) ${again.recovery.ms.toFixed(0)} ms`
    );
    expect(appendMs).toBeLessThan(1000);
    expect(again.recovery.ms).toBeLessThan(1000);
  });
});
