import { readFileSync, rmSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
import { expectedVideoBytes } from '../../src/main/core/download/video-size';
import { DISK_RECHECK_MS } from '../../src/main/core/queue/disk-guard';
import { QUEUE_JOURNAL } from '../../src/main/core/queue/queue-journal';
import type { QueueEvent, QueueState } from '../../src/main/core/queue/queue-state';
import { Journal } from '../../src/main/core/store/journal';
import { isSettled } from '@shared/batch-summary';
import { filesIn, harness, rows, submissionsByPrompt, until as untilOnce, type Harness } from '../support/engine-harness';
import { FAKED } from '../support/virtual-time';
import { TMPFS_SKIP_REASON, Tmpfs, canMountTmpfs } from '../download/tmpfs';
import { sameVideo } from '../library/helpers';

// A library disk that runs short, over the simulator and a real tmpfs (architecture.md,
// "Downloads"). Submits check the disk first, so a disk fills during downloads only when
// something else fills it after the submits went out: here a ballast file, written once every
// task is paid for and before any download starts. Every paid video is saved whole once room is
// made, in the same run or the next one, and none is paid for twice. A disk short from the start
// holds the submits, with the reason, and the batch goes on by itself once there is room.
//
// These run on fake time (architecture.md, "Testing"): the clock moves only once every answer is
// in and every download written, so "all submitted, no download yet" is a point the test can
// stop at, whatever the machine's load.

const SAMPLE = readFileSync('resources/sim/sample-16x9.mp4');
const PAGE = 4096;
/** What one video and its sidecar take on the tmpfs: whole pages. */
const PER_VIDEO = Math.ceil(SAMPLE.length / PAGE) * PAGE + PAGE;
const BATCH = 8;
/** What the engine reserves for one 5 s 480p video in flight (video-size.ts). */
const EXPECTED = expectedVideoBytes({ resolution: '480p', duration: 5 });
/** A small margin, so that a small tmpfs holds a whole batch in flight. */
const MARGIN = 1024 * 1024;
/** Room for every video of the batch in flight, the margin, and some slack for the journal-free library. */
const ROOMY = `${Math.ceil((BATCH * EXPECTED + MARGIN) / (1024 * 1024)) + 8}m`;
/** Every task in flight at once, and a disk margin a small tmpfs can hold. */
const ENGINE = { concurrency: BATCH, diskMarginBytes: MARGIN };

/** Figures for the closing note, printed once at the end. */
const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`library disk fill points:\n${figures.join('\n')}`);
});

let h: Harness | undefined;
let disk: Tmpfs | undefined;
beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED] });
});
afterEach(async () => {
  try {
    await h?.cleanup();
  } finally {
    h = undefined;
    vi.useRealTimers();
    disk?.unmount();
    disk = undefined;
  }
});

/**
 * `until` on fake time, across the download stage's room checks too: a check reads the disk (real
 * I/O) between two of its timers, so for a moment no timer is armed although one is about to be.
 * When the clock finds nothing left to happen, the real work gets up to 10 s to arm one again.
 */
async function until(check: () => boolean, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  for (;;) {
    try {
      return await untilOnce(check, Math.max(0, end - Date.now()), what);
    } catch (error) {
      if (vi.getTimerCount() > 0 || !(await rearmed(check))) throw error;
    }
  }
}

async function rearmed(check: () => boolean): Promise<boolean> {
  const started = performance.now();
  while (performance.now() - started < 10_000) {
    await new Promise((resolve) => setImmediate(resolve));
    if (vi.getTimerCount() > 0 || check()) return true;
  }
  return false;
}

async function settled(engine: Harness['engine'], batchId: string, limitMs: number): Promise<TaskRecord[]> {
  await until(() => isSettled(engine.summary(batchId)!), limitMs, `batch ${batchId} to settle`);
  return engine.tasksOf(batchId);
}

const waitingForRoom = (t: TaskRecord): boolean => t.state === 'succeeded' && t.downloadFailure === 'disk';
const GENERATING: ReadonlySet<TaskState> = new Set<TaskState>(['submitted', 'pending', 'processing']);

/**
 * Starts a batch on a roomy library disk and, once every task is submitted and before any
 * download has started, fills the disk so that `leave` bytes stay free; returns the ballast.
 */
async function fillOnceAllSubmitted(harness: Harness, libraryDir: string, leave: number): Promise<{ batchId: string; ballast: string }> {
  harness.engine.start();
  const batch = harness.engine.addBatch({ name: 'full', libraryDir, tasks: rows(BATCH) });
  await until(() => harness.sim.submissions.length === BATCH, 60_000, `all ${BATCH} submitted`);
  // The fill point: every task paid for and generating, no result asked for, nothing in the library.
  expect(harness.engine.tasksOf(batch.id).map((t) => GENERATING.has(t.state))).toEqual(Array(BATCH).fill(true));
  expect(harness.sim.requests.filter((r) => r.endpoint === 'file')).toEqual([]);
  expect(harness.engine.status().diskSpace).toBeUndefined();
  return { batchId: batch.id, ballast: disk!.fill(leave) };
}

/** Every task is done or waits for room: nothing more happens until room is made. */
async function stuck(engine: Harness['engine'], batchId: string): Promise<TaskRecord[]> {
  await until(() => engine.tasksOf(batchId).every((t) => t.state === 'done' || waitingForRoom(t)), 60_000, 'every task done or waiting for room');
  return engine.tasksOf(batchId);
}

/** Each video whole in the library, no `.part` left, each row paid for once. */
function expectAllSaved(harness: Harness, tasks: TaskRecord[], libraryDir: string): void {
  expect(tasks.map((t) => t.state)).toEqual(Array(tasks.length).fill('done'));
  for (const task of tasks) expect(sameVideo(readFileSync(join(libraryDir, task.file!)), SAMPLE)).toBe(true);
  const files = filesIn(libraryDir);
  expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.mp4'))).toHaveLength(tasks.length);
  expect([...submissionsByPrompt(harness.sim).values()]).toEqual(Array(tasks.length).fill(1));
}

function record(name: string, harness: Harness, savedBeforeRoom: number, saved: number): void {
  const counts = [...submissionsByPrompt(harness.sim).values()];
  const duplicates = counts.reduce((n, c) => n + Math.max(0, c - 1), 0);
  figures.push(
    `  ${name}: tasks accepted ${harness.sim.submissions.length}, saved before room ${savedBeforeRoom}, saved in the end ${saved}, duplicates ${duplicates}`
  );
}

describe.skipIf(!canMountTmpfs)(`a library disk that fills during downloads (${TMPFS_SKIP_REASON})`, () => {
  for (const room of [0, 2, 3.5]) {
    it(`filled after the submits with room for ${room} video(s): the rest wait, never called failed, and all ${BATCH} land whole in the same run once room is made`, async () => {
      disk = new Tmpfs(ROOMY);
      h = await harness({}, ENGINE);
      const { batchId, ballast } = await fillOnceAllSubmitted(h, disk.dir, Math.round(room * PER_VIDEO) + 1024);
      const before = await stuck(h.engine, batchId);
      const savedBeforeRoom = before.filter((t) => t.state === 'done').length;
      // Parallel downloads share what room there is: at most this many fit.
      expect(savedBeforeRoom).toBeLessThanOrEqual(Math.floor(room));
      expect(before.filter(waitingForRoom).length).toBeGreaterThan(0);
      for (const t of before.filter(waitingForRoom)) {
        expect(t.note).toMatch(/is full\. .* downloads by itself once there is room/);
        expect(t.note).not.toMatch(/connection/);
      }
      // Nothing failed: the batch is not settled while videos wait for room.
      expect(before.some((t) => t.state === 'download_failed')).toBe(false);

      rmSync(ballast);
      const tasks = await settled(h.engine, batchId, 120_000);
      expectAllSaved(h, tasks, disk.dir);
      // The hold a full download set ends by itself once the disk has room: nothing says "waiting" on.
      await until(() => h!.engine.status().diskSpace === undefined, 2 * DISK_RECHECK_MS, 'the disk-space hold to end');
      record(`filled after ${BATCH} submits, room for ${room} video(s), same run`, h, savedBeforeRoom, tasks.filter((t) => t.state === 'done').length);
    });
  }

  it('closed while videos wait for room (Ctrl-C), the next run on the same queue saves every one once room is made', async () => {
    disk = new Tmpfs(ROOMY);
    h = await harness({}, ENGINE);
    const { batchId, ballast } = await fillOnceAllSubmitted(h, disk.dir, PER_VIDEO + 1024);
    const before = await stuck(h.engine, batchId);
    const savedBeforeRoom = before.filter((t) => t.state === 'done').length;
    expect(savedBeforeRoom).toBeLessThan(BATCH);
    await h.engine.close();

    rmSync(ballast);
    await h.open();
    expect(h.engine.recovery.resumedDownloads).toBe(BATCH - savedBeforeRoom);
    h.engine.start();
    const tasks = await settled(h.engine, batchId, 120_000);
    expectAllSaved(h, tasks, disk.dir);
    record(`filled after ${BATCH} submits, room for 1 video, closed and run again`, h, savedBeforeRoom, tasks.length);
  });

  it('downloads an older build left failed after ENOSPC are retried at the next start; a permanent failure is not', async () => {
    disk = new Tmpfs(ROOMY);
    h = await harness({}, ENGINE);
    const { batchId, ballast } = await fillOnceAllSubmitted(h, disk.dir, PER_VIDEO + 1024);
    const before = await stuck(h.engine, batchId);
    const waiting = before.filter(waitingForRoom);
    expect(waiting.length).toBeGreaterThan(1);
    await h.engine.close();

    // What an older build wrote for these: failed, blaming the connection, with the `.part` behind;
    // and one whose link gave something far too large, which no retry can mend.
    const journal = await Journal.open<QueueEvent, QueueState>(h.dataDir, QUEUE_JOURNAL);
    const [tooLarge, ...older] = waiting;
    for (const t of older) {
      const note =
        'The video could not be downloaded after 6 attempts (last: ENOSPC: no space left on device). Retry the download when the connection is back.';
      journal.append({ type: 'task_changed', id: t.id, at: Date.now(), state: 'download_failed', patch: { note }, unset: ['downloadFailure'] });
    }
    journal.append({
      type: 'task_changed',
      id: tooLarge.id,
      at: Date.now(),
      state: 'download_failed',
      patch: { note: 'Too large.', downloadFailure: 'too_large' }
    });
    await journal.close();

    rmSync(ballast);
    await h.open();
    expect(h.engine.recovery.resumedDownloads).toBe(older.length);
    h.engine.start();
    const tasks = await settled(h.engine, batchId, 120_000);
    const rest = tasks.filter((t) => t.id !== tooLarge.id);
    expect(rest.map((t) => t.state)).toEqual(Array(BATCH - 1).fill('done'));
    for (const task of rest) expect(sameVideo(readFileSync(join(disk.dir, task.file!)), SAMPLE)).toBe(true);
    expect(h.engine.task(tooLarge.id)!.state).toBe('download_failed');
    expect([...submissionsByPrompt(h.sim).values()]).toEqual(Array(BATCH).fill(1));
    expect(statSync(disk.dir).isDirectory()).toBe(true);
    record(`filled after ${BATCH} submits, older build left download_failed, run again`, h, before.length - waiting.length, rest.length);
  });
});

describe.skipIf(!canMountTmpfs)(`a library disk short from the start (${TMPFS_SKIP_REASON})`, () => {
  it('submits nothing and says it waits for disk space on that folder; once room is made the batch goes on by itself, never more in flight than fits', async () => {
    const FITS = 3;
    // Room for FITS videos in flight once the ballast is gone; less than one while it is there.
    disk = new Tmpfs(`${Math.floor((FITS * EXPECTED + MARGIN + EXPECTED / 2) / 1024)}k`);
    const ballast = disk.fill(EXPECTED / 2);
    h = await harness({}, ENGINE);
    let mostInFlight = 0;
    h.engine.onChange(() => {
      const unfinished = h!.engine.tasksOf(batch.id).filter((t) => t.state !== 'queued' && t.state !== 'done').length;
      mostInFlight = Math.max(mostInFlight, unfinished);
    });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'short', libraryDir: disk.dir, tasks: rows(BATCH) });
    await until(() => h!.engine.status().diskSpace !== undefined, 60_000, 'the disk-space hold');
    const shown = h.engine.status();
    expect(shown.diskSpace!.folder).toBe(disk.dir);
    expect(shown.activity).toMatch(/^waiting for disk space: the disk holding /);
    expect(shown.activity).toContain(disk.dir);
    // The hold looks at the disk again on its own, and finds it still short: nothing is paid for.
    const heldAt = Date.now();
    await until(() => Date.now() >= heldAt + 3 * DISK_RECHECK_MS, 10 * DISK_RECHECK_MS, 'three re-checks of the disk');
    expect(h.sim.submissions).toHaveLength(0);
    expect(h.engine.tasksOf(batch.id).map((t) => t.state)).toEqual(Array(BATCH).fill('queued'));
    expect(h.engine.status().diskSpace?.folder).toBe(disk.dir);

    rmSync(ballast);
    const tasks = await settled(h.engine, batch.id, 20 * DISK_RECHECK_MS);
    expectAllSaved(h, tasks, disk.dir);
    expect(mostInFlight).toBeGreaterThan(0);
    expect(mostInFlight).toBeLessThanOrEqual(FITS);
    expect(h.engine.status().diskSpace).toBeUndefined();
    figures.push(
      `  short from the start (room for ${FITS} in flight once cleaned): tasks accepted before room 0, after ${h.sim.submissions.length}, most in flight ${mostInFlight}, saved ${tasks.length}, duplicates 0`
    );
  });
});
