// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { taskIdFor } from '@shared/batch';
import { TASK_PAGE, useQueueStore } from '../../src/renderer/src/stores/queue';
import { GOOD_KEY, install, studioFor, until } from './setup';
import type { Studio, StudioOptions } from './studio';

/** A 1080p take the simulator works on for seconds, even at the tests' time scale. */
const SLOW = 'A tide pool at dusk [sim:slow]';

async function started(from?: Studio | StudioOptions) {
  const { api, studio } = await install(from);
  const queue = useQueueStore();
  queue.listen();
  await queue.load();
  let deltas = 0;
  studio.service.on('queue:changed', () => void deltas++);
  return { api, studio, queue, deltas: () => deltas };
}

describe('queue store: snapshot, then deltas merged by id', () => {
  it('starts from the snapshot, in the order batches are submitted, and selects the newest batch', async () => {
    const studio = await studioFor();
    await studio.heldBatch(3, 'older');
    await new Promise((ok) => setTimeout(ok, 5));
    const newer = await studio.heldBatch(2, 'newer');
    const { queue } = await started(studio);
    expect(queue.batchList.map((b) => b.batch.name)).toEqual(['older', 'newer']);
    expect(queue.selectedBatchId).toBe(newer.batch.id);
    // On the built-in simulator: its money is the simulated ledger's, apart from the real figures.
    expect(queue.costs?.simulated.queuedMicros).toBe(5 * 80_000);
    expect(queue.costs?.queuedMicros).toBe(0);
  });

  it('merges each delta’s tasks into the map by id, and its batches, status and costs', async () => {
    const studio = await studioFor();
    const held = await studio.heldBatch([SLOW, 'A storm at sea [sim:fail:NSFW]', 'Fog in a forest'], 'b', { defaults: { resolution: '720p' } });
    const id = held.batch.id;
    const { queue, deltas } = await started(studio);
    await queue.ensureTasks(id, 0, 3);
    expect(queue.tasks.size).toBe(3);

    // Room for one video: the first is submitted and generates, the others wait.
    await studio.release(id, 80_000);
    await until(() => expect(queue.tasks.get(taskIdFor(id, 0))?.state).toBe('processing'));
    expect(queue.tasks.get(taskIdFor(id, 1))?.state).toBe('queued');
    expect(queue.batches.get(id)?.counts).toEqual({ processing: 1, queued: 2 });
    expect(queue.status?.inFlight).toBe(1);
    expect(queue.costs?.simulated).toMatchObject({ queuedMicros: 160_000, committedMicros: 80_000, spentMicros: 0 });

    await studio.release(id);
    await until(() => expect(queue.tasks.get(taskIdFor(id, 1))).toMatchObject({ state: 'failed', failCode: 'NSFW' }));
    await until(() => expect(queue.tasks.get(taskIdFor(id, 0))).toMatchObject({ state: 'done', spentMicros: 80_000 }), 15_000);
    expect(queue.tasks.size).toBe(3);
    expect(queue.tasks.get(taskIdFor(id, 0))).toEqual((await studio.tasksOf(id))[0]);
    await until(() => expect(queue.costs?.simulated.committedMicros).toBe(0));
    expect(queue.costs?.simulated.spentMicros).toBe((await studio.call('queue:snapshot')).costs.simulated.spentMicros);
    expect(queue.deltaCount).toBe(deltas());
  });

  it('never fetches again per event: a hundred deltas cost no calls', async () => {
    // At the usual schedule: the fifty finish far enough apart for their deltas not to come as one.
    const studio = await studioFor({ settings: { concurrency: 50 }, timeScale: 0.01 });
    const held = await studio.heldBatch(50, 'b');
    const { api, queue, deltas } = await started(studio);
    await queue.ensureTasks(held.batch.id, 0, 50);
    const before = api.calls.length;
    await studio.release(held.batch.id);
    await until(() => expect(queue.batches.get(held.batch.id)?.counts.done).toBe(50), 20_000);
    expect(deltas()).toBeGreaterThan(3);
    expect(api.calls.length).toBe(before);
    expect(queue.deltaCount).toBe(deltas());
  });

  it('keeps a delta that arrived while an older page was on its way', async () => {
    const studio = await studioFor();
    const held = await studio.heldBatch([SLOW, SLOW, SLOW], 'b');
    const id = held.batch.id;
    const { api, queue } = await started(studio);
    // The page is read as "queued"; then the engine moves on and says so, before the page arrives.
    api.hold('answer');
    const loading = queue.ensureTasks(id, 0, 3);
    await until(() => expect(api.inFlight.size).toBe(0));
    const moved = studio.next('queue:changed');
    await studio.release(id, 80_000);
    await moved;
    api.release();
    await loading;
    expect(queue.tasks.get(taskIdFor(id, 0))?.state).not.toBe('queued');
    expect(queue.tasks.get(taskIdFor(id, 1))?.state).toBe('queued');
  });

  it('fetches only the pages holding the rows asked for, once', async () => {
    const studio = await studioFor();
    const held = await studio.heldBatch(10_000, 'b');
    const { api, queue } = await started(studio);
    const id = held.batch.id;
    await queue.ensureTasks(id, 0, 30);
    await queue.ensureTasks(id, 10, 40);
    expect(api.callsOf('tasks:page')).toHaveLength(1);
    await queue.ensureTasks(id, 5_000, 5_030);
    expect(api.callsOf('tasks:page').map((c) => c.args[1])).toEqual([
      { offset: 0, limit: TASK_PAGE },
      { offset: Math.floor(5_000 / TASK_PAGE) * TASK_PAGE, limit: TASK_PAGE }
    ]);
    // The two pages, and the rows just above the screen, watched so that a short scroll finds them fresh.
    expect(queue.tasks.size).toBe(2 * TASK_PAGE + 20);
  });

  it('watches the rows on screen: a row scrolled back to comes again only if it changed while away', async () => {
    const studio = await studioFor();
    const held = await studio.heldBatch([SLOW, ...Array.from({ length: 999 }, (_, i) => `Fog in a forest, take ${i}`)], 'b');
    const id = held.batch.id;
    const { api, queue } = await started(studio);
    await queue.ensureTasks(id, 0, 30);
    expect(api.callsOf('queue:watch').at(-1)?.args[0]).toMatchObject({ ids: expect.arrayContaining([taskIdFor(id, 0), taskIdFor(id, 49)]) });
    const first = queue.tasks.get(taskIdFor(id, 0));
    const second = queue.tasks.get(taskIdFor(id, 1));
    // Scrolled away; meanwhile the first video is submitted and moves on, unseen.
    await queue.ensureTasks(id, 600, 630);
    expect(api.callsOf('queue:watch').at(-1)?.args[0]).toMatchObject({ ids: expect.not.arrayContaining([taskIdFor(id, 0)]) });
    const moved = studio.next('queue:changed');
    await studio.release(id, 80_000);
    await moved;
    expect(queue.tasks.get(taskIdFor(id, 0))).toBe(first);
    // Back: the changed row comes whole and fresh; the unchanged one is the very record held before.
    await queue.ensureTasks(id, 0, 30);
    expect(queue.tasks.get(taskIdFor(id, 0))?.state).not.toBe('queued');
    expect(queue.tasks.get(taskIdFor(id, 0))).toEqual((await studio.tasksOf(id))[0]);
    expect(queue.tasks.get(taskIdFor(id, 1))).toBe(second);
    expect(api.callsOf('tasks:page')).toHaveLength(2);
  });

  it('a delta that overtakes the watch answer is applied on top of it, with no call again', async () => {
    const studio = await studioFor();
    const held = await studio.heldBatch([SLOW, SLOW], 'b');
    const id = held.batch.id;
    const { api, queue } = await started(studio);
    // The task opened is watched: main answers it whole (queued), but the answer is slow to arrive…
    api.hold('answer');
    queue.selectTask(taskIdFor(id, 0));
    await until(() => expect(api.callsOf('queue:watch')).toHaveLength(1));
    await until(() => expect(api.inFlight.size).toBe(0));
    // …and the delta saying it was submitted comes first.
    const moved = studio.next('queue:changed');
    await studio.release(id, 80_000);
    await moved;
    api.release();
    await until(() => expect(queue.tasks.get(taskIdFor(id, 0))?.state).not.toBe('queued'));
    expect(queue.tasks.get(taskIdFor(id, 0))).toEqual((await studio.tasksOf(id))[0]);
    expect(api.callsOf('queue:watch')).toHaveLength(1);
  });

  it('a delta that arrives before the snapshot answers is not overwritten by it', async () => {
    const studio = await studioFor();
    const held = await studio.heldBatch([SLOW, SLOW], 'b');
    const id = held.batch.id;
    const { api } = await install(studio);
    const queue = useQueueStore();
    queue.listen();
    // The snapshot is taken (both queued); then a video is submitted, and that delta arrives first.
    api.hold('answer');
    const loading = queue.load();
    await until(() => expect(api.inFlight.size).toBe(0));
    const moved = studio.next('queue:changed');
    await studio.release(id, 80_000);
    await moved;
    const fresh = queue.batches.get(id);
    expect(fresh?.counts.queued).toBe(1);
    api.release();
    await loading;
    expect(queue.batches.get(id)).toBe(fresh);
    expect(queue.status?.inFlight).toBe(1);
  });

  it('task actions put the answer in the map, and keep a refusal under that task', async () => {
    // Every submit's answer is lost after APIXO accepted it: both videos need review.
    const studio = await studioFor({ apiKey: GOOD_KEY, faults: { resetAfterAcceptRate: 1 } });
    const batch = await studio.addBatch(2, 'b');
    const id = batch.batch.id;
    const { api, queue } = await started(studio);
    await until(async () => expect((await studio.tasksOf(id)).map((t) => t.state)).toEqual(['needs_review', 'needs_review']));
    await queue.ensureTasks(id, 0, 2);
    await until(() => expect(queue.tasks.get(taskIdFor(id, 1))?.state).toBe('needs_review'));
    expect(await queue.taskAction('abandon', taskIdFor(id, 0))).toBe(true);
    expect(queue.tasks.get(taskIdFor(id, 0))?.state).toBe('abandoned');
    expect(await queue.taskAction('cancel', taskIdFor(id, 1))).toBe(false);
    expect(queue.errors[`task:${taskIdFor(id, 1)}`]).toMatch(/Only a task that has not been submitted can be canceled/);
    expect(queue.errors[`task:${taskIdFor(id, 0)}`]).toBeUndefined();
    expect(await queue.attach(taskIdFor(id, 1), '   ')).toBe(false);
    expect(queue.errors[`task:${taskIdFor(id, 1)}`]).toMatch(/Paste the task ID/);
    expect(await queue.attach(taskIdFor(id, 1), ' apixo-123 ')).toBe(true);
    expect(queue.tasks.get(taskIdFor(id, 1))).toMatchObject({ state: 'submitted', taskId: 'apixo-123' });
    expect(api.callsOf('tasks:attach')[0].args).toEqual([taskIdFor(id, 1), 'apixo-123']);
  });

  it('batch actions: pause and resume replace the summary; cancel says how many, in words', async () => {
    // A key APIXO refuses: the account pauses and every video waits, queued.
    const studio = await studioFor({ apiKey: 'wrong-key-0000' });
    const batch = await studio.addBatch(4, 'b');
    const id = batch.batch.id;
    const { queue } = await started(studio);
    await until(() => expect(queue.status?.account?.reason).toBe('auth'));
    await queue.pauseBatch(id);
    expect(queue.batches.get(id)?.batch.paused?.reason).toBe('user');
    await queue.resumeBatch(id);
    expect(queue.batches.get(id)?.batch.paused).toBeUndefined();
    await queue.cancelBatch(id);
    expect(queue.notices[id]).toBe('Canceled 4 videos not yet submitted: nothing was charged for them.');
  });

  it('a filter reads every state in one letter, never every task, and follows the batch as it changes', async () => {
    const studio = await studioFor({ apiKey: GOOD_KEY, faults: { resetAfterAcceptRate: 1 }, settings: { concurrency: 1 } });
    // One video is submitted (and needs review); the rest of the 1,200 wait behind the cap.
    const lines = Array.from({ length: 1_200 }, (_, i) => `Prompt number ${i + 1}`);
    const batch = await studio.addBatch(lines, 'b', { capMicros: 80_000 });
    const id = batch.batch.id;
    await until(async () => expect((await studio.tasksOf(id))[0].state).toBe('needs_review'));
    const { api, queue } = await started(studio);
    await queue.setFilter('attention');
    expect(queue.visibleIds).toEqual([taskIdFor(id, 0)]);
    expect(api.callsOf('tasks:states')).toHaveLength(1);
    // The table shows the filtered rows: they are watched, and come whole (no page of 500 behind them).
    await queue.ensureTasks(id, 0, 30);
    expect(api.callsOf('tasks:page')).toHaveLength(0);
    expect(queue.tasks.get(taskIdFor(id, 0))?.state).toBe('needs_review');
    expect(queue.tasks.size).toBe(1);
    // Room for one more: it is submitted and needs review too; the batch changed, so its states are read again.
    await studio.release(id, 160_000);
    await until(() => expect(queue.visibleIds).toEqual([taskIdFor(id, 0), taskIdFor(id, 1)]));
    await until(() => expect(queue.tasks.get(taskIdFor(id, 1))?.state).toBe('needs_review'));
    expect(api.callsOf('tasks:page')).toHaveLength(0);
    expect(queue.tasks.size).toBe(2);
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
