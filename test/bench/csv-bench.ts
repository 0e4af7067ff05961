// `validate` of a 100,000-row CSV through the real CLI, beside csv-parse alone on the same file.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureNode, medianOf, type MedianMeasurement } from './measure';

const SUBJECTS = ['a lighthouse keeper', 'a red fox', 'two astronauts', 'a paper boat', 'an old tram', 'a jazz trio', 'a glass whale'];
const PLACES = ['on a stormy coast', 'in a snowy forest', 'on the moon, lit by Earth', 'down a rain gutter', 'through Lisbon at dawn', 'in a smoky club'];
const SHOTS = ['slow dolly in', 'handheld, shallow depth of field', 'aerial drone orbit', 'static wide shot, golden hour', 'macro, soft light'];

/** The prompt of row `i` of the generated batches (varied, with commas). */
export function benchPrompt(i: number): string {
  return `${SUBJECTS[i % 7]} ${PLACES[i % 6]}, ${SHOTS[i % 5]}, cinematic, 35mm film grain, take ${i}`;
}

/** A realistic batch: varied prompts (some quoted with commas), mixed settings. */
export function writeBigCsv(path: string, rows: number): void {
  const lines = ['name,prompt,resolution,duration,aspect_ratio,seed'];
  for (let i = 0; i < rows; i++) {
    const resolution = ['480p', '720p', '1080p'][i % 3];
    lines.push(`clip-${i},"${benchPrompt(i)}",${resolution},${5 + (i % 16)},${i % 4 === 0 ? '9:16' : '16:9'},${i % 2 ? 1000 + i : ''}`);
  }
  writeFileSync(path, lines.join('\r\n') + '\r\n');
}

export interface CsvBenchResult {
  rows: number;
  sizeMb: number;
  runs: number;
  raw: MedianMeasurement;
  validate: MedianMeasurement;
}

export async function csvBench({ root, rows = 100_000, runs = 5 }: { root: string; rows?: number; runs?: number }): Promise<CsvBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-bench-csv-'));
  try {
    const file = join(dir, 'big.csv');
    writeBigCsv(file, rows);
    const sizeMb = statSync(file).size / 1e6;
    const raw = await medianOf(runs, () => measureNode(['test/bench/raw-parse.mjs', file], { cwd: root }));
    const validate = await medianOf(runs, () => measureNode(['out/main/cli.js', 'validate', file, '--json'], { cwd: root }));
    if (validate.codes.join() !== '0') throw new Error(`validate exited ${validate.codes.join()} on the generated CSV`);
    return { rows, sizeMb, runs, raw, validate };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function csvTable(r: CsvBenchResult): string {
  const row = (name: string, m: MedianMeasurement): string => `| ${name} | ${(m.wallMs / 1000).toFixed(2)} s | ${(m.maxRssKb / 1024).toFixed(0)} MB |`;
  return [
    `CSV: ${r.rows.toLocaleString('en-US')} rows, ${r.sizeMb.toFixed(1)} MB, median of ${r.runs} runs (whole process: start, read, parse, exit)`,
    '',
    '| | wall time | peak RSS |',
    '|---|---|---|',
    row('raw parse (csv-parse/sync, records as objects)', r.raw),
    row('`cli.js validate --json` (parse, map, validate, estimate)', r.validate),
    `| ratio validate ÷ raw | ${(r.validate.wallMs / r.raw.wallMs).toFixed(2)}× | ${(r.validate.maxRssKb / r.raw.maxRssKb).toFixed(2)}× |`
  ].join('\n');
}
