/**
 * Review in the library: keep and reject kept in each sidecar, the verdict filter and its
 * counts, the takes of one prompt, and what a kept video cost — against real files in a
 * temporary library folder and the real LibraryService.
 */
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LibraryChange } from '@shared/library';
import { LibraryService, type LibraryServiceOptions } from '../../src/main/core/library';
import { formatSidecar, readSidecar, type Sidecar } from '../../src/main/core/download';
import { TestClock } from '../support/test-clock';
import { SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

async function addVideo(root: string, rel: string, sidecar?: Sidecar): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(SAMPLE_WIDE, path);
  if (sidecar) await writeFile(path.replace(/\.mp4$/, '.json'), formatSidecar(sidecar));
}

const rainy = { id: 'b1', name: 'Rainy', colour: 3 };
const night = { id: 'b2', name: 'Night' };
const sim = { id: 'b3', name: 'Simulated' };

/**
 * Batch "Rainy": three takes of row 2 and one of row 3 (60,000 µ$ each, charged); batch
 * "Night": an image-to-video video with its source image beside it (estimated 480,000 µ$);
 * batch "Simulated": two takes made on the simulator (50,000 µ$ each); and a video with no sidecar.
 */
async function makeLibrary(): Promise<string> {
  const root = await temp.make('ltx-review-lib-');
  for (const take of [1, 2, 3]) {
    await addVideo(
      root,
      `rainy/robot-${take}.mp4`,
      makeSidecar(`robot-${take}.mp4`, {
        batch: rainy,
        seed: 100 + take,
        sourceRow: { row: 2, take, cells: { prompt: 'robot' } },
        createdAt: `2025-01-01T10:00:0${take}.000Z`
      })
    );
  }
  await addVideo(
    root,
    'rainy/cafe.mp4',
    makeSidecar(
      'cafe.mp4',
      { batch: rainy, sourceRow: { row: 3, take: 1, cells: { prompt: 'cafe' } }, createdAt: '2025-01-01T11:00:00.000Z' },
      { resolution: '720p' }
    )
  );
  const lighthouse = makeSidecar(
    'lighthouse.mp4',
    {
      batch: night,
      sourceImage: 'lighthouse.source.jpg',
      imageUrl: 'https://example.com/l.jpg',
      estimateMicros: 480_000,
      createdAt: '2025-01-02T10:00:00.000Z'
    },
    { mode: 'image-to-video', imageUrl: 'https://example.com/l.jpg', resolution: '1080p' }
  );
  delete lighthouse.costMicros;
  await addVideo(root, 'night/lighthouse.mp4', lighthouse);
  await writeFile(join(root, 'night/lighthouse.source.jpg'), JPEG);
  for (const take of [1, 2]) {
    await addVideo(
      root,
      `sim/dance-${take}.mp4`,
      makeSidecar(`dance-${take}.mp4`, {
        batch: sim,
        simulated: true,
        costMicros: 50_000,
        sourceRow: { row: 2, take, cells: {} },
        createdAt: `2025-01-03T10:00:0${take}.000Z`
      })
    );
  }
  await addVideo(root, 'orphan.mp4');
  return root;
}

const open: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function openService(libraryDir: string, options: Partial<LibraryServiceOptions> = {}) {
  const dir = await temp.make('ltx-review-data-');
  const trashDir = join(dir, 'trash');
  let n = 0;
  const service = await LibraryService.open({
    libraryDir,
    cacheDir: join(dir, 'cache'),
    trash: async (path) => {
      await mkdir(trashDir, { recursive: true });
      await copyFile(path, join(trashDir, `${++n}-${basename(path)}`));
      await rm(path);
    },
    reveal: () => undefined,
    watch: false,
    changeDelayMs: 20,
    ...options
  });
  open.push(service);
  const changes: LibraryChange[] = [];
  service.onChange((change) => changes.push(change));
  return { service, changes, trashDir };
}

const paths = (items: { path: string }[]): string[] => items.map((i) => i.path).sort();

describe('verdicts', () => {
  it('keeps and rejects in the sidecar, every other field as it was, and a rebuild from the folder keeps them', async () => {
    const root = await makeLibrary();
    const { service } = await openService(root);
    const before = (await readSidecar(join(root, 'rainy/robot-1.json'))).sidecar!;

    expect(await service.setVerdict(['rainy/robot-1.mp4', 'rainy/robot-2.mp4'], 'keep')).toEqual({ done: 2, failed: [] });
    expect(await service.setVerdict(['rainy/cafe.mp4'], 'reject')).toEqual({ done: 1, failed: [] });
    const written = (await readSidecar(join(root, 'rainy/robot-1.json'))).sidecar!;
    expect(written).toEqual({ ...before, verdict: 'keep' });
    expect((await readSidecar(join(root, 'rainy/cafe.json'))).sidecar?.verdict).toBe('reject');
    expect(service.query({ verdicts: ['keep'] }).items.map((i) => [i.path, i.verdict])).toEqual([
      ['rainy/robot-2.mp4', 'keep'],
      ['rainy/robot-1.mp4', 'keep']
    ]);

    // A new start reads the verdicts back from the folder alone.
    const { service: again } = await openService(root);
    expect(paths(again.query({ verdicts: ['keep'] }).items)).toEqual(['rainy/robot-1.mp4', 'rainy/robot-2.mp4']);
    expect(paths(again.query({ verdicts: ['reject'] }).items)).toEqual(['rainy/cafe.mp4']);

    // Back to unreviewed: the field leaves the sidecar.
    expect(await again.setVerdict(['rainy/robot-2.mp4'], null)).toEqual({ done: 1, failed: [] });
    const cleared = JSON.parse(await readFile(join(root, 'rainy/robot-2.json'), 'utf8')) as Record<string, unknown>;
    expect(cleared).not.toHaveProperty('verdict');
    expect(again.query({ verdicts: ['unreviewed'] }).items.map((i) => i.path)).toContain('rainy/robot-2.mp4');
  });

  it('refuses, in words, a video with no sidecar or one that is gone, and marks the rest', async () => {
    const { service } = await openService(await makeLibrary());
    const result = await service.setVerdict(['orphan.mp4', 'gone.mp4', 'rainy/robot-3.mp4'], 'reject');
    expect(result.done).toBe(1);
    expect(result.failed).toEqual([
      {
        path: 'orphan.mp4',
        message: 'orphan.mp4 was not made by this app (it has no sidecar), so it cannot be marked: verdicts are kept in the sidecar.'
      },
      { path: 'gone.mp4', message: expect.stringMatching(/^gone\.mp4 is no longer in the library/) }
    ]);
    await expect(service.setVerdict(['../outside.mp4'], 'keep')).resolves.toMatchObject({
      done: 0,
      failed: [{ message: '../outside.mp4 is not a video inside the library folder.' }]
    });
  });

  it('does not take its own write for a change made outside the app', async () => {
    const root = await makeLibrary();
    const clock = new TestClock();
    const { service, changes } = await openService(root, { clock, changeDelayMs: 250 });
    // The video without a sidecar is read in the background after opening, then reported.
    for (let i = 0; i < 100 && !service.query({ text: 'orphan' }).items[0]?.probe; i++) await new Promise((r) => setTimeout(r, 10));
    await service.idle();
    await clock.advance(300);
    changes.length = 0;
    await service.setVerdict(['rainy/robot-1.mp4'], 'keep');
    await clock.advance(300);
    expect(changes).toEqual([{ changed: ['rainy/robot-1.mp4'], removed: [], librarySize: 8 }]);
    // Two looks at the folder, further apart than a video takes to settle: nothing new.
    await service.reconcile();
    await clock.advance(1000);
    await service.reconcile();
    await clock.advance(300);
    expect(changes).toHaveLength(1);
    // A verdict written by another program is news.
    const path = join(root, 'rainy/robot-2.json');
    const edited = { ...(await readSidecar(path)).sidecar!, verdict: 'reject' as const };
    await writeFile(path, formatSidecar(edited));
    await service.reconcile();
    await clock.advance(1000);
    await service.reconcile();
    await clock.advance(300);
    expect(changes.at(-1)?.changed).toEqual(['rainy/robot-2.mp4']);
    expect(service.query({ verdicts: ['reject'] }).items.map((i) => i.path)).toEqual(['rainy/robot-2.mp4']);
  });

  it('filters by verdict, and counts each verdict over every other filter but its own', async () => {
    const { service } = await openService(await makeLibrary());
    await service.setVerdict(['rainy/robot-1.mp4', 'sim/dance-1.mp4'], 'keep');
    await service.setVerdict(['rainy/cafe.mp4', 'rainy/robot-2.mp4'], 'reject');

    const all = service.query({});
    expect(all.facets.verdicts).toEqual({ keep: 2, reject: 2, unreviewed: 4 });
    expect(paths(service.query({ verdicts: ['unreviewed'] }).items)).toEqual(['night/lighthouse.mp4', 'orphan.mp4', 'rainy/robot-3.mp4', 'sim/dance-2.mp4']);
    expect(paths(service.query({ verdicts: ['keep', 'reject'] }).items)).toEqual([
      'rainy/cafe.mp4',
      'rainy/robot-1.mp4',
      'rainy/robot-2.mp4',
      'sim/dance-1.mp4'
    ]);

    // Ticking "keep" still counts the rejected ones; the other facets count only kept videos.
    const kept = service.query({ verdicts: ['keep'] });
    expect(kept.total).toBe(2);
    expect(kept.facets.verdicts).toEqual({ keep: 2, reject: 2, unreviewed: 4 });
    expect(kept.facets.resolutions).toEqual({ '480p': 2 });
    const hd = service.query({ resolutions: ['720p'], verdicts: ['keep'] });
    expect(hd.total).toBe(0);
    expect(hd.facets.verdicts).toEqual({ keep: 0, reject: 1, unreviewed: 0 });
    expect(service.query({ batchId: 'b1' }).facets.verdicts).toEqual({ keep: 1, reject: 2, unreviewed: 1 });
    // The favourites count follows the verdict filter too.
    await service.setFavourite(['rainy/robot-1.mp4', 'rainy/cafe.mp4'], true);
    expect(service.query({ verdicts: ['keep'] }).favourites).toBe(1);
  });
});

describe('takes and badges', () => {
  it('counts the takes of one batch and row as videos come and go', async () => {
    const root = await makeLibrary();
    const { service } = await openService(root);
    const takes = (): Record<string, number> => Object.fromEntries(service.query({}).items.map((i) => [i.path, i.takes]));
    expect(takes()).toEqual({
      'rainy/robot-1.mp4': 3,
      'rainy/robot-2.mp4': 3,
      'rainy/robot-3.mp4': 3,
      'rainy/cafe.mp4': 1,
      'night/lighthouse.mp4': 1,
      'sim/dance-1.mp4': 2,
      'sim/dance-2.mp4': 2,
      'orphan.mp4': 1
    });
    const item = service.query({ text: 'robot-2' }).items[0];
    expect(item).toMatchObject({ row: 2, take: 2, seed: 102, takes: 3 });

    // A fourth take lands.
    const fourth = makeSidecar('robot-4.mp4', { batch: rainy, sourceRow: { row: 2, take: 4, cells: {} } });
    await addVideo(root, 'rainy/robot-4.mp4', fourth);
    await service.landed({ path: join(root, 'rainy/robot-4.mp4'), sidecar: fourth });
    expect(takes()['rainy/robot-1.mp4']).toBe(4);
    expect(takes()['rainy/robot-4.mp4']).toBe(4);

    // One goes away.
    const deleted = await service.delete(['rainy/robot-1.mp4']);
    expect(deleted.done).toBe(1);
    expect(takes()['rainy/robot-2.mp4']).toBe(3);
    expect(takes()).not.toHaveProperty('rainy/robot-1.mp4');

    // Another program edits a sidecar to another row: the video leaves the stack.
    const path = join(root, 'rainy/robot-3.json');
    const moved = (await readSidecar(path)).sidecar!;
    await writeFile(path, formatSidecar({ ...moved, sourceRow: { ...moved.sourceRow, row: 3 } }));
    const { service: again } = await openService(root);
    const fresh = Object.fromEntries(again.query({}).items.map((i) => [i.path, i.takes]));
    expect(fresh['rainy/robot-2.mp4']).toBe(2);
    expect(fresh['rainy/robot-3.mp4']).toBe(2);
    expect(fresh['rainy/cafe.mp4']).toBe(2);
  });

  it('shows the source image of an image-to-video video on its card, and in the detail panel', async () => {
    const root = await makeLibrary();
    const { service } = await openService(root);
    const card = service.query({ text: 'lighthouse' }).items[0];
    expect(card.sourceImage).toBe('library/night/lighthouse.source.jpg');
    expect((await service.get('night/lighthouse.mp4')).sourceImage).toBe('library/night/lighthouse.source.jpg');
    expect(service.query({ text: 'robot-1' }).items[0].sourceImage).toBeUndefined();

    // An image that is not there is not offered.
    await rm(join(root, 'night/lighthouse.source.jpg'));
    expect((await service.get('night/lighthouse.mp4')).sourceImage).toBeUndefined();
    const { service: again } = await openService(root);
    expect(again.query({ text: 'lighthouse' }).items[0].sourceImage).toBeUndefined();
  });
});

describe('cost per kept video', () => {
  it('divides what every video of a batch cost by the kept ones, and the simulator apart', async () => {
    const { service } = await openService(await makeLibrary());
    const fresh = service.query({});
    expect(fresh.batches.find((b) => b.id === 'b1')).toEqual({
      id: 'b1',
      name: 'Rainy',
      count: 4,
      colour: 3,
      kept: { kept: 0, rejected: 0, costMicros: 240_000, simulated: false }
    });

    await service.setVerdict(['rainy/robot-1.mp4'], 'keep');
    await service.setVerdict(['rainy/robot-2.mp4', 'rainy/cafe.mp4'], 'reject');
    await service.setVerdict(['night/lighthouse.mp4'], 'keep');
    await service.setVerdict(['sim/dance-1.mp4', 'sim/dance-2.mp4'], 'keep');
    const page = service.query({ batchId: 'b1' });
    const byId = Object.fromEntries(page.batches.map((b) => [b.id, b.kept]));
    expect(byId.b1).toEqual({ kept: 1, rejected: 2, costMicros: 240_000, perKeptMicros: 240_000, simulated: false });
    // No charge known: the estimate counts.
    expect(byId.b2).toEqual({ kept: 1, rejected: 0, costMicros: 480_000, perKeptMicros: 480_000, simulated: false });
    expect(byId.b3).toEqual({ kept: 2, rejected: 0, costMicros: 100_000, perKeptMicros: 50_000, simulated: true });
    // Over the whole library, whatever the query; the simulator's videos never mix with real money.
    expect(page.kept).toEqual({
      real: { kept: 2, rejected: 2, costMicros: 720_000, perKeptMicros: 360_000, simulated: false },
      simulated: { kept: 2, rejected: 0, costMicros: 100_000, perKeptMicros: 50_000, simulated: true }
    });

    // Rejecting the last kept real video of a batch leaves nothing to divide by.
    await service.setVerdict(['rainy/robot-1.mp4'], 'reject');
    const after = service.query({});
    expect(after.batches.find((b) => b.id === 'b1')?.kept).toEqual({ kept: 0, rejected: 3, costMicros: 240_000, simulated: false });
    expect(after.kept.real).toEqual({ kept: 1, rejected: 3, costMicros: 720_000, perKeptMicros: 720_000, simulated: false });
  });

  it('is nothing at all for an empty library', async () => {
    const root = await temp.make('ltx-review-empty-');
    const { service } = await openService(root);
    expect(service.query({}).kept).toEqual({
      real: { kept: 0, rejected: 0, costMicros: 0, simulated: false },
      simulated: { kept: 0, rejected: 0, costMicros: 0, simulated: true }
    });
    expect((await stat(root)).isDirectory()).toBe(true);
  });
});
