import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'ltx-cli-'));
let files = 0;

beforeAll(requireBuiltCli);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(text: string): string {
  const file = join(dir, `batch-${++files}.csv`);
  writeFileSync(file, text);
  return file;
}

describe('cli validate', () => {
  it('reports a valid CSV with its estimate and exits 0', async () => {
    const { code, stdout } = await runCli(['validate', 'resources/examples/example.csv']);
    expect(code).toBe(0);
    expect(stdout).toContain('✓ every row is valid');
    expect(stdout).toMatch(/Estimate: 13 videos, \d+ s of video, \$\d+\.\d+/);
  });

  it('lists each bad row with its column and message, and exits 2', async () => {
    const file = csv('prompt,duration,resolution\n"a fox, running",7.5,720p\nok prompt,10,4k\n,5,480p\ngood one,5,480p\n');
    const { code, stdout } = await runCli(['validate', file]);
    expect(code).toBe(2);
    expect(stdout).toContain('3 rows with problems');
    expect(stdout).toContain('Row 2, duration: The duration must be a whole number of seconds from 5 to 20 (got 7.5).');
    expect(stdout).toContain('Row 3, resolution: The resolution must be one of 480p, 720p, 1080p (got "4k").');
    expect(stdout).toMatch(/Row 4, prompt: .*(required|empty)/);
    // The estimate covers only the valid row: 480p × 5 s × $0.012.
    expect(stdout).toContain('Estimate of the valid rows: 1 video, 5 s of video, $0.06');
  });

  it('prints the whole report as JSON', async () => {
    const file = csv('prompt,duration\nfirst,5\nsecond,abc\n');
    const { code, stdout } = await runCli(['validate', file, '--json', '--resolution', '1080p']);
    expect(code).toBe(2);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ valid: false, videos: 2, validVideos: 1, invalidRows: 1 });
    expect(report.problems).toEqual([expect.objectContaining({ row: 3, column: 'duration', field: 'duration', code: 'not_integer' })]);
    expect(report.estimate).toMatchObject({ count: 1, seconds: 5, micros: 120_000, usd: '$0.12' });
  });

  it('applies batch defaults given as flags', async () => {
    const file = csv('prompt\nwaves at night\n');
    const { stdout } = await runCli(['validate', file, '--resolution', '480p', '--duration', '10', '--json']);
    expect(JSON.parse(stdout).estimate).toMatchObject({ count: 1, seconds: 10, usd: '$0.12' });
  });

  it('says clearly what is wrong with a file it cannot read', async () => {
    const missing = await runCli(['validate', 'no/such/file.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/was not found/);
    const junk = await runCli(['validate', 'test/fixtures/csv/binary-junk.bin']);
    expect(junk.code).toBe(2);
    expect(junk.stdout).toMatch(/cannot be imported/);
  });

  it('refuses wrong arguments with a pointer to --help', async () => {
    for (const args of [['validate'], ['validate', 'a.csv', '--bogus'], ['validate', 'a.csv', '--duration', '30'], ['frobnicate']]) {
      const { code, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stderr).toMatch(/help/);
    }
  });

  it('has help for every command', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/validate <file\.csv>/);
    for (const command of ['validate', 'simulate']) {
      const { code, stdout } = await runCli([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`Usage: ltx-batch ${command}`));
    }
  });
});

describe('cli validate with a sweep', () => {
  it('counts and prices the sweep of a template before it expands', async () => {
    const file = csv('prompt,place,resolution\n"A fox in {{place}}",a snowy pass,480p\n"A fox in {{place}}",a pine forest,480p\n');
    const { code, stdout } = await runCli(['validate', file, '--seeds', '3', '--durations', '5,10']);
    expect(code).toBe(0);
    // 2 prompts × 3 seeds × (5 s + 10 s) at 480p ($0.012 a second).
    expect(stdout).toContain('Sweep: 2 prompts × 3 seeds × 2 durations = 12 videos, $1.08');
    expect(stdout).toContain('Estimate: 12 videos, 90 s of video, $1.08');
  });

  it('reads a workbook made by a spreadsheet program as its CSV export, and a chosen sheet', async () => {
    const fromCsv = await runCli(['validate', 'test/fixtures/sheets/prompts.csv', '--json']);
    const fromXlsx = await runCli(['validate', 'test/fixtures/sheets/prompts.xlsx', '--json']);
    const report = (out: string) => {
      const { file: _file, delimiter: _delimiter, ...rest } = JSON.parse(out) as Record<string, unknown>;
      return rest;
    };
    expect(fromXlsx.code).toBe(fromCsv.code);
    expect(report(fromXlsx.stdout)).toEqual(report(fromCsv.stdout));
    const shots = await runCli(['validate', 'test/fixtures/sheets/book.ods', '--sheet', 'Shots']);
    expect(shots.code).toBe(0);
    expect(shots.stdout).toContain('✓ every row is valid');
    const none = await runCli(['validate', 'test/fixtures/sheets/book.ods', '--sheet', 'Nope']);
    expect(none.code).toBe(2);
    expect(none.stdout + none.stderr).toMatch(/Nope/);
    const wrong = await runCli(['validate', 'resources/examples/example.csv', '--sheet', 'Shots']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('--sheet is for a workbook (.xlsx, .ods); a CSV has one table.');
  });

  it('refuses a sweep flag it cannot read, naming the flag and the entry', async () => {
    const file = csv('prompt\na fox\n');
    const { code, stderr } = await runCli(['validate', file, '--durations', '5,99']);
    expect(code).toBe(2);
    expect(stderr).toContain('--durations: “99” is not a duration: write whole numbers from 5 to 20, separated by commas.');
  });
});
