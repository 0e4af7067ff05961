import { estimateBatch } from '@shared/pricing';
import type { TaskDraft } from '@shared/request';
import { resolveDefaults } from '@shared/batch-defaults';
import { looksLikeFormula, parseCount, type CountCell } from './cells';
import { failedImport } from './import-result';
import { DEFAULT_MAX_ROWS, tooManyTakesMessage } from './limits';
import { buildRowTakes, createRowContext, rowRandom, type RowTakes } from './row-builder';
import { hasSweep, sweepSeeds } from './sweep';
import { parseTemplate, variantCount } from '@shared/template';
import { DEFAULT_MAX_SWEEP_VIDEOS, countSweep, sweepRefusal, type SweepCount } from '@shared/sweep';
import { cryptoRandom } from './seeds';
import type { Delimiter, ImportColumn, ImportedRow, ImportOptions, ImportResult, RowProblem } from './types';
import { RowTally } from './wording';

export interface RecordsInput {
  /** Every record of the input, blank ones included: records[i] is spreadsheet row i + 1. */
  records: readonly (readonly string[])[];
  /** Index of the first record under the header. */
  firstData: number;
  columns: ImportColumn[];
  delimiter: Delimiter;
  /** Warnings found so far (decoding, headers). */
  warnings: string[];
  /** What to say when there is nothing to import. */
  noRowsMessage: string;
  /** Warn about cells a spreadsheet could run as formulas (meaningless for pasted prompts). */
  formulaWarnings: boolean;
}

export function isBlankRecord(cells: readonly string[]): boolean {
  for (const c of cells) if (c.length > 0 && c.trim() !== '') return false;
  return true;
}

const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '\n': 'line break' };

/**
 * Turns parsed records into takes: one `ImportedRow` per take, every take validated, all row
 * problems gathered once per row, and the estimate of the valid takes.
 */
export function importRecords(input: RecordsInput, options: ImportOptions): ImportResult {
  const { records, firstData, columns, delimiter } = input;
  const seen = { columns, delimiter, warnings: input.warnings };
  const countAt = columns.find((c) => c.field === 'count')?.index ?? 0;
  const countOf = (cells: readonly string[]): CountCell => (countAt > 0 && countAt <= cells.length ? parseCount(cells[countAt - 1]) : { ok: true, count: 1 });

  const promptAt = columns.find((c) => c.field === 'prompt')?.index ?? 0;
  const variantsOf = (cells: readonly string[]): number => (promptAt > 0 && promptAt <= cells.length ? variantCount(parseTemplate(cells[promptAt - 1])) : 1);

  let dataRows = 0;
  let totalTakes = 0;
  for (let i = firstData; i < records.length; i++) {
    if (isBlankRecord(records[i])) continue;
    dataRows++;
    const count = countOf(records[i]);
    totalTakes += (count.ok ? count.count : 1) * variantsOf(records[i]);
  }
  if (dataRows === 0) return failedImport([input.noRowsMessage], seen);
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (totalTakes > maxRows) return failedImport([tooManyTakesMessage(totalTakes, maxRows)], seen);

  const ctx = createRowContext(columns, resolveDefaults(options.defaults), options.baseDir ?? process.cwd(), options.random ?? cryptoRandom);
  ctx.randomFor = options.randomFor;
  const width = columns.length;
  const unnamed = columns.filter((c) => c.header === '').map((c) => c.index - 1);
  const formulaAt = input.formulaWarnings ? columns.filter((c) => c.field === 'prompt' || c.field === 'name').map((c) => c.index - 1) : [];
  const padded = new RowTally();
  const formulas = new RowTally();
  const unnamedData = new RowTally();

  const planned: { row: number; plan: RowTakes }[] = [];
  let taken = 0;

  for (let i = firstData; i < records.length; i++) {
    const cells = records[i];
    if (isBlankRecord(cells)) continue;
    const row = i + 1;
    const early: RowProblem[] = [];
    if (cells.length < width) padded.add(row);
    if (cells.length > width && !isBlankRecord(cells.slice(width))) {
      early.push({
        row,
        column: '',
        field: '',
        code: 'too_many_cells',
        message:
          `The row has ${cells.length} cells but the header has ${width} (an unquoted comma or delimiter?). ` +
          `Put quotes around any cell that contains a ${DELIMITER_NAMES[delimiter]}.`
      });
    }
    if (unnamed.some((at) => at < cells.length && cells[at].trim() !== '')) unnamedData.add(row);
    if (formulaAt.some((at) => at < cells.length && looksLikeFormula(cells[at]))) formulas.add(row);

    const plan = buildRowTakes(ctx, { cells, row, firstTakeIndex: taken, count: countOf(cells), problems: early, sweep: options.sweep });
    taken += plan.bases.length;
    planned.push({ row, plan });
  }

  // The sweep is counted and priced before it expands, and refused over its cap (sweep.ts).
  let sweep: SweepCount | undefined;
  if (hasSweep(options.sweep)) {
    const all = countSweep(
      planned.flatMap((p) => p.plan.bases),
      options.sweep,
      planned.length
    );
    const refusal = sweepRefusal(all, options.maxSweepVideos ?? DEFAULT_MAX_SWEEP_VIDEOS);
    if (refusal) return { ...failedImport([refusal], seen), sweepRefusal: refusal };
    if (all.videos > maxRows) return failedImport([tooManyTakesMessage(all.videos, maxRows)], seen);
  }

  const rows: ImportedRow[] = [];
  const problems: RowProblem[] = [];
  const valid: TaskDraft[] = [];
  const validBases: TaskDraft[] = [];
  const validRows = new Set<number>();
  let invalidRowCount = 0;
  for (const { plan, row } of planned) {
    const takes = plan.takes(options.sweep, sweepSeeds(options.sweep, plan.bases.length, rowRandom(ctx, row)));
    let rowHasProblems = false;
    const reported = takes.length > 1 ? new Set<string>() : undefined;
    for (const take of takes) {
      rows.push(take);
      if (take.problems.length === 0) {
        valid.push(take.draft);
        continue;
      }
      rowHasProblems = true;
      for (const p of take.problems) {
        if (reported) {
          const key = `${p.field}\n${p.code}\n${p.message}`;
          if (reported.has(key)) continue;
          reported.add(key);
        }
        problems.push(p);
      }
    }
    if (rowHasProblems) invalidRowCount++;
    else {
      validBases.push(...plan.bases);
      validRows.add(row);
    }
  }
  if (hasSweep(options.sweep)) sweep = countSweep(validBases, options.sweep, validRows.size);

  const warnings = [...input.warnings];
  const has = (tally: RowTally): string => `${tally} ${tally.total === 1 ? 'has' : 'have'}`;
  if (padded.total > 0) {
    warnings.push(`${has(padded)} fewer cells than the header; the missing cells were read as empty.`);
  }
  if (unnamedData.total > 0) {
    warnings.push(`${has(unnamedData)} cells under a column without a header; they were ignored. Give the column a header to import them.`);
  }
  if (formulas.total > 0) {
    warnings.push(
      `${formulas}: the prompt or name starts with =, +, - or @, which a spreadsheet may run as a formula. ` +
        'It was imported as plain text and is never evaluated; check that it is what you meant.'
    );
  }
  return {
    columns,
    delimiter,
    rows,
    problems,
    fileProblems: [],
    warnings,
    validCount: valid.length,
    invalidRowCount,
    estimate: estimateBatch(valid),
    ...(sweep ? { sweep } : {})
  };
}
