import { existsSync } from 'node:fs';
import { readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
import { DownloadStage, ROOM_CHECK_MS, shouldRetryOnStart, sweepEmptyParts } from '../../src/main/core/queue/download-stage';
import { newBatchRecords } from '../../src/main/core/queue/new-batch';
import { QUEUE_JOURNAL } from '../../src/main/core/queue/queue-journal';
import type { QueueEvent, QueueState, TaskPatch } from '../../src/main/core/queue/queue-state';
import { netPolicy } from '../../src/main/core/net';
import { Journal, isJournalError } from '../../src/main/core/store/journal';
import { FTYP, FileServer, SAMPLE_WIDE, rangedFile, readSample, TempDirs } from '../library/helpers';
import { probeMp4 } from '../../src/main/core/download/mp4-probe';
import { readRecipe } from '../../src/main/core/download/mp4-recipe';
import { closedPort } from '../support/scripted-server';
import { memoryLog } from '../support/memory-log';
import { TestClock, settle } from '../support/test-clock';
import { rows } from '../support/engine-harness';
import { TMPFS_SKIP_REASON, Tmpfs, canMountTmpfs } from '../download/tmpfs';

// The download stage over a real journal, real loopback servers and real (small) filesystems;
// its timers run on a test clock (architecture.md, "Downloads").

const TIME_SCALE = 0.001;
const temp = new TempDirs();
const servers: FileServer[] = [];
let sample: Buffer;

beforeAll(async () => {
  sample = await readSample('wide');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(() => temp.cleanup());

async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; server: FileServer }> {
  const server = new FileServer(handler);
  servers.push(server);
  return { url: await server.start(), server };
}

/** A queue journal holding one batch whose tasks have succeeded at `url`, and a stage over it. */
class Rig {
  readonly clock = new TestClock();
  readonly memory = memoryLog();
  readonly diskFull: string[] = [];
  changes = 0;
  /** Called after each change that was written (a test's next step). */
  afterChange?: () => void;
  stage!: DownloadStage;
  journal!: Journal<QueueEvent, QueueState>;
  ids: string[] = [];

  async open(dataDir: string, libraryDir: string, urls: string[]): Promise<this> {
    this.journal = await Journal.open<QueueEvent, QueueState>(dataDir, QUEUE_JOURNAL);
    const { batch, tasks } = newBatchRecords({ name: 'b', libraryDir, tasks: rows(urls.length) }, this.clock.now(), () => 0.5);
    const succeeded = tasks.map((t, i) => ({ ...t, state: 'succeeded' as const, taskId: `task${i}`, resultUrl: urls[i] }));
    this.journal.append({ type: 'batch_added', batch, tasks: succeeded }, { durable: true });
    this.ids = succeeded.map((t) => t.id);
    this.stage = new DownloadStage({
      concurrency: 3,
      stallTimeoutMs: 2_000,
      timeScale: TIME_SCALE,
      // Each rig's links come from one test server on loopback, allowed as the API host would be.
      policy: netPolicy({ apiBaseUrl: () => new URL(urls[0]).origin }),
      random: () => 0.5,
      clock: this.clock,
      log: this.memory.log,
      task: (id) => this.journal.state.tasks.get(id),
      batch: (id) => this.journal.state.batches.get(id),
      change: (task: TaskRecord, state?: TaskState, patch?: TaskPatch, options?: { durable?: boolean; unset?: (keyof TaskPatch)[] }) => {
        this.changes++;
        this.journal.append({ type: 'task_changed', id: task.id, at: this.clock.now(), state, patch, unset: options?.unset }, { durable: options?.durable });
        this.afterChange?.();
        return this.journal.state.tasks.get(task.id)!;
      },
      landed: () => undefined,
      onDiskFull: (folder) => this.diskFull.push(folder)
    });
    return this;
  }

  task(i = 0): TaskRecord {
    return this.journal.state.tasks.get(this.ids[i])!;
  }

  /** Lets real I/O (sockets, files) and the promises behind it run until `check` holds. */
  async until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 2_000 && !check(); i++) {
      await settle();
      await new Promise((r) => setTimeout(r, 5));
    }
    if (!check()) throw new Error(`never came: ${what} (task: ${JSON.stringify(this.task())})`);
  }

  async close(): Promise<void> {
    await this.stage?.stop();
    await this.journal?.close().catch(() => undefined);
  }
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('the recipe inside each downloaded video', () => {
  it('is written into the video before its task is done, with what made it', async () => {
    const { url } = await serve(rangedFile(sample));
    const dir = await temp.make();
    rig = await new Rig().open(join(dir, 'data'), join(dir, 'library'), [url]);
    rig.stage.enqueue(rig.ids[0]);
    await rig.until(() => rig!.task().state === 'done', 'done');
    const task = rig.task();
    const video = join(dir, 'library', task.file!);
    const { recipe } = await readRecipe(video);
    expect(recipe).toMatchObject({
      app: 'LTX Batch Studio',
      prompt: task.request.input.prompt,
      mode: task.request.input.mode,
      resolution: task.request.input.resolution,
      duration: task.request.input.duration,
      taskId: 'task0',
      batch: { id: task.batchId, name: 'b' },
      row: task.source.row,
      take: task.source.take
    });
    expect(await probeMp4(video)).toEqual(await probeMp4(SAMPLE_WIDE));
    // Nothing left beside it but the video and its sidecar.
    expect((await readdir(join(dir, 'library'))).sort()).toEqual([task.file!, task.file!.replace(/\.mp4$/, '.json')].sort());
  });

  it('a video the recipe cannot be written into is still downloaded whole, and the log says why', async () => {
    // An MP4 header and then bytes no MP4 box reader can place: the writer leaves it as it is.
    const odd = Buffer.concat([FTYP, Buffer.from([0, 0, 0, 12]), Buffer.from('moovjunk', 'latin1'), Buffer.alloc(64, 0xff)]);
    const { url } = await serve(rangedFile(odd));
    const dir = await temp.make();
    rig = await new Rig().open(join(dir, 'data'), join(dir, 'library'), [url]);
    rig.stage.enqueue(rig.ids[0]);
    await rig.until(() => rig!.task().state === 'done', 'done');
    expect((await readFile(join(dir, 'library', rig.task().file!))).equals(odd)).toBe(true);
    expect(rig.memory.lines.join('\n')).toMatch(/the recipe could not be written into the video \(.+\); it is kept as downloaded/);
  });
});

describe('leftovers of an earlier run', () => {
  it('removes the copy a recipe write was making when the run stopped, and leaves every other file', async () => {
    const dir = await temp.make();
    const names = [
      'clip.mp4',
      'clip.json',
      '.clip.mp4.part.99999999.0a1b2c3d.tmp',
      '.other.mp4.4242.deadbeef.tmp',
      '.clip.json.4242.deadbeef.tmp',
      'empty.mp4.part'
    ];
    const old = new Date(Date.now() - 60 * 60_000);
    for (const name of names) {
      await writeFile(join(dir, name), name === 'empty.mp4.part' ? '' : 'bytes');
      await utimes(join(dir, name), old, old);
    }
    // Another process's copy in the making (written to a moment ago) is left alone.
    await writeFile(join(dir, '.busy.mp4.4243.cafef00d.tmp'), 'bytes');
    expect(await sweepEmptyParts([dir], new Set())).toBe(3);
    expect((await readdir(dir)).sort()).toEqual(['.busy.mp4.4243.cafef00d.tmp', '.clip.json.4242.deadbeef.tmp', 'clip.json', 'clip.mp4']);
  });
});

describe('permanent and passing download failures', () => {
  it('a permanent error ends the download at once: no retry round, its cause in the note, never retried on start', async () => {
    const { url, server } = await serve((_req, res) => {
      res.writeHead(400);
      res.end();
    });
    const dir = await temp.make();
    rig = await new Rig().open(join(dir, 'data'), join(dir, 'library'), [url]);
    rig.stage.enqueue(rig.ids[0]);
    await rig.until(() => rig!.task().state === 'download_failed', 'download_failed');
    const task = rig.task();
    expect(task).toMatchObject({ downloadFailure: 'bad_link' });
    expect(task.note).toMatch(/^The server refused the download \(HTTP 400\)\. Trying the same link again will not help/);
    expect(task.note).not.toMatch(/connection/);
    expect(server.seen).toHaveLength(1);
    expect(rig.clock.pending).toBe(0);
    expect(shouldRetryOnStart(task)).toBe(false);
    expect(await readdir(join(dir, 'library'))).toEqual([]);
  });

  it('a connection that never answers fails after its rounds with connection guidance, and is retried on the next start', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/video.mp4`;
    const dir = await temp.make();
    rig = await new Rig().open(join(dir, 'data'), join(dir, 'library'), [url]);
    rig.stage.enqueue(rig.ids[0]);
    for (let round = 0; round < 3 && rig.task().state !== 'download_failed'; round++) {
      await rig.until(() => rig!.clock.pending > 0 || rig!.task().state === 'download_failed', `round ${round + 1}`);
      await rig.clock.advance(600_000 * TIME_SCALE);
    }
    await rig.until(() => rig!.task().state === 'download_failed', 'download_failed');
    expect(rig.task()).toMatchObject({ downloadFailure: 'transient' });
    expect(rig.task().note).toMatch(/Check your internet connection/);
    expect(shouldRetryOnStart(rig.task())).toBe(true);
  });
});

describe.skipIf(!canMountTmpfs)(`a full library disk (${TMPFS_SKIP_REASON})`, () => {
  let library: Tmpfs;
  beforeEach(() => {
    library = new Tmpfs('1m');
  });
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    library.unmount();
  });

  it('waits for room without counting a failure, tells the engine, and resumes the .part on its own once room is made', async () => {
    const { url, server } = await serve(rangedFile(sample));
    const dir = await temp.make();
    const ballast = library.fill(64 * 1024);
    rig = await new Rig().open(join(dir, 'data'), library.dir, [url]);
    rig.stage.enqueue(rig.ids[0]);
    await rig.until(() => rig!.stage.waitingForRoom === 1, 'a wait for room');
    const waiting = rig.task();
    expect(waiting.state).toBe('succeeded');
    expect(waiting.downloadFailure).toBe('disk');
    expect(waiting.note).toMatch(new RegExp(`^The disk holding ${library.dir} is full\\. .* downloads by itself once there is room`));
    expect(waiting.note).not.toMatch(/connection/);
    expect(rig.diskFull).toEqual([library.dir]);
    expect(server.seen).toHaveLength(1);
    const part = join(library.dir, `${waiting.file}.part`);
    const kept = (await readFile(part)).length;
    expect(kept).toBeGreaterThan(0);

    // Still full: the checks find no room and ask nothing of the server.
    await rig.clock.advance(3 * ROOM_CHECK_MS * TIME_SCALE);
    await rig.until(() => true, 'a turn');
    expect(server.seen).toHaveLength(1);
    expect(rig.task().state).toBe('succeeded');

    await rm(ballast);
    await rig.clock.advance(ROOM_CHECK_MS * TIME_SCALE);
    await rig.until(() => rig!.task().state === 'done', 'done');
    expect(server.seen.map((s) => s.range)).toEqual([undefined, `bytes=${kept}-`]);
    // The sample's media, with the recipe written into its movie box.
    const landed = join(library.dir, waiting.file!);
    expect(await probeMp4(landed)).toEqual(await probeMp4(SAMPLE_WIDE));
    expect((await readRecipe(landed)).recipe?.taskId).toBe(waiting.taskId);
    expect(existsSync(part)).toBe(false);
    expect(rig.task().note).toBeUndefined();
    expect(rig.task().downloadFailure).toBeUndefined();
    expect(rig.stage.waitingForRoom).toBe(0);
  });

  it('when the journal cannot be written, says so once in the log and stops handling the task, with nothing thrown into the void', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { url } = await serve((_req, res) => {
        res.writeHead(400);
        res.end();
      });
      // The data folder is the small disk here: full after the first change, so that the
      // failure's own change cannot be written.
      const libraryDir = await temp.make();
      rig = await new Rig().open(library.dir, libraryDir, [url]);
      rig.afterChange = () => {
        rig!.afterChange = undefined;
        // The disk fills while the download runs. A journal write that fails is cut back off and
        // the next one tries again, so what is left in the journal file's last page is used up
        // too: once the smallest event no longer fits, no change of the task can be written.
        library.fill(0, 'ballast-data.bin');
        const batchId = rig!.task().batchId;
        const fillWith = (patch: { name?: string }): boolean => {
          for (let i = 0; i < 1_000; i++) {
            try {
              rig!.journal.append({ type: 'batch_changed', id: batchId, patch });
            } catch {
              return true;
            }
          }
          return false;
        };
        if (!fillWith({ name: 'x'.repeat(8192) }) || !fillWith({})) throw new Error('the journal never hit the full disk');
      };
      const before = rig.changes;
      rig.stage.enqueue(rig.ids[0]);
      await rig.until(() => rig!.memory.lines.some((l) => l.includes('stops here')), 'the log line');
      await rig.clock.advance(600_000 * TIME_SCALE);
      await rig.until(() => rig!.stage.active === 0, 'the stage idle');
      // 'downloading' was written; the failure's change threw; nothing called change again.
      expect(rig.changes - before).toBe(2);
      expect(rig.memory.lines.filter((l) => l.includes('stops here'))).toHaveLength(1);
      expect(rig.memory.lines.find((l) => l.includes('stops here'))).toMatch(/the queue could not record it/);
      expect(rig.task().state).toBe('downloading');
      expect(rig.clock.pending).toBe(0);
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      expect(() => rig!.journal.append({ type: 'task_changed', id: rig!.ids[0], at: 0 })).toThrow();
      let thrown: unknown;
      try {
        rig.journal.append({ type: 'task_changed', id: rig.ids[0], at: 0 });
      } catch (error) {
        thrown = error;
      }
      expect(isJournalError(thrown)).toBe(true);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
