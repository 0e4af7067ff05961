import { copyFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { formatSidecar, type Sidecar } from '../../src/main/core/download';
import { LibraryService } from '../../src/main/core/library';
import { SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

// The name a person gave a video titles its card and is searched; its prompt stays in the details.

const temp = new TempDirs();
const open: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => temp.cleanup());

async function addVideo(root: string, file: string, sidecar: Sidecar | Record<string, unknown>): Promise<void> {
  await copyFile(SAMPLE_WIDE, join(root, file));
  await writeFile(join(root, file.replace(/\.mp4$/, '.json')), formatSidecar(sidecar as Sidecar));
}

async function library(): Promise<LibraryService> {
  const root = await temp.make('ltx-names-lib-');
  await addVideo(root, 'clip-a.mp4', makeSidecar('clip-a.mp4', { name: 'Ünïcorn’s dream' }, { prompt: 'A white horse with a horn gallops over clouds' }));
  await addVideo(root, 'clip-b.mp4', makeSidecar('clip-b.mp4', {}, { prompt: 'A koi pond seen from above' }));
  // A sidecar written before videos had names.
  const old = JSON.parse(JSON.stringify(makeSidecar('clip-c.mp4', {}, { prompt: 'A lighthouse at dusk' }))) as Record<string, unknown>;
  delete old.name;
  await addVideo(root, 'clip-c.mp4', old);
  const dir = await temp.make('ltx-names-data-');
  const service = await LibraryService.open({
    libraryDir: root,
    cacheDir: join(dir, 'cache'),
    trash: async () => undefined,
    reveal: () => undefined,
    watch: false,
    changeDelayMs: 20
  });
  open.push(service);
  return service;
}

describe('a named video in the library', () => {
  it('is titled by its name, and its prompt stays in the details', async () => {
    const service = await library();
    const items = service.query({}).items;
    const named = items.find((i) => basename(i.path) === 'clip-a.mp4')!;
    expect(named.title).toBe('Ünïcorn’s dream');
    expect(named.prompt).toBe('A white horse with a horn gallops over clouds');
    const detail = await service.get(named.path);
    expect(detail.title).toBe('Ünïcorn’s dream');
    expect(detail.sidecar?.prompt).toBe('A white horse with a horn gallops over clouds');
    // Videos without a name, old sidecars included, have no title and keep their prompt.
    for (const file of ['clip-b.mp4', 'clip-c.mp4']) expect(items.find((i) => basename(i.path) === file)).not.toHaveProperty('title');
  });

  it('is found by words of its name that are in neither its prompt nor its file name', async () => {
    const service = await library();
    expect(service.query({ text: 'unicorn’s' }).items.map((i) => i.path)).toEqual(['clip-a.mp4']);
    expect(service.query({ text: 'DREAM' }).items.map((i) => i.path)).toEqual(['clip-a.mp4']);
    // The prompt and the file name are still searched.
    expect(service.query({ text: 'gallops' }).items.map((i) => i.path)).toEqual(['clip-a.mp4']);
    expect(service.query({ text: 'lighthouse' }).items.map((i) => i.path)).toEqual(['clip-c.mp4']);
  });
});
