import { mapColumns, normalizeHeader } from './headers';
import { importRecords, isBlankRecord } from './import-records';
import { failedImport } from './import-result';
import { parseTemplate } from '@shared/template';
import type { Delimiter, ImportOptions, ImportResult } from './types';

/**
 * A table read from a file, before its header is mapped: what every tabular door (CSV, and any
 * other file of rows and columns) hands `importTable`. `records[i]` is spreadsheet row i + 1,
 * blank records included, every cell as text.
 */
export interface ImportTable {
  records: string[][];
  delimiter: Delimiter;
  /** What reading the file found worth knowing (a replaced character, a skipped line …). */
  warnings: string[];
}

/**
 * Maps a table's header and reads, validates and prices every row under it, as `importCsvText`
 * does for a CSV. Never throws for bad input.
 */
export function importTable(table: ImportTable, options: ImportOptions = {}): ImportResult {
  const { records, delimiter } = table;
  const headerAt = records.findIndex((r) => !isBlankRecord(r));
  if (headerAt < 0) {
    return failedImport(['The file has no rows: it is empty. Add a header line (such as "prompt,duration") and one row per video.'], {
      delimiter,
      warnings: table.warnings
    });
  }
  let mapped = mapColumns(records[headerAt], options.mapping);
  const variables = templateVariables(records, headerAt + 1, mapped.columns.find((c) => c.field === 'prompt')?.index);
  if (variables.size > 0) mapped = mapColumns(records[headerAt], options.mapping, variables);
  const warnings = [...table.warnings, ...mapped.warnings];
  if (mapped.fileProblems.length > 0) {
    return failedImport(mapped.fileProblems, { columns: mapped.columns, delimiter, warnings });
  }
  return importRecords(
    {
      records,
      firstData: headerAt + 1,
      columns: mapped.columns,
      delimiter,
      warnings,
      noRowsMessage: 'The file has no rows: there is nothing under its header. Add one row per video.',
      formulaWarnings: true
    },
    options
  );
}

/** Every `{{name}}` the prompts use, by normalized name: those columns are variables, not ignored. */
function templateVariables(records: readonly (readonly string[])[], firstData: number, promptColumn: number | undefined): Set<string> {
  const names = new Set<string>();
  if (promptColumn === undefined) return names;
  for (let i = firstData; i < records.length; i++) {
    const prompt = records[i][promptColumn - 1];
    if (prompt === undefined || !prompt.includes('{{')) continue;
    for (const name of parseTemplate(prompt)?.variables ?? []) names.add(normalizeHeader(name));
  }
  return names;
}
