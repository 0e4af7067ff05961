import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importCsvFile, importCsvText } from '../../src/main/core/import';
import { fixture, tempDir, writeFile } from './helpers';

const dir = tempDir();

const prompts = (r: { rows: { draft: { prompt: string } }[] }): string[] => r.rows.map((row) => row.draft.prompt);

describe('encodings', () => {
  it('strips a UTF-8 byte-order mark so the first header still matches', async () => {
    const r = await importCsvFile(fixture('bom-utf8.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(r.columns[0]).toMatchObject({ header: 'prompt', field: 'prompt' });
    expect(prompts(r)).toEqual(['A café terrace in Paris at golden hour']);
    expect(r.validCount).toBe(1);
  });

  it('reads Excel\'s "Unicode text" (UTF-16 LE with a BOM, tab-separated)', async () => {
    const r = await importCsvFile(fixture('utf16le-excel-unicode.txt'));
    expect(r.fileProblems).toEqual([]);
    expect(r.delimiter).toBe('\t');
    expect(prompts(r)).toEqual(['A snow globe being shaken, slow motion', 'Un café à Montréal, 雪']);
    expect(r.rows.map((row) => row.draft.resolution)).toEqual(['720p', '480p']);
    expect(r.problems).toEqual([]);
  });

  it('reads UTF-16 BE with a BOM', async () => {
    const r = await importCsvFile(fixture('utf16be.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(prompts(r)).toEqual(['A snow globe being shaken slow motion', 'Un café à Montréal 雪']);
    expect(r.validCount).toBe(2);
  });

  it('refuses UTF-16 without a BOM with advice instead of garbage', async () => {
    const r = await importCsvFile(fixture('utf16le-no-bom.csv'));
    expect(r.rows).toEqual([]);
    expect(r.fileProblems).toHaveLength(1);
    expect(r.fileProblems[0]).toMatch(/UTF-16.*byte-order mark.*CSV UTF-8/);
  });

  it('reads a non-UTF-8 file as Windows-1252, curly quotes included, and says so', async () => {
    const r = await importCsvFile(fixture('windows-1252.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(prompts(r)).toEqual(['A café with \u201ccurly quotes\u201d \u2013 and a dash']);
    expect(r.warnings.join(' ')).toMatch(/not UTF-8.*Windows-1252/);
  });

  it('takes bytes and strings alike', () => {
    const bytes = readFileSync(fixture('crlf.csv'));
    expect(prompts(importCsvText(bytes))).toEqual(prompts(importCsvText(bytes.toString('utf8'))));
    expect(prompts(importCsvText('\ufeffprompt\nA cat\n'))).toEqual(['A cat']);
  });
});

describe('delimiters', () => {
  it('detects semicolons (European Excel) and keeps commas inside quoted cells', async () => {
    const r = await importCsvFile(fixture('semicolon.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(r.delimiter).toBe(';');
    expect(prompts(r)).toEqual(['A cat, sitting on a wall', 'A windmill in a field']);
    expect(r.rows.map((row) => row.draft.duration)).toEqual([6, 8]);
    expect(r.problems).toEqual([]);
  });

  it('detects tabs', async () => {
    const r = await importCsvFile(fixture('tab.tsv'));
    expect(r.delimiter).toBe('\t');
    expect(prompts(r)).toEqual(['A city street at night, rain', 'A mountain lake']);
    expect(r.rows.map((row) => row.draft.aspectRatio)).toEqual(['9:16', '16:9']);
    expect(r.validCount).toBe(2);
  });

  it("honours Excel's sep= line and numbers rows from the header", async () => {
    const r = await importCsvFile(fixture('sep-line.csv'));
    expect(r.delimiter).toBe(';');
    expect(prompts(r)).toEqual(['A comma, inside']);
    expect(r.rows[0].row).toBe(2);
  });

  it('counts delimiters only outside quotes on the header line', () => {
    const r = importCsvText('"prompt; the text";duration\n"a, b, c";6\n', { mapping: { 'prompt; the text': 'prompt' } });
    expect(r.delimiter).toBe(';');
    expect(prompts(r)).toEqual(['a, b, c']);
  });

  it('reads a one-column file', () => {
    const r = importCsvText('prompt\nA cat\nA dog\n');
    expect(r.delimiter).toBe(',');
    expect(r.validCount).toBe(2);
  });
});

describe('quotes and line breaks', () => {
  it('keeps commas, doubled quotes and line breaks inside quoted cells, and counts rows as a spreadsheet does', async () => {
    const r = await importCsvFile(fixture('quoted-newlines.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(r.rows[0].draft.prompt).toBe('First line, with a comma\nSecond line with "quotes"\nThird line');
    expect(r.rows.map((row) => [row.row, row.name])).toEqual([
      [2, 'poem'],
      [3, 'single']
    ]);
    expect(r.validCount).toBe(2);
  });

  it.each([
    ['crlf.csv', 'CRLF'],
    ['cr-only.csv', 'CR']
  ])('reads %s (%s line endings)', async (file) => {
    const r = await importCsvFile(fixture(file));
    expect(prompts(r)).toEqual(['A sailboat at sunset', 'A koi pond']);
    expect(r.rows.map((row) => row.draft.duration)).toEqual([5, 6]);
    expect(r.rows.map((row) => row.row)).toEqual([2, 3]);
  });

  it('reads a file that mixes line endings', () => {
    const r = importCsvText('prompt,duration\r\nA,5\nB,6\rC,7\r\n');
    expect(prompts(r)).toEqual(['A', 'B', 'C']);
    expect(r.rows.map((row) => row.draft.duration)).toEqual([5, 6, 7]);
  });

  it('trims spaces around unquoted cells, keeps them inside quotes, skips blank lines but keeps row numbers', async () => {
    const r = await importCsvFile(fixture('whitespace.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(r.columns.map((c) => c.header)).toEqual(['prompt', 'duration', 'resolution']);
    expect(r.rows.map((row) => [row.row, row.draft.prompt, row.draft.duration, row.draft.resolution])).toEqual([
      [4, 'A fox in the snow', 6, '720p'],
      [6, ' padded inside quotes ', 5, '480p']
    ]);
    expect(r.problems).toEqual([]);
  });

  it('allows a stray quote inside an unquoted cell (5" tall)', () => {
    const r = importCsvText('prompt\nA 5" tall robot\n');
    expect(prompts(r)).toEqual(['A 5" tall robot']);
  });

  it('refuses an unterminated quote, naming the row that opens it', async () => {
    const r = await importCsvFile(fixture('unterminated-quote.csv'));
    expect(r.rows).toEqual([]);
    expect(r.fileProblems).toHaveLength(1);
    expect(r.fileProblems[0]).toMatch(/^Row 3 opens a quote \(".*never closed/);
  });

  it('refuses text after a closing quote, naming the row', async () => {
    const r = await importCsvFile(fixture('text-after-closing-quote.csv'));
    expect(r.fileProblems).toHaveLength(1);
    expect(r.fileProblems[0]).toMatch(/^Row 3 has a quoted cell with more text after its closing quote/);
  });

  it('counts blank lines before an unterminated quote in its row number', async () => {
    const path = writeFile(dir, 'blank-then-quote.csv', 'prompt\n\nok\n"never closed\n');
    const r = await importCsvFile(path);
    expect(r.fileProblems[0]).toMatch(/^Row 4 /);
  });
});

describe('ragged rows', () => {
  it('reports a row with more cells than the header, pads a shorter one with a warning, and accepts trailing empty cells', async () => {
    const r = await importCsvFile(fixture('ragged.csv'));
    expect(r.fileProblems).toEqual([]);
    const extra = r.problems.filter((p) => p.code === 'too_many_cells');
    expect(extra).toEqual([
      {
        row: 3,
        column: '',
        field: '',
        code: 'too_many_cells',
        message: expect.stringMatching(/^The row has 4 cells but the header has 3 \(an unquoted comma or delimiter\?\)/)
      }
    ]);
    const padded = r.rows.find((row) => row.row === 4)!;
    expect(padded.problems).toEqual([]);
    expect(padded.draft.resolution).toBe('720p');
    expect(padded.source).toEqual({ prompt: 'A paper boat on a stream', duration: '7', resolution: '' });
    expect(r.warnings).toContain('Row 4 has fewer cells than the header; the missing cells were read as empty.');
    expect(r.rows.find((row) => row.row === 5)!.problems).toEqual([]);
    expect(r.validCount).toBe(3);
    expect(r.invalidRowCount).toBe(1);
  });
});
