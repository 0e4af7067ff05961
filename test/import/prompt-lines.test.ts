import { describe, expect, it } from 'vitest';
import { formatRowProblem, importPromptLines } from '../../src/main/core/import';

describe('importPromptLines', () => {
  it('makes one video per non-empty line, numbered by line, with the batch defaults', () => {
    const r = importPromptLines('  A red fox in the snow  \r\n\r\nA koi pond, seen from above\nA lighthouse at dusk\n', {
      defaults: { resolution: '480p', duration: 6, aspectRatio: '9:16' }
    });
    expect(r.fileProblems).toEqual([]);
    expect(r.delimiter).toBe('\n');
    expect(r.columns).toEqual([{ header: 'prompt', index: 1, letter: 'A', field: 'prompt', automatic: true }]);
    expect(r.rows.map((row) => [row.row, row.draft])).toEqual([
      [1, { mode: 'text-to-video', prompt: 'A red fox in the snow', resolution: '480p', duration: 6, aspectRatio: '9:16', seed: expect.any(Number) }],
      [3, { mode: 'text-to-video', prompt: 'A koi pond, seen from above', resolution: '480p', duration: 6, aspectRatio: '9:16', seed: expect.any(Number) }],
      [4, { mode: 'text-to-video', prompt: 'A lighthouse at dusk', resolution: '480p', duration: 6, aspectRatio: '9:16', seed: expect.any(Number) }]
    ]);
    expect(r.estimate).toMatchObject({ count: 3, seconds: 18, micros: 216_000 });
  });

  it('applies the sequential seed policy across lines', () => {
    const r = importPromptLines('A\nB\nC', { defaults: { seed: { kind: 'sequential', start: 10 } } });
    expect(r.rows.map((row) => row.draft.seed)).toEqual([10, 11, 12]);
  });

  it('keeps commas and quotes as written', () => {
    const r = importPromptLines('"Quoted", with commas; and semicolons\n');
    expect(r.rows[0].draft.prompt).toBe('"Quoted", with commas; and semicolons');
  });

  it('reports a prompt over the limit by its line', () => {
    const r = importPromptLines(`Fine\n${'x'.repeat(5001)}\n`);
    expect(r.problems.map(formatRowProblem)).toEqual(['Row 2, prompt: The prompt is 5001 characters long; the limit is 5000. Shorten it by 1.']);
    expect(r.validCount).toBe(1);
  });

  it('refuses nothing to import, binary junk, and too much text', () => {
    expect(importPromptLines(' \n\n\t\n').fileProblems).toEqual(['There are no prompts to import: write or paste one prompt per line.']);
    expect(importPromptLines('\u0000\u0001\u0002junk').fileProblems[0]).toMatch(/does not look like a CSV text file/);
    expect(importPromptLines('A\n'.repeat(200), { maxBytes: 100 }).fileProblems[0]).toMatch(/more than the 100 bytes one import can take/);
    expect(importPromptLines('A\n'.repeat(101), { maxRows: 100 }).fileProblems[0]).toMatch(/^The batch asks for 101 videos/);
  });
});
