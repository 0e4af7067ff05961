import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { importCsvFile, importCsvText, importPromptLines, type ImportResult } from '../../src/main/core/import';
import { fixture, seeded, tempDir, writeFile } from './helpers';

const dir = tempDir();

/** Nothing imported, one clear sentence. */
function expectRefused(r: ImportResult, pattern: RegExp): void {
  expect(r.rows).toEqual([]);
  expect(r.validCount).toBe(0);
  expect(r.estimate.count).toBe(0);
  expect(r.fileProblems).toHaveLength(1);
  expect(r.fileProblems[0]).toMatch(pattern);
}

/** Writes a CSV of `rows` generated rows without holding it all in memory. */
async function writeRows(path: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write('name,prompt,resolution,duration,aspect_ratio,seed\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += line(i);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

const row = (i: number): string =>
  `clip-${i},"A cinematic shot of robot number ${i} walking through a rainy neon street, slow push in",${i % 3 === 0 ? '480p' : '720p'},${5 + (i % 4)},${i % 5 === 0 ? '9:16' : '16:9'},${i % 7 === 0 ? i + 1 : ''}\n`;

describe('files with nothing to import', () => {
  it.each([
    ['empty.csv', /^The file has no rows: it is empty\./],
    ['blank-lines-only.csv', /^The file has no rows: it is empty\./],
    ['header-only.csv', /^The file has no rows: there is nothing under its header\./],
    ['header-and-blank-rows.csv', /^The file has no rows: there is nothing under its header\./]
  ])('%s is refused: %s', async (file, pattern) => {
    expectRefused(await importCsvFile(fixture(file)), pattern);
  });

  it('keeps the columns of a header-only file, so a mapping screen can still show them', async () => {
    const r = await importCsvFile(fixture('header-only.csv'));
    expect(r.columns.map((c) => c.field)).toEqual(['prompt', 'duration', 'resolution']);
  });

  it('refuses a file that is not there, or is a folder', async () => {
    expectRefused(await importCsvFile(join(dir, 'missing.csv')), /^The file .*missing\.csv was not found\./);
    expectRefused(await importCsvFile(dir), /is a folder, not a CSV file/);
  });
});

describe('files that are not CSV text', () => {
  it('refuses random bytes with NULs as "not a CSV text file"', async () => {
    expectRefused(await importCsvFile(fixture('binary-junk.bin')), /^This file does not look like a CSV text file/);
  });

  it('refuses random bytes without NULs too', () => {
    const random = seeded(99);
    const bytes = Uint8Array.from({ length: 8192 }, () => 1 + Math.floor(random() * 255));
    expectRefused(importCsvText(bytes), /does not look like a CSV text file/);
  });

  it('refuses text holding NUL characters', () => {
    expectRefused(importCsvText('prompt\nA cat\0\0\0\n'), /does not look like a CSV text file/);
  });

  it('recognises a spreadsheet workbook and says how to export CSV', async () => {
    expectRefused(await importCsvFile(fixture('workbook.xlsx')), /spreadsheet workbook.*CSV UTF-8/);
  });
});

describe('size limits', () => {
  it('refuses a 50 MB file before reading it, saying its size and the limit and suggesting a split', async () => {
    const path = join(dir, 'fifty-megabytes.csv');
    const block = Buffer.from(Array.from({ length: 1000 }, (_, i) => row(i)).join(''));
    const out = createWriteStream(path);
    out.write('name,prompt,resolution,duration,aspect_ratio,seed\n');
    for (let written = 0; written < 50 * 1024 * 1024; written += block.length) {
      if (!out.write(block)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const started = performance.now();
    const r = await importCsvFile(path);
    expect(performance.now() - started).toBeLessThan(1000);
    expectRefused(r, /^The file is 50(\.\d)? MB, more than the 32 MB one import can take\. Split it into smaller files/);
  });

  it('applies maxBytes to text and bytes as well', () => {
    const text = `prompt\n${'A cat\n'.repeat(100)}`;
    expectRefused(importCsvText(text, { maxBytes: 100 }), /^The file is 607 bytes, more than the 100 bytes one import can take\./);
    expectRefused(importCsvText(Buffer.from(text), { maxBytes: 100 }), /more than the/);
    expect(importCsvText(text, { maxBytes: text.length }).validCount).toBe(100);
  });

  it('refuses more takes than maxRows, counting rows times their count', () => {
    expectRefused(
      importCsvText('prompt,count\nA,60\nB,60\n', { maxRows: 100 }),
      /^The batch asks for 120 videos .* more than the 100 one import can hold\. Split it/
    );
    expect(importCsvText('prompt,count\nA,50\nB,50\n', { maxRows: 100 }).validCount).toBe(100);
  });

  it('imports 100,000 rows quickly and counts them right', async () => {
    const path = join(dir, 'hundred-thousand.csv');
    await writeRows(path, 100_000, row);
    const started = performance.now();
    const r = await importCsvFile(path);
    const seconds = (performance.now() - started) / 1000;
    console.info(`[import] 100,000 rows in ${seconds.toFixed(2)} s`);
    expect(r.fileProblems).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.rows).toHaveLength(100_000);
    expect(r.validCount).toBe(100_000);
    expect(r.rows[99_999]).toMatchObject({ row: 100_001, take: 1, name: 'clip-99999' });
    expect(r.rows[7].draft.seed).toBe(8);
    expect(r.estimate.count).toBe(100_000);
    const expectedSeconds = Array.from({ length: 100_000 }, (_, i) => 5 + (i % 4)).reduce((a, b) => a + b, 0);
    expect(r.estimate.seconds).toBe(expectedSeconds);
    expect(r.estimate.byResolution['480p'].count).toBe(33_334);
    expect(seconds).toBeLessThan(10);
  });

  it('refuses 100,001 rows with the default limit', async () => {
    const path = join(dir, 'one-too-many.csv');
    await writeRows(path, 100_001, (i) => `c${i},A cat,,,,\n`);
    expectRefused(await importCsvFile(path), /^The batch asks for 100,001 videos .* 100,000 one import can hold/);
  });
});

describe('cells that look like formulas', () => {
  it('keeps them as text and warns once, naming the rows', async () => {
    const r = await importCsvFile(fixture('formula-cells.csv'));
    expect(r.fileProblems).toEqual([]);
    expect(r.rows[0].name).toBe('=HYPERLINK("http://evil.example")');
    expect(r.rows[2].draft.prompt).toBe('@SUM(A1:A2)');
    expect(r.warnings).toEqual([expect.stringMatching(/^Rows 2, 3, 4 and 5: the prompt or name starts with =, \+, - or @/)]);
    expect(r.validCount).toBe(7);
  });

  it('does not warn about pasted prompt lines', () => {
    expect(importPromptLines('=1+1 is a prompt here\n').warnings).toEqual([]);
  });
});

describe('never throws', () => {
  it.each([
    ['a lone quote', '"'],
    ['only delimiters', ',,,;;;\t\t'],
    ['a header of quotes', '"""",""""\n1,2'],
    ['control characters', 'prompt\n\u0001\u0002\u0003\n'],
    ['a huge cell', `prompt\n"${'x'.repeat(1_000_000)}"\n`],
    ['lone surrogates', 'prompt\n\ud800\udfff\ud800\n'],
    ['every byte value', Buffer.from(Array.from({ length: 256 }, (_, i) => i))]
  ])('%s', (_, input) => {
    expect(() => importCsvText(input)).not.toThrow();
  });

  it('every committed fixture imports without throwing', async () => {
    const files = [
      'binary-junk.bin',
      'blank-lines-only.csv',
      'bom-utf8.csv',
      'cr-only.csv',
      'crlf.csv',
      'duplicate-headers.csv',
      'empty.csv',
      'formula-cells.csv',
      'header-and-blank-rows.csv',
      'header-only.csv',
      'mixed-problems.csv',
      'no-prompt-column.csv',
      'quoted-newlines.csv',
      'ragged.csv',
      'semicolon.csv',
      'sep-line.csv',
      'tab.tsv',
      'text-after-closing-quote.csv',
      'unterminated-quote.csv',
      'utf16be.csv',
      'utf16le-excel-unicode.txt',
      'utf16le-no-bom.csv',
      'whitespace.csv',
      'windows-1252.csv',
      'workbook.xlsx'
    ];
    for (const file of files) {
      const r = await importCsvFile(fixture(file));
      expect(r.fileProblems.length + r.rows.length, file).toBeGreaterThan(0);
      expect(importCsvText(readFileSync(fixture(file))).fileProblems).toEqual(r.fileProblems);
    }
  });

  it('a file written with an unterminated quote near the end still reports, not crashes', () => {
    const path = writeFile(dir, 'late-quote.csv', `prompt\n${'A cat\n'.repeat(5000)}"oops\n`);
    return importCsvFile(path).then((r) => expectRefused(r, /^Row 5002 opens a quote/));
  });
});
