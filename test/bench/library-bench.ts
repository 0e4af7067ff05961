// The library benchmark: a folder of 10,000 videos with sidecars — index build, LibraryService
// open, the grid's queries, the periodic stat-only look at the folder, following new files, and
// memory. A script, never a timed test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import type { LibraryChange, LibraryQuery } from '@shared/library';
import type * as LibraryModule from '../../src/main/core/library';
import { heapUsedAfterGc } from './heap';
import { FOLDERS, writeLibrary } from './library-fixture';
import { measureNode, medianOf, type MedianMeasurement } from './measure';
import { mb, median } from './stats';

const VIDEOS = 10_000;
const BUILD_RUNS = 5;
const QUERY_RUNS = 25;
const CHILD_RUNS = 3;
const LANDING = 200;

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The grid's queries, as the window sends them. */
export const QUERIES: { name: string; query: LibraryQuery }[] = [
  { name: 'newest page of 200, no filter', query: { sort: 'newest', limit: 200 } },
  { name: 'text search ("fox")', query: { text: 'fox', limit: 200 } },
  { name: 'text + two filters ("lighthouse keeper", 720p, 16:9)', query: { text: 'lighthouse keeper', resolutions: ['720p'], aspects: ['16:9'], limit: 200 } },
  { name: 'favourites only', query: { favourite: true, limit: 200 } }
];

// The library's sources import `@shared/*`, which only tsconfig.node.json declares (see run.ts).
async function loadLibrary(): Promise<{ lib: typeof LibraryModule; unregister: () => Promise<void> }> {
  const loader = register({ namespace: 'library-bench', tsconfig: join(root, 'tsconfig.node.json') });
  const lib = (await loader.import('../../src/main/core/library/index.ts', import.meta.url)) as typeof LibraryModule;
  return { lib, unregister: () => loader.unregister() };
}

export interface TimedQuery {
  name: string;
  total: number;
  ms: number;
}

export interface LibraryBenchResult {
  videos: number;
  fixtureMs: number;
  indexBuildMs: number;
  serviceOpenMs: number;
  firstScanMs: number;
  queries: TimedQuery[];
  afterChangeMs: number;
  reconcileMs: number;
  heapBytes: number;
  landing: { videos: number; listedMs: number; events: number };
  child: MedianMeasurement;
  runs: { build: number; query: number; child: number };
}

function timeSync(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function timeAsync(runs: number, fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function libraryBench({ videos = VIDEOS } = {}): Promise<LibraryBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-bench-library-'));
  const { lib, unregister } = await loadLibrary();
  try {
    const libraryDir = join(dir, 'library');
    const cacheDir = join(dir, 'cache');
    let started = performance.now();
    writeLibrary(libraryDir, videos);
    const fixtureMs = performance.now() - started;
    const options = { libraryDir, cacheDir, trash: async () => undefined, reveal: () => undefined, watch: false };

    const indexBuildMs = await timeAsync(BUILD_RUNS, async () => {
      const index = new lib.LibraryIndex({ probeUnknown: false, concurrency: 32 });
      await index.build(libraryDir);
      if (index.size !== videos) throw new Error(`the index listed ${index.size} of ${videos} videos`);
    });
    const opens: number[] = [];
    const scans: number[] = [];
    for (let i = 0; i < BUILD_RUNS; i++) {
      started = performance.now();
      const service = await lib.LibraryService.open(options);
      opens.push(performance.now() - started);
      await service.idle();
      scans.push(performance.now() - started);
      await service.close();
    }

    const service = await lib.LibraryService.open(options);
    await service.idle();
    const queries = QUERIES.map(({ name, query }) => {
      const total = service.query(query).total;
      return { name, total, ms: timeSync(QUERY_RUNS, () => service.query(query)) };
    });
    if (queries.some((q) => q.total === 0)) throw new Error(`a query matched nothing: ${JSON.stringify(queries)}`);
    // The sorted order is kept between changes; a change (here a favourite) costs one re-sort.
    const afterChange: number[] = [];
    const first = service.query({ limit: 1 }).items[0].path;
    for (let i = 0; i < BUILD_RUNS; i++) {
      await service.setFavourite([first], i % 2 === 0);
      const at = performance.now();
      service.query(QUERIES[0].query);
      afterChange.push(performance.now() - at);
    }
    const reconcileMs = await timeAsync(BUILD_RUNS, () => service.reconcile());
    const heapBytes = heapUsedAfterGc();
    await service.close();

    // Following: videos landing in a new folder of the followed library, at the default settle time.
    const followed = await lib.LibraryService.open({ ...options, watch: true });
    await followed.idle();
    const events: LibraryChange[] = [];
    followed.onChange((c) => events.push(c));
    started = performance.now();
    writeLibrary(libraryDir, LANDING, videos, () => 'landed');
    while (followed.query({ limit: 0 }).total < videos + LANDING) await sleep(20);
    const listedMs = performance.now() - started;
    await sleep(500); // the last coalesced change
    await followed.close();

    const child = await medianOf(CHILD_RUNS, () =>
      measureNode(['--import', 'tsx', fileURLToPath(import.meta.url), '--child', libraryDir, cacheDir], { cwd: root })
    );
    if (child.codes.join() !== '0') throw new Error(`the measured process exited ${child.codes.join()}`);

    return {
      videos,
      fixtureMs,
      indexBuildMs,
      serviceOpenMs: median(opens),
      firstScanMs: median(scans),
      queries,
      afterChangeMs: median(afterChange),
      reconcileMs,
      heapBytes,
      landing: { videos: LANDING, listedMs, events: events.length },
      child,
      runs: { build: BUILD_RUNS, query: QUERY_RUNS, child: CHILD_RUNS }
    };
  } finally {
    await unregister();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (value: number): string => (value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`);

export function libraryTable(r: LibraryBenchResult): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  return [
    `Library: ${n(r.videos)} videos with sidecars in ${FOLDERS} folders (one sample MP4 hard-linked; fixture written in ${(r.fixtureMs / 1000).toFixed(1)} s); medians of ${r.runs.build} builds and ${r.runs.query} runs per query`,
    '',
    '| measure | result |',
    '|---|---|',
    `| LibraryIndex.build (readdir, stat, read + check every sidecar) | ${ms(r.indexBuildMs)} |`,
    `| LibraryService.open, not following (the build and the list of thumbnails) | ${ms(r.serviceOpenMs)} |`,
    `| … until its first full stat scan is done (in the background, after open) | ${ms(r.firstScanMs)} |`,
    ...r.queries.map((q) => `| query: ${q.name} → ${n(q.total)} match | ${ms(q.ms)} |`),
    `| query: newest page of 200, first after a change (one re-sort of ${n(r.videos)}) | ${ms(r.afterChangeMs)} |`,
    `| periodic look at the folder (stat-only scan of ${n(r.videos)} videos + sidecars, nothing changed) | ${ms(r.reconcileMs)} |`,
    `| heap used with one service open (after GC; the bench's own modules included) | ${mb(r.heapBytes)} |`,
    `| ${r.landing.videos} videos landing in a followed library: all listed after / change events | ${ms(r.landing.listedMs)} / ${r.landing.events} |`,
    `| whole process (open + the four queries, median of ${r.runs.child}): wall / peak RSS | ${(r.child.wallMs / 1000).toFixed(2)} s / ${(r.child.maxRssKb / 1024).toFixed(0)} MB |`
  ].join('\n');
}

/** The measured child: opens the library, runs each query once, exits. */
async function child(libraryDir: string, cacheDir: string): Promise<void> {
  const { lib } = await loadLibrary();
  const service = await lib.LibraryService.open({ libraryDir, cacheDir, trash: async () => undefined, reveal: () => undefined, watch: false });
  await service.idle();
  for (const { query } of QUERIES) service.query(query);
  await service.close();
}

// `npx tsx test/bench/library-bench.ts`
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
  else console.log(libraryTable(await libraryBench()));
}
