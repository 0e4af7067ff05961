// Folder watching, hand-written FolderWatch against chokidar, on a 10,000-video tree.
//   npm install --no-save chokidar   (not a dependency of the app; without it only FolderWatch runs)
//   TSX_TSCONFIG_PATH=tsconfig.node.json npx tsx test/bench/folder-watch-bench.ts [runs]
// Each run of each implementation is its own child process (clean memory and handle counts).
// Linux only: it counts inotify watches in /proc.
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readlink, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FolderWatch } from '../../src/main/core/library/folder-watch';
import { ChokidarFolderWatch, loadChokidar } from './chokidar-folder-watch';
import { median } from './stats';

const IMPLS = ['hand-per-folder', 'hand-recursive', 'chokidar'] as const;
type Impl = (typeof IMPLS)[number];
const FOLDERS = 100;
const PER_FOLDER = 100;
const BODY = Buffer.alloc(1024);

interface Scenario {
  /** Callbacks delivered. */
  events: number;
  /** Of the paths the scenario touched, how many a hint named (itself or its folder, after the change). */
  covered: number;
  expected: number;
  /** From the first change to the last hint. */
  ms: number;
}

interface Result {
  impl: Impl;
  readyMs: number;
  rssMb: number;
  heapMb: number;
  fds: number;
  inotifyWatches: number;
  scenarios: Record<string, Scenario>;
}

async function makeTree(root: string): Promise<void> {
  for (let f = 0; f < FOLDERS; f++) {
    const dir = join(root, `f${String(f).padStart(3, '0')}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(Array.from({ length: PER_FOLDER }, (_, i) => writeFile(join(dir, `clip-${i}.mp4`), BODY)));
  }
}

async function handles(): Promise<{ fds: number; inotifyWatches: number }> {
  const fds = await readdir('/proc/self/fd');
  let inotifyWatches = 0;
  for (const fd of fds) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (link !== 'anon_inode:inotify') continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    inotifyWatches += info.split('\n').filter((l) => l.startsWith('inotify wd:')).length;
  }
  return { fds: fds.length, inotifyWatches };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs in the child: one implementation, every scenario. */
async function child(impl: Impl, root: string): Promise<Result> {
  const hints: { rel: string | null; at: number }[] = [];
  const onHint = (rel: string | null): void => void hints.push({ rel, at: performance.now() });
  global.gc?.();
  const before = process.memoryUsage();
  const started = performance.now();
  if (impl === 'chokidar') await loadChokidar();
  const watch = impl === 'chokidar' ? new ChokidarFolderWatch({ root, onHint }) : new FolderWatch({ root, onHint, recursive: impl === 'hand-recursive' });
  await watch.start();
  const readyMs = performance.now() - started;
  global.gc?.();
  const after = process.memoryUsage();
  const { fds, inotifyWatches } = await handles();

  /** Waits for the hints to stop (300 ms quiet, 15 s at most), then scores the paths touched. */
  async function scenario(expected: (string | { path: string; at: number })[], act: () => Promise<void>): Promise<Scenario> {
    await sleep(300);
    hints.length = 0;
    const t0 = performance.now();
    await act();
    const limit = performance.now() + 15_000;
    let seen = -1;
    while (performance.now() < limit) {
      await sleep(300);
      if (hints.length === seen) break;
      seen = hints.length;
    }
    const covers = (p: { path: string; at: number }): boolean =>
      hints.some((h) => h.rel === null || h.rel === p.path || (p.path.startsWith(`${h.rel}/`) && h.at >= p.at));
    const items = expected.map((p) => (typeof p === 'string' ? { path: p, at: t0 } : p));
    const last = hints.at(-1)?.at ?? t0;
    return { events: hints.length, covered: items.filter(covers).length, expected: items.length, ms: Math.round(last - t0) };
  }

  const scenarios: Record<string, Scenario> = {};
  const burst = Array.from({ length: 500 }, (_, i) => `f000/new-${i}.mp4`);
  scenarios['500 new files'] = await scenario(burst, () => Promise.all(burst.map((p) => writeFile(join(root, p), BODY))).then(() => undefined));

  const inNew: { path: string; at: number }[] = [];
  scenarios['new folder + 100 files'] = await scenario(inNew, async () => {
    await mkdir(join(root, 'fresh'));
    for (let i = 0; i < 100; i++) {
      // Stamped as the write begins: a hint on the folder from then on makes the receiver list it.
      inNew.push({ path: `fresh/c-${i}.mp4`, at: performance.now() });
      await writeFile(join(root, 'fresh', `c-${i}.mp4`), BODY);
    }
  });

  const renamed = Array.from({ length: 100 }, (_, i) => [`f001/clip-${i}.mp4`, `f001/renamed-${i}.mp4`]);
  scenarios['rename 100 files'] = await scenario(renamed.flat(), async () => {
    for (const [from, to] of renamed) await rename(join(root, from), join(root, to));
  });

  const afterMove: { path: string; at: number }[] = [];
  scenarios['rename folder, then add'] = await scenario(afterMove, async () => {
    await rename(join(root, 'f002'), join(root, 'f002-moved'));
    afterMove.push({ path: 'f002', at: performance.now() }, { path: 'f002-moved', at: performance.now() });
    await sleep(200);
    afterMove.push({ path: 'f002-moved/late.mp4', at: performance.now() });
    await writeFile(join(root, 'f002-moved', 'late.mp4'), BODY);
  });

  const deleted = Array.from({ length: 100 }, (_, i) => `f003/clip-${i}.mp4`);
  scenarios['delete 100 files'] = await scenario(deleted, async () => {
    for (const p of deleted) await unlink(join(root, p));
  });

  scenarios['delete folder of 100'] = await scenario(['f004'], () => rm(join(root, 'f004'), { recursive: true }));

  watch.close();
  return {
    impl,
    readyMs,
    rssMb: (after.rss - before.rss) / 2 ** 20,
    heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20,
    fds,
    inotifyWatches,
    scenarios
  };
}

function runChild(impl: Impl, root: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', impl, root], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    });
    proc.on('message', (m) => resolve(m as Result));
    proc.on('error', reject);
    proc.on('exit', (code) => code !== 0 && reject(new Error(`${impl} exited ${code}`)));
  });
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const chokidar = await loadChokidar();
  const impls = IMPLS.filter((impl) => impl !== 'chokidar' || chokidar);
  if (!chokidar) console.log('chokidar is not installed (npm install --no-save chokidar): measuring FolderWatch only');
  const results: Result[] = [];
  for (let run = 0; run < runs; run++) {
    for (const impl of impls) {
      const root = await mkdtemp(join(tmpdir(), 'ltx-fw-bench-'));
      await makeTree(root);
      results.push(await runChild(impl, root));
      await rm(root, { recursive: true, force: true });
    }
  }
  const med = (impl: Impl, pick: (r: Result) => number): string => {
    const v = median(results.filter((r) => r.impl === impl).map(pick));
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  };
  console.log(
    `folder watch, ${FOLDERS * PER_FOLDER} files in ${FOLDERS} folders, median of ${runs} (node ${process.version}${chokidar ? `, chokidar ${chokidar}` : ''})`
  );
  console.log(['measure', ...impls].join(' | '));
  const rows: [string, (r: Result) => number][] = [
    ['ready ms', (r) => r.readyMs],
    ['RSS +MB', (r) => r.rssMb],
    ['heap +MB', (r) => r.heapMb],
    ['open fds', (r) => r.fds],
    ['inotify watches', (r) => r.inotifyWatches]
  ];
  for (const name of Object.keys(results[0].scenarios)) {
    rows.push([`${name}: events`, (r) => r.scenarios[name].events]);
    rows.push([`${name}: covered of ${results[0].scenarios[name].expected}`, (r) => r.scenarios[name].covered]);
    rows.push([`${name}: ms to last hint`, (r) => r.scenarios[name].ms]);
  }
  for (const [name, pick] of rows) console.log([name, ...impls.map((impl) => med(impl, pick))].join(' | '));
}

if (process.argv[2] === '--child') {
  const result = await child(process.argv[3] as Impl, process.argv[4]);
  process.send!(result, () => process.exit(0));
} else {
  await main();
}
