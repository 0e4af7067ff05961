import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tasksFromRows } from '../../src/main/core/app/create-batch';
import { readSidecar } from '../../src/main/core/download/sidecar';
import { importCsvText, validRows } from '../../src/main/core/import';
import { filesIn, harness, settled, type Harness } from '../support/engine-harness';

// The CSV's `name` column names the video's file and is kept in its sidecar, over the loopback
// simulator; the prompt stays in the sidecar (architecture.md, "Downloads").

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('the name column names the video', () => {
  it('gives the file the sanitised name, keeps it in the sidecar, and falls back to the prompt', async () => {
    h = await harness();
    h.engine.start();
    const csv = [
      'title,prompt,count',
      'lighthouse-storm,A lighthouse in a storm at night,2',
      'lighthouse-storm,Waves break on the lighthouse rocks,',
      '"Phare / Tempête: v2",A lighthouse seen from the sea,',
      '🎥🎥,A koi pond seen from above,',
      ',A paper boat in a gutter,'
    ].join('\n');
    const imported = importCsvText(csv);
    expect(imported.problems).toEqual([]);
    const batch = h.engine.addBatch({ name: 'names', libraryDir: h.libraryDir, tasks: tasksFromRows(validRows(imported)) });
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.map((t) => t.state)).toEqual(Array(6).fill('done'));

    const byPrompt = new Map(tasks.map((t) => [t.request.input.prompt, [] as string[]]));
    for (const t of tasks) byPrompt.get(t.request.input.prompt)!.push(t.file!);
    const slugOf = (file: string): string => file.split('_')[1];
    // Three videos share a name: each has its own file.
    expect(byPrompt.get('A lighthouse in a storm at night')!.map(slugOf)).toEqual(['lighthouse-storm', 'lighthouse-storm']);
    expect(byPrompt.get('Waves break on the lighthouse rocks')!.map(slugOf)).toEqual(['lighthouse-storm']);
    expect(new Set(tasks.map((t) => t.file)).size).toBe(6);
    expect(byPrompt.get('A lighthouse seen from the sea')!.map(slugOf)).toEqual(['phare-tempete-v2']);
    // A name with nothing usable left, or none, gives the prompt's slug.
    expect(byPrompt.get('A koi pond seen from above')!.map(slugOf)).toEqual(['a-koi-pond-seen-from-above']);
    expect(byPrompt.get('A paper boat in a gutter')!.map(slugOf)).toEqual(['a-paper-boat-in-a-gutter']);

    const mp4s = filesIn(h.libraryDir).filter((f) => f.endsWith('.mp4'));
    expect(mp4s.sort()).toEqual(tasks.map((t) => t.file!).sort());
    for (const task of tasks) {
      const read = await readSidecar(join(h.libraryDir, task.file!.replace(/\.mp4$/, '.json')));
      expect(read.sidecar?.prompt).toBe(task.request.input.prompt);
      expect(read.sidecar?.name).toBe(task.source.videoName);
    }
    const named = tasks.filter((t) => t.source.videoName !== undefined).map((t) => t.source.videoName);
    expect(named.sort()).toEqual(['Phare / Tempête: v2', 'lighthouse-storm', 'lighthouse-storm', 'lighthouse-storm', '🎥🎥']);
  });
});
