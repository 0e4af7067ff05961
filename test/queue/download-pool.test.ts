import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
import { probeMp4 } from '../../src/main/core/download/mp4-probe';
import { RESULT_RETENTION_MS } from '../../src/main/core/download/link-expiry';
import { netPolicy } from '../../src/main/core/net';
import { DownloadStage } from '../../src/main/core/queue/download-stage';
import { newBatchRecords } from '../../src/main/core/queue/new-batch';
import type { TaskPatch } from '../../src/main/core/queue/queue-state';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { systemClock } from '../../src/main/core/util/clock';
import { memoryLog } from '../support/memory-log';
import { rows } from '../support/engine-harness';
import { Api, body, resultUrl, untilComplete } from '../simulator/helpers';

// The download pool against the simulator over loopback: results of real sizes on a modelled
// link, faults injected by the simulator (architecture.md, "Downloads").

const TIME_SCALE = 0.001;
let dir: string;
const sims: Simulator[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltx-pool-'));
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `n` tasks that succeeded at the simulator; their result links. */
async function results(sim: Simulator, n: number, duration = 5): Promise<string[]> {
  const api = new Api(sim);
  const ids = await Promise.all(Array.from({ length: n }, () => api.create(body({ resolution: '480p', duration }))));
  for (const id of ids) await untilComplete(sim, id);
  return Promise.all(ids.map((id) => resultUrl(api, id)));
}

/** Succeeded tasks held in a map, and a stage over them on the real clock. */
function stageFor(
  sim: Simulator,
  urls: string[],
  libraryDir: string,
  options: { concurrency?: number; timeScale?: number; succeededAt?: (i: number) => number; duration?: number } = {}
) {
  const now = Date.now();
  const { batch, tasks } = newBatchRecords({ name: 'b', libraryDir, tasks: rows(urls.length, { duration: options.duration }) }, now, () => 0.5);
  const store = new Map<string, TaskRecord>(
    tasks.map((t, i) => [
      t.id,
      { ...t, state: 'succeeded' as const, taskId: `task${i}`, resultUrl: urls[i], times: { ...t.times, succeeded: options.succeededAt?.(i) ?? now } }
    ])
  );
  return { ...stageOver(sim, store, batch, options), store, ids: tasks.map((t) => t.id) };
}

/** A stage over tasks already held (a second run over the same journal, as after a restart). */
function stageOver(sim: Simulator, store: Map<string, TaskRecord>, batch: BatchRecord, options: { concurrency?: number; timeScale?: number } = {}) {
  const memory = memoryLog();
  const stage = new DownloadStage({
    concurrency: options.concurrency,
    stallTimeoutMs: 5_000,
    timeScale: options.timeScale ?? TIME_SCALE,
    policy: netPolicy({ apiBaseUrl: () => sim.origin }),
    random: () => 0.5,
    clock: systemClock,
    log: memory.log,
    task: (id) => store.get(id),
    batch: (id) => (id === batch.id ? batch : undefined),
    change: (task: TaskRecord, state?: TaskState, patch?: TaskPatch, o?: { unset?: (keyof TaskPatch)[] }) => {
      const next = { ...store.get(task.id)!, ...patch, ...(state ? { state, times: { ...task.times, [state]: Date.now() } } : {}) } as TaskRecord;
      for (const key of o?.unset ?? []) delete (next as unknown as Record<string, unknown>)[key];
      store.set(task.id, next);
      return next;
    },
    landed: () => undefined
  });
  return { stage, memory, batch };
}

/** Runs until every task is done (or `check` says stop), sampling the pool size at each turn. */
async function watch(stage: DownloadStage, store: Map<string, TaskRecord>, onTurn: (size: number) => void, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while ([...store.values()].some((t) => t.state !== 'done')) {
    if (Date.now() - started > limitMs) throw new Error(`not done: ${JSON.stringify([...store.values()].map((t) => t.state))}`);
    onTurn(stage.poolSize);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the self-sizing download pool over loopback', () => {
  it('grows from 3 while a throttled link carries more with more downloads, and shrinks when downloads fail', async () => {
    // Each connection 2 MB/s, the line 12 MB/s: 6 downloads fill it.
    const sim = await startSimulator({
      timeScale: TIME_SCALE,
      seed: 11,
      fileSizes: 'real',
      link: { perConnectionBytesPerSecond: 2e6, totalBytesPerSecond: 12e6 }
    });
    sims.push(sim);
    const urls = await results(sim, 48);
    const { stage, store, ids, memory } = stageFor(sim, urls, join(dir, 'grow'));
    expect(stage.poolSize).toBe(3);
    for (const id of ids) stage.enqueue(id);
    const sizes: number[] = [];
    let peak = 0;
    let faulted = false;
    let healed = false;
    const shrinks = (): number => memory.lines.filter((l) => /downloads at once: \d+ \(shrink/.test(l)).length;
    await watch(stage, store, (size) => {
      sizes.push(size);
      if (!faulted) peak = Math.max(peak, size);
      // Once it has grown to 6, storage starts failing; after two shrinks it is well again.
      if (!faulted && size >= 6) {
        faulted = true;
        sim.setFaults({ downloadServerErrorRate: 0.3, truncateDownloadRate: 0.2 });
      }
      if (faulted && !healed && shrinks() >= 2) {
        healed = true;
        sim.setFaults({ downloadServerErrorRate: 0, truncateDownloadRate: 0 });
      }
    });
    await stage.stop();
    expect(peak).toBeGreaterThanOrEqual(6);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(32);
    expect(healed).toBe(true);
    expect(Math.min(...sizes.slice(sizes.indexOf(peak)))).toBeLessThan(peak * 0.7);
    // Every video whole, at its length, in spite of the failures.
    for (const task of store.values()) expect((await probeMp4(join(dir, 'grow', task.file!))).durationSec).toBe(5);
  }, 90_000);

  it('steps back to 3 when the line is full with 3', async () => {
    // One connection fills the line: 6 carry no more than 3 (the line is slow enough that the
    // work around each file, which the others' bytes cover, leaves it full).
    const sim = await startSimulator({
      timeScale: TIME_SCALE,
      seed: 12,
      fileSizes: 'real',
      link: { perConnectionBytesPerSecond: 3e6, totalBytesPerSecond: 3e6 }
    });
    sims.push(sim);
    const urls = await results(sim, 16);
    const { stage, store, ids, memory } = stageFor(sim, urls, join(dir, 'flat'));
    for (const id of ids) stage.enqueue(id);
    const sizes: number[] = [];
    await watch(stage, store, (size) => sizes.push(size));
    await stage.stop();
    const steps = memory.lines.filter((l) => l.includes('downloads at once')).map((l) => /downloads at once: (\d+) \((\w+)/.exec(l)!.slice(1).join(' '));
    expect(steps.slice(0, 2)).toEqual(['6 grow', '3 back']);
    expect(Math.max(...sizes)).toBe(6);
  });
});

describe('download order', () => {
  it('downloads the results whose links expire soonest first', async () => {
    // Links signed for 15 real days (the simulator scales its TTL): the retention decides.
    const fast = await startSimulator({ timeScale: TIME_SCALE, seed: 13, resultTtlMs: (15 * RESULT_RETENTION_MS) / TIME_SCALE });
    sims.push(fast);
    const urls = await results(fast, 4);
    const now = Date.now();
    // Task 0 holds the one slot; then 1 (succeeded now: 24 h left), 2 (20 h ago: 4 h left),
    // 3 (23 h ago: 1 h left) are enqueued in that order.
    const ago = [0, 0, 20, 23].map((h) => now - h * 3_600_000);
    const { stage, store, ids } = stageFor(fast, urls, join(dir, 'order'), { concurrency: 1, timeScale: 1, succeededAt: (i) => ago[i] });
    for (const id of ids) stage.enqueue(id);
    await watch(stage, store, () => undefined);
    await stage.stop();
    const order = fast.requests.filter((r) => r.endpoint === 'file').map((r) => r.taskId);
    const simIds = urls.map((u) => /files\/([0-9a-f]+)\.mp4/.exec(u)![1]);
    expect(order).toEqual([simIds[0], simIds[3], simIds[2], simIds[1]]);
  });
});

describe('a download stopped halfway', () => {
  it('resumes from its .part in the next run and ends with the server’s whole file', async () => {
    const sim = await startSimulator({ timeScale: TIME_SCALE, seed: 14, fileSizes: 'real', link: { perConnectionBytesPerSecond: 2e6 } });
    sims.push(sim);
    const urls = await results(sim, 1, 10);
    const first = stageFor(sim, urls, join(dir, 'resume'), { concurrency: 1, duration: 10 });
    first.stage.enqueue(first.ids[0]);
    // Stopped (the app quits) once a third of the 3.75 MB is on disk.
    const part = (): string => join(dir, 'resume', `${first.store.get(first.ids[0])!.file}.part`);
    for (let i = 0; i < 1000; i++) {
      const file = first.store.get(first.ids[0])!.file;
      const size = file
        ? await stat(part()).then(
            (s) => s.size,
            () => 0
          )
        : 0;
      if (size > 1_250_000) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await first.stage.stop();
    const kept = (await stat(part())).size;
    expect(kept).toBeGreaterThan(1_250_000);
    expect(first.store.get(first.ids[0])!.state).toBe('downloading');

    const second = stageOver(sim, first.store, first.batch, { concurrency: 1 });
    second.stage.enqueue(first.ids[0]);
    await watch(second.stage, first.store, () => undefined);
    await second.stage.stop();
    expect(second.memory.lines.some((l) => /downloaded \d+ bytes in 1 attempt\(s\), resumed/.test(l))).toBe(true);
    const video = join(dir, 'resume', first.store.get(first.ids[0])!.file!);
    const whole = Buffer.from(await (await fetch(urls[0])).arrayBuffer());
    // The recipe was written into the landed file: its media, after the movie box, is the server's.
    expect((await probeMp4(video)).durationSec).toBe(10);
    expect((await readFile(video)).subarray(-1_000_000).equals(whole.subarray(-1_000_000))).toBe(true);
    expect(sim.counts().downloads.get(/files\/([0-9a-f]+)\.mp4/.exec(urls[0])![1])).toBe(3);
  });
});
