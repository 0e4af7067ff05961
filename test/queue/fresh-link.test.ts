import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QUEUE_JOURNAL } from '../../src/main/core/queue/queue-journal';
import type { QueueEvent, QueueState } from '../../src/main/core/queue/queue-state';
import { Journal } from '../../src/main/core/store/journal';
import { harness, rows, settled, type Harness } from '../support/engine-harness';
import { closedPort } from '../support/scripted-server';

// A paid video whose result link stopped working (it expired, or it names an earlier simulator's
// port on this computer) is not lost: the download stage asks APIXO for the task's link again,
// once, and downloads from the fresh one, without a second submit (architecture.md, "Downloads").

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** Runs a batch to done, then rewrites the journal as if its videos were never saved and their links now pointed elsewhere. */
async function staleLinks(link: (taskId: string) => string): Promise<{ batchId: string; ids: string[] }> {
  h = await harness();
  h.engine.start();
  const batch = h.engine.addBatch({ name: 'stale', libraryDir: h.libraryDir, tasks: rows(2) });
  const done = await settled(h.engine, batch.id);
  expect(done.map((t) => t.state)).toEqual(['done', 'done']);
  await h.engine.close();
  const journal = await Journal.open<QueueEvent, QueueState>(h.dataDir, QUEUE_JOURNAL);
  for (const task of done) {
    rmSync(join(h.libraryDir, task.file!));
    rmSync(join(h.libraryDir, task.file!.replace(/\.mp4$/, '.json')));
    journal.append({ type: 'task_changed', id: task.id, at: Date.now(), state: 'succeeded', patch: { resultUrl: link(task.taskId!) }, unset: ['file'] });
  }
  await journal.close();
  return { batchId: batch.id, ids: done.map((t) => t.id) };
}

describe('a result link that stopped working', () => {
  it('names a port on this computer that is not the API any more: a fresh link from APIXO saves the video, nothing is submitted again', async () => {
    const port = await closedPort();
    const { batchId } = await staleLinks((taskId) => `http://127.0.0.1:${port}/files/${taskId}.mp4`);
    const submits = h!.sim.submissions.length;
    await h!.open();
    h!.engine.start();
    const tasks = await settled(h!.engine, batchId);
    expect(tasks.map((t) => t.state)).toEqual(['done', 'done']);
    for (const task of tasks) {
      expect(task.resultUrl).toMatch(new RegExp(`^${h!.sim.origin}/files/`));
      expect(existsSync(join(h!.libraryDir, task.file!))).toBe(true);
    }
    expect(h!.sim.submissions.length).toBe(submits);
  });
});
