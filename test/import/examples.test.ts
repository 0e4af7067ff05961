import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELDS, importCsvFile } from '../../src/main/core/import';
import { EXAMPLES, seeded } from './helpers';

describe('resources/examples', () => {
  it('example.csv: 12 friendly rows import with no problems and no warnings', async () => {
    const r = await importCsvFile(join(EXAMPLES, 'example.csv'), { random: seeded(12) });
    expect(r.fileProblems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(new Set(r.rows.map((row) => row.row)).size).toBe(12);
    expect(r.validCount).toBe(13);

    const drafts = r.rows.map((row) => row.draft);
    expect(drafts.every((d) => d.mode === 'text-to-video')).toBe(true);
    expect(drafts.every((d) => d.resolution === '480p' || d.resolution === '720p')).toBe(true);
    expect(drafts.every((d) => d.duration >= 5 && d.duration <= 8)).toBe(true);
    expect(drafts.filter((d) => d.aspectRatio === '9:16')).toHaveLength(1);
    expect(r.rows.filter((row) => row.take === 2)).toHaveLength(1);
    expect(drafts.filter((d) => d.seed === 123456)).toHaveLength(1);
    expect(r.rows.every((row) => row.imagePath === undefined && row.draft.imageUrl === undefined && !row.draft.loras)).toBe(true);

    // 81 seconds: 55 at 720p ($0.016/s) and 26 at 480p ($0.012/s).
    expect(r.estimate).toMatchObject({ count: 13, seconds: 81, micros: 1_184_000 });
  });

  it('template.csv: every supported column, one row per mode, no problems', async () => {
    const r = await importCsvFile(join(EXAMPLES, 'template.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.columns.map((c) => c.field).sort()).toEqual([...FIELDS].sort());
    expect(r.rows.filter((row) => row.take === 1).map((row) => row.draft.mode)).toEqual([
      'text-to-video',
      'image-to-video',
      'text-to-video-LoRA',
      'image-to-video-LoRA'
    ]);
    for (const row of r.rows) {
      if (row.draft.imageUrl !== undefined) expect(row.draft.imageUrl).toMatch(/^https:\/\//);
      for (const lora of row.draft.loras ?? []) expect(lora.path).toMatch(/^https:\/\/.+\.safetensors$/);
    }
    expect(r.rows.every((row) => row.imagePath === undefined)).toBe(true);
  });
});
