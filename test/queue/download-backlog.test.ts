import { afterEach, describe, expect, it } from 'vitest';
import { ApixoClient } from '../../src/main/core/apixo';
import type { BatchEngine } from '../../src/main/core/queue/engine';
import { harness, rows, settled, type Harness } from '../support/engine-harness';

// Submits wait while too many finished videos wait for a download (architecture.md, "Downloads"):
// the engine over the loopback simulator, whose link is slow enough that downloads fall behind.

const TASKS = 24;
const CONCURRENCY = 6;
/** Generation in a few tens of ms, so that downloads fall behind. */
const TIME_SCALE = 0.0005;

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** Runs a batch with one download at a time on a slow link; answers the most videos finished but not downloaded at once. */
async function mostWaiting(downloadBacklogLimit: number): Promise<number> {
  h = await harness({ link: { perConnectionBytesPerSecond: 500_000 } }, { concurrency: CONCURRENCY, downloadConcurrency: 1, downloadBacklogLimit }, TIME_SCALE);
  let most = 0;
  let batchId = '';
  const engineOf = (): BatchEngine => h!.engine;
  // The client the engine submits and polls through counts, at each request, the videos made but not yet downloaded.
  const look = (): void => {
    const counts = batchId ? engineOf().summary(batchId)?.counts : undefined;
    if (counts) most = Math.max(most, (counts.succeeded ?? 0) + (counts.downloading ?? 0));
  };
  class Watching extends ApixoClient {
    override submit(...args: Parameters<ApixoClient['submit']>): ReturnType<ApixoClient['submit']> {
      look();
      return super.submit(...args);
    }
    override status(...args: Parameters<ApixoClient['status']>): ReturnType<ApixoClient['status']> {
      look();
      return super.status(...args);
    }
  }
  const client = new Watching({ apiKey: 'sim-key', baseUrl: h.sim.baseUrl, timeScale: TIME_SCALE, timeoutMs: 5_000 });
  await h.engine.close();
  const engine = await h.open({ client });
  engine.start();
  const batch = engine.addBatch({ name: 'slow link', libraryDir: h.libraryDir, tasks: rows(TASKS) });
  batchId = batch.id;
  const tasks = await settled(engine, batch.id, 60_000);
  expect(tasks.map((t) => t.state)).toEqual(Array(TASKS).fill('done'));
  return most;
}

describe('finished videos waiting for a download', () => {
  it('hold new submits once as many wait as the limit, and every video still lands', async () => {
    // At most the tasks at APIXO (6), those waiting below the limit (1) and the one downloading.
    expect(await mostWaiting(2)).toBeLessThanOrEqual(CONCURRENCY + 2 - 1 + 1);
  });

  it('pile up without the limit when downloads fall behind (what the limit prevents)', async () => {
    expect(await mostWaiting(Number.POSITIVE_INFINITY)).toBeGreaterThan(CONCURRENCY + 2);
  });
});
