// `npm run bench`: every benchmark, against generated data and the local simulator only.
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { csvBench, csvTable } from './csv-bench.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
console.log(`LTX Batch Studio benchmarks — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'})\n`);
console.log(csvTable(await csvBench({ root })));
