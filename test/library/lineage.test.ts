/**
 * Lineage in the library folder (architecture.md, "Lineage"): a continued video's sidecar names
 * its parent, read leniently; the index finds each video's parent and children from the files.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LibraryIndex } from '../../src/main/core/library';
import { formatSidecar, readSidecar, writeSidecar, type Sidecar } from '../../src/main/core/download';
import { FTYP, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

async function addApp(root: string, rel: string, sidecar: Sidecar): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, FTYP);
  await writeFile(path.replace(/\.mp4$/, '.json'), formatSidecar(sidecar));
}

describe('a sidecar with a parent', () => {
  it('is written and read back with its parent', async () => {
    const dir = await temp.make();
    const path = join(dir, 'next.json');
    const parent = { taskId: 'task-of-the-first-shot', file: 'batch-a/first.mp4', frameSec: 4.99 };
    await writeSidecar(path, makeSidecar('next.mp4', { parent }));
    expect(JSON.parse(await readFile(path, 'utf8')).parent).toEqual(parent);
    expect((await readSidecar(path)).sidecar?.parent).toEqual(parent);
  });

  it('stays usable when its parent was edited into something unusable: the parent alone is left out', async () => {
    const dir = await temp.make();
    for (const [i, parent] of [
      'first.mp4',
      { taskId: '', file: 'a.mp4', frameSec: 1 },
      { taskId: 'x', file: 'a.mp4', frameSec: -1 },
      { taskId: 'x', frameSec: 2 },
      null
    ].entries()) {
      const path = join(dir, `edited-${i}.json`);
      await writeFile(path, formatSidecar({ ...makeSidecar(`edited-${i}.mp4`), parent } as unknown as Sidecar));
      const read = await readSidecar(path);
      expect(read.problem).toBeUndefined();
      expect(read.sidecar?.prompt).toBe('a small robot walking through a rainy neon street');
      expect(read.sidecar && 'parent' in read.sidecar).toBe(false);
    }
  });

  it('of an older app (no parent at all) reads as before', async () => {
    const dir = await temp.make();
    const path = join(dir, 'old.json');
    await writeFile(path, formatSidecar(makeSidecar('old.mp4')));
    const read = await readSidecar(path);
    expect(read.sidecar).toBeDefined();
    expect(read.sidecar?.parent).toBeUndefined();
  });
});

describe('the index’s lineage', () => {
  it('finds each video’s parent and children, follows a parent moved to another folder by its task id, and knows a parent that is gone', async () => {
    const root = await temp.make();
    const first = makeSidecar('first.mp4', { createdAt: '2025-02-01T10:00:00.000Z' });
    const second = makeSidecar('second.mp4', {
      createdAt: '2025-02-01T11:00:00.000Z',
      parent: { taskId: first.taskId, file: 'a/first.mp4', frameSec: 4.99 }
    });
    const branch = makeSidecar('branch.mp4', {
      createdAt: '2025-02-01T12:00:00.000Z',
      parent: { taskId: first.taskId, file: 'a/first.mp4', frameSec: 2.5 }
    });
    const third = makeSidecar('third.mp4', {
      createdAt: '2025-02-01T13:00:00.000Z',
      parent: { taskId: second.taskId, file: 'b/second.mp4', frameSec: 4.99 }
    });
    await addApp(root, 'a/first.mp4', first);
    await addApp(root, 'b/second.mp4', second);
    await addApp(root, 'b/branch.mp4', branch);
    await addApp(root, 'c/third.mp4', third);
    const index = new LibraryIndex();
    await index.build(root);
    const at = (p: string) => index.get(p)!;

    expect(at('b/second.mp4').parent).toEqual(second.parent);
    expect(index.parentOf(at('b/second.mp4'))?.path).toBe('a/first.mp4');
    expect(index.parentOf(at('a/first.mp4'))).toBeUndefined();
    expect(index.childrenOf(at('a/first.mp4')).map((e) => e.path)).toEqual(['b/second.mp4', 'b/branch.mp4']);
    expect(index.childrenOf(at('b/second.mp4')).map((e) => e.path)).toEqual(['c/third.mp4']);
    expect(index.childrenOf(at('c/third.mp4'))).toEqual([]);

    // The first shot moved to another folder: found again by its task id.
    await mkdir(join(root, 'moved'));
    await rename(join(root, 'a/first.mp4'), join(root, 'moved/first.mp4'));
    await rename(join(root, 'a/first.json'), join(root, 'moved/first.json'));
    await index.update('a/first.mp4');
    await index.update('moved/first.mp4');
    expect(index.parentOf(at('b/second.mp4'))?.path).toBe('moved/first.mp4');
    expect(index.childrenOf(at('moved/first.mp4'))).toHaveLength(2);

    // Gone from the library: the child still names it, and no video is its parent.
    await rm(join(root, 'moved'), { recursive: true });
    await index.update('moved/first.mp4');
    expect(index.parentOf(at('b/second.mp4'))).toBeUndefined();
    expect(at('b/second.mp4').parent?.taskId).toBe(first.taskId);

    // A rebuild from the folder alone finds the same.
    const again = new LibraryIndex();
    await again.build(root);
    expect(again.childrenOf(again.get('b/second.mp4')!).map((e) => e.path)).toEqual(['c/third.mp4']);
    expect(again.parentOf(again.get('c/third.mp4')!)?.path).toBe('b/second.mp4');
  });

  it('never takes a hand-edited path out of the library for a parent', async () => {
    const root = await temp.make();
    await addApp(root, 'lost.mp4', makeSidecar('lost.mp4', { parent: { taskId: 'nobody', file: '../../etc/passwd.mp4', frameSec: 1 } }));
    const index = new LibraryIndex();
    await index.build(root);
    expect(index.parentOf(index.get('lost.mp4')!)).toBeUndefined();
  });
});
