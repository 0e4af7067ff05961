import { describe, expect, it } from 'vitest';
import { formatRowProblem, importCsvFile, importCsvText, type ImportResult } from '../../src/main/core/import';
import { fixture } from './helpers';

/** Imports one row under `header` and returns the result. */
const one = (header: string, row: string, options = {}): ImportResult => importCsvText(`${header}\n${row}\n`, options);

describe('cells people type', () => {
  it.each([
    ['t2v', 'text-to-video'],
    ['Text', 'text-to-video'],
    ['TEXT-TO-VIDEO', 'text-to-video'],
    ['I2V', 'image-to-video'],
    ['image', 'image-to-video'],
    ['Image to Video', 'image-to-video'],
    ['text lora', 'text-to-video-LoRA'],
    ['T2V-LoRA', 'text-to-video-LoRA'],
    ['text-to-video-lora', 'text-to-video-LoRA'],
    ['image lora', 'image-to-video-LoRA'],
    ['i2v_lora', 'image-to-video-LoRA'],
    ['image-to-video-LoRA', 'image-to-video-LoRA']
  ])('mode "%s" is %s', (cell, mode) => {
    expect(one('prompt,mode', `A cat,${cell}`).rows[0].draft.mode).toBe(mode);
  });

  it("refuses a mode it does not know with the validator's sentence", () => {
    const r = one('prompt,Type', 'A cat,video');
    expect(r.problems).toEqual([
      {
        row: 2,
        column: 'Type',
        field: 'mode',
        code: 'invalid_choice',
        message: 'The mode must be one of text-to-video, image-to-video, text-to-video-LoRA, image-to-video-LoRA (got "video").'
      }
    ]);
  });

  it.each([
    ['720', '720p'],
    ['720P', '720p'],
    ['1080 p', '1080p'],
    ['480p', '480p']
  ])('resolution "%s" is %s', (cell, resolution) => {
    const r = one('prompt,res', `A cat,${cell}`);
    expect(r.rows[0].draft.resolution).toBe(resolution);
    expect(r.problems).toEqual([]);
  });

  it('refuses a resolution it does not know', () => {
    const r = one('prompt,resolution', 'A cat,4k');
    expect(r.problems.map(formatRowProblem)).toEqual(['Row 2, resolution: The resolution must be one of 480p, 720p, 1080p (got "4k").']);
  });

  it.each([
    ['16:9', '16:9'],
    ['16x9', '16:9'],
    ['16/9', '16:9'],
    ['Landscape', '16:9'],
    ['9:16', '9:16'],
    ['9X16', '9:16'],
    ['9 / 16', '9:16'],
    ['portrait', '9:16'],
    ['Vertical', '9:16']
  ])('aspect "%s" is %s', (cell, aspect) => {
    const r = one('prompt,aspect', `A cat,${cell}`);
    expect(r.rows[0].draft.aspectRatio).toBe(aspect);
    expect(r.problems).toEqual([]);
  });

  it('refuses an aspect ratio it does not know', () => {
    const r = one('prompt,aspect_ratio', 'A cat,square');
    expect(r.problems.map((p) => [p.column, p.code])).toEqual([['aspect_ratio', 'invalid_choice']]);
  });

  it('turns a wholly numeric cell into a number and leaves the rest to the validator', () => {
    expect(one('prompt,duration', 'A cat,10').rows[0].draft.duration).toBe(10);
    expect(one('prompt,duration', 'A cat, 6 ').rows[0].draft.duration).toBe(6);
    expect(one('prompt,duration', 'A cat,1e1').rows[0].draft.duration).toBe(10);

    const fraction = one('prompt,duration', 'A cat,7.5');
    expect(fraction.rows[0].draft.duration).toBe(7.5);
    expect(fraction.problems.map(formatRowProblem)).toEqual(['Row 2, duration: The duration must be a whole number of seconds from 5 to 20 (got 7.5).']);

    const words = one('prompt,Seconds', 'A cat,abc');
    expect(words.rows[0].draft.duration).toBe('abc');
    expect(words.problems.map(formatRowProblem)).toEqual(['Row 2, Seconds: The duration must be a whole number of seconds from 5 to 20 (got "abc").']);

    expect(one('prompt,duration', 'A cat,0x10').rows[0].draft.duration).toBe('0x10');
    expect(one('prompt,duration', 'A cat,21').problems[0]).toMatchObject({ field: 'duration', code: 'out_of_range' });
  });

  it.each([
    // No seed of its own, or random: the app draws one (here from the test's source), so every video can be made again.
    ['', 1],
    ['random', 1],
    ['Random', 1],
    ['-1', 1],
    ['42', 42],
    ['2147483647', 2147483647]
  ])('seed "%s" is %s', (cell, seed) => {
    const r = one('prompt,seed', `A cat,${cell}`, { random: () => 0 });
    expect(r.rows[0].draft.seed).toBe(seed);
    expect(r.problems).toEqual([]);
  });

  it('refuses seeds the API would refuse', () => {
    expect(one('prompt,seed', 'A cat,0').problems[0]).toMatchObject({ field: 'seed', code: 'out_of_range' });
    expect(one('prompt,seed', 'A cat,2147483648').problems[0]).toMatchObject({ field: 'seed', code: 'out_of_range' });
    expect(one('prompt,seed', 'A cat,lucky').problems[0]).toMatchObject({ field: 'seed', code: 'not_integer', column: 'seed' });
    expect(one('prompt,seed', 'A cat,1.5').problems[0]).toMatchObject({ field: 'seed', code: 'not_integer' });
  });

  it('fills empty cells and missing columns from the batch defaults', () => {
    const defaults = { resolution: '480p', duration: 8, aspectRatio: '9:16' } as const;
    const r = importCsvText('prompt,resolution,duration,aspect\nA cat,,,\nA dog,1080p,6,16:9\n', { defaults });
    expect(r.rows.map((row) => row.draft)).toEqual([
      { mode: 'text-to-video', prompt: 'A cat', resolution: '480p', duration: 8, aspectRatio: '9:16', seed: expect.any(Number) },
      { mode: 'text-to-video', prompt: 'A dog', resolution: '1080p', duration: 6, aspectRatio: '16:9', seed: expect.any(Number) }
    ]);
    expect(importCsvText('prompt\nA cat\n').rows[0].draft).toEqual({
      mode: 'text-to-video',
      prompt: 'A cat',
      resolution: '720p',
      duration: 5,
      aspectRatio: '16:9',
      seed: expect.any(Number)
    });
  });

  it('reports bad batch defaults on every row that uses them', () => {
    const r = importCsvText('prompt,duration\nA cat,\nA dog,6\n', { defaults: { duration: 7.5 } });
    expect(r.problems.map(formatRowProblem)).toEqual(['Row 2, duration: The duration must be a whole number of seconds from 5 to 20 (got 7.5).']);
    expect(importCsvText('prompt\nA cat\n', { defaults: { duration: 30 } }).problems[0]).toMatchObject({
      column: '',
      field: 'duration',
      code: 'out_of_range'
    });
  });

  it('refuses an empty prompt and one over 5000 characters', () => {
    const r = importCsvText(`prompt,duration\n,6\n"${'a'.repeat(5001)}",6\n`);
    expect(r.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [2, 'prompt', 'empty'],
      [3, 'prompt', 'too_long']
    ]);
  });
});

describe('row problems', () => {
  it('reports every problem of every row with its row number and the header as written', async () => {
    const r = await importCsvFile(fixture('mixed-problems.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(r.problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [3, 'duration', 'not_integer'],
      [4, 'resolution', 'invalid_choice'],
      [4, 'duration', 'not_integer'],
      [4, 'aspect_ratio', 'invalid_choice'],
      [4, 'seed', 'not_integer'],
      [5, 'prompt', 'empty'],
      [6, 'count', 'out_of_range'],
      [7, 'mode', 'invalid_choice']
    ]);
    expect(r.validCount).toBe(1);
    expect(r.invalidRowCount).toBe(5);
    expect(r.rows.map((row) => row.problems.length)).toEqual([0, 1, 4, 1, 1, 1]);
  });

  it('formats a problem as "Row N, column: sentence"', () => {
    expect(
      formatRowProblem({
        row: 12,
        column: 'duration',
        field: 'duration',
        code: 'not_integer',
        message: 'The duration must be a whole number of seconds from 5 to 20 (got 7.5).'
      })
    ).toBe('Row 12, duration: The duration must be a whole number of seconds from 5 to 20 (got 7.5).');
    expect(formatRowProblem({ row: 3, column: '', field: 'image', code: 'required', message: 'Needs an image.' })).toBe('Row 3, image: Needs an image.');
    expect(formatRowProblem({ row: 4, column: '', field: '', code: 'too_many_cells', message: 'The row has 4 cells.' })).toBe('Row 4: The row has 4 cells.');
  });
});
