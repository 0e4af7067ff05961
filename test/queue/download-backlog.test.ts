import { afterEach, describe, expect, it } from 'vitest';
import { ApixoClient } from '../../src/main/core/apixo';
import type { BatchEngine } from '../../src/main/core/queue/engine';
import { harness, rows, settled, type Harness } from '../support/engine-harness';

// Submits wait while too many finished videos wait for a download (architecture.md, "Downloads"):
// the engine over the loopback simulator, whose link is slow enough that downloads fall behind.

const TASKS = 12;
const CONCURRENCY = 6;

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** Runs a batch with one download at a time on a slow link; answers how many downloads waited at each submit. */
async function waitingAtEachSubmit(downloadBacklogLimit: number): Promise<number[]> {
  h = await harness({ link: { perConnectionBytesPerSecond: 300_000 } }, { concurrency: CONCURRENCY, downloadConcurrency: 1, downloadBacklogLimit });
  const seen: number[] = [];
  const engineOf = (): BatchEngine => h!.engine;
  // The client the engine submits through tells, at each submit, how many finished videos wait.
  class Watching extends ApixoClient {
    override submit(...args: Parameters<ApixoClient['submit']>): ReturnType<ApixoClient['submit']> {
      seen.push(engineOf().downloadPool().pending);
      return super.submit(...args);
    }
  }
  const client = new Watching({ apiKey: 'sim-key', baseUrl: h.sim.baseUrl, timeScale: 0.002, timeoutMs: 5_000 });
  await h.engine.close();
  const engine = await h.open({ client });
  engine.start();
  const batch = engine.addBatch({ name: 'slow link', libraryDir: h.libraryDir, tasks: rows(TASKS) });
  const tasks = await settled(engine, batch.id, 60_000);
  expect(tasks.map((t) => t.state)).toEqual(Array(TASKS).fill('done'));
  expect(seen).toHaveLength(TASKS);
  return seen;
}

describe('finished videos waiting for a download', () => {
  it('hold new submits once as many wait as the limit, and every video still lands', async () => {
    const waiting = await waitingAtEachSubmit(2);
    expect(Math.max(...waiting)).toBeLessThan(2);
  });

  it('pile up without the limit when downloads fall behind (what the limit prevents)', async () => {
    const waiting = await waitingAtEachSubmit(Number.POSITIVE_INFINITY);
    expect(Math.max(...waiting)).toBeGreaterThanOrEqual(2);
  });
});
