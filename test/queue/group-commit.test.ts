// Group commit in the queue journal (architecture.md, "Persistence and recovery"): a burst of
// submits shares fdatasyncs, and still no POST reaches APIXO before its intent is on disk.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskRecord } from '@shared/batch';
import type { JournalFileOps } from '../../src/main/core/store/journal';
import { harness, rows, settled, submissionsByPrompt, until, type Harness } from '../support/engine-harness';

/**
 * The real node:fs sync calls, watched: `onDisk` is how many bytes of the journal file the
 * last finished fdatasync covered (the file's size when it was called, a lower bound).
 */
function watchedSyncs(): { ops: Partial<JournalFileOps>; onDisk: () => number } {
  let onDisk = 0;
  return {
    onDisk: () => onDisk,
    ops: {
      fdatasyncSync: (fd) => {
        const size = fs.fstatSync(fd).size;
        fs.fdatasyncSync(fd);
        onDisk = Math.max(onDisk, size);
      },
      fdatasync: (fd, callback) => {
        const size = fs.fstatSync(fd).size;
        fs.fdatasync(fd, (error) => {
          if (!error) onDisk = Math.max(onDisk, size);
          callback(error);
        });
      }
    }
  };
}

/** The `submitting` lines for each task in the first `bytes` of the journal file. */
function intentsOnDisk(journalPath: string, bytes: number): Map<string, number> {
  const text = fs.readFileSync(journalPath).subarray(0, bytes).toString('utf8');
  const intents = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.includes('"submitting"')) continue;
    const { ev } = JSON.parse(line) as { ev: { type: string; id: string; state?: string } };
    if (ev.type === 'task_changed' && ev.state === 'submitting') intents.set(ev.id, (intents.get(ev.id) ?? 0) + 1);
  }
  return intents;
}

describe('group commit: a burst of submits at high concurrency', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('sends no POST before that task’s intent is on disk, and submits each row once', async () => {
    const TASKS = 300;
    const synced = watchedSyncs();
    const problems: string[] = [];
    const postsSoFar = new Map<string, number>();
    const byPrompt = new Map<string, TaskRecord>();
    let journalPath = '';
    h = await harness(
      {
        concurrencyLimit: TASKS,
        onSubmit: (request) => {
          // The moment the POST reaches the server: what the journal has on disk must hold its intent.
          const task = byPrompt.get(request.input.prompt);
          if (!task) return void problems.push(`a POST for an unknown prompt: ${request.input.prompt}`);
          const posts = (postsSoFar.get(task.id) ?? 0) + 1;
          postsSoFar.set(task.id, posts);
          const intents = intentsOnDisk(journalPath, synced.onDisk()).get(task.id) ?? 0;
          if (intents < posts) problems.push(`POST ${posts} of ${task.id} arrived with ${intents} intent(s) on disk`);
        }
      },
      { concurrency: TASKS, journalFileOps: synced.ops }
    );
    journalPath = join(h.dataDir, 'journal.jsonl');
    const batch = h.engine.addBatch({ name: 'burst', libraryDir: h.libraryDir, tasks: rows(TASKS) });
    for (const t of h.engine.tasksOf(batch.id)) byPrompt.set(t.request.input.prompt, t);
    h.engine.start();
    const tasks = await settled(h.engine, batch.id, 60_000);

    expect(problems).toEqual([]);
    expect(postsSoFar.size).toBe(TASKS);
    expect(tasks.filter((t) => t.state === 'done')).toHaveLength(TASKS);
    expect([...submissionsByPrompt(h.sim).values()].every((n) => n === 1)).toBe(true);
  });

  it('1,000 tasks submitted at concurrency 1,000 cost at most one fdatasync per two', async () => {
    const TASKS = 1_000;
    h = await harness({ concurrencyLimit: TASKS }, { concurrency: TASKS, downloadConcurrency: 32 });
    const engine = h.engine;
    const batch = engine.addBatch({ name: 'thousand', libraryDir: h.libraryDir, tasks: rows(TASKS) });
    const before = engine.journalSyncs;
    engine.start();
    // The burst: every task's intent and task ID on disk.
    await until(() => engine.tasksOf(batch.id).every((t) => t.taskId !== undefined) && engine.journalSyncedAll(), 60_000, 'every task ID on disk');
    const submitted = h.sim.submissions.length;
    const burst = engine.journalSyncs - before;
    const tasks = await settled(engine, batch.id, 120_000);
    const run = engine.journalSyncs - before;
    console.log(
      `group commit: ${burst} fdatasyncs for ${submitted} submits and their task IDs (${(burst / submitted).toFixed(3)} a task); ` +
        `${run} (${(run / submitted).toFixed(3)} a task) for every change from intent to done`
    );
    expect(submitted).toBe(TASKS);
    expect(burst / submitted).toBeLessThanOrEqual(0.5);
    expect(tasks.filter((t) => t.state === 'done')).toHaveLength(TASKS);
  });

  it('runs again, once the person resumes, a download whose file name the disk refused to sync, never leaving it downloading', async () => {
    // The sync that would put the first download's name on disk fails (the data disk filled just then).
    let journalPath = '';
    let refused = 0;
    const ops: Partial<JournalFileOps> = {
      fdatasync: (fd, callback) => {
        const named = refused === 0 && fs.readFileSync(journalPath, 'utf8').includes('"file":');
        if (!named) return fs.fdatasync(fd, callback);
        refused++;
        setImmediate(() => callback(Object.assign(new Error('ENOSPC: no space left on device, fdatasync'), { code: 'ENOSPC' })));
      }
    };
    h = await harness({}, { concurrency: 2, journalFileOps: ops });
    journalPath = join(h.dataDir, 'journal.jsonl');
    const engine = h.engine;
    const batch = engine.addBatch({ name: 'named', libraryDir: h.libraryDir, tasks: rows(2) });
    engine.start();
    await until(() => engine.status().storage !== undefined, 20_000, 'the storage hold');
    expect(refused).toBe(1);
    // Both stop before their first byte (their names were not on disk), named and `downloading`.
    await until(() => engine.status().downloading === 0 && engine.tasksOf(batch.id).every((t) => t.state === 'downloading'), 20_000, 'the downloads stopped');
    expect(fs.readdirSync(h.libraryDir).filter((f) => f.endsWith('.mp4'))).toHaveLength(0);
    engine.resumeAccount();
    const tasks = await settled(engine, batch.id, 20_000);
    expect(tasks.map((t) => t.state)).toEqual(['done', 'done']);
    expect(fs.readdirSync(h.libraryDir).filter((f) => f.endsWith('.mp4'))).toHaveLength(2);
  });
});
