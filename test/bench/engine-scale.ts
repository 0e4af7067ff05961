// The 10,000-task batch at concurrency 1,000 by itself: `npx tsx --tsconfig tsconfig.node.json test/bench/engine-scale.ts`.
// `npm run bench` runs it too, inside the engine bench.
import { scaleRun, scaleTable } from './engine-bench';

console.log(scaleTable(await scaleRun()));
