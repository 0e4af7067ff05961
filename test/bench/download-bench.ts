// The download benchmark: a batch of 1080p × 20 s videos at concurrency 1,000 against the
// simulator serving files of real sizes (30 MB each, made on the fly) over loopback, through a
// real BatchEngine with its self-sizing download pool (architecture.md, "Downloads"); the
// simulator runs in a child process (download-sim.ts), as storage is no part of the app. It
// measures the results finished but not yet downloaded over time, the throughput, the pool's
// size and the main process's RSS. A script, never a timed test.
//
//   npx tsx --tsconfig tsconfig.node.json test/bench/download-bench.ts
//
// Knobs (env): LTX_BENCH_DL_TASKS (default 1000), LTX_BENCH_DL_TIME_SCALE (default 0.1),
// LTX_BENCH_DL_LINK_MBPS (a per-connection speed limit in Mbit/s; default none: loopback).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskRecord } from '@shared/batch';
import { isSettled } from '@shared/batch-summary';
import { LATENCY } from '@shared/model';
import { ApixoClient } from '../../src/main/core/apixo';
import { DEFAULT_POOL_LIMITS } from '../../src/main/core/download/pool-controller';
import { createLogger } from '../../src/main/core/log/logger';
import { BatchEngine, type NewTask } from '../../src/main/core/queue/engine';
import type { SimulatorOptions } from '../../src/main/core/simulator';
import { REAL_BYTES_PER_SECOND } from '../../src/main/core/simulator/sized-clip';
import { benchPrompt } from './csv-bench';
import { mb, median, seededRandom } from './stats';

const CONCURRENCY = 1000;
const SAMPLE_MS = 100;
const FILE_BYTES = REAL_BYTES_PER_SECOND['1080p'] * 20;

export interface DownloadBenchSpec {
  tasks: number;
  timeScale: number;
  /** Per-connection speed limit (bytes/s real); undefined: as fast as loopback goes. */
  linkBytesPerSecond?: number;
  seed: number;
  timeoutMs: number;
}

export interface DownloadBenchResult {
  spec: DownloadBenchSpec;
  done: number;
  notDone: Record<string, number>;
  /** Results finished (succeeded at APIXO) but not yet in the library, sampled every 100 ms real from the first success to the last download. */
  backlog: { median: number; max: number; last: number };
  /** Results arriving (succeeding; first to last success) and landing (first success to last download) per second, real. */
  arrivalPerSec: number;
  landedPerSec: number;
  /** Bytes landed per second, real. */
  throughputBytesPerSec: number;
  pool: { median: number; max: number; timeline: string };
  maxRssBytes: number;
  wallRealMs: number;
  /** Mean time a result waited from success to its download's start, and from start to done (real ms). */
  meanWaitMs: number;
  meanDownloadMs: number;
}

/** The simulator in a child process (download-sim.ts), so that the RSS and CPU measured are the app's alone. */
async function simulatorProcess(options: SimulatorOptions): Promise<{ baseUrl: string; apiKey: string; close: () => Promise<void> }> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules/tsx/dist/cli.mjs'),
      '--tsconfig',
      join(root, 'tsconfig.node.json'),
      join(root, 'test/bench/download-sim.ts'),
      JSON.stringify(options)
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit']
    }
  );
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the bench's simulator stopped (exit ${code})`);
    })
  ])) as [string];
  const { baseUrl, apiKey } = JSON.parse(line) as { baseUrl: string; apiKey: string };
  return {
    baseUrl,
    apiKey,
    close: async () => {
      const exited = once(child, 'exit');
      child.stdin!.end();
      await exited;
    }
  };
}

function rowsFor(n: number): NewTask[] {
  return Array.from({ length: n }, (_, i) => ({
    source: { row: i + 2, take: 1, cells: { name: `clip-${i}`, prompt: benchPrompt(i) } },
    draft: { mode: 'text-to-video', prompt: benchPrompt(i), resolution: '1080p', duration: 20 }
  }));
}

export async function downloadBench(spec: Partial<DownloadBenchSpec> = {}): Promise<DownloadBenchResult> {
  const full: DownloadBenchSpec = {
    tasks: spec.tasks ?? Number(process.env.LTX_BENCH_DL_TASKS ?? 1000),
    timeScale: spec.timeScale ?? Number(process.env.LTX_BENCH_DL_TIME_SCALE ?? 0.1),
    linkBytesPerSecond: spec.linkBytesPerSecond ?? (process.env.LTX_BENCH_DL_LINK_MBPS ? (Number(process.env.LTX_BENCH_DL_LINK_MBPS) * 1e6) / 8 : undefined),
    seed: spec.seed ?? 15,
    timeoutMs: spec.timeoutMs ?? 20 * 60_000
  };
  const ts = full.timeScale;
  const random = seededRandom(full.seed);
  const sim = await simulatorProcess({
    timeScale: ts,
    seed: full.seed,
    concurrencyLimit: CONCURRENCY,
    balanceUsd: 10_000_000,
    fileSizes: 'real',
    link: full.linkBytesPerSecond ? { perConnectionBytesPerSecond: full.linkBytesPerSecond } : undefined
  });
  const dir = mkdtempSync(join(tmpdir(), 'ltx-bench-downloads-'));
  const libraryDir = join(dir, 'library');
  const client = new ApixoClient({ apiKey: sim.apiKey, baseUrl: sim.baseUrl, timeScale: ts, timeoutMs: 30_000, random });
  // LTX_BENCH_DL_VERBOSE=1: the pool's decisions on stderr.
  const log = process.env.LTX_BENCH_DL_VERBOSE
    ? createLogger((_level, line) => {
        if (line.includes('downloads at once')) console.error(line);
      })
    : undefined;
  const engine = await BatchEngine.open({ dataDir: join(dir, 'data'), client, timeScale: ts, concurrency: CONCURRENCY, random, log });
  const backlog: number[] = [];
  const pool: number[] = [];
  const timeline: string[] = [];
  let maxRss = process.memoryUsage.rss();
  try {
    const started = Date.now();
    engine.start();
    const batch = engine.addBatch({ name: 'downloads', libraryDir, tasks: rowsFor(full.tasks) });
    // The library of a run this size would be 45 GB: each video and its sidecar go once counted.
    const removed = new Set<string>();
    let firstSuccess: number | undefined;
    let lastTimeline = 0;
    while (!isSettled(engine.summary(batch.id)!)) {
      const now = Date.now();
      if (now - started > full.timeoutMs)
        throw new Error(`downloads: not settled in ${full.timeoutMs} ms: ${JSON.stringify(engine.summary(batch.id)!.counts)}`);
      let waiting = 0;
      let anySuccess = false;
      for (const task of engine.tasksOf(batch.id)) {
        if (task.state === 'succeeded' || task.state === 'downloading') waiting++;
        if (task.times.succeeded !== undefined) anySuccess = true;
        if (task.state === 'done' && task.file && !removed.has(task.id)) {
          removed.add(task.id);
          const video = join(libraryDir, task.file);
          void unlink(video).catch(() => undefined);
          void unlink(video.replace(/\.mp4$/, '.json')).catch(() => undefined);
        }
      }
      if (anySuccess) {
        firstSuccess ??= now;
        backlog.push(waiting);
        pool.push(engine.downloadPool().size);
        if (now - lastTimeline >= 5_000) {
          lastTimeline = now;
          timeline.push(`${((now - started) / 1000).toFixed(0)}s:${engine.downloadPool().size}/${waiting}`);
        }
      }
      maxRss = Math.max(maxRss, process.memoryUsage.rss());
      await sleep(SAMPLE_MS);
    }
    const wallRealMs = Date.now() - started;
    const tasks = engine.tasksOf(batch.id);
    const done = tasks.filter((t) => t.state === 'done');
    const notDone: Record<string, number> = {};
    for (const t of tasks) if (t.state !== 'done') notDone[t.state] = (notDone[t.state] ?? 0) + 1;
    const succeededTimes = tasks.map((t) => t.times.succeeded).filter((t): t is number => t !== undefined);
    const firstSucceeded = Math.min(...succeededTimes);
    const span = (Math.max(...done.map((t) => t.times.done!)) - firstSucceeded) / 1000;
    const arrivalSpan = Math.max(1, Math.max(...succeededTimes) - firstSucceeded) / 1000;
    const meanOf = (f: (t: TaskRecord) => number): number => done.reduce((s, t) => s + f(t), 0) / done.length;
    return {
      spec: full,
      done: done.length,
      notDone,
      backlog: { median: median(backlog), max: Math.max(...backlog), last: backlog.at(-1) ?? 0 },
      arrivalPerSec: succeededTimes.length / arrivalSpan,
      landedPerSec: done.length / span,
      throughputBytesPerSec: (done.length * FILE_BYTES) / span,
      pool: { median: median(pool), max: Math.max(...pool), timeline: timeline.join(' ') },
      maxRssBytes: maxRss,
      wallRealMs,
      meanWaitMs: meanOf((t) => t.times.downloading! - t.times.succeeded!),
      meanDownloadMs: meanOf((t) => t.times.done! - t.times.downloading!)
    };
  } finally {
    await engine.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function downloadTable(r: DownloadBenchResult): string {
  const ts = r.spec.timeScale;
  // What the batch asks of the downloads: 1,000 running, each finishing after its generation time.
  const meanGenerationS = ((LATENCY['1080p'].minMs + LATENCY['1080p'].maxMs) / 2 / 1000) * ts;
  const asked = CONCURRENCY / meanGenerationS;
  const link = r.spec.linkBytesPerSecond ? `, each connection ≤ ${((r.spec.linkBytesPerSecond * 8) / 1e6).toFixed(0)} Mbit/s` : ', loopback';
  return [
    `Downloads — ${r.spec.tasks} tasks of 1080p × 20 s (${mb(FILE_BYTES)} each, made on the fly), concurrency ${CONCURRENCY}, timeScale ${ts}${link}`,
    `  done ${r.done}/${r.spec.tasks}${Object.keys(r.notDone).length ? ` (not done: ${JSON.stringify(r.notDone)})` : ''}, ${(r.wallRealMs / 1000).toFixed(0)} s real`,
    `  results arriving      ${r.arrivalPerSec.toFixed(1)} /s real, first success to last (steady state: 1,000 running ÷ ${meanGenerationS.toFixed(1)} s mean generation = ${asked.toFixed(1)} /s; ${(asked * ts).toFixed(1)} /s at real speed)`,
    `  results landing       ${r.landedPerSec.toFixed(1)} /s real, ${mb(r.throughputBytesPerSec)}/s`,
    `  finished, not yet downloaded: median ${r.backlog.median}, max ${r.backlog.max} (sampled every ${SAMPLE_MS} ms)`,
    `  per result: ${(r.meanWaitMs / 1000).toFixed(2)} s waiting for a slot, ${(r.meanDownloadMs / 1000).toFixed(2)} s downloading and landing`,
    `  pool size: median ${r.pool.median}, max ${r.pool.max} (bound ${DEFAULT_POOL_LIMITS.max}); every 5 s, size/waiting: ${r.pool.timeline}`,
    `  main-process RSS max  ${mb(r.maxRssBytes)} (the engine's process; the simulator runs in its own)`,
    `  bound: in steady state the backlog is arrivals × time in the stage (Little's law), bounded while landing ≥ arriving;`,
    `         landing runs at this machine's speed, whatever the timeScale: ${r.landedPerSec.toFixed(1)} /s here against ${(asked * ts).toFixed(1)} /s asked at real speed (${(r.landedPerSec / (asked * ts)).toFixed(2)}×)`
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(downloadTable(await downloadBench()));
}
