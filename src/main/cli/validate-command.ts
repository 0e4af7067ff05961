import { basename } from 'node:path';
import { ASPECT_RATIOS, MODES, RESOLUTIONS, LIMITS } from '@shared/model';
import { formatUsd, type BatchEstimate } from '@shared/pricing';
import { SWEEP_AXIS_MAX, readNumberList, type SweepSpec } from '@shared/sweep';
import { formatRowProblem, importCsvFile, importWorkbookFile, isWorkbookPath, type BatchDefaults, type ImportOptions, type ImportResult } from '../core/import';
import { choiceFlag, numberFlag, parseCommandArgs } from './args';
import { EXIT, UsageError, plural, type Output } from './output';
import type { CliLog } from './cli-log';

/** The sweep flags' help (shared by `validate` and `run`). */
export const SWEEP_HELP = `  --seeds N|LIST   sweep: N new seeds for every take, or the seeds listed (42,43,44)
  --durations LIST, --resolutions LIST, --aspects LIST, --lora-scales LIST
                   sweep: every take tried at each value (5,10 · 480p,720p · 16:9,9:16 · 0.6,1)`;

export const VALIDATE_HELP = `Usage: ltx-batch validate <file.csv|file.xlsx|file.ods> [options]

Checks every row of a CSV (or of one sheet of an Excel or LibreOffice workbook) against the
LTX 2 19B rules and prints the problems and the cost estimate of the valid rows. Nothing is
sent anywhere.

Options:
  --sheet NAME     the workbook's sheet to read (default: the first visible one with data)
  --resolution R   default resolution for rows without one (${RESOLUTIONS.join(', ')}; default 720p)
  --duration S     default duration in seconds (${LIMITS.durationMin}-${LIMITS.durationMax}; default 5)
  --aspect A       default aspect ratio for text modes (${ASPECT_RATIOS.join(', ')}; default 16:9)
  --mode M         default mode when a row has none and none can be inferred
${SWEEP_HELP}
  --json           print the report as JSON
  -h, --help       show this help

Exit status: 0 when every row is valid, 2 when any is not (or the file cannot be read).`;

const SHOWN_PROBLEMS = 50;

export const SWEEP_FLAGS = {
  seeds: { type: 'string' },
  durations: { type: 'string' },
  resolutions: { type: 'string' },
  aspects: { type: 'string' },
  'lora-scales': { type: 'string' }
} as const;

/** A comma list of words, each one of `choices`. */
function choiceList<T extends string>(value: string | boolean | undefined, flag: string, choices: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const items = String(value)
    .split(/[\s,]+/)
    .filter((v) => v !== '');
  return [...new Set(items.map((item) => choiceFlag(item, flag, choices)!))];
}

/** A comma list of numbers, or a usage error naming the flag and the bad entry. */
function numberList(value: string | boolean | undefined, flag: string, what: Parameters<typeof readNumberList>[1]): number[] | undefined {
  if (value === undefined) return undefined;
  const read = readNumberList(String(value), what);
  if (!read.ok) throw new UsageError(`--${flag}: ${read.message}`);
  return read.values;
}

/** The sweep given on the command line (shared by `validate` and `run`); undefined without sweep flags. */
export function sweepFromFlags(values: Record<string, string | boolean | undefined>): SweepSpec | undefined {
  const spec: SweepSpec = {};
  if (values.seeds !== undefined) {
    const text = String(values.seeds).trim();
    if (/^\d+$/.test(text)) spec.seeds = { count: numberFlag(text, 'seeds', 1, SWEEP_AXIS_MAX, true)! };
    else spec.seeds = { list: numberList(text, 'seeds', { name: 'seed', whole: true, min: LIMITS.seedMin, max: LIMITS.seedMax })! };
  }
  const durations = numberList(values.durations, 'durations', { name: 'duration', whole: true, min: LIMITS.durationMin, max: LIMITS.durationMax });
  if (durations?.length) spec.durations = durations;
  const resolutions = choiceList(values.resolutions, 'resolutions', RESOLUTIONS);
  if (resolutions?.length) spec.resolutions = resolutions;
  const aspects = choiceList(values.aspects, 'aspects', ASPECT_RATIOS);
  if (aspects?.length) spec.aspectRatios = aspects;
  const scales = numberList(values['lora-scales'], 'lora-scales', { name: 'LoRA scale', whole: false, min: LIMITS.loraScaleMin, max: LIMITS.loraScaleMax });
  if (scales?.length) spec.loraScales = scales;
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/** Batch defaults given on the command line (shared by `validate` and `run`). */
export function defaultsFromFlags(values: Record<string, string | boolean | undefined>): Partial<BatchDefaults> {
  const defaults: Partial<BatchDefaults> = {};
  const resolution = choiceFlag(values.resolution, 'resolution', RESOLUTIONS);
  const duration = numberFlag(values.duration, 'duration', LIMITS.durationMin, LIMITS.durationMax, true);
  const aspectRatio = choiceFlag(values.aspect, 'aspect', ASPECT_RATIOS);
  const mode = choiceFlag(values.mode, 'mode', MODES);
  if (resolution) defaults.resolution = resolution;
  if (duration !== undefined) defaults.duration = duration;
  if (aspectRatio) defaults.aspectRatio = aspectRatio;
  if (mode) defaults.mode = mode;
  return defaults;
}

/**
 * The rows of a CSV or of a workbook's sheet (shared by `validate` and `run`): a workbook is read
 * as the window reads it, the same mapping, checks and estimate.
 */
export function importRowsFile(file: string, options: ImportOptions, sheet: string | boolean | undefined): Promise<ImportResult> {
  if (sheet !== undefined && (typeof sheet !== 'string' || sheet.trim() === '')) throw new UsageError('--sheet takes the name of a sheet.');
  if (!isWorkbookPath(file)) {
    if (sheet !== undefined) throw new UsageError('--sheet is for a workbook (.xlsx, .ods); a CSV has one table.');
    return importCsvFile(file, options);
  }
  return importWorkbookFile(file, { ...options, ...(sheet === undefined ? {} : { sheet }) });
}

export const DEFAULT_FLAGS = {
  sheet: { type: 'string' },
  resolution: { type: 'string' },
  duration: { type: 'string' },
  aspect: { type: 'string' },
  mode: { type: 'string' }
} as const;

export async function validateCommand(argv: string[], io: Output, _signal: AbortSignal, logs: CliLog): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...DEFAULT_FLAGS, ...SWEEP_FLAGS, json: { type: 'boolean' } });
  if (values.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('validate takes exactly one CSV file (or workbook).');
  const [file] = positionals;
  const result = await importRowsFile(file, { defaults: defaultsFromFlags(values), sweep: sweepFromFlags(values) }, values.sheet);
  const valid = result.fileProblems.length === 0 && result.problems.length === 0;
  logs.open().info('CSV validated', {
    file,
    valid,
    videos: result.rows.length,
    invalidRows: result.invalidRowCount,
    fileProblems: result.fileProblems.length || undefined
  });
  if (values.json) io.out(JSON.stringify(jsonReport(file, result, valid), null, 2));
  else printReport(file, result, valid, io);
  return valid ? EXIT.ok : EXIT.invalidInput;
}

function jsonReport(file: string, result: ImportResult, valid: boolean): unknown {
  return {
    file,
    valid,
    delimiter: result.delimiter,
    columns: result.columns,
    rows: new Set(result.rows.map((r) => r.row)).size,
    videos: result.rows.length,
    validVideos: result.validCount,
    invalidRows: result.invalidRowCount,
    fileProblems: result.fileProblems,
    problems: result.problems,
    warnings: result.warnings,
    ...(result.sweep ? { sweep: result.sweep } : {}),
    estimate: { ...result.estimate, usd: formatUsd(result.estimate.micros) }
  };
}

function printReport(file: string, result: ImportResult, valid: boolean, io: Output): void {
  const name = basename(file);
  if (result.fileProblems.length > 0) {
    io.out(`✗ ${name} cannot be imported:`);
    for (const p of result.fileProblems) io.out(`  ${p}`);
    return;
  }
  const rows = new Set(result.rows.map((r) => r.row)).size;
  io.out(`${name}: ${plural(rows, 'row')} → ${plural(result.rows.length, 'video')}`);
  if (result.sweep) io.out(`Sweep: ${result.sweep.words}`);
  for (const w of result.warnings) io.out(`  note: ${w}`);
  if (valid) {
    io.out(`✓ every row is valid`);
  } else {
    io.out(`✗ ${plural(result.invalidRowCount, 'row')} with problems (nothing would be submitted until they are fixed or dropped):`);
    for (const p of result.problems.slice(0, SHOWN_PROBLEMS)) io.out(`  ${formatRowProblem(p)}`);
    if (result.problems.length > SHOWN_PROBLEMS) {
      io.out(`  … and ${result.problems.length - SHOWN_PROBLEMS} more (--json lists them all)`);
    }
  }
  printEstimate(valid ? 'Estimate' : 'Estimate of the valid rows', result.estimate, io);
}

/** The estimate's lines; `note` follows the amount (a run on the simulator: "simulated, nothing is charged"). */
export function printEstimate(title: string, estimate: BatchEstimate, io: Output, note?: string): void {
  io.out(`${title}: ${plural(estimate.count, 'video')}, ${estimate.seconds} s of video, ${formatUsd(estimate.micros)}${note ? ` (${note})` : ''}`);
  for (const resolution of RESOLUTIONS) {
    const line = estimate.byResolution[resolution];
    if (line.count > 0)
      io.out(`  ${resolution.padEnd(5)} ${plural(line.count, 'video').padEnd(12)} ${String(line.seconds).padStart(7)} s  ${formatUsd(line.micros)}`);
  }
}
