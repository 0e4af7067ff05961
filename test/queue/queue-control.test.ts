/**
 * Steering the queue (architecture.md, "Triage"): the batches' order and tasks moved to the
 * front decide what the simulator receives next, pause-all and resume-all, archiving finished
 * batches with their money kept, distinct names and colours; all across a restart. On fake
 * time, against the loopback simulator.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { taskCost } from '@shared/pricing';
import { TaskActionError } from '../../src/main/core/queue/engine';
import { harness, rows, settled, until, type Harness } from '../support/engine-harness';
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

/** Prompts the simulator received, in order. */
function sent(): string[] {
  return h.sim.submissions.map((s) => (s.body as { input: { prompt: string } }).input.prompt);
}

function batchOf(name: string, n: number) {
  return h.engine.addBatch({ name, libraryDir: h.libraryDir, tasks: rows(n, { prompt: (i) => `${name}${i}` }) });
}

/** What the engine said when it refused. */
function refusal(fn: () => unknown): string {
  return thrown(fn, TaskActionError).message;
}

describe('the order of the queue', () => {
  it('submits batches in the order the person set, and tasks moved to the front first; across a restart', async () => {
    h = await harness({}, { concurrency: 1 });
    const a = batchOf('a', 3);
    const b = batchOf('b', 2);
    const c = batchOf('c', 2);
    h.engine.moveBatch(c.id, 'top');
    h.engine.moveBatch(a.id, 'down');
    expect(h.engine.batches().map((x) => x.name)).toEqual(['c', 'b', 'a']);
    // Queued tasks of a go to the front of a, the first named first; a task not queued is skipped.
    const [a0, a1, a2] = h.engine.tasksOf(a.id);
    h.engine.cancel(a1.id);
    expect(h.engine.toFront([a2.id, a1.id, 'nope'])).toBe(1);
    // The order and the move are in the journal.
    await h.engine.close();
    await h.open();
    expect(h.engine.batches().map((x) => x.name)).toEqual(['c', 'b', 'a']);
    expect(h.engine.task(a2.id)!.priority).toBeGreaterThan(0);
    h.engine.start();
    await settled(h.engine, a.id);
    await settled(h.engine, b.id);
    await settled(h.engine, c.id);
    expect(sent()).toEqual(['c0', 'c1', 'b0', 'b1', 'a2', 'a0']);
    expect(h.engine.task(a0.id)!.state).toBe('done');
  });

  it('follows a move made while it runs', async () => {
    h = await harness({}, { concurrency: 1 });
    const a = batchOf('a', 3);
    const b = batchOf('b', 2);
    h.engine.start();
    await until(() => sent().length === 1, 10_000, 'the first submit');
    h.engine.moveBatch(b.id, 0);
    await settled(h.engine, a.id);
    await settled(h.engine, b.id);
    expect(sent()).toEqual(['a0', 'b0', 'b1', 'a1', 'a2']);
  });

  it('moves by one place, to an end or to an index, and stays within the queue', async () => {
    h = await harness();
    const ids = ['a', 'b', 'c', 'd'].map((n) => batchOf(n, 1).id);
    const names = () =>
      h.engine
        .batches()
        .map((x) => x.name)
        .join('');
    h.engine.moveBatch(ids[0], 'up');
    expect(names()).toBe('abcd');
    h.engine.moveBatch(ids[0], 'bottom');
    expect(names()).toBe('bcda');
    h.engine.moveBatch(ids[0], 1);
    expect(names()).toBe('bacd');
    h.engine.moveBatch(ids[3], 99);
    expect(names()).toBe('bacd');
    expect(refusal(() => h.engine.moveBatch('nope', 'top'))).toBe('There is no batch nope.');
  });
});

describe('pause all and resume all', () => {
  it('pauses every batch with work, and resumes only what the person or the breaker paused', async () => {
    h = await harness({}, { concurrency: 1 });
    const capped = h.engine.addBatch({ name: 'capped', libraryDir: h.libraryDir, capMicros: EST - 1, tasks: rows(1, { prompt: () => 'cap' }) });
    const a = batchOf('a', 2);
    const b = batchOf('b', 2);
    h.engine.start();
    await until(() => h.engine.batches().find((x) => x.id === capped.id)!.paused?.reason === 'cap', 10_000, 'the cap');
    expect(h.engine.pauseAll()).toBe(2);
    expect(h.engine.batches().map((x) => x.paused?.reason)).toEqual(['cap', 'user', 'user']);
    await until(() => h.engine.status().inFlight === 0, 10_000, 'nothing at APIXO');
    const before = sent().length;
    expect(h.engine.resumeAll()).toBe(2);
    expect(h.engine.batches().map((x) => x.paused?.reason)).toEqual(['cap', undefined, undefined]);
    await settled(h.engine, a.id);
    await settled(h.engine, b.id);
    expect(sent().length).toBe(4);
    expect(before).toBeLessThan(4);
  });
});

describe('archive', () => {
  it('puts a finished batch away: out of the queue, its tasks compacted, its money kept; across a restart', async () => {
    h = await harness({}, { overallCapMicros: 4 * EST });
    const waiting = h.engine.addBatch({ name: 'waiting', libraryDir: h.libraryDir, tasks: rows(1, { prompt: () => 'w' }) });
    h.engine.pauseBatch(waiting.id);
    h.engine.start();
    const done = batchOf('done', 3);
    await settled(h.engine, done.id);
    await until(() => h.engine.status().inFlight === 0, 10_000, 'nothing at APIXO');
    const spentBefore = h.engine.costs().spentMicros;
    expect(spentBefore).toBe(3 * EST);
    // A batch with work left is refused, naming the tasks; nothing is archived.
    expect(() => h.engine.archive([done.id, waiting.id])).toThrow(
      /^"waiting" cannot be archived yet: 1 task is unfinished: 1 waiting to be submitted \(row 2\)/
    );
    expect(h.engine.batches()).toHaveLength(2);

    const tasksBefore = h.engine.state.tasks.size;
    await h.engine.archive([done.id]);
    expect(h.engine.batches().map((b) => b.name)).toEqual(['waiting']);
    const [archived] = h.engine.archived();
    expect(archived).toMatchObject({ batch: { id: done.id, name: 'done' }, counts: { done: 3 }, total: 3 });
    expect(archived.archivedAt).toBeGreaterThan(0);
    expect(h.engine.state.tasks.size).toBe(tasksBefore - 3);
    // The snapshot the journal compacted to holds the other batch's task only.
    const snapshot = JSON.parse(readFileSync(join(h.dataDir, 'snapshot.json'), 'utf8')) as { state: { tasks: unknown[]; archived: unknown[] } };
    expect(snapshot.state.tasks).toHaveLength(1);
    expect(snapshot.state.archived).toHaveLength(1);
    expect(h.engine.costs().spentMicros).toBe(spentBefore);

    await h.engine.close();
    await h.open();
    expect(h.engine.batches().map((b) => b.name)).toEqual(['waiting']);
    expect(h.engine.archived().map((b) => b.batch.name)).toEqual(['done']);
    expect(h.engine.costs().spentMicros).toBe(spentBefore);
    // The cap across all batches still counts what the archived batch spent: 3 of 4 estimates,
    // so one more video fits and the next does not.
    h.engine.start();
    h.engine.resumeBatch(waiting.id);
    const more = batchOf('more', 1);
    await settled(h.engine, waiting.id);
    await until(() => h.engine.status().activity === 'paused: spending cap reached', 10_000, 'the overall cap');
    expect(h.engine.tasksOf(more.id)[0].state).toBe('queued');
    // The same name again is told apart from the archived one.
    expect(batchOf('done', 1).name).toBe('done (2)');
  });

  it('keeps the archived batch in a spend window still open, so the window measures it', async () => {
    h = await harness({ balanceUsd: 50 });
    h.engine.start();
    const batch = batchOf('w', 2);
    await settled(h.engine, batch.id);
    const open = [...h.engine.state.windows.values()].filter((w) => w.closedAt === undefined);
    await h.engine.archive([batch.id]);
    await until(() => [...h.engine.state.windows.values()].every((w) => w.closedAt !== undefined), 10_000, 'the window to close');
    expect(h.engine.costs().spend).toMatchObject({ estimatedMicros: 2 * EST, measuredMicros: 2 * EST, windows: 1 });
    // It was archived while the window was open: the archive kept its part of it.
    expect(open).toHaveLength(1);
    expect(h.engine.archived()).toHaveLength(1);
    expect(h.engine.state.archived.get(batch.id)!.openShares).toEqual({ [open[0].id]: { succeededMicros: 2 * EST, failedMicros: 0 } });
  });
});

describe('names and colours', () => {
  it('gives each batch a distinct name and the colour least in use', async () => {
    h = await harness();
    const names = ['Pasted prompts', 'Pasted prompts', 'Pasted prompts', 'Other'].map((n) => batchOf(n, 1));
    expect(names.map((b) => b.name)).toEqual(['Pasted prompts', 'Pasted prompts (2)', 'Pasted prompts (3)', 'Other']);
    expect(names.map((b) => b.colour)).toEqual([0, 1, 2, 3]);
    // The colour survives a restart and goes into the sidecar.
    await h.engine.close();
    await h.open();
    expect(h.engine.batches().map((b) => b.colour)).toEqual([0, 1, 2, 3]);
    h.engine.start();
    await settled(h.engine, names[1].id);
    const file = h.engine.tasksOf(names[1].id)[0].file!;
    const sidecar = JSON.parse(readFileSync(join(h.libraryDir, file.replace(/\.mp4$/, '.json')), 'utf8')) as { batch: { colour?: number } };
    expect(existsSync(join(h.libraryDir, file))).toBe(true);
    expect(sidecar.batch).toMatchObject({ name: 'Pasted prompts (2)', colour: 1 });
  });
});
