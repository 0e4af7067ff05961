import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readSidecar } from '../../src/main/core/download/sidecar';
import { harness, rows, settled, type Harness } from '../support/engine-harness';
import { FAKED } from '../support/virtual-time';

// The smallest valid PNG: 1×1, one grey pixel.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b550000000a49444154789c63600000000200013cd0a2ef0000000049454e44ae426082',
  'hex'
);

describe('source images in the library', () => {
  let h: Harness | undefined;
  // On fake time: the engine and the simulator share one clock that moves once every answer is in.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: [...FAKED] });
  });
  afterEach(async () => {
    try {
      await h?.cleanup();
    } finally {
      h = undefined;
      vi.useRealTimers();
    }
  });

  it('copies the source image beside its video and names it in the sidecar', async () => {
    h = await harness();
    mkdirSync(join(h.dir, 'cache'), { recursive: true });
    const image = join(h.dir, 'cache', 'source.png');
    writeFileSync(image, PNG);
    const [row] = rows(1, { mode: 'image-to-video' });
    row.draft.imageUrl = 'https://images.example.com/cat.png';
    const batch = h.engine.addBatch({ name: 'cats', libraryDir: h.libraryDir, tasks: [{ ...row, imagePath: image }] });
    h.engine.start();
    const [task] = await settled(h.engine, batch.id);
    expect(task.state).toBe('done');
    const video = join(h.libraryDir, task.file!);
    const read = await readSidecar(video.replace(/\.mp4$/, '.json'));
    expect(read.sidecar?.sourceImage).toBe(task.file!.replace(/\.mp4$/, '.source.png'));
    expect(readFileSync(join(h.libraryDir, read.sidecar!.sourceImage!))).toEqual(PNG);
    expect(read.sidecar?.imageUrl).toBe('https://images.example.com/cat.png');
  });

  it('still files the paid video when the source image has gone missing', async () => {
    h = await harness();
    const image = join(h.dir, 'gone.png');
    writeFileSync(image, PNG);
    const [row] = rows(1, { mode: 'image-to-video' });
    row.draft.imageUrl = 'https://images.example.com/cat.png';
    const batch = h.engine.addBatch({ name: 'cats', libraryDir: h.libraryDir, tasks: [{ ...row, imagePath: image }] });
    rmSync(image);
    h.engine.start();
    const [task] = await settled(h.engine, batch.id);
    expect(task.state).toBe('done');
    const read = await readSidecar(join(h.libraryDir, task.file!.replace(/\.mp4$/, '.json')));
    expect(read.sidecar?.sourceImage).toBeUndefined();
    expect(readdirSync(h.libraryDir).filter((n) => n.includes('.source.'))).toEqual([]);
  });
});
