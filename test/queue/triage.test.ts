/**
 * Failure triage (architecture.md, "Triage"): failures grouped by cause from the simulator's
 * prompt markers, each group's actions (retry, abandon, edit and retry), the bounded automatic
 * retry of provider-transient failures with backoff, and the breaker. On fake time, against the
 * loopback simulator.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskCost } from '@shared/pricing';
import { autoRetryWords } from '@shared/triage';
import { TaskActionError } from '../../src/main/core/queue/engine';
import { harness, rows, settled, submissionsByPrompt, until, type Harness } from '../support/engine-harness';
import { thrown } from '../support/rejection';
import { FAKED } from '../support/virtual-time';

const EST = taskCost({ mode: 'text-to-video', resolution: '480p', duration: 5 });

let h: Harness;
beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED] });
});
afterEach(async () => {
  try {
    await h?.cleanup();
  } finally {
    h = undefined as unknown as Harness;
    vi.useRealTimers();
  }
});

/** One row per cause, and one that succeeds, by the simulator's prompt markers. */
const MIXED = [
  'row 2 [sim:fail:SensitiveContent] a fight',
  'row 3 [sim:fail:ImageNotAccess] a cat',
  'row 4 [sim:fail:Timeout] a storm',
  'row 5 [sim:fail:PromptInvalid] gibberish',
  'row 6 [sim:reject] too odd',
  'row 7 a calm sea',
  'row 8 [sim:fail:SOMETHING_NEW] a mystery'
];

function prompts(list: string[]) {
  return rows(list.length, { prompt: (i) => list[i] });
}

/** What the engine said when it refused. */
function refusal(fn: () => unknown): string {
  return thrown(fn, TaskActionError).message;
}

describe('failures grouped by cause', () => {
  it('counts each cause apart, per batch and for the queue; unknown codes are provider problems', async () => {
    h = await harness({}, { autoRetryLimit: 0 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'mixed', libraryDir: h.libraryDir, tasks: prompts(MIXED) });
    await settled(h.engine, batch.id);
    const expected = { safety: 1, image: 1, transient: 2, invalid_input: 1, rejected: 1 };
    expect(h.engine.summary(batch.id)!.failures).toEqual(expected);
    expect(h.engine.failures()).toEqual(expected);
    expect(h.engine.failuresOf(undefined, 'transient').map((t) => t.source.row)).toEqual([4, 8]);
    expect(h.engine.failuresOf(batch.id, 'safety').map((t) => t.failCode)).toEqual(['SensitiveContent']);
  });

  it('retries a group (new submits) and abandons a group (dismissed, out of the counts)', async () => {
    h = await harness({}, { autoRetryLimit: 0 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'mixed', libraryDir: h.libraryDir, tasks: prompts(MIXED) });
    await settled(h.engine, batch.id);
    expect(h.engine.retryGroup(batch.id, 'transient')).toBe(2);
    await settled(h.engine, batch.id);
    // Sent again, failed again: the same markers.
    expect(submissionsByPrompt(h.sim).get(MIXED[2])).toBe(2);
    expect(submissionsByPrompt(h.sim).get(MIXED[0])).toBe(1);
    expect(h.engine.abandonGroup(undefined, 'safety')).toBe(1);
    const safety = h.engine.tasksOf(batch.id)[0];
    expect(safety).toMatchObject({ state: 'abandoned', note: 'Dismissed by you.' });
    expect(h.engine.summary(batch.id)!.failures.safety).toBeUndefined();
    expect(h.engine.abandonGroup(batch.id, 'safety')).toBe(0);
  });

  it('"Retry failed" sends again only what sending again can mend; refusals and bad prompts wait for an edit', async () => {
    h = await harness({}, { autoRetryLimit: 0 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'mixed', libraryDir: h.libraryDir, tasks: prompts(MIXED) });
    await settled(h.engine, batch.id);
    // The image, the timeout and the unknown code: not the safety refusal, the invalid prompt or the rejected request.
    expect(h.engine.retryFailed(batch.id)).toBe(3);
    await settled(h.engine, batch.id);
    for (const [i, times] of [
      [0, 1],
      [1, 2],
      [2, 2],
      [3, 1],
      [6, 2]
    ] as const)
      expect(submissionsByPrompt(h.sim).get(MIXED[i]), MIXED[i]).toBe(times);
  });

  it('refuses to retry "needs review" as a group, in words', async () => {
    h = await harness({}, { autoRetryLimit: 0 });
    const batch = h.engine.addBatch({ name: 'one', libraryDir: h.libraryDir, tasks: rows(1) });
    expect(refusal(() => h.engine.retryGroup(batch.id, 'needs_review'))).toMatch(/not retried together: each may have been made and charged/);
    expect(refusal(() => h.engine.retryGroup('nope', 'safety'))).toBe('There is no batch nope.');
  });
});

describe('edit and retry', () => {
  it('refuses a bad edit with nothing changed, and submits a good one with the new prompt', async () => {
    h = await harness({}, { autoRetryLimit: 0 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'edit', libraryDir: h.libraryDir, tasks: prompts(['row 2 [sim:fail:SensitiveContent] a fight', 'row 3 fine']) });
    await settled(h.engine, batch.id);
    const failed = h.engine.tasksOf(batch.id)[0];
    expect(failed.state).toBe('failed');
    // Only failed, rejected and expired tasks can be edited.
    expect(refusal(() => h.engine.editRetry(h.engine.tasksOf(batch.id)[1].id, { prompt: 'x' }))).toMatch(/^Only a task that failed/);
    // Too long a duration for 480p? A prompt of spaces: the shared validation says why.
    expect(refusal(() => h.engine.editRetry(failed.id, { prompt: '   ' }))).toMatch(/^The edit is not valid: /);
    expect(refusal(() => h.engine.editRetry(failed.id, { imageUrl: 'https://example.com/a.png' }))).toMatch(/has no source image/);
    expect(h.engine.task(failed.id)).toEqual(failed);

    h.engine.editRetry(failed.id, { prompt: 'row 2: two friends dancing', resolution: '720p' });
    const queued = h.engine.task(failed.id)!;
    // Queued again (and at once on its way: the lane has a free slot).
    expect(['queued', 'submitting']).toContain(queued.state);
    expect(queued).toMatchObject({ edits: 1, autoRetries: 0 });
    expect(queued.failCode).toBeUndefined();
    expect(queued.taskId).toBeUndefined();
    expect(queued.estimateMicros).toBe(taskCost({ mode: 'text-to-video', resolution: '720p', duration: 5 }));
    await settled(h.engine, batch.id);
    const done = h.engine.task(failed.id)!;
    expect(done.state).toBe('done');
    const sent = h.sim.submissions.at(-1)!.body as { input: { prompt: string; resolution: string; seed: number } };
    expect(sent.input).toMatchObject({ prompt: 'row 2: two friends dancing', resolution: '720p', seed: failed.request.input.seed });
    expect(h.engine.summary(batch.id)!.failures).toEqual({});

    // The edit is in the journal: it is there after a restart.
    await h.engine.close();
    await h.open();
    expect(h.engine.task(failed.id)!.request.input.prompt).toBe('row 2: two friends dancing');
  });
});

describe('automatic retry of provider problems', () => {
  it('tries three times in all with growing waits, counts each estimate, and says what waits', async () => {
    h = await harness({}, { changeIntervalMs: 1 });
    const activities: string[] = [];
    h.engine.onChange((c) => activities.push(c.status.activity));
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'flaky', libraryDir: h.libraryDir, tasks: prompts(['row 2 [sim:fail:MODEL_UNAVAILABLE] a storm']) });
    const [task] = h.engine.tasksOf(batch.id);
    await until(() => h.engine.task(task.id)!.autoRetries === 1, 20_000, 'the first automatic retry');
    const waiting = h.engine.task(task.id)!;
    expect(waiting.state).toBe('queued');
    expect(autoRetryWords(waiting, h.engine.status().autoAttempts!)).toBe('attempt 2 of 3');
    const firstWait = waiting.retryAt! - h.engine.state.tasks.get(task.id)!.times.queued!;
    // 30 s ± 25 %, times the time scale.
    const scale = 0.002;
    expect(firstWait).toBeGreaterThanOrEqual(22_500 * scale - 1);
    expect(firstWait).toBeLessThanOrEqual(37_500 * scale + 1);
    expect(h.engine.status()).toMatchObject({ retrying: 1, autoAttempts: 3 });
    expect(h.engine.status().activity).toBe('1 task waits to retry after a provider error');
    // Its estimate counts as queued money while it waits.
    expect(h.engine.costs().queuedMicros).toBe(EST);
    // Not submitted again before its time.
    expect(h.sim.submissions.length).toBe(1);

    const final = await settled(h.engine, batch.id);
    expect(final[0]).toMatchObject({ state: 'failed', autoRetries: 2, failCode: 'MODEL_UNAVAILABLE' });
    const times = h.sim.submissions.map((s) => s.time);
    expect(times.length).toBe(3);
    // Each submit came no sooner than its wait; the second wait is longer (60 s ± 25 %).
    expect(times[2] - times[1]).toBeGreaterThan(45_000 * scale * 0.9);
    expect(h.engine.costs()).toMatchObject({ queuedMicros: 0, committedMicros: 0, spentMicros: 0 });
    expect(activities).toContain('1 task waits to retry after a provider error');
  });

  it('never retries safety refusals, prompts, images or the account on its own', async () => {
    h = await harness({}, {});
    h.engine.start();
    const list = [
      'row 2 [sim:fail:SensitiveContent] a',
      'row 3 [sim:fail:PromptInvalid] b',
      'row 4 [sim:fail:ImageNotAccess] c',
      'row 5 [sim:fail:INSUFFICIENT_CREDITS] d'
    ];
    const batch = h.engine.addBatch({ name: 'no', libraryDir: h.libraryDir, tasks: prompts(list) });
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.map((t) => [t.state, t.autoRetries])).toEqual(list.map(() => ['failed', 0]));
    expect(h.sim.submissions.length).toBe(4);
  });

  it('stops at the cap: a retry is a new paid submit, checked like any other', async () => {
    h = await harness({}, { concurrency: 1 });
    h.engine.start();
    // One at a time: the first row's video, then the failing row; while its retry waits, the third
    // row takes the one submit the cap still allows, so the retry would pass it.
    const list = ['row 2 a calm sea', 'row 3 [sim:fail:Timeout] a storm', 'row 4 a quiet lake'];
    const batch = h.engine.addBatch({ name: 'capped', libraryDir: h.libraryDir, capMicros: 3 * EST - 1, tasks: prompts(list) });
    await until(() => h.engine.batches()[0].paused?.reason === 'cap', 20_000, 'the cap to pause the batch');
    await until(() => h.engine.status().inFlight === 0, 20_000, 'nothing at APIXO');
    const [first, flaky, third] = h.engine.tasksOf(batch.id);
    expect([first.state, third.state]).toEqual(['done', 'done']);
    expect(flaky).toMatchObject({ state: 'queued', autoRetries: 1 });
    expect(submissionsByPrompt(h.sim).get(list[1])).toBe(1);
    expect(h.engine.batches()[0].paused!.message).toMatch(/^Spending cap reached/);
    // The two videos are spent; the retry's estimate waits as queued money.
    expect(h.engine.costs()).toMatchObject({ spentMicros: 2 * EST, queuedMicros: EST, committedMicros: 0 });
    // A cap with room for it lets the retry go.
    h.engine.setBatchCap(batch.id, 3 * EST);
    await until(() => (submissionsByPrompt(h.sim).get(list[1]) ?? 0) === 2, 20_000, 'the retry to be submitted');
  });
});

describe('the breaker', () => {
  const fight = (i: number) => `row ${i + 2} [sim:fail:SensitiveContent] fight ${i}`;

  it('pauses a batch after five safety refusals in a row, saying why; resume goes on', async () => {
    h = await harness({}, { concurrency: 1 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'unsafe', libraryDir: h.libraryDir, tasks: rows(8, { prompt: fight }) });
    await until(() => h.engine.batches()[0].paused !== undefined, 20_000, 'the breaker');
    await until(() => h.engine.status().inFlight === 0, 20_000, 'nothing at APIXO');
    const paused = h.engine.batches()[0].paused!;
    expect(paused).toEqual({ reason: 'breaker', message: 'Paused after 5 safety refusals in a row: edit the prompts or images, then resume.' });
    expect(h.engine.summary(batch.id)!.counts).toMatchObject({ failed: 5, queued: 3 });
    h.engine.resumeBatch(batch.id);
    const tasks = await settled(h.engine, batch.id);
    // Three more refusals: fewer than five since the resume.
    expect(tasks.every((t) => t.state === 'failed')).toBe(true);
    expect(h.engine.batches()[0].paused).toBeUndefined();
  });

  it('a success in between starts the count again', async () => {
    h = await harness({}, { concurrency: 1 });
    h.engine.start();
    const list = Array.from({ length: 9 }, (_, i) => (i === 4 ? 'row 6 a calm sea' : fight(i)));
    const batch = h.engine.addBatch({ name: 'mixed', libraryDir: h.libraryDir, tasks: prompts(list) });
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.filter((t) => t.state === 'failed').length).toBe(8);
    expect(h.engine.batches()[0].paused).toBeUndefined();
  });

  it('keeps its count across a restart', async () => {
    h = await harness({}, { concurrency: 1 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'restart', libraryDir: h.libraryDir, tasks: rows(8, { prompt: fight }) });
    await until(() => h.engine.summary(batch.id)!.counts.failed === 3, 20_000, 'three refusals');
    await h.engine.close();
    await h.open();
    h.engine.start();
    await until(() => h.engine.batches()[0].paused !== undefined, 20_000, 'the breaker after the restart');
    expect(h.engine.batches()[0].paused!.reason).toBe('breaker');
    await until(() => h.engine.status().inFlight === 0, 20_000, 'nothing at APIXO');
    // At most one more submit was in flight when the fifth refusal came.
    expect(h.engine.summary(batch.id)!.counts.failed).toBe(5);
    // Paused stays paused across another restart; resume clears it for good.
    await h.engine.close();
    await h.open();
    expect(h.engine.batches()[0].paused!.reason).toBe('breaker');
    h.engine.resumeBatch(batch.id);
    await h.engine.close();
    await h.open();
    h.engine.start();
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.every((t) => t.state === 'failed')).toBe(true);
    expect(h.engine.batches()[0].paused).toBeUndefined();
  });

  it('counts provider problems too, at ten in a row', async () => {
    h = await harness({}, { concurrency: 1, autoRetryLimit: 0 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'down', libraryDir: h.libraryDir, tasks: rows(12, { prompt: (i) => `row ${i + 2} [sim:fail:Timeout] ${i}` }) });
    await until(() => h.engine.batches()[0].paused !== undefined, 30_000, 'the breaker');
    await until(() => h.engine.status().inFlight === 0, 20_000, 'nothing at APIXO');
    expect(h.engine.batches()[0].paused!.message).toMatch(/^Paused after 10 provider failures in a row/);
    expect(h.engine.summary(batch.id)!.counts.failed).toBe(10);
  });
});
