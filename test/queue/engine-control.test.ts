import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineChange } from '../../src/main/core/queue/engine';
import { harness, rows, settled, submissionsByPrompt, until, type Harness } from '../support/engine-harness';
import { FAKED } from '../support/virtual-time';

// These run on fake time (architecture.md, "Testing"): the engine, the simulator and the HTTP
// client read one clock that moves only when every answer is in, so nothing sleeps and no
// timing depends on the machine's load. engine.test.ts keeps real-time runs on purpose.
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

function changes(): EngineChange[] {
  const seen: EngineChange[] = [];
  h.engine.onChange((c) => seen.push(c));
  return seen;
}

describe("scheduling under the server's limits", () => {
  it('adapts to a concurrency limit below its own: 429s lower the limit and pause submits, every task ends done', async () => {
    h = await harness({ concurrencyLimit: 2 }, { concurrency: 6, changeIntervalMs: 1 });
    const seen = changes();
    h.engine.start();
    const batch = h.engine.addBatch({ name: '429', libraryDir: h.libraryDir, tasks: rows(16) });
    const tasks = await settled(h.engine, batch.id, 30_000);
    expect(tasks.every((t) => t.state === 'done')).toBe(true);
    expect([...submissionsByPrompt(h.sim).values()].every((n) => n === 1)).toBe(true);
    const submits = h.sim.requests.filter((r) => r.endpoint === 'submit');
    const limited = submits.filter((r) => r.status === 429).length;
    expect(limited).toBeGreaterThan(0);
    // Far fewer 429s than submits: the limit came down instead of hammering the server.
    expect(limited).toBeLessThan(submits.length / 2);
    expect(Math.min(...seen.map((c) => c.status.effectiveLimit))).toBeLessThanOrEqual(3);
    expect(seen.some((c) => /^paused by the server until \d\d:\d\d:\d\d$/.test(c.status.activity))).toBe(true);
  });

  it('says why it waits when every slot is busy', async () => {
    h = await harness({}, { concurrency: 2 });
    const seen = changes();
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'slots', libraryDir: h.libraryDir, tasks: rows(6) });
    await settled(h.engine, batch.id);
    expect(seen.some((c) => c.status.activity === 'waiting: 2 of 2 slots busy')).toBe(true);
  });

  it('coalesces changes: a few updates a second however many tasks change', async () => {
    h = await harness({}, { concurrency: 20, changeIntervalMs: 200 });
    const seen = changes();
    const started = Date.now();
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'events', libraryDir: h.libraryDir, tasks: rows(40) });
    await settled(h.engine, batch.id);
    h.engine.flushChanges();
    const elapsed = Date.now() - started;
    const taskChanges = seen.reduce((n, c) => n + c.tasks.length, 0);
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 2);
    expect(taskChanges).toBeGreaterThan(seen.length);
    // Nothing is lost in the coalescing: the last word on every task is "done".
    const last = new Map<string, string>();
    for (const c of seen) for (const t of c.tasks) last.set(t.id, t.state);
    expect(last.size).toBe(40);
    expect([...last.values()].every((s) => s === 'done')).toBe(true);
    expect(seen.at(-1)!.costs).toMatchObject({ spentMicros: 40 * 60_000, committedMicros: 0, queuedMicros: 0 });
  });
});

describe('account problems pause the queue without losing anything', () => {
  it('a wrong key pauses everything with "check your API key"; a new key resumes it', async () => {
    h = await harness();
    h.engine.setClient(h.clientWith({ apiKey: 'wrong-key' }));
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'auth', libraryDir: h.libraryDir, tasks: rows(5) });
    // The first refusal pauses the account; submits already on their way come back refused too.
    await until(() => h.engine.status().account !== undefined && h.engine.tasksOf(batch.id).every((t) => t.state !== 'submitting'), 5_000, 'auth pause');
    expect(h.engine.status()).toMatchObject({ account: { reason: 'auth' }, activity: 'paused: check your API key' });
    expect(h.engine.status().account!.message).toMatch(/API key/);
    expect(h.engine.tasksOf(batch.id).every((t) => t.state === 'queued' && t.attempts === 0)).toBe(true);
    expect(h.sim.submissions).toHaveLength(0);
    h.engine.setClient(h.client);
    h.engine.resumeAccount();
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.every((t) => t.state === 'done')).toBe(true);
  });

  it('running out of balance pauses submits, keeps collecting what is in flight, and resumes after a top-up', async () => {
    h = await harness({ balanceUsd: 0.2 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'balance', libraryDir: h.libraryDir, tasks: rows(8) });
    await until(() => h.engine.status().account?.reason === 'balance', 5_000, 'balance pause');
    expect(h.engine.status().activity).toBe('paused: add balance to your APIXO account');
    // $0.20 buys three $0.06 videos; they are still polled and downloaded while submits wait.
    await until(() => h.engine.tasksOf(batch.id).filter((t) => t.state === 'done').length === 3, 10_000, 'in-flight tasks collected');
    expect(h.engine.tasksOf(batch.id).filter((t) => t.state === 'queued')).toHaveLength(5);
    h.sim.setBalance(10);
    h.engine.resumeAccount();
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.every((t) => t.state === 'done')).toBe(true);
    expect(h.sim.submissions).toHaveLength(8);
  });

  it('a spending cap stops submits before the estimate would pass it, saying why', async () => {
    h = await harness({}, { concurrency: 8 });
    h.engine.start();
    // $0.25 allows four $0.06 videos ($0.24); the fifth would pass the cap.
    const batch = h.engine.addBatch({ name: 'capped', libraryDir: h.libraryDir, tasks: rows(8), capMicros: 250_000 });
    await until(() => h.engine.summary(batch.id)!.batch.paused?.reason === 'cap', 5_000, 'cap pause');
    await until(() => h.engine.tasksOf(batch.id).filter((t) => t.state === 'done').length === 4, 10_000, 'four done');
    expect(h.sim.submissions).toHaveLength(4);
    expect(h.engine.summary(batch.id)!.batch.paused!.message).toMatch(/Spending cap reached: \$0\.24 of this batch's \$0\.25/);
    expect(h.engine.costs().spentMicros).toBe(240_000);
    // Raising the cap lets the batch go on.
    h.engine.setBatchCap(batch.id, 1_000_000);
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.every((t) => t.state === 'done')).toBe(true);
    expect(h.engine.summary(batch.id)!.batch.paused).toBeUndefined();
  });

  it('an overall cap across batches pauses the queue until it is raised', async () => {
    h = await harness({}, { concurrency: 8, overallCapMicros: 130_000 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'overall', libraryDir: h.libraryDir, tasks: rows(4) });
    await until(() => h.engine.status().activity === 'paused: spending cap reached', 5_000, 'overall cap');
    await until(() => h.engine.tasksOf(batch.id).filter((t) => t.state === 'done').length === 2, 10_000, 'two done');
    expect(h.sim.submissions).toHaveLength(2);
    h.engine.setOverallCap(undefined);
    expect((await settled(h.engine, batch.id)).every((t) => t.state === 'done')).toBe(true);
  });
});

describe('restarts and faults', () => {
  it('picks up a batch after the app closed mid-way, submitting no row twice', async () => {
    h = await harness({}, { concurrency: 4 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'restart', libraryDir: h.libraryDir, tasks: rows(12) });
    await until(() => h.engine.tasksOf(batch.id).some((t) => t.state === 'done'), 10_000, 'first video');
    await h.engine.close();
    const engine = await h.open();
    expect(engine.recovery.resumedPolls + engine.recovery.resumedDownloads).toBeGreaterThan(0);
    engine.start();
    const tasks = await settled(engine, batch.id);
    expect(tasks.every((t) => t.state === 'done')).toBe(true);
    expect([...submissionsByPrompt(h.sim).values()]).toEqual(Array(12).fill(1));
  });

  it('reports a state the API does not document, and keeps polling to the end', async () => {
    // Slower time, so the odd state lasts long enough to be seen between polls.
    h = await harness({}, {}, 0.01);
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'weird', libraryDir: h.libraryDir, tasks: rows(1, { prompt: () => 'a fox [sim:state:QUEUED_UPSTREAM]' }) });
    const id = batch.taskIds[0];
    await until(() => h.engine.task(id)!.note?.includes('"QUEUED_UPSTREAM"') === true, 5_000, 'the odd state reported');
    expect(h.engine.task(id)!.note).toBe('APIXO reports a state this app does not know ("QUEUED_UPSTREAM"); it keeps checking.');
    const [task] = await settled(h.engine, batch.id);
    expect(task.state).toBe('done');
  });

  it('an expired result URL ends as expired with a clear message', async () => {
    h = await harness();
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'expired', libraryDir: h.libraryDir, tasks: rows(1, { prompt: () => 'old news [sim:expired]' }) });
    const [task] = await settled(h.engine, batch.id);
    expect(task.state).toBe('expired');
    expect(task.note).toMatch(/expired/);
    expect(readdirSync(h.libraryDir).filter((f) => f.endsWith('.mp4') || f.endsWith('.part'))).toEqual([]);
  });
});

describe('a task APIXO does not know', () => {
  it('is polled for a while, then waits for a person instead of being polled forever', async () => {
    h = await harness({ faults: { resetAfterAcceptRate: 1 } });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'unknown', libraryDir: h.libraryDir, tasks: rows(1) });
    const [task] = await settled(h.engine, batch.id);
    h.engine.attachTaskId(task.id, '0123456789abcdef0123456789abcdef');
    const [after] = await settled(h.engine, batch.id);
    expect(after.state).toBe('needs_review');
    expect(after.note).toMatch(/task not found/);
    expect(h.sim.requests.filter((r) => r.endpoint === 'status' && r.status === 404)).toHaveLength(12);
    expect(h.sim.submissions).toHaveLength(1);
  });
});
