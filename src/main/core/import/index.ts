/** The CSV importer: spreadsheet rows (or pasted prompt lines) → validated, priced task drafts. */
export { DEFAULT_BATCH_DEFAULTS, resolveDefaults, type BatchDefaults, type SeedPolicy } from '@shared/batch-defaults';
export { importCsvFile, importCsvText, readCsvFile, readCsvTable, type CsvTable } from './csv-import';
export { formulaSafe, tableToCsv } from './csv-write';
export { importTable, type ImportTable } from './table-import';
export { FIELDS, type Field } from '@shared/import-types';
export { validDrafts, validRows } from './import-result';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS } from './limits';
export { importPromptLines } from './prompt-lines';
export { formatRowProblem } from './row-problem';
export type { Delimiter, ImportColumn, ImportedRow, ImportOptions, ImportProblemCode, ImportResult, RowProblem, RowProblemCode } from './types';
export { importWorkbook, importWorkbookFile, isWorkbookPath, readWorkbookFile, readWorkbookTable, tableToXlsx, type WorkbookTable } from './workbook';
