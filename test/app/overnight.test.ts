import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSettled } from '@shared/batch-summary';
import { IN_FLIGHT_STATES } from '@shared/task-state';
import { BatchEngine, type EngineOptions } from '../../src/main/core/queue/engine';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { ApiProxy } from '../apixo/api-proxy';
import { rows } from '../support/engine-harness';
import { memoryLog } from '../support/memory-log';
import { CallCount, CountedClient, FAKED, VirtualTime } from '../support/virtual-time';

// An overnight run lives through the machine's own life: it sleeps, and the network goes away
// and comes back. The engine runs on fake time over real loopback HTTP (the simulator behind a
// proxy the test can unplug), in product time (timeScale 1): hours pass in milliseconds.
const KEY = 'sim-overnight-key';

let sim: Simulator;
let proxy: ApiProxy;
let engine: BatchEngine | undefined;
let dir: string;
let time: VirtualTime;
let lines: string[];

async function open(extra: Partial<EngineOptions> = {}): Promise<BatchEngine> {
  sim = await startSimulator({ timeScale: 1, seed: 5, apiKey: KEY });
  proxy = new ApiProxy(sim.origin);
  await proxy.start();
  dir = mkdtempSync(join(tmpdir(), 'ltx-overnight-'));
  const calls = new CallCount();
  const client = new CountedClient({ apiKey: KEY, baseUrl: proxy.baseUrl, timeScale: 1, timeoutMs: 5_000 }, calls);
  const memory = memoryLog();
  lines = memory.lines;
  engine = await BatchEngine.open({ dataDir: join(dir, 'data'), client, timeScale: 1, log: memory.log, changeIntervalMs: 1, ...extra });
  time = new VirtualTime(calls, () => engine);
  return engine;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED] });
});
afterEach(async () => {
  try {
    await engine?.close();
    await proxy?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  } finally {
    engine = undefined;
    vi.useRealTimers();
  }
});

const statusAnswers = (): number => sim.requests.filter((r) => r.endpoint === 'status').length;

describe('the machine sleeps', () => {
  it('sends no poll while asleep, then catches up spread within the request budget', async () => {
    const budgetPerMinute = 600; // 10 a second
    const e = await open({ concurrency: 40, requestBudgetPerMinute: budgetPerMinute });
    e.start();
    const batch = e.addBatch({ name: 'Night', libraryDir: join(dir, 'library'), tasks: rows(40) });
    await time.until(() => e.tasksOf(batch.id).every((t) => t.state === 'submitted'), 60_000, 'every task submitted');

    e.suspend();
    const asleepAt = Date.now();
    const polled = statusAnswers();
    // Eight hours asleep: the wall clock jumps, and the timers that do run meanwhile send nothing.
    vi.setSystemTime(asleepAt + 8 * 3_600_000);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(statusAnswers()).toBe(polled);
    expect(proxy.statusRequests).toBe(0);

    e.resume();
    const resumedAt = Date.now();
    await time.until(() => e.tasksOf(batch.id).every((t) => t.state === 'done'), 10 * 60_000, 'every video downloaded');

    // Every task was due while asleep; the catch-up is spread, never a burst over the budget.
    const times = sim.requests.filter((r) => r.endpoint === 'status' && r.time >= resumedAt).map((r) => r.time);
    expect(times).toHaveLength(40);
    const perSecond = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1_000).length));
    expect(perSecond).toBeLessThanOrEqual(budgetPerMinute / 60);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(3_000);
    expect(sim.submissions).toHaveLength(40);
    expect(lines.filter((l) => l.includes('going to sleep'))).toHaveLength(1);
  });
});

describe('the network goes away', () => {
  it('says so once, counts nothing against the tasks, and carries on by itself when it is back', async () => {
    const e = await open({ concurrency: 6 });
    const changed: string[] = [];
    e.onChange((c) => changed.push(...c.tasks.map((t) => `${t.id}:${t.state}:${t.note ?? ''}`)));
    e.start();
    const batch = e.addBatch({ name: 'Offline', libraryDir: join(dir, 'library'), tasks: rows(6) });
    await time.until(() => e.tasksOf(batch.id).every((t) => t.state === 'submitted'), 60_000, 'every task submitted');
    e.flushChanges();
    changed.length = 0;

    // The cable is pulled before the first poll, for half an hour.
    await proxy.setMode('down');
    const downAt = Date.now();
    await time.until(() => Date.now() >= downAt + 30 * 60_000, 40 * 60_000, 'half an hour offline');
    expect(e.status().activity).toMatch(/^Offline: cannot reach APIXO since \d\d:\d\d; carrying on when the connection is back$/);
    expect(e.tasksOf(batch.id).every((t) => IN_FLIGHT_STATES.has(t.state))).toBe(true);
    e.flushChanges();
    expect(changed, 'no task changed (no note, no count) while offline').toEqual([]);
    expect(lines.filter((l) => l.includes('offline:'))).toHaveLength(1);

    // Back, with APIXO answering "task not found" once for each task (it has just come back).
    const glitched = new Set<string>();
    proxy.statusOverride = (url) => {
      const taskId = new URL(url, 'http://x').searchParams.get('taskId')!;
      if (glitched.has(taskId)) return undefined;
      glitched.add(taskId);
      return { status: 404, body: { code: 404, message: 'Task not found' } };
    };
    await proxy.setMode('pass');
    await time.until(() => isSettled(e.summary(batch.id)!), 10 * 60_000, 'the batch to settle');
    expect(e.tasksOf(batch.id).map((t) => t.state)).toEqual(Array(6).fill('done'));
    expect(glitched.size).toBe(6);
    expect(e.status().activity).not.toMatch(/Offline/);
    expect(lines.filter((l) => l.includes('online again'))).toHaveLength(1);
    expect(sim.submissions).toHaveLength(6);
  });
});
