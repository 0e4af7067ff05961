// The window's queue events under a bulk batch, through a real AppService and the simulator over
// loopback: bounded by what the window watches, never by how many tasks changed; deltas, not
// records; the rows watched exact and the totals exact; a window opened late catches up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taskIdFor, type BatchSummary, type TaskRecord } from '@shared/batch';
import { isSettled } from '@shared/batch-summary';
import type { Page, QueueDelta, QueueSnapshot, QueueWatchAnswer, TaskStates } from '@shared/ipc';
import { TASK_STATES } from '@shared/task-state';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';

const TIME_SCALE = 0.002;
const TASKS = 400;
const KEY = 'good-key-1234';
let dir: string;
let sim: Simulator;
let service: AppService;
let stored: Settings;

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value as T;
}

/** What a window holds: tasks by id, each at the version it is known current at, patched by deltas as the store does. */
class Mirror {
  readonly tasks = new Map<string, TaskRecord>();
  readonly at = new Map<string, number>();
  version = 0;
  last: QueueDelta | undefined;

  take(tasks: TaskRecord[], version: number): void {
    for (const task of tasks) {
      this.tasks.set(task.id, task);
      this.at.set(task.id, version);
    }
  }

  apply(delta: QueueDelta): void {
    const copy = structuredClone(delta);
    this.version = copy.version;
    this.last = copy;
    for (const change of copy.tasks) {
      const held = this.tasks.get(change.id);
      if (!held) throw new Error(`a delta for ${change.id}, which the window does not hold`);
      const next = { ...held, ...change.set } as TaskRecord;
      for (const key of change.unset ?? []) delete next[key];
      this.take([next], copy.version);
    }
  }

  have(ids: string[]): Record<string, number> {
    return Object.fromEntries(ids.filter((id) => this.at.has(id)).map((id) => [id, this.at.get(id)!]));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-feed-'));
  stored = { ...defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') }), concurrency: TASKS };
  sim = await startSimulator({ apiKey: KEY, timeScale: TIME_SCALE, concurrencyLimit: TASKS, seed: 7 });
  service = await AppService.start({
    settings: { read: () => stored, write: (next) => void (stored = next) },
    secrets: memorySecret(KEY),
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl: sim.baseUrl,
    timeScale: TIME_SCALE,
    watchLibrary: false
  });
});
afterEach(async () => {
  await service.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function bulkBatch(): Promise<BatchSummary> {
  const text = Array.from({ length: TASKS }, (_, i) => `A lighthouse in a storm, take ${i}`).join('\n');
  const preview = await call<{ token: string }>('import:text', { text, lines: true, defaults: { duration: 5, resolution: '480p' } });
  return call<BatchSummary>('batches:create', { token: preview.token, name: 'bulk', skipInvalid: false });
}

async function settled(deltas: QueueDelta[], batchId: string): Promise<void> {
  for (;;) {
    const summary = deltas.at(-1)?.batches.find((b) => b.batch.id === batchId);
    if (summary && isSettled(summary)) return;
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

const ROWS = 30;
const screen = (batchId: string, from: number) => Array.from({ length: ROWS }, (_, i) => taskIdFor(batchId, from + i));

describe('queue events to the window', () => {
  it('carry deltas for the watched rows only, so their size stays bounded however many tasks change at once', async () => {
    const window = new Mirror();
    const deltas: QueueDelta[] = [];
    // Beside each event, every task's state as main has it then: how many tasks changed between two events.
    const samples: Promise<string>[] = [];
    let id = '';
    service.on('queue:changed', (d) => {
      deltas.push(d);
      window.apply(d);
      if (id) samples.push(call<TaskStates>('tasks:states', id).then((s) => s.states));
    });
    const batch = await bulkBatch();
    id = batch.batch.id;
    // The table's first screen: fetched by page, then watched.
    const page = await call<Page<TaskRecord>>('tasks:page', id, { offset: 0, limit: 100 });
    window.take(page.items, window.version);
    const ids = screen(id, 0);
    const answer = await call<QueueWatchAnswer>('queue:watch', { ids, have: window.have(ids) });
    window.take(answer.tasks, answer.version);
    await settled(deltas, id);

    // Many tasks moved between two events (hundreds start at once), yet no event carried more than the rows watched.
    const seen = await Promise.all(samples);
    const moved = seen.slice(1).map((now, i) => [...now].filter((c, k) => c !== seen[i][k]).length);
    expect(Math.max(...moved)).toBeGreaterThan(ROWS);
    expect(Math.max(...deltas.map((d) => d.tasks.length))).toBeLessThanOrEqual(ROWS);
    const bytes = deltas.map((d) => Buffer.byteLength(JSON.stringify(d)));
    expect(Math.max(...bytes)).toBeLessThan(24 * 1024);
    // Only what changed: a task's prompt and request never travel again.
    for (const d of deltas) for (const t of d.tasks) expect(Object.keys(t.set)).not.toContain('request');
    expect(deltas.flatMap((d) => d.tasks.filter((t) => t.set.state !== undefined)).length).toBeGreaterThan(ROWS);

    // Every row on screen is exactly main's record, and the totals are main's.
    const now = await call<Page<TaskRecord>>('tasks:page', id, { offset: 0, limit: ROWS });
    for (const task of now.items) expect(window.tasks.get(task.id)).toEqual(task);
    const snap = await call<QueueSnapshot>('queue:snapshot');
    expect(window.last?.costs).toEqual(snap.costs);
    expect(window.last?.batches.find((b) => b.batch.id === id)?.counts).toEqual(snap.batches[0].counts);
    expect(snap.batches[0].counts.done).toBe(TASKS);

    // Scrolled down: the rows held from the first page at version 0 all changed since, and come whole.
    const lower = screen(id, 60);
    const down = await call<QueueWatchAnswer>('queue:watch', { ids: lower, have: window.have(lower) });
    expect(down.tasks.map((t) => t.id)).toEqual(lower);
    window.take(down.tasks, down.version);
    // And back up: the first rows were watched to the end, so nothing comes again.
    const back = await call<QueueWatchAnswer>('queue:watch', { ids, have: window.have(ids) });
    expect(back.tasks).toEqual([]);
    // The filter's view of the batch: every state in one letter.
    const states = await call<TaskStates>('tasks:states', id);
    expect(states.states).toBe(String.fromCharCode(65 + TASK_STATES.indexOf('done')).repeat(TASKS));
  });

  it('a row that changed just before the window starts watching it still gets that change', async () => {
    await call('queue:set-concurrency', 1);
    const window = new Mirror();
    service.on('queue:changed', (d) => window.apply(d));
    const batch = await bulkBatch();
    const id = batch.batch.id;
    // The last rows wait their turn; the window holds them from a page.
    const ids = screen(id, TASKS - ROWS);
    const page = await call<Page<TaskRecord>>('tasks:page', id, { offset: TASKS - ROWS, limit: ROWS });
    window.take(page.items, window.version);
    expect(page.items.every((t) => t.state === 'queued')).toBe(true);
    // The batch is canceled and, before that change goes out as an event, the window scrolls there.
    const [canceled, answer] = await Promise.all([call<number>('batches:cancel', id), call<QueueWatchAnswer>('queue:watch', { ids, have: window.have(ids) })]);
    expect(canceled).toBeGreaterThan(ROWS);
    window.take(answer.tasks, answer.version);
    // The event that carries the cancel comes (the card counts it).
    while ((window.last?.batches.find((b) => b.batch.id === id)?.counts.canceled ?? 0) < canceled) await new Promise((ok) => setTimeout(ok, 20));
    // Every row on screen is exactly main's record: canceled, as the batch card counts them.
    const now = await call<Page<TaskRecord>>('tasks:page', id, { offset: TASKS - ROWS, limit: ROWS });
    expect(now.items.every((t) => t.state === 'canceled')).toBe(true);
    for (const task of now.items) expect(window.tasks.get(task.id)).toEqual(task);
  });

  it('a window opened late gets the snapshot, then the rows it shows whole, then deltas that keep them exact', async () => {
    const deltas: QueueDelta[] = [];
    service.on('queue:changed', (d) => deltas.push(d));
    const batch = await bulkBatch();
    const id = batch.batch.id;
    // Half-way through, a window (a reload) starts from nothing.
    while ((deltas.at(-1)?.batches.find((b) => b.batch.id === id)?.counts.done ?? 0) < TASKS / 4) await new Promise((ok) => setTimeout(ok, 20));
    const late = new Mirror();
    service.on('queue:changed', (d) => late.apply(d));
    const snap = await call<QueueSnapshot>('queue:snapshot');
    expect(snap.batches[0].total).toBe(TASKS);
    const ids = screen(id, TASKS - ROWS);
    const answer = await call<QueueWatchAnswer>('queue:watch', { ids, have: {} });
    expect(answer.tasks.map((t) => t.id)).toEqual(ids);
    late.take(answer.tasks, answer.version);
    await settled(deltas, id);
    const now = await call<Page<TaskRecord>>('tasks:page', id, { offset: TASKS - ROWS, limit: ROWS });
    for (const task of now.items) expect(late.tasks.get(task.id)).toEqual(task);
    expect(now.items.every((t) => t.state === 'done')).toBe(true);
    expect(late.last?.costs).toEqual((await call<QueueSnapshot>('queue:snapshot')).costs);
  });
});
