/**
 * Sidecars written before links were kept unsigned hold a presigned link (the bucket's access key
 * ID and a signature valid for a week), twice. Exporting them never carries it: not in the copied
 * sidecars, not in manifest.csv, not even in a damaged sidecar copied as it is. What comes out
 * still reads back: as a library, and through the importer.
 */
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatSidecar, readSidecar } from '../../src/main/core/download';
import { presignUrl } from '../../src/main/core/hosting';
import { importCsvFile } from '../../src/main/core/import';
import { LibraryService } from '../../src/main/core/library';
import { SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());
const open: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const JPEG = readFileSync(fileURLToPath(new URL('../fixtures/images/baseline-41x29.jpg', import.meta.url)));
const ACCESS_KEY_ID = 'AKIAEXPORTUNSIGNED01';
const OBJECT = 'https://clips.s3.eu-west-1.amazonaws.com/ltx/4f2a.jpg';
const PRESIGNED = presignUrl(
  { method: 'GET', url: new URL(OBJECT), region: 'eu-west-1', expiresSeconds: 604_800, now: new Date('2026-11-30T09:00:00Z') },
  { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'export-unsigned-secret' }
);
const SIGNS = /X-Amz-|AKIAEXPORTUNSIGNED01/;

async function library(): Promise<string> {
  const root = await temp.make('ltx-export-unsigned-lib-');
  await mkdir(join(root, 'b'), { recursive: true });
  // An app sidecar as written before: the link in `imageUrl` and in the request, with its copy beside.
  await copyFile(SAMPLE_WIDE, join(root, 'b/shot.mp4'));
  const sidecar = makeSidecar(
    'shot.mp4',
    { imageUrl: PRESIGNED, sourceImage: 'shot.source.jpg', seed: 9 },
    { mode: 'image-to-video', prompt: 'The photo comes alive', resolution: '720p', duration: 6, seed: 9, imageUrl: PRESIGNED }
  );
  await writeFile(join(root, 'b/shot.json'), formatSidecar(sidecar));
  await writeFile(join(root, 'b/shot.source.jpg'), JPEG);
  // The same without its copy: the manifest can only give the link.
  await copyFile(SAMPLE_WIDE, join(root, 'b/bare.mp4'));
  await writeFile(
    join(root, 'b/bare.json'),
    formatSidecar(makeSidecar('bare.mp4', { imageUrl: PRESIGNED }, { mode: 'image-to-video', prompt: 'A bare one', duration: 6, imageUrl: PRESIGNED }))
  );
  // A damaged sidecar (no task ID), which the library does not read but the export copies.
  await copyFile(SAMPLE_WIDE, join(root, 'b/broken.mp4'));
  const broken = { ...makeSidecar('broken.mp4', { imageUrl: PRESIGNED }, { mode: 'image-to-video', duration: 6, imageUrl: PRESIGNED }), taskId: '' };
  await writeFile(join(root, 'b/broken.json'), formatSidecar(broken));
  return root;
}

async function service(root: string): Promise<LibraryService> {
  const data = await temp.make('ltx-export-unsigned-data-');
  const lib = await LibraryService.open({
    libraryDir: root,
    cacheDir: join(data, 'cache'),
    trash: async () => undefined,
    reveal: () => undefined,
    watch: false
  });
  open.push(lib);
  return lib;
}

describe('exporting sidecars that hold a signed link', () => {
  it('writes every sidecar and the manifest with the link unsigned, and what it wrote reads back', async () => {
    const root = await library();
    expect(await readFile(join(root, 'b/shot.json'), 'utf8')).toMatch(SIGNS);
    const lib = await service(root);
    const out = join(await temp.make('ltx-export-unsigned-out-'), 'export');
    const result = await lib.exportTo(['b/shot.mp4', 'b/bare.mp4', 'b/broken.mp4'], out);
    expect(result.failed).toEqual([]);

    const names = (await readdir(out)).sort();
    expect(names).toEqual(['bare.json', 'bare.mp4', 'broken.json', 'broken.mp4', 'manifest.csv', 'manifest.xlsx', 'shot.json', 'shot.mp4', 'shot.source.jpg']);
    for (const name of names.filter((n) => n.endsWith('.json') || n.endsWith('.csv'))) {
      expect({ name, text: await readFile(join(out, name), 'utf8') }).toEqual({ name, text: expect.not.stringMatching(SIGNS) });
    }
    const shot = (await readSidecar(join(out, 'shot.json'))).sidecar!;
    expect(shot.imageUrl).toBe(OBJECT);
    expect(shot.request.input).toMatchObject({ image_urls: [OBJECT] });
    expect(shot.sourceImage).toBe('shot.source.jpg');
    expect(JSON.parse(await readFile(join(out, 'broken.json'), 'utf8')).imageUrl).toBe(OBJECT);

    // The export folder is a library of its own …
    const again = await service(out);
    expect(
      again
        .query({})
        .items.filter((i) => i.origin === 'app')
        .map((i) => i.name)
        .sort()
    ).toEqual(['bare.mp4', 'shot.mp4']);
    // … and its manifest makes the same videos again: the source image from the copy beside it,
    // else the unsigned link (signed again at submit when it is the app's own bucket).
    const imported = await importCsvFile(result.manifest);
    expect(imported.fileProblems).toEqual([]);
    const byPrompt = new Map(imported.rows.map((r) => [r.draft.prompt, r]));
    expect(byPrompt.get('The photo comes alive')).toMatchObject({ imagePath: join(out, 'shot.source.jpg'), problems: [] });
    expect(byPrompt.get('The photo comes alive')!.draft).toMatchObject({ mode: 'image-to-video', resolution: '720p', seed: 9 });
    expect(byPrompt.get('A bare one')!.draft).toMatchObject({ mode: 'image-to-video', imageUrl: OBJECT });
  });
});
