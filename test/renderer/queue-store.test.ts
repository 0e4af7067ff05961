// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { taskIdFor } from '@shared/batch';
import { TASK_PAGE, useQueueStore } from '../../src/renderer/src/stores/queue';
import { FakeApi } from './fake-api';
import { install } from './setup';

async function started(api = new FakeApi()) {
  install(api);
  const queue = useQueueStore();
  queue.listen();
  await queue.load();
  return { api, queue };
}

describe('queue store: snapshot, then deltas merged by id', () => {
  it('starts from the snapshot and selects the newest batch', async () => {
    const api = new FakeApi();
    api.addBatch(3, 'older');
    const newer = api.addBatch(2, 'newer');
    const { queue } = await started(api);
    expect(queue.batchList.map((b) => b.batch.name)).toEqual(['newer', 'older']);
    expect(queue.selectedBatchId).toBe(newer.id);
    expect(queue.costs?.queuedMicros).toBe(5 * 80_000);
  });

  it('merges each delta’s tasks into the map by id, and its batches, status and costs', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(3);
    const { queue } = await started(api);
    await queue.ensureTasks(batch.id, 0, 3);
    expect(queue.tasks.size).toBe(3);

    api.change([{ id: taskIdFor(batch.id, 0), state: 'processing' }]);
    expect(queue.tasks.get(taskIdFor(batch.id, 0))?.state).toBe('processing');
    expect(queue.tasks.get(taskIdFor(batch.id, 1))?.state).toBe('queued');
    expect(queue.batches.get(batch.id)?.counts).toEqual({ processing: 1, queued: 2 });
    expect(queue.status?.inFlight).toBe(1);
    expect(queue.costs).toMatchObject({ queuedMicros: 160_000, committedMicros: 80_000, spentMicros: 0 });

    api.change([
      { id: taskIdFor(batch.id, 0), state: 'done' },
      { id: taskIdFor(batch.id, 1), state: 'failed', patch: { failCode: 'NSFW' } }
    ]);
    expect(queue.tasks.get(taskIdFor(batch.id, 0))).toMatchObject({ state: 'done', spentMicros: 80_000 });
    expect(queue.tasks.get(taskIdFor(batch.id, 1))).toMatchObject({ state: 'failed', failCode: 'NSFW' });
    expect(queue.tasks.size).toBe(3);
    expect(queue.costs?.spentMicros).toBe(80_000);
    expect(queue.deltaCount).toBe(2);
  });

  it('never fetches again per event: a hundred deltas cost no calls', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(50);
    const { queue } = await started(api);
    await queue.ensureTasks(batch.id, 0, 50);
    const before = api.calls.length;
    for (let i = 0; i < 100; i++) api.change([{ id: taskIdFor(batch.id, i % 50), state: i % 2 ? 'processing' : 'pending' }]);
    expect(api.calls.length).toBe(before);
    expect(queue.deltaCount).toBe(100);
  });

  it('keeps a delta that arrived while an older page was on its way', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(3);
    const { queue } = await started(api);
    api.hold();
    const loading = queue.ensureTasks(batch.id, 0, 3);
    // The page was read as "queued"; then the engine moves on and says so.
    const stale = structuredClone(api.tasks.get(taskIdFor(batch.id, 0))!);
    api.change([{ id: taskIdFor(batch.id, 0), state: 'submitted' }]);
    api.tasks.set(stale.id, stale);
    api.release();
    await loading;
    expect(queue.tasks.get(taskIdFor(batch.id, 0))?.state).toBe('submitted');
    expect(queue.tasks.get(taskIdFor(batch.id, 1))?.state).toBe('queued');
  });

  it('fetches only the pages holding the rows asked for, once', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(10_000);
    const { queue } = await started(api);
    await queue.ensureTasks(batch.id, 0, 30);
    await queue.ensureTasks(batch.id, 10, 40);
    expect(api.callsOf('tasks:page')).toHaveLength(1);
    await queue.ensureTasks(batch.id, 5_000, 5_030);
    expect(api.callsOf('tasks:page').map((c) => c.args[1])).toEqual([
      { offset: 0, limit: TASK_PAGE },
      { offset: Math.floor(5_000 / TASK_PAGE) * TASK_PAGE, limit: TASK_PAGE }
    ]);
    expect(queue.tasks.size).toBe(2 * TASK_PAGE);
  });

  it('a delta that arrives before the snapshot answers is not overwritten by it', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(2);
    install(api);
    const queue = useQueueStore();
    queue.listen();
    api.hold();
    const loading = queue.load();
    api.change([{ id: taskIdFor(batch.id, 0), state: 'processing' }]);
    const fresh = queue.batches.get(batch.id);
    // The snapshot was taken before that change.
    api.tasks.get(taskIdFor(batch.id, 0))!.state = 'queued';
    api.release();
    await loading;
    expect(queue.batches.get(batch.id)).toBe(fresh);
    expect(queue.status?.inFlight).toBe(1);
  });

  it('task actions put the answer in the map, and keep a refusal under that task', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(2, 'b', 'needs_review');
    const { queue } = await started(api);
    await queue.ensureTasks(batch.id, 0, 2);
    expect(await queue.taskAction('abandon', taskIdFor(batch.id, 0))).toBe(true);
    expect(queue.tasks.get(taskIdFor(batch.id, 0))?.state).toBe('abandoned');
    expect(await queue.taskAction('cancel', taskIdFor(batch.id, 1))).toBe(false);
    expect(queue.errors[`task:${taskIdFor(batch.id, 1)}`]).toMatch(/cannot be done to a task that is needs review/);
    expect(queue.errors[`task:${taskIdFor(batch.id, 0)}`]).toBeUndefined();
    expect(await queue.attach(taskIdFor(batch.id, 1), '   ')).toBe(false);
    expect(queue.errors[`task:${taskIdFor(batch.id, 1)}`]).toMatch(/Paste the task ID/);
    expect(await queue.attach(taskIdFor(batch.id, 1), ' apixo-123 ')).toBe(true);
    expect(queue.tasks.get(taskIdFor(batch.id, 1))).toMatchObject({ state: 'submitted', taskId: 'apixo-123' });
    expect(api.callsOf('tasks:attach')[0].args).toEqual([taskIdFor(batch.id, 1), 'apixo-123']);
  });

  it('batch actions: pause and resume replace the summary; cancel says how many, in words', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(4);
    const { queue } = await started(api);
    await queue.pauseBatch(batch.id);
    expect(queue.batches.get(batch.id)?.batch.paused?.reason).toBe('user');
    await queue.resumeBatch(batch.id);
    expect(queue.batches.get(batch.id)?.batch.paused).toBeUndefined();
    await queue.cancelBatch(batch.id);
    expect(queue.notices[batch.id]).toBe('Canceled 4 videos not yet submitted: nothing was charged for them.');
  });

  it('a filter loads the whole batch once, and narrows the ids', async () => {
    const api = new FakeApi();
    const batch = api.addBatch(1_200);
    api.tasks.get(taskIdFor(batch.id, 700))!.state = 'needs_review';
    const { queue } = await started(api);
    await queue.setFilter('attention');
    expect(queue.visibleIds).toEqual([taskIdFor(batch.id, 700)]);
    expect(api.callsOf('tasks:page')).toHaveLength(Math.ceil(1_200 / TASK_PAGE));
    api.change([{ id: taskIdFor(batch.id, 5), state: 'download_failed' }]);
    expect(queue.visibleIds).toEqual([taskIdFor(batch.id, 5), taskIdFor(batch.id, 700)]);
  });

  it('refuses a concurrency out of range before calling, and applies one in range', async () => {
    const { api, queue } = await started();
    expect(await queue.setConcurrency(0)).toBe(false);
    expect(queue.errors.concurrency).toMatch(/whole number from 1 to 1000/);
    expect(await queue.setConcurrency(12)).toBe(true);
    expect(queue.status?.limit).toBe(12);
    expect(queue.errors.concurrency).toBeUndefined();
    expect(api.callsOf('queue:set-concurrency')).toHaveLength(1);
  });
});
