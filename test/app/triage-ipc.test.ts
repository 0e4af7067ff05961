/**
 * The window's doors to triage and queue control, through `AppService.dispatch` as the window
 * calls them (architecture.md, "Triage"): the answers the window relies on, and arguments or
 * actions refused in words. Against the built-in simulator over loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchSummary, TaskRecord } from '@shared/batch';
import { isSettled } from '@shared/batch-summary';
import type { Page, QueueDelta, QueueSnapshot } from '@shared/ipc';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService, type SecretStore, type SettingsStore } from '../../src/main/core/app/app-service';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';

const TIME_SCALE = 0.002;
let dir: string;
let sim: Simulator;
let service: AppService;
let stored: Settings;

const settings: SettingsStore = { read: () => stored, write: (next) => void (stored = next) };
// A saved key: the service talks to the loopback simulator below, whose submissions the tests read.
const secrets: SecretStore = { get: () => 'good-key-1234', set: () => undefined, clear: () => undefined };

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value as T;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function batchOf(text: string, name: string): Promise<BatchSummary> {
  const preview = await call<{ token: string }>('import:text', { text, lines: true });
  return call<BatchSummary>('batches:create', { token: preview.token, name, skipInvalid: false });
}

const snapshot = () => call<QueueSnapshot>('queue:snapshot');
const settledAll = () => until(async () => (await snapshot()).batches.every(isSettled), 'the queue to settle');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-triage-'));
  stored = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  sim = await startSimulator({ apiKey: 'good-key-1234', timeScale: TIME_SCALE });
  service = await AppService.start({
    settings,
    secrets,
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl: sim.baseUrl,
    timeScale: TIME_SCALE
  });
});
afterEach(async () => {
  await service.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('triage through the window', () => {
  it('groups failures, lists a group, edits and retries one, abandons the rest', async () => {
    const deltas: QueueDelta[] = [];
    service.on('queue:changed', (d) => deltas.push(d));
    const text = ['a lighthouse [sim:fail:SensitiveContent]', 'a kite [sim:fail:SensitiveContent]', 'a calm lake', 'an owl [sim:reject]'].join('\n');
    const batch = await batchOf(text, 'Pasted prompts');
    await settledAll();
    let snap = await snapshot();
    expect(snap.failures).toEqual({ safety: 2, rejected: 1 });
    expect(snap.batches[0].failures).toEqual({ safety: 2, rejected: 1 });
    // Each delta carries the queue's failures by cause, not only the changed batches'.
    await until(async () => JSON.stringify(deltas.at(-1)?.failures) === JSON.stringify({ safety: 2, rejected: 1 }), 'a delta with the failures');

    const page = await call<Page<TaskRecord>>('tasks:failures', null, 'safety', { offset: 0, limit: 1 });
    expect(page.total).toBe(2);
    expect(page.items.map((t) => t.source.row)).toEqual([1]);

    // A bad edit is refused in words, and the task stays as it was.
    const refused = await service.dispatch('tasks:edit-retry', [page.items[0].id, { prompt: '   ' }]);
    expect(refused).toMatchObject({ ok: false, code: 'not_allowed' });
    expect((refused as { message: string }).message).toMatch(/^The edit is not valid: /);
    const edited = await call<TaskRecord>('tasks:edit-retry', page.items[0].id, { prompt: 'a lighthouse at dawn' });
    expect(edited.edits).toBe(1);
    await settledAll();
    expect(sim.submissions.some((s) => (s.body as { input: { prompt: string } }).input.prompt === 'a lighthouse at dawn')).toBe(true);
    snap = await snapshot();
    expect(snap.failures).toEqual({ safety: 1, rejected: 1 });

    // "Needs review" is never retried as a group; other groups answer how many.
    expect(await service.dispatch('batches:retry-group', [batch.batch.id, 'needs_review'])).toMatchObject({ ok: false, code: 'not_allowed' });
    expect(await call<number>('batches:abandon-group', null, 'safety')).toBe(1);
    expect(await call<number>('batches:abandon-group', batch.batch.id, 'rejected')).toBe(1);
    snap = await snapshot();
    expect(snap.failures).toEqual({});

    // Finished now: archive it; it leaves the batches for the archive.
    const archived = await call<QueueSnapshot>('batches:archive', [batch.batch.id]);
    expect(archived.batches).toEqual([]);
    expect(archived.archived.map((b) => [b.batch.name, b.counts.done, typeof b.archivedAt])).toEqual([['Pasted prompts', 2, 'number']]);
    await until(async () => deltas.some((d) => d.archived.some((b) => b.batch.id === batch.batch.id)), 'the delta naming the archived batch');
    // The name is taken by the archived batch: a new one with it is told apart.
    expect((await batchOf('a fox', 'Pasted prompts')).batch.name).toBe('Pasted prompts (2)');
  });

  it('moves batches and tasks, pauses and resumes all, answering the queue', async () => {
    // One at a time, each slow: the first batch's later tasks and the second batch wait.
    await call('queue:set-concurrency', 1);
    const first = await batchOf('one [sim:slow]\ntwo [sim:slow]\nthree [sim:slow]', 'first');
    const second = await batchOf('four [sim:slow]', 'second');
    const paused = await call<QueueSnapshot>('queue:pause-all');
    expect(paused.batches.map((b) => b.batch.paused?.reason)).toEqual(['user', 'user']);
    const moved = await call<QueueSnapshot>('batches:move', second.batch.id, 'top');
    expect(moved.batches.map((b) => b.batch.name)).toEqual(['second', 'first']);
    const tasks = await call<Page<TaskRecord>>('tasks:page', first.batch.id, { offset: 0, limit: 10 });
    const queued = tasks.items.filter((t) => t.state === 'queued').map((t) => t.id);
    expect(queued.length).toBeGreaterThanOrEqual(2);
    expect(await call<number>('tasks:to-front', [...queued.slice(-1), 'not-a-task'])).toBe(1);
    const resumed = await call<QueueSnapshot>('queue:resume-all');
    expect(resumed.batches.every((b) => !b.batch.paused)).toBe(true);
    await settledAll();
  });

  it('refuses bad arguments with a sentence, never running the handler', async () => {
    for (const [channel, args] of [
      ['batches:move', ['b1', 'sideways']],
      ['batches:move', ['b1', -1]],
      ['batches:archive', [[]]],
      ['batches:retry-group', [null, 'everything']],
      ['batches:abandon-group', ['b1']],
      ['tasks:failures', [null, 'safety']],
      ['tasks:edit-retry', ['t1', { prompt: 'x', mode: 'text-to-video' }]],
      ['tasks:edit-retry', ['t1', { duration: 2.5 }]],
      ['tasks:to-front', ['t1']],
      ['queue:pause-all', [1]]
    ] as [string, unknown[]][]) {
      const result = await service.dispatch(channel, args);
      expect(result, `${channel} ${JSON.stringify(args)}`).toMatchObject({ ok: false, code: 'invalid_argument' });
      expect((result as { message: string }).message.length).toBeGreaterThan(10);
    }
    expect(await service.dispatch('batches:move', ['nope', 'up'])).toMatchObject({ ok: false, code: 'not_allowed', message: 'There is no batch nope.' });
    expect(await service.dispatch('batches:archive', [['nope']])).toMatchObject({ ok: false, code: 'not_allowed', message: 'There is no batch nope.' });
    expect(await service.dispatch('tasks:edit-retry', ['nope', { prompt: 'x' }])).toMatchObject({ ok: false, message: 'There is no task nope.' });
    expect(await service.dispatch('tasks:failures', ['nope', 'safety', { offset: 0, limit: 10 }])).toMatchObject({
      ok: false,
      message: 'There is no batch nope.'
    });
    // An unfinished batch is refused, saying which tasks.
    const batch = await batchOf('a slow river [sim:slow]', 'slow');
    const refused = await service.dispatch('batches:archive', [[batch.batch.id]]);
    expect(refused).toMatchObject({ ok: false, code: 'not_allowed' });
    expect((refused as { message: string }).message).toMatch(/^"slow" cannot be archived yet: 1 task is unfinished/);
  });
});
