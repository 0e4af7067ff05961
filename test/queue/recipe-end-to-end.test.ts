import { copyFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tasksFromRows } from '../../src/main/core/app/create-batch';
import { probeMp4 } from '../../src/main/core/download/mp4-probe';
import { APP_VERSION, readRecipe, writeRecipe } from '../../src/main/core/download/mp4-recipe';
import { readSidecar } from '../../src/main/core/download/sidecar';
import { importCsvText, validRows } from '../../src/main/core/import';
import { LibraryIndex } from '../../src/main/core/library';
import { SAMPLE_WIDE, TempDirs } from '../library/helpers';
import { FFMPEG_SKIP_REASON, decodeErrors, ffprobeFormat, hasFfmpeg } from '../download/ffmpeg';
import { filesIn, harness, settled, type Harness } from '../support/engine-harness';

// A whole run over the loopback simulator: every downloaded video carries its recipe inside its
// MP4, and a copy taken out of the library (without its sidecar) is still recalled from it
// (architecture.md, "Downloads").

let h: Harness | undefined;
const temp = new TempDirs();
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});
afterAll(() => temp.cleanup());

describe('the recipe travels with the file', () => {
  it('each video downloaded from the simulator carries its recipe, and a copy without its sidecar is listed with it', async () => {
    h = await harness();
    h.engine.start();
    const csv = ['prompt,seed,name,resolution', 'A fox in the snow,42,Snow fox,720p', 'A koi pond at dusk,7,,480p'].join('\n');
    const imported = importCsvText(csv);
    expect(imported.problems).toEqual([]);
    const batch = h.engine.addBatch({ name: 'recipes', libraryDir: h.libraryDir, tasks: tasksFromRows(validRows(imported)) });
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.map((t) => t.state)).toEqual(['done', 'done']);

    const videos = filesIn(h.libraryDir).filter((f) => f.endsWith('.mp4'));
    expect(videos).toHaveLength(2);
    for (const file of videos) {
      const path = join(h.libraryDir, file);
      const { sidecar } = await readSidecar(path.replace(/\.mp4$/, '.json'));
      const { recipe } = await readRecipe(path);
      expect(recipe).toMatchObject({
        app: 'LTX Batch Studio',
        version: APP_VERSION,
        prompt: sidecar!.prompt,
        mode: sidecar!.mode,
        resolution: sidecar!.resolution,
        duration: sidecar!.duration,
        seed: sidecar!.seed,
        taskId: sidecar!.taskId,
        batch: { id: batch.id, name: 'recipes' }
      });
      // The sidecar's probe was read from the file with the recipe in it: the media is the same.
      expect(await probeMp4(path)).toEqual(sidecar!.probe);
      if (hasFfmpeg) {
        const tags = ffprobeFormat(path).format.tags ?? {};
        expect(tags.comment).toBe(sidecar!.prompt);
        expect(tags.encoder).toBe(`LTX Batch Studio ${APP_VERSION}`);
        expect(JSON.parse(tags.recipe).taskId).toBe(sidecar!.taskId);
        expect(decodeErrors(path)).toBe('');
      }
    }

    // Copied out of the library, alone: the library it lands in recalls it from the recipe.
    const fox = videos.find((f) => f.includes('snow'))!;
    const elsewhere = await temp.make();
    await copyFile(join(h.libraryDir, fox), join(elsewhere, 'copied.mp4'));
    expect(await readdir(elsewhere)).toEqual(['copied.mp4']);
    const index = new LibraryIndex();
    await index.build(elsewhere);
    const entry = index.get('copied.mp4')!;
    expect(entry).toMatchObject({
      origin: 'file',
      title: 'Snow fox',
      prompt: 'A fox in the snow',
      mode: 'text-to-video',
      resolution: '720p',
      favourite: false
    });
    expect(entry.recipe?.seed).toBe(42);
    expect(entry.probe).toEqual(await probeMp4(join(elsewhere, 'copied.mp4')));

    // Judging it writes a sidecar from the recipe: it is then this app's video again.
    const kept = await index.mark('copied.mp4', { verdict: 'keep' });
    expect(kept).toMatchObject({ origin: 'app', verdict: 'keep', prompt: 'A fox in the snow', title: 'Snow fox' });
    const { sidecar, reason } = await readSidecar(join(elsewhere, 'copied.json'));
    expect(reason).toBeUndefined();
    expect(sidecar).toMatchObject({ file: 'copied.mp4', seed: 42, verdict: 'keep', batch: { name: 'recipes' } });
  });

  it('a sidecar written from a recipe keeps its sweep axes and the shot it continues', async () => {
    const folder = await temp.make();
    const video = join(folder, 'take.mp4');
    await copyFile(SAMPLE_WIDE, video);
    const written = await writeRecipe(video, {
      schema: 1,
      app: 'LTX Batch Studio',
      version: APP_VERSION,
      model: 'ltx-2-19b',
      prompt: 'The heron lands',
      mode: 'image-to-video',
      resolution: '480p',
      duration: 5,
      seed: 3,
      imageUrl: 'https://images.example.com/heron-frame.jpg',
      taskId: 'task-child',
      parent: { taskId: 'task-parent', file: 'batch/heron.mp4', frameSec: 4.96 },
      axes: { seed: '3', duration: '5' }
    });
    expect(written).toEqual({ written: true });
    // Its parent, here beside it with no sidecar either: the lineage holds by the task ids the recipes name.
    await copyFile(SAMPLE_WIDE, join(folder, 'heron.mp4'));
    await writeRecipe(join(folder, 'heron.mp4'), {
      schema: 1,
      app: 'LTX Batch Studio',
      version: APP_VERSION,
      model: 'ltx-2-19b',
      prompt: 'A heron flies',
      mode: 'text-to-video',
      resolution: '480p',
      duration: 5,
      taskId: 'task-parent',
      batch: { id: 'b-herons', name: 'Herons' }
    });
    const index = new LibraryIndex();
    await index.build(folder);
    expect(index.get('take.mp4')).toMatchObject({ origin: 'file', prompt: 'The heron lands', mode: 'image-to-video', axes: { seed: '3', duration: '5' } });
    expect(index.get('heron.mp4')).toMatchObject({ origin: 'file', batchId: 'b-herons', batchName: 'Herons' });
    expect(index.parentOf(index.get('take.mp4')!)?.path).toBe('heron.mp4');
    expect(index.childrenOf(index.get('heron.mp4')!).map((e) => e.path)).toEqual(['take.mp4']);
    await index.setFavourite('take.mp4', true);
    const raw = JSON.parse(await readFile(join(folder, 'take.json'), 'utf8')) as Record<string, unknown>;
    expect(raw).toMatchObject({
      favourite: true,
      taskId: 'task-child',
      imageUrl: 'https://images.example.com/heron-frame.jpg',
      sourceRow: { axes: { seed: '3', duration: '5' } },
      parent: { taskId: 'task-parent', file: 'batch/heron.mp4', frameSec: 4.96 }
    });
    expect((await readSidecar(join(folder, 'take.json'))).sidecar).toBeDefined();
  });

  it.skipIf(hasFfmpeg)(`checks the tags with ffprobe only where ffmpeg is installed (${FFMPEG_SKIP_REASON})`, () => {
    expect(hasFfmpeg).toBe(false);
  });
});
