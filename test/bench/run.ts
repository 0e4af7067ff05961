// `npm run bench`: every benchmark, against generated data and the local simulator only.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import { csvBench, csvTable } from './csv-bench';
import { libraryBench, libraryTable } from './library-bench';
import { libraryGridBench, libraryGridTable } from './library-grid-bench';
import { rendererBench, rendererTable } from './renderer-bench';
import type * as EngineBench from './engine-bench';
import type * as EventsBench from './events-bench';
import type * as DownloadBench from './download-bench';

const started = performance.now();
const root = fileURLToPath(new URL('../..', import.meta.url));
const cpu = cpus();
console.log(`LTX Batch Studio benchmarks — node ${process.version}, ${cpu.length} cores (${cpu[0]?.model ?? 'unknown cpu'})\n`);

// The engine's sources import `@shared/*`, an alias that only tsconfig.node.json declares (the
// root tsconfig.json holds references, which tsx does not follow): load them through a tsx
// loader that reads that file.
const engineLoader = register({ namespace: 'engine-bench', tsconfig: join(root, 'tsconfig.node.json') });
const { engineBench, engineTables } = (await engineLoader.import('./engine-bench.ts', import.meta.url)) as typeof EngineBench;

// The engine first, so that its peak RSS is not the CSV generator's.
console.log(engineTables(await engineBench()));
console.log(`\n${await ((await engineLoader.import('./events-bench.ts', import.meta.url)) as typeof EventsBench).eventsBenchTable()}`);
console.log('');
// Downloads of real 1080p sizes at concurrency 1,000 (architecture.md, "Downloads").
const downloads = (await engineLoader.import('./download-bench.ts', import.meta.url)) as typeof DownloadBench;
console.log(downloads.downloadTable(await downloads.downloadBench()));
console.log('');
console.log(csvTable(await csvBench({ root })));
await engineLoader.unregister();
console.log('');
console.log(libraryTable(await libraryBench()));
// Last: the built window in Chromium over the e2e harness (needs `npm run build`, which `bench` does).
console.log('');
console.log(rendererTable(await rendererBench()));
// The Library screen's grid on 10,000 videos, in the same browser over the same harness.
console.log('');
console.log(libraryGridTable(await libraryGridBench()));
// …and on 100,000 (about five minutes, most of it writing the sidecars and filling the posters).
console.log('');
console.log(libraryGridTable(await libraryGridBench({ videos: 100_000 })));
console.error(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
