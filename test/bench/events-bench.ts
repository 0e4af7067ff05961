// The window's event stream under a bulk batch: 10,000 tasks at concurrency 1,000 through a real
// AppService and the simulator over loopback (timeScale 0.05), with a "window" that shows one
// screen of the task table as the real one does. Counts the `queue:changed` events and measures
// each one's size as it would cross to the window (its JSON). A script, never a timed test.
// Alone: `npx tsx --tsconfig tsconfig.node.json test/bench/events-bench.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { taskIdFor, type BatchSummary } from '@shared/batch';
import { isSettled } from '@shared/batch-summary';
import type { EventMap } from '@shared/ipc';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { startSimulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';
import { benchPrompt } from './csv-bench';
import { median } from './stats';

const TASKS = 10_000;
const CONCURRENCY = 1_000;
const TIME_SCALE = 0.05;
/** Rows of the task table on one screen (and a few either side), as the window watches them. */
const SCREEN_ROWS = 40;

export interface EventsBenchResult {
  tasks: number;
  concurrency: number;
  timeScale: number;
  events: number;
  seconds: number;
  perSecond: { median: number; max: number };
  /** The shortest time between two events (ms): the coalescer's pace. */
  minGapMs: number;
  bytes: { median: number; max: number; total: number };
  done: number;
  /** The batch's tasks by state at the end. */
  counts: BatchSummary['counts'];
}

export async function eventsBench(): Promise<EventsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-bench-events-'));
  const key = 'bench-key-0000';
  const sim = await startSimulator({ apiKey: key, timeScale: TIME_SCALE, balanceUsd: 1_000_000, concurrencyLimit: CONCURRENCY, seed: 15 });
  let stored: Settings = { ...defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') }), concurrency: CONCURRENCY };
  const service = await AppService.start({
    settings: { read: () => stored, write: (next) => void (stored = next) },
    secrets: memorySecret(key),
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.0.0',
    resourcesDir: 'resources',
    apiBaseUrl: sim.baseUrl,
    timeScale: TIME_SCALE,
    watchLibrary: false
  });
  const call = async <T>(channel: string, ...args: unknown[]): Promise<T> => {
    const result = await service.dispatch(channel, args);
    if (!result.ok) throw new Error(`${channel}: ${result.message}`);
    return result.value as T;
  };
  const times: number[] = [];
  const sizes: number[] = [];
  let summary: BatchSummary | undefined;
  let batchId = '';
  service.on('queue:changed', (delta: EventMap['queue:changed']) => {
    times.push(performance.now());
    sizes.push(Buffer.byteLength(JSON.stringify(delta)));
    summary = delta.batches.find((b) => b.batch.id === batchId) ?? summary;
  });
  try {
    const text = Array.from({ length: TASKS }, (_, i) => benchPrompt(i)).join('\n');
    const preview = await call<{ token: string; rowCount: number }>('import:text', { text, lines: true, defaults: { duration: 5, resolution: '480p' } });
    if (preview.rowCount !== TASKS) throw new Error(`imported ${preview.rowCount} rows, not ${TASKS}`);
    // The window shows the first screen of the batch's table, and watches it (when main offers that).
    const created = await call<BatchSummary>('batches:create', { token: preview.token, name: 'events bench', skipInvalid: false });
    batchId = created.batch.id;
    summary = created;
    await call('tasks:page', batchId, { offset: 0, limit: 500 });
    if (service.handlers['queue:watch' as keyof typeof service.handlers]) {
      const ids = Array.from({ length: SCREEN_ROWS }, (_, i) => taskIdFor(batchId, i));
      await call('queue:watch', { ids, have: {} });
    }
    const deadline = performance.now() + 20 * 60_000;
    while (!(summary && isSettled(summary)) && performance.now() < deadline) await sleep(200);
    return report(times, sizes, summary?.counts ?? {});
  } finally {
    await service.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(times: number[], sizes: number[], counts: BatchSummary['counts']): EventsBenchResult {
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  // Events in each whole second of the run, the quiet ones included.
  const windows = new Array<number>(Math.max(1, Math.ceil((last - first) / 1000))).fill(0);
  for (const t of times) windows[Math.min(windows.length - 1, Math.floor((t - first) / 1000))]++;
  return {
    tasks: TASKS,
    concurrency: CONCURRENCY,
    timeScale: TIME_SCALE,
    events: times.length,
    seconds: (last - first) / 1000,
    perSecond: { median: median(windows), max: Math.max(...windows) },
    minGapMs: Math.min(...times.slice(1).map((t, i) => t - times[i])),
    bytes: { median: median(sizes), max: Math.max(0, ...sizes), total: sizes.reduce((a, b) => a + b, 0) },
    done: counts.done ?? 0,
    counts
  };
}

export function eventsTable(r: EventsBenchResult): string {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  return [
    `Window events: ${r.tasks.toLocaleString('en-US')} tasks at concurrency ${r.concurrency.toLocaleString('en-US')}, simulator at timeScale ${r.timeScale} (${r.done.toLocaleString('en-US')} done)`,
    `  tasks at the end  ${JSON.stringify(r.counts)}`,
    `  events            ${r.events} over ${r.seconds.toFixed(1)} s`,
    `  events / second   median ${r.perSecond.median}, max ${r.perSecond.max} (1-second windows; shortest gap ${r.minGapMs.toFixed(0)} ms)`,
    `  bytes / event     median ${kb(r.bytes.median)}, max ${kb(r.bytes.max)} (${(r.bytes.total / 1024 / 1024).toFixed(1)} MB in all)`
  ].join('\n');
}

/** The bench run and its table, for `npm run bench` (run.ts). */
export async function eventsBenchTable(): Promise<string> {
  return eventsTable(await eventsBench());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(eventsTable(await eventsBench()));
