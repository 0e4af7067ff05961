import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tasksFromRows } from '../../src/main/core/app/create-batch';
import { readSidecar } from '../../src/main/core/download/sidecar';
import { importCsvText, validRows } from '../../src/main/core/import';
import { mulberry32 } from '../../src/main/core/simulator/random';
import { filesIn, harness, rows, settled, type Harness } from '../support/engine-harness';

// A whole run over the loopback simulator: every take is sent with a concrete seed, and the
// journal, the sidecar and the file name all carry that same seed (architecture.md, "Downloads").

const isSeed = (s: unknown): s is number => Number.isSafeInteger(s) && (s as number) >= 1 && (s as number) <= 2_147_483_647;

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** The seed each submit carried, by the simulator's request log. */
function submittedSeeds(sim: Harness['sim']): unknown[] {
  return sim.submissions.map((s) => (s.body as { input: { seed?: unknown } }).input.seed);
}

async function videosOf(libraryDir: string): Promise<{ file: string; seed: unknown }[]> {
  const sidecars = filesIn(libraryDir).filter((f) => f.endsWith('.json'));
  const read = await Promise.all(sidecars.map((f) => readSidecar(join(libraryDir, f))));
  return read.map((r, i) => {
    if (!r.sidecar) throw new Error(`${sidecars[i]}: ${r.reason}`);
    return { file: r.sidecar.file, seed: r.sidecar.seed };
  });
}

describe('a concrete seed on every take', () => {
  it('sends every take of a CSV run with its seed, and the journal, sidecar and file name keep it', async () => {
    h = await harness();
    h.engine.start();
    const csv = ['prompt,seed,count', 'A fox in the snow,,3', 'A koi pond,42,2', 'A lighthouse at dusk,-1,', 'A paper boat,random,'].join('\n');
    const imported = importCsvText(csv, { random: mulberry32(11) });
    expect(imported.problems).toEqual([]);
    const batch = h.engine.addBatch({ name: 'seeds', libraryDir: h.libraryDir, tasks: tasksFromRows(validRows(imported)) });
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.map((t) => t.state)).toEqual(Array(7).fill('done'));

    const journaled = tasks.map((t) => t.request.input.seed);
    expect(journaled.every(isSeed)).toBe(true);
    expect(journaled.slice(3, 5)).toEqual([42, 43]);
    expect(new Set(journaled).size).toBe(7);

    // Every submit carried its seed: as many submits as videos, each with the journaled seed.
    expect(h.sim.submissions).toHaveLength(7);
    expect([...submittedSeeds(h.sim)].sort()).toEqual([...journaled].sort());

    const videos = await videosOf(h.libraryDir);
    expect(videos).toHaveLength(7);
    for (const video of videos) {
      expect(isSeed(video.seed)).toBe(true);
      expect(video.file).toContain(`_seed-${video.seed as number}_`);
      expect(video.file).not.toContain('srnd');
    }
    expect(videos.map((v) => v.seed).sort()).toEqual([...journaled].sort());
  });

  it('gives a task that arrives without a seed one from the engine’s random source, reproducibly', async () => {
    const seedsOfRun = async (): Promise<unknown[]> => {
      h = await harness({}, { random: mulberry32(5) });
      h.engine.start();
      const batch = h.engine.addBatch({ name: 'no seeds', libraryDir: h.libraryDir, tasks: rows(3) });
      const tasks = await settled(h.engine, batch.id);
      expect(submittedSeeds(h.sim)).toHaveLength(3);
      expect(submittedSeeds(h.sim).every(isSeed)).toBe(true);
      expect((await videosOf(h.libraryDir)).every((v) => isSeed(v.seed))).toBe(true);
      await h.cleanup();
      h = undefined;
      return tasks.map((t) => t.request.input.seed);
    };
    const first = await seedsOfRun();
    expect(first.every(isSeed)).toBe(true);
    expect(await seedsOfRun()).toEqual(first);
  });

  it('repeats a fixed seed and counts a sequential one up, as sent', async () => {
    h = await harness();
    h.engine.start();
    const fixed = importCsvText('prompt\nA\nB\n', { defaults: { seed: { kind: 'fixed', value: 184467 } } });
    const sequential = importCsvText('prompt,count\nC,2\nD,\n', { defaults: { seed: { kind: 'sequential', start: 1000 } } });
    const a = h.engine.addBatch({ name: 'fixed', libraryDir: h.libraryDir, tasks: tasksFromRows(validRows(fixed)) });
    await settled(h.engine, a.id);
    const b = h.engine.addBatch({ name: 'sequential', libraryDir: h.libraryDir, tasks: tasksFromRows(validRows(sequential)) });
    await settled(h.engine, b.id);
    expect(submittedSeeds(h.sim)).toEqual([184467, 184467, 1000, 1001, 1002]);
    const files = filesIn(h.libraryDir).filter((f) => f.endsWith('.mp4'));
    expect(files.filter((f) => f.includes('_seed-184467_'))).toHaveLength(2);
    for (const seed of [1000, 1001, 1002]) expect(files.filter((f) => f.includes(`_seed-${seed}_`))).toHaveLength(1);
  });
});
