import { describe, expect, it } from 'vitest';
import { estimateBatch, formatUsd, taskCost } from '../../src/shared/pricing';
import { countSweep, sweepRefusal } from '../../src/shared/sweep';
import { importCsvText, validDrafts } from '../../src/main/core/import';
import { parseTemplate, fillTemplate } from '@shared/template';
import { seeded } from './helpers';

/** 20 prompts with a {{place}} template and a place column. */
function twentyPlaces(): string {
  const lines = ['prompt,place'];
  for (let i = 1; i <= 20; i++) lines.push(`"A fox walks through {{place}}, shot ${i}",place ${i}`);
  return lines.join('\n') + '\n';
}

describe('sweeps', () => {
  it('expands 20 prompts over 3 new seeds and 2 durations into 120 priced takes, each with its axes', () => {
    const r = importCsvText(twentyPlaces(), { random: seeded(7), sweep: { seeds: { count: 3 }, durations: [5, 10] } });
    expect(r.fileProblems).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.rows).toHaveLength(120);
    expect(r.validCount).toBe(120);
    const expected =
      20 * 3 * (taskCost({ mode: 'text-to-video', resolution: '720p', duration: 5 }) + taskCost({ mode: 'text-to-video', resolution: '720p', duration: 10 }));
    expect(r.estimate.micros).toBe(expected);
    expect(r.sweep).toEqual({ takes: 20, videos: 120, micros: expected, words: `20 prompts × 3 seeds × 2 durations = 120 videos, ${formatUsd(expected)}` });

    const first = r.rows.filter((row) => row.row === 2);
    expect(first).toHaveLength(6);
    expect(first.map((t) => t.take)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first.map((t) => t.axes!.duration)).toEqual(['5', '10', '5', '10', '5', '10']);
    expect(first.map((t) => String(t.draft.seed))).toEqual(first.map((t) => t.axes!.seed));
    expect(new Set(first.map((t) => t.draft.seed)).size).toBe(3);
    expect(first.every((t) => t.draft.duration === Number(t.axes!.duration))).toBe(true);
  });

  it('uses a list of seeds as written, and tries resolutions, aspect ratios and LoRA scales', () => {
    const r = importCsvText('prompt,lora1_path,lora1_scale\nA fox,https://x.test/a.safetensors,1\nA cat,,\n', {
      sweep: { seeds: { list: [11, 12] }, resolutions: ['480p', '1080p'], aspectRatios: ['16:9', '9:16'], loraScales: [0.5, 0.8] }
    });
    expect(r.problems).toEqual([]);
    // The LoRA row: 2 × 2 × 2 × 2; the plain row has no LoRA to scale: 2 × 2 × 2.
    expect(r.rows.filter((t) => t.row === 2)).toHaveLength(16);
    expect(r.rows.filter((t) => t.row === 3)).toHaveLength(8);
    const lora = r.rows.find((t) => t.row === 2 && t.axes!.lora_scale === '0.8' && t.axes!.resolution === '1080p' && t.axes!.aspect_ratio === '9:16')!;
    expect(lora.draft).toMatchObject({ seed: 11, resolution: '1080p', aspectRatio: '9:16', loras: [{ path: 'https://x.test/a.safetensors', scale: 0.8 }] });
    expect(new Set(r.rows.map((t) => t.draft.seed))).toEqual(new Set([11, 12]));
    // The count-and-cost line says what the import then holds.
    expect(r.sweep!.videos).toBe(24);
    expect(r.sweep!.micros).toBe(estimateBatch(validDrafts(r)).micros);
  });

  it('refuses a sweep over the cap before it expands, with the numbers and what to do', () => {
    const r = importCsvText(twentyPlaces(), { sweep: { seeds: { count: 100 }, durations: [5, 10, 15] }, maxSweepVideos: 5000 });
    expect(r.rows).toEqual([]);
    expect(r.fileProblems).toHaveLength(1);
    expect(r.fileProblems[0]).toMatch(
      /^20 prompts × 100 seeds × 3 durations = 6,000 videos, \$[\d,.]+: more than the 5,000 videos one sweep can make\. Use fewer values/
    );
  });

  it('counts without expanding: the pure count agrees with what the importer makes', () => {
    const bases = [
      { mode: 'text-to-video' as const, resolution: '720p' as const, duration: 5 },
      { mode: 'image-to-video' as const, resolution: '480p' as const, duration: 10 }
    ];
    const c = countSweep(bases, { seeds: { count: 2 }, aspectRatios: ['16:9', '9:16'], resolutions: ['480p', '720p'] });
    // An image sets its own aspect ratio: the image take is not multiplied by that axis.
    expect(c.videos).toBe(2 * 2 * 2 + 2 * 2);
    expect(sweepRefusal(c, 11)).toMatch(/12 videos/);
    expect(sweepRefusal(c, 12)).toBeUndefined();
  });
});

describe('prompt templates', () => {
  it('fills {{column}} from the row, marks the filled part, and does not call the column ignored', () => {
    const r = importCsvText('prompt,place,mood\n"A fox in {{place}}, {{ mood }}",the snowy woods,calm\n');
    expect(r.problems).toEqual([]);
    expect(r.warnings.join(' ')).not.toMatch(/Ignored/);
    const [take] = r.rows;
    expect(take.draft.prompt).toBe('A fox in the snowy woods, calm');
    expect(take.filled).toEqual([
      { start: 9, end: 24, column: 'place' },
      { start: 26, end: 30, column: 'mood' }
    ]);
    expect(take.axes).toBeUndefined();
  });

  it('still warns about an unknown column no prompt uses', () => {
    const r = importCsvText('prompt,place,notes\nA fox in {{place}},woods,keep this\n');
    expect(r.warnings.join(' ')).toMatch(/Ignored a column the importer does not know: "notes" \(C\)/);
  });

  it('expands {a|b|c} alternatives like an axis', () => {
    const r = importCsvText('prompt\nA {fox|cat|owl} at {dawn|dusk}\n', { sweep: { durations: [5, 10] } });
    expect(r.rows).toHaveLength(12);
    expect(r.rows.slice(0, 4).map((t) => [t.draft.prompt, t.axes])).toEqual([
      ['A fox at dawn', { variant: 'fox', 'variant 2': 'dawn', duration: '5' }],
      ['A fox at dawn', { variant: 'fox', 'variant 2': 'dawn', duration: '10' }],
      ['A fox at dusk', { variant: 'fox', 'variant 2': 'dusk', duration: '5' }],
      ['A fox at dusk', { variant: 'fox', 'variant 2': 'dusk', duration: '10' }]
    ]);
    expect(r.rows[0].filled).toEqual([
      { start: 2, end: 5, column: 'variant' },
      { start: 9, end: 13, column: 'variant 2' }
    ]);
    expect(r.sweep!.words).toMatch(/^1 prompt \(6 takes\) × 2 durations = 12 videos/);
  });

  it('names the column of a missing variable or an empty cell, before any cost', () => {
    const r = importCsvText('prompt,place\nA fox in {{place}} at {{time}},woods\nA cat in {{place}},\n');
    expect(r.validCount).toBe(0);
    expect(r.estimate.micros).toBe(0);
    expect(r.problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [2, 'prompt', 'missing_variable'],
      [3, 'place', 'missing_variable']
    ]);
    expect(r.problems[0].message).toMatch(/uses \{\{time\}\}, but the file has no column "time"/);
    expect(r.problems[1].message).toMatch(/this row's "place" cell is empty/);
  });

  it('refuses a fourth LoRA column as a row problem, not a variable', () => {
    const r = importCsvText('prompt,lora4_path\nA fox {{lora4_path}},https://x.test/d.safetensors\nA cat,\n');
    expect(r.warnings.join(' ')).not.toMatch(/Ignored/);
    expect(r.problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [2, 'lora4_path', 'unknown_field'],
      [2, 'prompt', 'missing_variable']
    ]);
    expect(r.problems[0].message).toMatch(/at most three LoRAs/);
    expect(r.validCount).toBe(1);
  });

  it('leaves a prompt without braces untouched, and reads \\{ and \\} as literal braces', () => {
    expect(parseTemplate('A fox\\n at dawn')).toBeUndefined();
    const t = parseTemplate('A \\{fox|cat\\} in {dusk} {{x')!;
    expect(fillTemplate(t, () => '')).toEqual([{ prompt: 'A {fox|cat} in {dusk} {{x', filled: [], axes: {} }]);
    const r = importCsvText('prompt\nA fox \\ at dawn\n');
    expect(r.rows[0].draft.prompt).toBe('A fox \\ at dawn');
  });
});
