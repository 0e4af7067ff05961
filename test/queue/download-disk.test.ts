import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TaskRecord } from '@shared/batch';
import { QUEUE_JOURNAL } from '../../src/main/core/queue/queue-journal';
import type { QueueEvent, QueueState } from '../../src/main/core/queue/queue-state';
import { Journal } from '../../src/main/core/store/journal';
import { filesIn, harness, rows, settled, submissionsByPrompt, until, type Harness } from '../support/engine-harness';
import { TMPFS_SKIP_REASON, Tmpfs, canMountTmpfs } from '../download/tmpfs';

// A library disk that fills up while a batch downloads, over the simulator and a real tmpfs
// (architecture.md, "Downloads"): every paid video is saved whole once room is made, in the same
// run or the next one, and none is paid for twice.

const SAMPLE = readFileSync('resources/sim/sample-16x9.mp4');
const PAGE = 4096;
/** What one video and its sidecar take on the tmpfs: whole pages. */
const PER_VIDEO = Math.ceil(SAMPLE.length / PAGE) * PAGE + PAGE;
const BATCH = 8;

/** Figures for the closing note, printed once at the end. */
const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`library disk fill points:\n${figures.join('\n')}`);
});

let h: Harness | undefined;
let disk: Tmpfs | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
  disk?.unmount();
  disk = undefined;
});

const waitingForRoom = (t: TaskRecord): boolean => t.state === 'succeeded' && t.downloadFailure === 'disk';

/** Every task is done or waits for room: nothing more happens until room is made. */
async function stuck(engine: Harness['engine'], batchId: string): Promise<TaskRecord[]> {
  await until(() => engine.tasksOf(batchId).every((t) => t.state === 'done' || waitingForRoom(t)), 20_000, 'every task done or waiting for room');
  return engine.tasksOf(batchId);
}

/** Each video whole in the library, no `.part` left, each row paid for once. */
function expectAllSaved(harness: Harness, tasks: TaskRecord[], libraryDir: string): void {
  expect(tasks.map((t) => t.state)).toEqual(Array(tasks.length).fill('done'));
  for (const task of tasks) expect(readFileSync(join(libraryDir, task.file!)).equals(SAMPLE)).toBe(true);
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
    it(`with room for ${room} video(s): the rest wait, never called failed, and all ${BATCH} land whole in the same run once room is made`, async () => {
      disk = new Tmpfs('4m');
      const ballast = disk.fill(Math.round(room * PER_VIDEO) + 1024);
      h = await harness();
      h.engine.start();
      const batch = h.engine.addBatch({ name: 'full', libraryDir: disk.dir, tasks: rows(BATCH) });
      const before = await stuck(h.engine, batch.id);
      const savedBeforeRoom = before.filter((t) => t.state === 'done').length;
      // Parallel downloads share what room there is: at most this many fit.
      expect(savedBeforeRoom).toBeLessThanOrEqual(Math.floor(room));
      for (const t of before.filter(waitingForRoom)) {
        expect(t.note).toMatch(/is full\. .* downloads by itself once there is room/);
        expect(t.note).not.toMatch(/connection/);
      }
      // Nothing failed: the batch is not settled while videos wait for room.
      expect(before.some((t) => t.state === 'download_failed')).toBe(false);

      rmSync(ballast);
      const tasks = await settled(h.engine, batch.id);
      expectAllSaved(h, tasks, disk.dir);
      record(`room for ${room} video(s), same run`, h, savedBeforeRoom, tasks.filter((t) => t.state === 'done').length);
    });
  }

  it('closed while videos wait for room (Ctrl-C), the next run on the same queue saves every one once room is made', async () => {
    disk = new Tmpfs('4m');
    const ballast = disk.fill(PER_VIDEO + 1024);
    h = await harness();
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'full', libraryDir: disk.dir, tasks: rows(BATCH) });
    const before = await stuck(h.engine, batch.id);
    const savedBeforeRoom = before.filter((t) => t.state === 'done').length;
    await h.engine.close();

    rmSync(ballast);
    await h.open();
    expect(h.engine.recovery.resumedDownloads).toBe(BATCH - savedBeforeRoom);
    h.engine.start();
    const tasks = await settled(h.engine, batch.id);
    expectAllSaved(h, tasks, disk.dir);
    record('room for 1 video, closed and run again', h, savedBeforeRoom, tasks.length);
  });

  it('downloads an older build left failed after ENOSPC are retried at the next start; a permanent failure is not', async () => {
    disk = new Tmpfs('4m');
    const ballast = disk.fill(PER_VIDEO + 1024);
    h = await harness();
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'full', libraryDir: disk.dir, tasks: rows(BATCH) });
    const before = await stuck(h.engine, batch.id);
    const waiting = before.filter(waitingForRoom);
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
    const tasks = await settled(h.engine, batch.id);
    const rest = tasks.filter((t) => t.id !== tooLarge.id);
    expect(rest.map((t) => t.state)).toEqual(Array(BATCH - 1).fill('done'));
    for (const task of rest) expect(readFileSync(join(disk.dir, task.file!)).equals(SAMPLE)).toBe(true);
    expect(h.engine.task(tooLarge.id)!.state).toBe('download_failed');
    expect([...submissionsByPrompt(h.sim).values()]).toEqual(Array(BATCH).fill(1));
    expect(statSync(disk.dir).isDirectory()).toBe(true);
    record('older build left download_failed, run again', h, before.length - waiting.length, rest.length);
  });
});
