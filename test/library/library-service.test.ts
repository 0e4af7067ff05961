import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LibraryChange } from '@shared/library';
import { LibraryService, type LibraryServiceOptions } from '../../src/main/core/library';
import { formatSidecar, readSidecar, type Sidecar } from '../../src/main/core/download';
import { SAMPLE_TALL, SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';
import { TestClock } from '../support/test-clock';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** The start of a JPEG file: enough for every check that looks at the magic bytes. */
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const dataUrl = (bytes: Buffer, type = 'jpeg'): string => `data:image/${type};base64,${bytes.toString('base64')}`;

/** Polls until `check` gives something (no timing assumptions beyond a generous limit). */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function addVideo(root: string, rel: string, sidecar?: Sidecar, sample = SAMPLE_WIDE): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(sample, path);
  if (sidecar) await writeFile(path.replace(/\.mp4$/, '.json'), formatSidecar(sidecar));
}

/**
 * Four app videos in two batches (two favourites, one image-to-video with its source image, one
 * LoRA) and one video without a sidecar.
 */
async function makeLibrary(): Promise<string> {
  const root = await temp.make('ltx-service-lib-');
  await addVideo(
    root,
    'a/robot.mp4',
    makeSidecar(
      'robot.mp4',
      { batch: { id: 'b1', name: 'Rainy' }, createdAt: '2025-01-01T10:00:00.000Z', seed: 42 },
      { prompt: 'A small robot walking in the rain', resolution: '480p', duration: 5, seed: 42 }
    )
  );
  await addVideo(
    root,
    'a/cafe.mp4',
    makeSidecar(
      'cafe.mp4',
      { batch: { id: 'b1', name: 'Rainy' }, createdAt: '2025-01-02T10:00:00.000Z', favourite: true },
      { prompt: 'Crème brûlée on a café table', resolution: '720p', duration: 10, aspectRatio: '9:16' }
    ),
    SAMPLE_TALL
  );
  await addVideo(
    root,
    'b/lighthouse.mp4',
    makeSidecar(
      'lighthouse.mp4',
      {
        batch: { id: 'b2', name: 'Night' },
        createdAt: '2025-01-03T10:00:00.000Z',
        favourite: true,
        seed: 7,
        imageUrl: 'https://example.com/l.jpg',
        sourceImage: 'lighthouse.source.jpg'
      },
      {
        mode: 'image-to-video',
        prompt: 'A lighthouse at night, robot keeper',
        resolution: '1080p',
        duration: 20,
        seed: 7,
        imageUrl: 'https://example.com/l.jpg'
      }
    )
  );
  await writeFile(join(root, 'b/lighthouse.source.jpg'), JPEG);
  const loras = [{ path: 'https://example.com/style.safetensors', scale: 0.8 }];
  await addVideo(
    root,
    'b/lora.mp4',
    makeSidecar(
      'lora.mp4',
      { batch: { id: 'b2', name: 'Night' }, createdAt: '2025-01-04T10:00:00.000Z', loras },
      { mode: 'text-to-video-LoRA', prompt: 'robot dancing', resolution: '720p', duration: 8, loras }
    )
  );
  await addVideo(root, 'orphan.mp4', undefined, SAMPLE_TALL);
  const old = new Date('2024-12-31T12:00:00Z');
  await utimes(join(root, 'orphan.mp4'), old, old);
  return root;
}

interface Opened {
  service: LibraryService;
  cacheDir: string;
  trashDir: string;
  revealed: string[];
  changes: LibraryChange[];
}

const open: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A service over `libraryDir` whose trash really moves files into a folder of its own. */
async function openService(libraryDir: string, options: Partial<LibraryServiceOptions> = {}): Promise<Opened> {
  const dir = await temp.make('ltx-service-data-');
  const trashDir = join(dir, 'trash');
  const revealed: string[] = [];
  let n = 0;
  const service = await LibraryService.open({
    libraryDir,
    cacheDir: join(dir, 'cache'),
    trash: async (path) => {
      await mkdir(trashDir, { recursive: true });
      await rename(path, join(trashDir, `${++n}-${basename(path)}`));
    },
    reveal: (path) => void revealed.push(path),
    watch: false,
    changeDelayMs: 20,
    ...options
  });
  open.push(service);
  const changes: LibraryChange[] = [];
  service.onChange((change) => changes.push(change));
  return { service, cacheDir: join(dir, 'cache'), trashDir, revealed, changes };
}

const paths = (items: { path: string }[]): string[] => items.map((i) => i.path);

describe('LibraryService.query', () => {
  let root: string;
  let service: LibraryService;
  beforeEach(async () => {
    root = await makeLibrary();
    ({ service } = await openService(root));
    // A video without a sidecar is read in the background after opening.
    await until('the orphan to be probed', () => service.query({ text: 'orphan' }).items[0]?.probe);
  });

  it('pages the grid newest first, as items without their sidecars', () => {
    const page = service.query({ limit: 2 });
    expect(page.total).toBe(5);
    expect(page.librarySize).toBe(5);
    expect(paths(page.items)).toEqual(['b/lora.mp4', 'b/lighthouse.mp4']);
    expect(paths(service.query({ offset: 2, limit: 2 }).items)).toEqual(['a/cafe.mp4', 'a/robot.mp4']);
    expect(paths(service.query({ offset: 4, limit: 2 }).items)).toEqual(['orphan.mp4']);
    const lighthouse = page.items[1];
    expect(lighthouse).toMatchObject({ video: 'library/b/lighthouse.mp4', seed: 7, favourite: true, prompt: 'A lighthouse at night, robot keeper' });
    expect(lighthouse).not.toHaveProperty('sidecar');
    expect(lighthouse.thumb).toBeUndefined();
    expect(page.items[0]).not.toHaveProperty('seed');
  });

  it('counts facets, favourites without the favourite filter, and batches newest first', () => {
    const all = service.query({});
    expect(all.facets).toEqual({
      modes: { 'text-to-video': 2, 'image-to-video': 1, 'text-to-video-LoRA': 1 },
      resolutions: { '480p': 1, '720p': 2, '1080p': 1 },
      aspects: { '16:9': 3, '9:16': 2 },
      verdicts: { keep: 0, reject: 0, unreviewed: 5 },
      axes: {}
    });
    expect(all.favourites).toBe(2);
    expect(all.batches).toEqual([
      { id: 'b2', name: 'Night', count: 2, kept: { kept: 0, rejected: 0, costMicros: 120_000, simulated: false } },
      { id: 'b1', name: 'Rainy', count: 2, kept: { kept: 0, rejected: 0, costMicros: 120_000, simulated: false } }
    ]);

    const robots = service.query({ text: 'robot' });
    expect(paths(robots.items)).toEqual(['b/lora.mp4', 'b/lighthouse.mp4', 'a/robot.mp4']);
    expect(robots.favourites).toBe(1);
    const favouriteRobots = service.query({ text: 'robot', favourite: true });
    expect(paths(favouriteRobots.items)).toEqual(['b/lighthouse.mp4']);
    expect(favouriteRobots.favourites).toBe(1);
    expect(favouriteRobots.librarySize).toBe(5);
    expect(service.query({ favourite: false, resolutions: ['720p'] })).toMatchObject({ total: 1, favourites: 1 });
  });

  it('finds by accent-free text with filters', () => {
    expect(paths(service.query({ text: 'creme brulee', aspects: ['9:16'] }).items)).toEqual(['a/cafe.mp4']);
    expect(paths(service.query({ batchId: 'b2', sort: 'oldest' }).items)).toEqual(['b/lighthouse.mp4', 'b/lora.mp4']);
  });
});

describe('LibraryService.get', () => {
  it('gives the sidecar and the source image beside the video', async () => {
    const { service } = await openService(await makeLibrary());
    const detail = await service.get('b/lighthouse.mp4');
    expect(detail.sidecar?.prompt).toBe('A lighthouse at night, robot keeper');
    expect(detail.sourceImage).toBe('library/b/lighthouse.source.jpg');
    expect(detail.video).toBe('library/b/lighthouse.mp4');
    expect((await service.get('a/robot.mp4')).sourceImage).toBeUndefined();
  });

  it('reads a video without a sidecar from the file', async () => {
    const { service } = await openService(await makeLibrary());
    const detail = await service.get('orphan.mp4');
    expect(detail).toMatchObject({ origin: 'unknown', aspect: '9:16', probe: { width: 360, height: 640 } });
    expect(detail.sidecar).toBeUndefined();
  });

  it('refuses paths outside the library and says when a video is gone', async () => {
    const { service } = await openService(await makeLibrary());
    await expect(service.get('../secret.mp4')).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/not a video inside the library/)
    });
    await expect(service.get('b/nope.mp4')).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/moved or deleted/) });
  });
});

describe('LibraryService.setFavourite', () => {
  it('keeps the mark in the sidecar, where a new service finds it', async () => {
    const root = await makeLibrary();
    const { service, changes } = await openService(root);
    const result = await service.setFavourite(['a/robot.mp4', 'a/cafe.mp4'], true);
    expect(result).toEqual({ done: 2, failed: [] });
    expect((await readSidecar(join(root, 'a/robot.json'))).sidecar?.favourite).toBe(true);
    expect(service.query({ favourite: true }).total).toBe(3);
    await until('a change event', () => changes.find((c) => c.changed.includes('a/robot.mp4')));

    const { service: again } = await openService(root);
    expect(paths(again.query({ favourite: true }).items)).toEqual(['b/lighthouse.mp4', 'a/cafe.mp4', 'a/robot.mp4']);
    expect(await again.setFavourite(['a/robot.mp4'], false)).toEqual({ done: 1, failed: [] });
    expect((await readSidecar(join(root, 'a/robot.json'))).sidecar?.favourite).toBe(false);
  });

  it('says why a video without a sidecar cannot be marked', async () => {
    const { service } = await openService(await makeLibrary());
    const result = await service.setFavourite(['orphan.mp4', 'gone.mp4', 'b/lora.mp4'], true);
    expect(result.done).toBe(1);
    expect(result.failed).toEqual([
      { path: 'orphan.mp4', message: expect.stringMatching(/^orphan\.mp4 was not made by this app \(it has no sidecar\), so it cannot be marked/) },
      { path: 'gone.mp4', message: expect.stringMatching(/no longer in the library/) }
    ]);
  });
});

describe('LibraryService.delete', () => {
  it('moves the video, its sidecar and its source image to the trash once the undo’s grace has passed, and forgets them', async () => {
    const root = await makeLibrary();
    const clock = new TestClock();
    const { service, trashDir, changes } = await openService(root, { clock, deleteGraceMs: 20_000 });
    await service.saveThumbnail('b/lighthouse.mp4', dataUrl(JPEG));

    const result = await service.delete(['b/lighthouse.mp4', 'orphan.mp4']);
    expect(result).toEqual({ done: 2, failed: [], undo: expect.stringMatching(/^[0-9a-f]{24}$/), graceMs: 20_000 });
    expect(existsSync(trashDir)).toBe(false);
    await clock.advance(20_000);
    await service.idle();
    expect((await readdir(trashDir)).map((n) => n.replace(/^\d+-/, '')).sort()).toEqual([
      'lighthouse.json',
      'lighthouse.mp4',
      'lighthouse.source.jpg',
      'orphan.mp4'
    ]);
    expect((await readdir(join(root, 'b'))).sort()).toEqual(['lora.json', 'lora.mp4']);
    expect(existsSync(join(root, 'orphan.mp4'))).toBe(false);
    const page = service.query({});
    expect(paths(page.items)).toEqual(['b/lora.mp4', 'a/cafe.mp4', 'a/robot.mp4']);
    expect(page.librarySize).toBe(3);
    await expect(service.get('b/lighthouse.mp4')).rejects.toMatchObject({ code: 'not_found' });
    const change = await until('a change event', () => changes.find((c) => c.removed.length > 0));
    expect(change).toEqual({ changed: [], removed: ['b/lighthouse.mp4', 'orphan.mp4'], librarySize: 3 });
    expect((await readdir(root)).sort()).toEqual(['a', 'b']);
  });

  it('keeps a video the trash refused when it cannot be held for undo, and says what to do', async () => {
    const root = await makeLibrary();
    // A file where the holding folder would be: the video goes straight to the trash, which refuses it.
    await writeFile(join(root, '.ltx-deleted'), 'in the way');
    const { service } = await openService(root, {
      trash: async () => {
        throw Object.assign(new Error('busy'), { code: 'EBUSY' });
      }
    });
    const result = await service.delete(['a/robot.mp4']);
    expect(result.done).toBe(0);
    expect(result.failed[0].message).toMatch(/^robot\.mp4 could not be moved to the trash \(EBUSY\)\. Close any program/);
    expect(service.query({}).total).toBe(5);
    expect(existsSync(join(root, 'a/robot.mp4'))).toBe(true);
  });
});

describe('LibraryService thumbnails', () => {
  it('keeps a poster frame and serves it through a cache media reference', async () => {
    const { service, cacheDir } = await openService(await makeLibrary());
    const ref = await service.saveThumbnail('a/robot.mp4', dataUrl(JPEG));
    expect(ref).toMatch(/^cache\/thumbs\/[0-9a-f]{32}\.jpg$/);
    expect(await readFile(join(cacheDir, ref.slice('cache/'.length)))).toEqual(JPEG);
    expect(service.query({ text: 'small robot' }).items[0].thumb).toBe(ref);

    // A service opened later on the same cache still serves it.
    const { service: again } = await openService(service.libraryDir, { cacheDir });
    expect(again.query({ text: 'small robot' }).items[0].thumb).toBe(ref);
  });

  it('stops serving it once the video changes', async () => {
    const root = await makeLibrary();
    const { service } = await openService(root, { watch: true });
    await service.saveThumbnail('a/robot.mp4', dataUrl(JPEG));
    await copyFile(SAMPLE_TALL, join(root, 'a/robot.mp4'));
    const tall = (await readFile(SAMPLE_TALL)).length;
    await until('the folder watch to see the new file', () => service.query({ text: 'small robot' }).items[0].sizeBytes === tall || undefined);
    const item = service.query({ text: 'small robot' }).items[0];
    expect(item.sizeBytes).toBe((await readFile(SAMPLE_TALL)).length);
    expect(item.thumb).toBeUndefined();
  });

  it('refuses what is not a JPEG, or too large, or for no video', async () => {
    const { service, cacheDir } = await openService(await makeLibrary());
    await expect(service.saveThumbnail('a/robot.mp4', dataUrl(PNG, 'png'))).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/not a JPEG data URL/)
    });
    await expect(service.saveThumbnail('a/robot.mp4', dataUrl(PNG))).rejects.toThrow(/bytes are not a JPEG image; it was not saved/);
    await expect(service.saveThumbnail('a/robot.mp4', 'data:image/jpeg;base64,@@@@')).rejects.toThrow(/damaged/);
    const huge = Buffer.concat([JPEG, Buffer.alloc(3 * 1024 * 1024)]);
    await expect(service.saveThumbnail('a/robot.mp4', dataUrl(huge))).rejects.toThrow(/larger than 2 MB/);
    await expect(service.saveThumbnail('gone.mp4', dataUrl(JPEG))).rejects.toMatchObject({ code: 'not_found' });
    expect(existsSync(join(cacheDir, 'thumbs')) ? await readdir(join(cacheDir, 'thumbs')) : []).toEqual([]);
  });
});

describe('LibraryService, other doors', () => {
  it('shows a video the download stage just wrote, at once', async () => {
    const root = await makeLibrary();
    const { service, changes } = await openService(root);
    const sidecar = makeSidecar('new.mp4', { createdAt: '2025-02-01T00:00:00.000Z' }, { prompt: 'a brand new comet' });
    await addVideo(root, 'c/new.mp4', sidecar);
    await writeFile(join(root, 'c/next.mp4.part'), 'partial');
    await service.landed({ path: join(root, 'c/next.mp4.part'), sidecar });
    await service.landed({ path: join(root, 'c/new.mp4'), sidecar });
    expect(service.query({ text: 'comet' }).items[0]).toMatchObject({ path: 'c/new.mp4', origin: 'app' });
    expect(service.query({}).total).toBe(6);
    const change = await until('a change event', () => changes.find((c) => c.changed.includes('c/new.mp4')));
    expect(change).toMatchObject({ removed: [], librarySize: 6 });
  });

  it('reveals a video in the file manager by its full path', async () => {
    const root = await makeLibrary();
    const { service, revealed } = await openService(root);
    service.reveal('a/cafe.mp4');
    expect(revealed).toEqual([join(root, 'a', 'cafe.mp4')]);
    expect(() => service.reveal('a/none.mp4')).toThrow(/no longer in the library/);
  });

  it('follows a new library folder when the setting changes', async () => {
    const first = await makeLibrary();
    const second = await temp.make('ltx-service-second-');
    await addVideo(second, 'only.mp4', makeSidecar('only.mp4', {}, { prompt: 'the only one' }));
    const { service, changes } = await openService(first);
    await service.setLibraryDir(second);
    expect(paths(service.query({}).items)).toEqual(['only.mp4']);
    expect(service.libraryDir).toBe(second);
    const change = await until('a change event', () => changes.find((c) => c.librarySize === 1));
    expect(change.changed).toEqual(['only.mp4']);
    expect(change.removed).toHaveLength(5);
  });

  it('opens an empty library on a folder that does not exist yet', async () => {
    const root = join(await temp.make('ltx-service-none-'), 'not-yet');
    const { service } = await openService(root);
    expect(service.query({})).toMatchObject({ total: 0, items: [], librarySize: 0, favourites: 0, batches: [] });
  });
});
