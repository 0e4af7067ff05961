/**
 * Swept videos in the library: the axes each take was made with, kept in its sidecar, filtered
 * and counted by value, a row's takes sorted together with what varies among them — against
 * real files in a temporary library folder and the real LibraryService.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tasksFromRows } from '../../src/main/core/app/create-batch';
import { readSidecar } from '../../src/main/core/download/sidecar';
import { importCsvText, validRows } from '../../src/main/core/import';
import { harness, settled, type Harness } from '../support/engine-harness';
import { LibraryService } from '../../src/main/core/library';
import { formatSidecar, parseSidecar, type Sidecar } from '../../src/main/core/download';
import { SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

async function addVideo(root: string, rel: string, sidecar: Sidecar | string): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(SAMPLE_WIDE, path);
  await writeFile(path.replace(/\.mp4$/, '.json'), typeof sidecar === 'string' ? sidecar : formatSidecar(sidecar));
}

const batch = { id: '20261203-0700-sweep', name: 'Sweep' };

/** Row 2 swept over 3 seeds × 2 durations (6 takes), row 3 over the same; and a video of an older batch with no axes. */
async function sweptLibrary(): Promise<string> {
  const root = await temp.make('ltx-axes-lib-');
  for (const row of [2, 3]) {
    let take = 0;
    for (const seed of [11, 12, 13]) {
      for (const duration of [5, 10]) {
        take++;
        const file = `r${row}-s${seed}-d${duration}.mp4`;
        await addVideo(
          root,
          `sweep/${file}`,
          makeSidecar(
            file,
            { batch, seed, sourceRow: { row, take, cells: { prompt: `row ${row}` }, axes: { seed: String(seed), duration: String(duration) } } },
            { duration }
          )
        );
      }
    }
  }
  await addVideo(root, 'old/plain.mp4', makeSidecar('plain.mp4', { batch: { id: '20250101-old', name: 'Old' }, sourceRow: { row: 2, take: 1, cells: {} } }));
  return root;
}

async function open(root: string): Promise<LibraryService> {
  const dir = await temp.make('ltx-axes-data-');
  return LibraryService.open({
    libraryDir: root,
    cacheDir: join(dir, 'cache'),
    trash: async (path) => rm(path),
    reveal: () => undefined
  });
}

describe('sweep axes in the library', () => {
  it('keeps each take’s axes from its sidecar, and a malformed axes field leaves the sidecar usable', async () => {
    const root = await sweptLibrary();
    const service = await open(root);
    const item = service.query({ text: 'r2-s12-d10' }).items[0];
    expect(item.axes).toEqual({ seed: '12', duration: '10' });
    expect(item.row).toBe(2);

    const good = makeSidecar('x.mp4', { sourceRow: { row: 1, take: 1, cells: {}, axes: { seed: '1' } } });
    const text = formatSidecar(good).replace('"axes": {\n      "seed": "1"\n    }', '"axes": {\n      "seed": 1\n    }');
    expect(text).toContain('"seed": 1\n');
    const read = parseSidecar(text);
    expect(read.problem).toBeUndefined();
    expect(read.sidecar?.sourceRow).not.toHaveProperty('axes');
    // The file as the app wrote it reads back with the axes.
    expect(parseSidecar(await readFile(join(root, 'sweep/r2-s12-d10.json'), 'utf8')).sidecar?.sourceRow.axes).toEqual({ seed: '12', duration: '10' });
  });

  it('filters by axis values (any value of one axis, every axis named) and counts each axis within the others', async () => {
    const service = await open(await sweptLibrary());
    const all = service.query({});
    expect(all.total).toBe(13);
    expect(all.facets.axes).toEqual({ seed: { '11': 4, '12': 4, '13': 4 }, duration: { '5': 6, '10': 6 } });

    const tens = service.query({ axes: { duration: ['10'] } });
    expect(tens.total).toBe(6);
    expect(tens.items.every((i) => i.axes?.duration === '10')).toBe(true);
    // Its own axis still counts every value; the other axis counts within the filter.
    expect(tens.facets.axes).toEqual({ seed: { '11': 2, '12': 2, '13': 2 }, duration: { '5': 6, '10': 6 } });
    // The other facets follow the axis filter too.
    expect(Object.values(tens.facets.resolutions).reduce((a, b) => a + b, 0)).toBe(6);

    const both = service.query({ axes: { duration: ['10'], seed: ['11', '13'] } });
    expect(both.items.map((i) => i.path).sort()).toEqual(['sweep/r2-s11-d10.mp4', 'sweep/r2-s13-d10.mp4', 'sweep/r3-s11-d10.mp4', 'sweep/r3-s13-d10.mp4']);
    expect(both.facets.axes.seed).toEqual({ '11': 2, '12': 2, '13': 2 });
    // A value nobody has: nothing, and no error.
    expect(service.query({ axes: { duration: ['99'] } }).total).toBe(0);
    // An empty list narrows nothing.
    expect(service.query({ axes: { duration: [] } }).total).toBe(13);
  });

  it('counts axes named like object internals as any others, changing nothing else in the app', async () => {
    const root = await temp.make('ltx-axes-proto-');
    const text = formatSidecar(makeSidecar('odd.mp4', { sourceRow: { row: 2, take: 1, cells: {}, axes: { seed: '1' } } })).replace(
      '"seed": "1"',
      '"__proto__": "polluted", "constructor": "x", "toString": "y"'
    );
    await addVideo(root, 'odd.mp4', text);
    const service = await open(root);
    const { facets } = service.query({});
    expect(Object.keys(facets.axes).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(facets.axes.toString).toEqual({ y: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(service.query({ axes: { constructor: ['x'] } }).total).toBe(1);
  });

  it('sorts a batch’s takes by row and take, and says what varies among a row’s takes', async () => {
    const service = await open(await sweptLibrary());
    const page = service.query({ sort: 'row' });
    expect(page.items.map((i) => i.path)).toEqual([
      'sweep/r2-s11-d5.mp4',
      'sweep/r2-s11-d10.mp4',
      'sweep/r2-s12-d5.mp4',
      'sweep/r2-s12-d10.mp4',
      'sweep/r2-s13-d5.mp4',
      'sweep/r2-s13-d10.mp4',
      'sweep/r3-s11-d5.mp4',
      'sweep/r3-s11-d10.mp4',
      'sweep/r3-s12-d5.mp4',
      'sweep/r3-s12-d10.mp4',
      'sweep/r3-s13-d5.mp4',
      'sweep/r3-s13-d10.mp4',
      'old/plain.mp4'
    ]);
    expect(page.items[0]).toMatchObject({ takes: 6, rowAxes: { seed: 3, duration: 2 } });
    expect(page.items[12]).not.toHaveProperty('rowAxes');
  });
});

describe('a swept take’s sidecar', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('carries the axes its task was made with, over the simulator', async () => {
    h = await harness();
    h.engine.start();
    const imported = importCsvText('prompt\nA kite over a beach\nA heron at dawn');
    const tasks = tasksFromRows(validRows(imported)).map((task, i) => ({ ...task, source: { ...task.source, axes: { seed: String(40 + i), duration: '5' } } }));
    const batch = h.engine.addBatch({ name: 'swept', libraryDir: h.libraryDir, tasks: [...tasks, tasksFromRows(validRows(imported))[0]] });
    const done = await settled(h.engine, batch.id);
    expect(done.map((t) => t.state)).toEqual(['done', 'done', 'done']);
    const axesOf = async (file: string) => (await readSidecar(join(h!.libraryDir, file.replace(/\.mp4$/, '.json')))).sidecar?.sourceRow.axes;
    expect(await axesOf(done[0].file!)).toEqual({ seed: '40', duration: '5' });
    expect(await axesOf(done[1].file!)).toEqual({ seed: '41', duration: '5' });
    // A take of no sweep has none.
    expect(await axesOf(done[2].file!)).toBeUndefined();
  });
});
