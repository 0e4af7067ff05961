import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ApixoClient } from '../../src/main/core/apixo';
import { BatchEngine, TaskActionError, type EngineOptions } from '../../src/main/core/queue/engine';
import { RESCUE_FILE_NAME, tempRescueFile } from '../../src/main/core/queue/rescue';
import { rows, until } from '../support/engine-harness';
import { TestClock } from '../support/test-clock';

const root = process.getuid?.() === 0;

/** An APIXO on loopback whose submit answers wait until the test lets them go; tasks stay processing. */
class HeldApi {
  readonly held: ServerResponse[] = [];
  readonly created: string[] = [];
  readonly polled: string[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST') return void this.held.push(res);
        const taskId = new URL(req.url ?? '/', 'http://x').searchParams.get('taskId') ?? '';
        this.polled.push(taskId);
        res.end(JSON.stringify({ code: 200, msg: 'success', data: { taskId, state: 'processing' } }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
  }

  /** Answers every waiting submit with a new task ID. */
  release(): string[] {
    const ids = this.held.splice(0).map((res) => {
      const taskId = `task_${this.created.length + 1}`;
      this.created.push(taskId);
      res.end(JSON.stringify({ code: 200, msg: 'success', data: { taskId } }));
      return taskId;
    });
    return ids;
  }

  /** Answers every waiting submit with this HTTP status (no task made). */
  refuse(status: number): void {
    for (const res of this.held.splice(0)) {
      res.statusCode = status;
      res.end(JSON.stringify({ code: status, msg: 'slow down' }));
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Fills the disk holding `dir`, then makes the engine's journal refuse a line (a pause and resume take the last page). */
function fillUntilRefused(engine: BatchEngine, dir: string, batchId: string): string {
  const ballast = join(dir, 'ballast');
  const info = statfsSync(dir);
  writeFileSync(ballast, Buffer.alloc(info.bavail * info.bsize));
  for (;;) {
    try {
      engine.pauseBatch(batchId);
      engine.resumeBatch(batchId);
    } catch {
      return ballast;
    }
  }
}

describe.skipIf(!root)('rescued task IDs (tmpfs; needs root)', () => {
  const base = mkdtempSync(join(tmpdir(), 'ltx-rescue-'));
  const mounts: string[] = [];
  let engine: BatchEngine | undefined;
  let api: HeldApi;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await api?.stop();
  });
  afterAll(() => {
    for (const m of mounts.reverse()) execFileSync('umount', ['-l', m]);
    rmSync(base, { recursive: true, force: true });
  });

  function tmpfs(name: string, options = 'size=1m'): string {
    const dir = join(base, name);
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  }

  async function open(dataDir: string, extra: Partial<EngineOptions> = {}): Promise<BatchEngine> {
    api = new HeldApi();
    const baseUrl = await api.start();
    const client = new ApixoClient({ apiKey: 'k', baseUrl, timeoutMs: 5_000 });
    engine = await BatchEngine.open({ dataDir, client, concurrency: 2, diskMarginBytes: 0, timeScale: 0.001, ...extra });
    return engine;
  }

  it('journals a rescued ID by itself once the disk has room again, and resuming submits the rest once each', async () => {
    const dataDir = tmpfs('data-retry');
    const clock = new TestClock();
    const e = await open(dataDir, { clock });
    const libraryDir = join(base, 'library-retry');
    const batch = e.addBatch({ name: 'retry', libraryDir, tasks: rows(4) });
    e.start();
    await until(() => api.held.length === 2, 5_000, 'two submits at the API');
    const ballast = fillUntilRefused(e, dataDir, batch.id);
    const ids = api.release();
    await until(() => e.rescued().length === 2 && e.rescued().every((r) => r.file), 5_000, 'the rescue');
    const rescueFile = join(libraryDir, RESCUE_FILE_NAME);
    expect(readFileSync(rescueFile, 'utf8')).toContain(ids[0]);
    expect(e.status().storage?.folder).toBe(dataDir);
    expect(e.tasksOf(batch.id).map((t) => t.state)).toEqual(['submitting', 'submitting', 'queued', 'queued']);
    // Still full: the retry finds no room and keeps them.
    await clock.advance(10_000);
    expect(e.rescued()).toHaveLength(2);
    rmSync(ballast);
    await clock.advance(10_000);
    await until(() => e.rescued().length === 0 && !existsSync(rescueFile), 5_000, 'the rescued IDs journaled');
    expect(e.tasksOf(batch.id).map((t) => t.taskId)).toEqual([...ids, undefined, undefined]);
    // The hold stays until the person resumes: nothing was submitted meanwhile, even with free slots
    // (a submit starts synchronously, with its intent, so a task still queued now was not sent).
    expect(api.held).toHaveLength(0);
    expect(e.status().storage).toBeDefined();
    e.setConcurrency(4);
    expect(e.tasksOf(batch.id).map((t) => t.state)).toEqual(['submitted', 'submitted', 'queued', 'queued']);
    e.resumeAccount();
    await until(() => api.held.length === 2, 5_000, 'the other two submits');
    api.release();
    await until(() => e.tasksOf(batch.id).every((t) => t.state === 'submitted'), 5_000, 'all submitted');
    expect(api.created).toHaveLength(4);
  });

  it('writes to the OS temp folder when the library cannot be written, and the next start attaches from there', async () => {
    const dataDir = tmpfs('data-temp');
    const libraryDir = tmpfs('library-ro', 'size=64m,ro');
    const e = await open(dataDir);
    const batch = e.addBatch({ name: 'temp', libraryDir, tasks: rows(2) });
    e.start();
    await until(() => api.held.length === 2, 5_000, 'two submits at the API');
    const ballast = fillUntilRefused(e, dataDir, batch.id);
    const ids = api.release();
    const temp = tempRescueFile(dataDir);
    await until(() => e.rescued().length === 2 && e.rescued().every((r) => r.file === temp), 5_000, 'the rescue in the temp folder');
    expect(readFileSync(temp, 'utf8')).toContain(ids[1]);
    await e.close();
    await api.stop();
    rmSync(ballast);
    const again = await open(dataDir);
    expect(again.recovery.attachedRescued).toBe(2);
    expect(again.recovery.needsReview).toBe(0);
    expect(again.tasksOf(batch.id).map((t) => [t.state, t.taskId, t.attempts])).toEqual([
      ['submitted', ids[0], 1],
      ['submitted', ids[1], 1]
    ]);
    expect(existsSync(temp)).toBe(false);
    expect(api.held).toHaveLength(0);
  });

  it('a "no task was made" answer the journal could not take queues the row again on the next start, not for review', async () => {
    const dataDir = tmpfs('data-429');
    const e = await open(dataDir);
    const libraryDir = join(base, 'library-429');
    const batch = e.addBatch({ name: '429', libraryDir, tasks: rows(2) });
    e.start();
    await until(() => api.held.length === 2, 5_000, 'two submits at the API');
    const ballast = fillUntilRefused(e, dataDir, batch.id);
    api.refuse(429);
    await until(() => existsSync(join(libraryDir, RESCUE_FILE_NAME)) && e.status().inFlight === 2, 5_000, 'the rescue file');
    await until(() => readFileSync(join(libraryDir, RESCUE_FILE_NAME), 'utf8').split('not_created').length === 3, 5_000, 'both answers kept');
    expect(e.rescued()).toEqual([]);
    await e.close();
    await api.stop();
    rmSync(ballast);
    const again = await open(dataDir);
    expect(again.recovery.needsReview).toBe(0);
    expect(again.tasksOf(batch.id).map((t) => [t.state, t.attempts])).toEqual([
      ['queued', 0],
      ['queued', 0]
    ]);
    again.start();
    await until(() => api.held.length === 2, 5_000, 'both submitted again, once');
    api.release();
    await until(() => again.tasksOf(batch.id).every((t) => t.state === 'submitted' && t.attempts === 1), 5_000, 'both submitted');
  });

  it('a batch added to a full data folder is refused in words, nothing is submitted, and closing releases the lock', async () => {
    const dataDir = tmpfs('data-add');
    const e = await open(dataDir);
    const info = statfsSync(dataDir);
    writeFileSync(join(dataDir, 'ballast'), Buffer.alloc(info.bavail * info.bsize));
    // A batch's line is far longer than the room left in the journal's last page.
    expect(() => e.addBatch({ name: 'too late', libraryDir: join(base, 'library-add'), tasks: rows(40) })).toThrow(TaskActionError);
    expect(e.status().storage?.message).toMatch(new RegExp(`^The disk holding ${dataDir} is full\\.`));
    expect(e.batches()).toEqual([]);
    e.start();
    await e.close();
    expect(existsSync(join(dataDir, 'lock'))).toBe(false);
    expect(api.held).toHaveLength(0);
    rmSync(join(dataDir, 'ballast'));
    const again = await open(dataDir);
    expect(again.batches()).toEqual([]);
  });
});
