/**
 * Deleting from the library with an undo: the files are held in the library's holding folder
 * for the grace, put back byte for byte by the undo, sent to the OS trash after it — against
 * real files in a temporary library folder, a trash that really moves files, and the real
 * LibraryService on a test clock.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LibraryChange } from '@shared/library';
import { LibraryService, type LibraryServiceOptions } from '../../src/main/core/library';
import { formatSidecar, readSidecar, type Sidecar } from '../../src/main/core/download';
import { TestClock } from '../support/test-clock';
import { SAMPLE_TALL, SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const dataUrl = (bytes: Buffer): string => `data:image/jpeg;base64,${bytes.toString('base64')}`;
const GRACE = 20_000;
const EXPIRED = 'That delete can no longer be undone: its files are in the trash.';

async function addVideo(root: string, rel: string, sidecar?: Sidecar, sample = SAMPLE_WIDE): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(sample, path);
  if (sidecar) await writeFile(path.replace(/\.mp4$/, '.json'), formatSidecar(sidecar));
}

/**
 * Batch b1: `a/robot.mp4` and `a/cafe.mp4`, image-to-video videos sharing `a/shared.jpg`;
 * `a/robot-2.mp4`. Batch b2: `b/lighthouse.mp4` with its own source image. And `orphan.mp4`.
 */
async function makeLibrary(): Promise<string> {
  const root = await temp.make('ltx-delete-lib-');
  const i2v = (file: string, image: string, overrides: Partial<Sidecar> = {}): Sidecar =>
    makeSidecar(
      file,
      { batch: { id: 'b1', name: 'Rainy' }, imageUrl: 'https://example.com/i.jpg', sourceImage: image, ...overrides },
      { mode: 'image-to-video', imageUrl: 'https://example.com/i.jpg' }
    );
  await addVideo(root, 'a/robot.mp4', i2v('robot.mp4', 'shared.jpg', { createdAt: '2025-01-01T10:00:00.000Z' }));
  await addVideo(root, 'a/cafe.mp4', i2v('cafe.mp4', 'shared.jpg', { createdAt: '2025-01-01T11:00:00.000Z' }), SAMPLE_TALL);
  await writeFile(join(root, 'a/shared.jpg'), JPEG);
  await addVideo(root, 'a/robot-2.mp4', makeSidecar('robot-2.mp4', { batch: { id: 'b1', name: 'Rainy' }, createdAt: '2025-01-01T12:00:00.000Z' }));
  await addVideo(
    root,
    'b/lighthouse.mp4',
    i2v('lighthouse.mp4', 'lighthouse.source.jpg', { batch: { id: 'b2', name: 'Night' }, createdAt: '2025-01-02T10:00:00.000Z' })
  );
  await writeFile(join(root, 'b/lighthouse.source.jpg'), Buffer.concat([JPEG, Buffer.from('lighthouse')]));
  await addVideo(root, 'orphan.mp4', undefined, SAMPLE_TALL);
  return root;
}

/** Every file below `dir`, by relative path, with its bytes. */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (at: string): Promise<void> => {
    for (const item of await readdir(at, { withFileTypes: true })) {
      const path = join(at, item.name);
      if (item.isDirectory()) await walk(path);
      else files.set(relative(dir, path), await readFile(path));
    }
  };
  await walk(dir);
  return files;
}

const open: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function openService(libraryDir: string, options: Partial<LibraryServiceOptions> = {}) {
  const dir = await temp.make('ltx-delete-data-');
  const trashDir = join(dir, 'trash');
  const clock = new TestClock();
  let n = 0;
  const service = await LibraryService.open({
    libraryDir,
    cacheDir: join(dir, 'cache'),
    trash: async (path) => {
      await mkdir(trashDir, { recursive: true });
      await rename(path, join(trashDir, `${++n}-${basename(path)}`));
    },
    reveal: () => undefined,
    watch: false,
    changeDelayMs: 20,
    deleteGraceMs: GRACE,
    clock,
    ...options
  });
  open.push(service);
  const changes: LibraryChange[] = [];
  service.onChange((change) => changes.push(change));
  /** What the OS trash holds, by file name (without the trash's own numbering). */
  const trashed = async (): Promise<string[]> => (existsSync(trashDir) ? (await readdir(trashDir)).map((f) => f.replace(/^\d+-/, '')).sort() : []);
  return { service, changes, trashDir, trashed, clock, cacheDir: join(dir, 'cache') };
}

const listed = (service: LibraryService): string[] =>
  service
    .query({})
    .items.map((i) => i.path)
    .sort();

describe('delete, then undo', () => {
  it('puts every file back byte for byte, and the library lists them again', async () => {
    const root = await makeLibrary();
    const { service, changes, clock, trashed } = await openService(root);
    const before = await snapshot(root);
    const thumb = await service.saveThumbnail('b/lighthouse.mp4', dataUrl(JPEG));

    const deleted = await service.delete(['b/lighthouse.mp4', 'orphan.mp4', 'a/robot-2.mp4']);
    expect(deleted).toEqual({ done: 3, failed: [], undo: expect.stringMatching(/^[0-9a-f]{24}$/), graceMs: GRACE });
    expect(listed(service)).toEqual(['a/cafe.mp4', 'a/robot.mp4']);
    expect(existsSync(join(root, 'b/lighthouse.mp4'))).toBe(false);
    expect(existsSync(join(root, 'b/lighthouse.source.jpg'))).toBe(false);
    // Held inside the library, out of the index's and the watcher's sight; nothing in the trash yet.
    const held = await snapshot(join(root, '.ltx-deleted', deleted.undo!));
    expect([...held.keys()].sort()).toEqual([
      'a/robot-2.json',
      'a/robot-2.mp4',
      'b/lighthouse.json',
      'b/lighthouse.mp4',
      'b/lighthouse.source.jpg',
      'orphan.mp4'
    ]);
    await service.reconcile();
    expect(listed(service)).toEqual(['a/cafe.mp4', 'a/robot.mp4']);
    // The unused thumbnails are cleared while the delete is held: the held video's poster stays.
    await clock.advance(6000);
    expect(await trashed()).toEqual([]);
    await clock.advance(1000);
    changes.length = 0;

    const undone = await service.undoDelete(deleted.undo!);
    expect(undone).toEqual({ done: 3, failed: [], renamed: [] });
    expect(await snapshot(root)).toEqual(before);
    expect(listed(service)).toEqual(['a/cafe.mp4', 'a/robot-2.mp4', 'a/robot.mp4', 'b/lighthouse.mp4', 'orphan.mp4']);
    const lighthouse = service.query({ text: 'lighthouse' }).items[0];
    expect(lighthouse).toMatchObject({ thumb, sourceImage: 'library/b/lighthouse.source.jpg', origin: 'app' });
    expect(service.query({ text: 'orphan' }).items[0].probe?.width).toBeGreaterThan(0);
    await clock.advance(100);
    expect(changes.flatMap((c) => c.changed).sort()).toEqual(['a/robot-2.mp4', 'b/lighthouse.mp4', 'orphan.mp4']);

    // The grace passing later takes nothing: the delete is over.
    await clock.advance(GRACE);
    await service.idle();
    expect(await trashed()).toEqual([]);
    await expect(service.undoDelete(deleted.undo!)).rejects.toMatchObject({ code: 'not_found', message: EXPIRED });
  });

  it('keeps both when another file took the name meanwhile, and says so', async () => {
    const root = await makeLibrary();
    const { service, clock } = await openService(root);
    const original = await readFile(join(root, 'a/robot-2.mp4'));
    const deleted = await service.delete(['a/robot-2.mp4']);
    // A new video lands under the same name.
    await addVideo(root, 'a/robot-2.mp4', makeSidecar('robot-2.mp4', { batch: { id: 'b3', name: 'New' } }), SAMPLE_TALL);
    await service.reconcile();
    await clock.advance(1000);
    await service.idle();
    expect(service.query({ batchId: 'b3' }).total).toBe(1);

    const undone = await service.undoDelete(deleted.undo!);
    expect(undone).toEqual({
      done: 1,
      failed: [],
      renamed: [
        {
          path: 'a/robot-2.mp4',
          restoredAs: 'a/robot-2 (restored).mp4',
          message: 'robot-2.mp4 was put back as robot-2 (restored).mp4: another file has taken its name since. Both are kept.'
        }
      ]
    });
    expect(await readFile(join(root, 'a/robot-2 (restored).mp4'))).toEqual(original);
    expect((await readFile(join(root, 'a/robot-2.mp4'))).equals(original)).toBe(false);
    const sidecar = (await readSidecar(join(root, 'a/robot-2 (restored).json'))).sidecar!;
    expect(sidecar).toMatchObject({ file: 'robot-2 (restored).mp4', batch: { id: 'b1' } });
    expect((await readSidecar(join(root, 'a/robot-2.json'))).sidecar?.batch.id).toBe('b3');
    expect(listed(service)).toContain('a/robot-2 (restored).mp4');
    expect(listed(service)).toContain('a/robot-2.mp4');
  });

  it('refuses a token it never gave, in words', async () => {
    const { service } = await openService(await makeLibrary());
    await expect(service.undoDelete('0123456789abcdef01234567')).rejects.toMatchObject({ code: 'not_found', message: EXPIRED });
  });

  it('takes a shared source image only with the last video that uses it, and puts it back', async () => {
    const root = await makeLibrary();
    const { service } = await openService(root);
    const first = await service.delete(['a/robot.mp4']);
    expect(existsSync(join(root, 'a/shared.jpg'))).toBe(true);
    const second = await service.delete(['a/cafe.mp4']);
    expect(existsSync(join(root, 'a/shared.jpg'))).toBe(false);
    expect((await service.undoDelete(second.undo!)).done).toBe(1);
    expect(await readFile(join(root, 'a/shared.jpg'))).toEqual(JPEG);
    expect((await service.undoDelete(first.undo!)).done).toBe(1);
    expect(listed(service)).toEqual(['a/cafe.mp4', 'a/robot-2.mp4', 'a/robot.mp4', 'b/lighthouse.mp4', 'orphan.mp4']);
  });
});

describe('delete, then the grace passes', () => {
  it('sends every held file to the OS trash, drops the poster, and the undo is refused', async () => {
    const root = await makeLibrary();
    const { service, clock, trashed, cacheDir } = await openService(root);
    await service.saveThumbnail('b/lighthouse.mp4', dataUrl(JPEG));
    const deleted = await service.delete(['b/lighthouse.mp4', 'orphan.mp4']);

    await clock.advance(GRACE - 1);
    await service.idle();
    expect(await trashed()).toEqual([]);
    await clock.advance(1);
    await service.idle();
    expect(await trashed()).toEqual(['lighthouse.json', 'lighthouse.mp4', 'lighthouse.source.jpg', 'orphan.mp4']);
    expect(existsSync(join(root, '.ltx-deleted'))).toBe(false);
    expect(await readdir(join(cacheDir, 'thumbs'))).toEqual([]);
    await expect(service.undoDelete(deleted.undo!)).rejects.toMatchObject({ code: 'not_found', message: EXPIRED });
    expect(listed(service)).toEqual(['a/cafe.mp4', 'a/robot-2.mp4', 'a/robot.mp4']);
  });

  it('moves every rejected video of a batch to the trash as one delete, with one undo', async () => {
    const root = await makeLibrary();
    const { service, clock, trashed } = await openService(root);
    await service.setVerdict(['a/robot.mp4', 'a/robot-2.mp4', 'b/lighthouse.mp4'], 'reject');
    await service.setVerdict(['a/cafe.mp4'], 'keep');

    const none = await service.trashRejected('no-such-batch');
    expect(none).toEqual({ done: 0, failed: [], graceMs: GRACE });
    const deleted = await service.trashRejected('b1');
    expect(deleted).toEqual({ done: 2, failed: [], undo: expect.any(String), graceMs: GRACE });
    expect(listed(service)).toEqual(['a/cafe.mp4', 'b/lighthouse.mp4', 'orphan.mp4']);
    // The kept video still uses the shared image: it stays.
    expect(existsSync(join(root, 'a/shared.jpg'))).toBe(true);

    expect(await service.undoDelete(deleted.undo!)).toEqual({ done: 2, failed: [], renamed: [] });
    expect(service.query({ batchId: 'b1', verdicts: ['reject'] }).total).toBe(2);

    const again = await service.trashRejected('b1');
    expect(again.done).toBe(2);
    await clock.advance(GRACE);
    await service.idle();
    expect(await trashed()).toEqual(['robot-2.json', 'robot-2.mp4', 'robot.json', 'robot.mp4']);
    expect(service.query({}).batches.find((b) => b.id === 'b1')).toMatchObject({ count: 1, kept: { kept: 1, rejected: 0 } });
  });
});

describe('a delete within its grace when the app stops', () => {
  it('is sent to the trash when the library closes (the app quits)', async () => {
    const root = await makeLibrary();
    const { service, trashed } = await openService(root);
    await service.delete(['orphan.mp4']);
    await service.close();
    expect(await trashed()).toEqual(['orphan.mp4']);
    expect(existsSync(join(root, '.ltx-deleted'))).toBe(false);
  });

  it('is sent to the trash at the next start when the app stopped without closing, and never listed again', async () => {
    const root = await makeLibrary();
    const crashed = await openService(root);
    const deleted = await crashed.service.delete(['b/lighthouse.mp4', 'a/robot-2.mp4']);
    expect(existsSync(join(root, '.ltx-deleted', deleted.undo!))).toBe(true);

    // The next run opens the same folder; the first never closed.
    const next = await openService(root);
    await next.service.idle();
    expect(await next.trashed()).toEqual(['lighthouse.json', 'lighthouse.mp4', 'lighthouse.source.jpg', 'robot-2.json', 'robot-2.mp4']);
    expect(existsSync(join(root, '.ltx-deleted'))).toBe(false);
    expect(listed(next.service)).toEqual(['a/cafe.mp4', 'a/robot.mp4', 'orphan.mp4']);
    expect(await crashed.trashed()).toEqual([]);
  });
});
