import { copyFile, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LibraryIndex, type LibraryEntry } from '../../src/main/core/library';
import { formatSidecar, readSidecar, type Sidecar } from '../../src/main/core/download';
import { mapLimit } from '../../src/main/core/util/map-limit';
import { FTYP, SAMPLE_TALL, SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const OLD = new Date('2024-12-31T12:00:00Z');

/** A video file and its sidecar, at a path relative to the library. */
async function addApp(root: string, rel: string, sidecar: Sidecar): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, FTYP);
  await writeFile(path.replace(/\.mp4$/, '.json'), formatSidecar(sidecar));
}

/**
 * Four app videos in two folders, one video without a sidecar, one with a broken sidecar, and
 * things the index must skip.
 */
async function makeLibrary(): Promise<string> {
  const root = await temp.make();
  await addApp(
    root,
    'a/robot-rain.mp4',
    makeSidecar(
      'robot-rain.mp4',
      { batch: { id: 'b1', name: 'Rainy' }, createdAt: '2025-01-01T10:00:00.000Z', costMicros: 60_000 },
      { prompt: 'A small robot walking in the RAIN', resolution: '480p', duration: 5 }
    )
  );
  await addApp(
    root,
    'a/cafe.mp4',
    makeSidecar(
      'cafe.mp4',
      { batch: { id: 'b1', name: 'Rainy' }, createdAt: '2025-01-02T10:00:00.000Z', costMicros: 160_000 },
      { prompt: 'Crème brûlée on a café table', resolution: '720p', duration: 10, aspectRatio: '9:16' }
    )
  );
  await addApp(
    root,
    'b/lighthouse.mp4',
    makeSidecar(
      'lighthouse.mp4',
      { batch: { id: 'b2', name: 'Night' }, createdAt: '2025-01-03T10:00:00.000Z', costMicros: 480_000, favourite: true },
      { mode: 'image-to-video', prompt: 'A lighthouse at night, robot keeper', resolution: '1080p', duration: 20, imageUrl: 'https://example.com/l.jpg' }
    )
  );
  const lora = makeSidecar(
    'lora.mp4',
    { batch: { id: 'b2', name: 'Night' }, createdAt: '2025-01-04T10:00:00.000Z', estimateMicros: 160_000 },
    { mode: 'text-to-video-LoRA', prompt: 'robot dancing', resolution: '720p', duration: 8, loras: [{ path: 'https://example.com/l.safetensors', scale: 1 }] }
  );
  delete lora.costMicros;
  await addApp(root, 'b/lora.mp4', lora);

  await copyFile(SAMPLE_TALL, join(root, 'orphan.mp4'));
  await copyFile(SAMPLE_WIDE, join(root, 'broken.mp4'));
  await writeFile(join(root, 'broken.json'), '{"schema":1,"app":"LTX Batch Studio","mod');
  await utimes(join(root, 'orphan.mp4'), OLD, OLD);
  await utimes(join(root, 'broken.mp4'), OLD, new Date(OLD.getTime() - 1000));

  await writeFile(join(root, 'downloading.mp4.part'), FTYP);
  await mkdir(join(root, '.hidden'));
  await writeFile(join(root, '.hidden', 'secret.mp4'), FTYP);
  await writeFile(join(root, '.dot.mp4'), FTYP);
  await writeFile(join(root, 'notes.txt'), 'hello');
  await writeFile(join(root, 'dangling.json'), formatSidecar(makeSidecar('dangling.mp4')));
  return root;
}

const names = (items: LibraryEntry[]): string[] => items.map((e) => e.name.replace(/\.mp4$/, ''));

describe('LibraryIndex.build', () => {
  let root: string;
  let index: LibraryIndex;
  beforeEach(async () => {
    root = await makeLibrary();
    index = new LibraryIndex();
    await index.build(root);
  });

  it('lists every video, with or without a sidecar, and nothing else', () => {
    expect(
      index
        .entries()
        .map((e) => e.path)
        .sort()
    ).toEqual(['a/cafe.mp4', 'a/robot-rain.mp4', 'b/lighthouse.mp4', 'b/lora.mp4', 'broken.mp4', 'orphan.mp4']);
    expect(index.size).toBe(6);
  });

  it('describes an app video from its sidecar', () => {
    const entry = index.get('b/lighthouse.mp4')!;
    expect(entry).toMatchObject({
      origin: 'app',
      name: 'lighthouse.mp4',
      sizeBytes: FTYP.length,
      prompt: 'A lighthouse at night, robot keeper',
      mode: 'image-to-video',
      resolution: '1080p',
      aspect: '16:9', // an image task has no requested ratio: the probe's 640×360
      durationSec: 20,
      batchId: 'b2',
      batchName: 'Night',
      createdAt: Date.parse('2025-01-03T10:00:00.000Z'),
      favourite: true,
      costMicros: 480_000
    });
    expect(entry.sidecar?.taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(index.get('b/lora.mp4')?.costMicros).toBe(160_000); // the estimate when no cost was recorded
  });

  it('describes a video without a sidecar from the file itself', () => {
    expect(index.get('orphan.mp4')).toMatchObject({
      origin: 'unknown',
      prompt: '',
      aspect: '9:16',
      durationSec: 4,
      favourite: false,
      createdAt: OLD.getTime(),
      probe: { width: 360, height: 640, fps: 24, hasAudio: true }
    });
    expect(index.get('orphan.mp4')?.sidecarProblem).toBeUndefined();
  });

  it('lists a video whose sidecar is broken as unknown, saying why', () => {
    const entry = index.get('broken.mp4')!;
    expect(entry.origin).toBe('unknown');
    expect(entry.sidecar).toBeUndefined();
    expect(entry.sidecarProblem?.problem).toBe('not_json');
    expect(entry.probe?.width).toBe(640);
  });

  it('is empty for a folder that does not exist', async () => {
    const empty = new LibraryIndex();
    await empty.build(join(root, 'not-there'));
    expect(empty.size).toBe(0);
    expect(empty.query()).toEqual({
      total: 0,
      items: [],
      facets: { modes: {}, resolutions: {}, aspects: {}, verdicts: { keep: 0, reject: 0, unreviewed: 0 }, axes: {} }
    });
  });

  it('can leave the probing of unknown videos for later', async () => {
    const lazy = new LibraryIndex({ probeUnknown: false });
    await lazy.build(root);
    expect(lazy.get('orphan.mp4')?.probe).toBeUndefined();
    expect((await lazy.probe('orphan.mp4'))?.aspect).toBe('9:16');
    expect(lazy.get('orphan.mp4')?.probe?.durationSec).toBe(4);
  });

  it('says why an unknown video could not be probed', async () => {
    await writeFile(join(root, 'garbage.mp4'), 'not a video');
    const entry = await index.update('garbage.mp4');
    expect(entry?.origin).toBe('unknown');
    expect(entry?.probe).toBeUndefined();
    expect(entry?.probeError).toMatch(/not an MP4/);
  });
});

describe('LibraryIndex.query', () => {
  let index: LibraryIndex;
  beforeEach(async () => {
    index = new LibraryIndex();
    await index.build(await makeLibrary());
  });

  it('sorts newest first by default, then by the other orders', () => {
    expect(names(index.query().items)).toEqual(['lora', 'lighthouse', 'cafe', 'robot-rain', 'orphan', 'broken']);
    expect(names(index.query({ sort: 'oldest' }).items)).toEqual(['broken', 'orphan', 'robot-rain', 'cafe', 'lighthouse', 'lora']);
    expect(names(index.query({ sort: 'duration' }).items)).toEqual(['lighthouse', 'cafe', 'lora', 'robot-rain', 'orphan', 'broken']);
    expect(names(index.query({ sort: 'cost' }).items)).toEqual(['lighthouse', 'lora', 'cafe', 'robot-rain', 'orphan', 'broken']);
  });

  it('pages', () => {
    const page = index.query({ sort: 'oldest', offset: 2, limit: 2 });
    expect(page.total).toBe(6);
    expect(names(page.items)).toEqual(['robot-rain', 'cafe']);
    expect(index.query({ offset: 5, limit: 10 }).items).toHaveLength(1);
    expect(index.query({ offset: 99 }).items).toEqual([]);
  });

  it('finds words in any case and order, accents or not, all of them', () => {
    expect(names(index.query({ text: 'robot' }).items)).toEqual(['lora', 'lighthouse', 'robot-rain']);
    expect(names(index.query({ text: 'rain ROBOT' }).items)).toEqual(['robot-rain']);
    expect(names(index.query({ text: 'creme brulee' }).items)).toEqual(['cafe']);
    expect(names(index.query({ text: 'Crème' }).items)).toEqual(['cafe']);
    expect(names(index.query({ text: 'robot unicorn' }).items)).toEqual([]);
    expect(names(index.query({ text: '  ' }).items)).toHaveLength(6);
  });

  it('finds words in the file name', () => {
    expect(names(index.query({ text: 'orphan' }).items)).toEqual(['orphan']);
    expect(names(index.query({ text: 'lora.mp4' }).items)).toEqual(['lora']);
  });

  it('filters by mode, resolution, aspect, duration, batch, dates and favourite', () => {
    expect(names(index.query({ modes: ['text-to-video'] }).items)).toEqual(['cafe', 'robot-rain']);
    expect(names(index.query({ resolutions: ['720p', '1080p'] }).items)).toEqual(['lora', 'lighthouse', 'cafe']);
    expect(names(index.query({ aspects: ['9:16'] }).items)).toEqual(['cafe', 'orphan']);
    expect(names(index.query({ durationMin: 8, durationMax: 10 }).items)).toEqual(['lora', 'cafe']);
    expect(names(index.query({ durationMax: 4 }).items)).toEqual(['orphan', 'broken']);
    expect(names(index.query({ batchId: 'b2' }).items)).toEqual(['lora', 'lighthouse']);
    const from = Date.parse('2025-01-02T00:00:00Z');
    const to = Date.parse('2025-01-03T23:59:59Z');
    expect(names(index.query({ from, to }).items)).toEqual(['lighthouse', 'cafe']);
    expect(names(index.query({ favourite: true }).items)).toEqual(['lighthouse']);
    expect(index.query({ favourite: false }).total).toBe(5);
    expect(names(index.query({ text: 'robot', resolutions: ['720p'], sort: 'oldest' }).items)).toEqual(['lora']);
  });

  it('counts facets over the text and the other filters, not the facet’s own', () => {
    const all = index.query();
    expect(all.facets).toEqual({
      modes: { 'text-to-video': 2, 'image-to-video': 1, 'text-to-video-LoRA': 1 },
      resolutions: { '480p': 1, '720p': 2, '1080p': 1 },
      aspects: { '16:9': 4, '9:16': 2 },
      verdicts: { keep: 0, reject: 0, unreviewed: 6 },
      axes: {}
    });
    const hd = index.query({ resolutions: ['720p'] });
    expect(hd.total).toBe(2);
    expect(hd.facets.resolutions).toEqual({ '480p': 1, '720p': 2, '1080p': 1 });
    expect(hd.facets.modes).toEqual({ 'text-to-video': 1, 'text-to-video-LoRA': 1 });
    expect(hd.facets.aspects).toEqual({ '16:9': 1, '9:16': 1 });
    const robots = index.query({ text: 'robot' });
    expect(robots.facets.resolutions).toEqual({ '480p': 1, '720p': 1, '1080p': 1 });
    expect(index.query({ text: 'robot', batchId: 'b1' }).facets.modes).toEqual({ 'text-to-video': 1 });
  });
});

describe('LibraryIndex changes', () => {
  let root: string;
  let index: LibraryIndex;
  beforeEach(async () => {
    root = await makeLibrary();
    index = new LibraryIndex();
    await index.build(root);
  });

  it('adds a new video, and follows an edited sidecar', async () => {
    await addApp(root, 'c/new.mp4', makeSidecar('new.mp4', {}, { prompt: 'a brand new comet' }));
    expect((await index.update('c/new.mp4'))?.prompt).toBe('a brand new comet');
    expect(index.query({ text: 'comet' }).total).toBe(1);

    const sidecar = (await readSidecar(join(root, 'c/new.json'))).sidecar!;
    await writeFile(join(root, 'c/new.json'), formatSidecar({ ...sidecar, prompt: 'an old asteroid' }));
    expect((await index.update('c/new.json'))?.prompt).toBe('an old asteroid');
    expect(index.query({ text: 'comet' }).total).toBe(0);
    expect(index.size).toBe(7);
  });

  it('finds what changed after a search was made: a new video, an edited prompt, a favourite, a video gone', async () => {
    expect(index.query({ text: 'robot' }).total).toBe(3);
    await addApp(root, 'c/new.mp4', makeSidecar('new.mp4', { createdAt: '2026-01-01T00:00:00.000Z' }, { prompt: 'a robot comet' }));
    await index.update('c/new.mp4');
    expect(names(index.query({ text: 'robot comet' }).items)).toEqual(['new']);
    expect(names(index.query({ text: 'robot' }).items)[0]).toBe('new');

    const sidecar = (await readSidecar(join(root, 'c/new.json'))).sidecar!;
    await writeFile(join(root, 'c/new.json'), formatSidecar({ ...sidecar, prompt: 'an old asteroid' }));
    await index.update('c/new.json');
    expect(index.query({ text: 'comet' }).total).toBe(0);
    expect(index.query({ text: 'as' }).total).toBe(1);

    await index.setFavourite('c/new.mp4', true);
    expect(index.search({ text: 'asteroid' }).favourites).toBe(1);
    expect(index.query({ text: 'asteroid', favourite: true }).total).toBe(1);

    await rm(join(root, 'c/new.mp4'));
    await index.update('c/new.mp4');
    expect(index.query({ text: 'asteroid' }).total).toBe(0);
    expect(index.query({ text: 'robot' }).total).toBe(3);
  });

  it('turns a video into an unknown one when its sidecar goes, and forgets it when it goes', async () => {
    await rm(join(root, 'a/cafe.json'));
    expect((await index.update('a/cafe.json'))?.origin).toBe('unknown');
    await rm(join(root, 'a/cafe.mp4'));
    expect(await index.update('a/cafe.mp4')).toBeUndefined();
    expect(index.get('a/cafe.mp4')).toBeUndefined();
    expect(index.remove('b/lora.mp4')).toBe(true);
    expect(index.remove('b/lora.mp4')).toBe(false);
    expect(index.size).toBe(4);
  });

  it('ignores what the build ignores, and refuses paths outside the library', async () => {
    expect(await index.update('downloading.mp4.part')).toBeUndefined();
    expect(await index.update('.hidden/secret.mp4')).toBeUndefined();
    await expect(index.update('../outside.mp4')).rejects.toThrow(/not inside the library/);
    await expect(index.update('/etc/passwd')).rejects.toThrow(/not inside the library/);
    expect(index.size).toBe(6);
  });

  it('keeps a favourite in the sidecar, every other field as it was', async () => {
    const path = join(root, 'a/robot-rain.json');
    const before = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...before, rating: 4 }));
    await index.update('a/robot-rain.mp4');

    const entry = await index.setFavourite('a/robot-rain.mp4', true);
    expect(entry.favourite).toBe(true);
    const after = JSON.parse(await readFile(path, 'utf8'));
    expect(after).toEqual({ ...before, rating: 4, favourite: true });
    expect(names(index.query({ favourite: true }).items)).toEqual(['lighthouse', 'robot-rain']);

    // A fresh index reads it back from the folder.
    const again = new LibraryIndex();
    await again.build(root);
    expect(again.get('a/robot-rain.mp4')?.favourite).toBe(true);

    await index.setFavourite('a/robot-rain.mp4', false);
    expect((await readSidecar(path)).sidecar?.favourite).toBe(false);
    expect(index.get('a/robot-rain.mp4')?.favourite).toBe(false);
  });

  it('cannot mark a video that has no usable sidecar', async () => {
    await expect(index.setFavourite('orphan.mp4', true)).rejects.toThrow(/no usable sidecar/);
    await expect(index.setFavourite('broken.mp4', true)).rejects.toThrow(/not valid JSON/);
    await expect(index.setFavourite('nope.mp4', true)).rejects.toThrow(/not in the library/);
  });
});

describe('a large library', () => {
  it('builds from 10,000 sidecars quickly', async () => {
    const root = await temp.make();
    const resolutions = ['480p', '720p', '1080p'] as const;
    const count = 10_000;
    await Promise.all(Array.from({ length: 50 }, (_, i) => mkdir(join(root, `batch-${i}`))));
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      64,
      async (i) => {
        const rel = `batch-${i % 50}/video-${i}.mp4`;
        const sidecar = makeSidecar(
          `video-${i}.mp4`,
          { batch: { id: `b${i % 50}`, name: `Batch ${i % 50}` }, createdAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString() },
          { prompt: `take ${i} of a ${i % 2 ? 'robot' : 'cat'} in the snow`, resolution: resolutions[i % 3], duration: 5 + (i % 16) }
        );
        await writeFile(join(root, rel), FTYP);
        await writeFile(join(root, rel.replace(/\.mp4$/, '.json')), JSON.stringify(sidecar));
      }
    );

    const index = new LibraryIndex();
    const started = performance.now();
    await index.build(root);
    const buildMs = performance.now() - started;
    expect(index.size).toBe(count);
    expect(index.entries().every((e) => e.origin === 'app')).toBe(true);

    const queryStarted = performance.now();
    const result = index.query({ text: 'robot snow', resolutions: ['720p'], sort: 'duration', limit: 50 });
    const queryMs = performance.now() - queryStarted;
    expect(result.items).toHaveLength(50);
    expect(result.total).toBe(Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 === 1).length);
    expect(result.items[0].durationSec).toBe(20);

    console.info(`library of ${count}: build ${Math.round(buildMs)} ms, query ${queryMs.toFixed(1)} ms`);
    expect(buildMs).toBeLessThan(10_000);
    expect(queryMs).toBeLessThan(200);
  });
});
