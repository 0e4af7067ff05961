import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CsvError, parse } from 'csv-parse/sync';
import { readFormulaCell } from './csv-write';
import { decodeText } from './decode';
import { detectDelimiter, type CsvDelimiter } from './delimiter';
import { failedImport } from './import-result';
import { DEFAULT_MAX_BYTES, tooLargeMessage } from './limits';
import { importTable, type ImportTable } from './table-import';
import type { ImportOptions, ImportResult } from './types';

const RECORD_DELIMITERS = ['\r\n', '\n', '\r'];

/** RFC 4180 with the leniency spreadsheets need: ragged rows are reported rather than fatal. */
function parseRecords(text: string, delimiter: CsvDelimiter): string[][] {
  const records = parse(text, {
    delimiter,
    record_delimiter: RECORD_DELIMITERS,
    trim: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false
  }) as string[][];
  // A formula written as text ('=…, as our CSV writer and spreadsheets mark it) reads as the text itself.
  for (const record of records) for (let i = 0; i < record.length; i++) if (record[i].startsWith("'")) record[i] = readFormulaCell(record[i]);
  return records;
}

/** A csv-parse error, in the person's words, naming the spreadsheet row it stopped at. */
function parseErrorMessage(error: unknown): string {
  if (!(error instanceof CsvError)) return `The file could not be read as CSV: ${(error as Error).message}`;
  const records = error.records;
  const row = typeof records === 'number' ? `Row ${records + 1}` : 'A row';
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return (
        `${row} opens a quote (") that is never closed, so the rest of the file would be read as one cell. ` +
        'Add the closing quote, or write a quote inside a cell as two quotes ("").'
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return (
        `${row} has a quoted cell with more text after its closing quote. ` + 'Put the whole cell in quotes and write each quote inside it as two quotes ("").'
      );
    default:
      return `${row} could not be read as CSV (${error.message}). Check its quotes and delimiters.`;
  }
}

/** A CSV's bytes or text read into a table (`bom`: it began with a byte-order mark), or why it cannot be. */
export type CsvTable = ({ ok: true; bom: boolean } & ImportTable) | { ok: false; result: ImportResult };

function hasBom(text: string | Uint8Array): boolean {
  if (typeof text === 'string') return text.charCodeAt(0) === 0xfeff;
  return (text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) || (text[0] === 0xff && text[1] === 0xfe) || (text[0] === 0xfe && text[1] === 0xff);
}

/** Decodes a CSV, detects its delimiter and parses its records, without mapping the header. */
export function readCsvTable(text: string | Uint8Array, options: Pick<ImportOptions, 'maxBytes'> = {}): CsvTable {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (size > maxBytes) return { ok: false, result: failedImport([tooLargeMessage(size, maxBytes)]) };
  const decoded = decodeText(text);
  if (!decoded.ok) return { ok: false, result: failedImport([decoded.problem]) };
  const { delimiter, start } = detectDelimiter(decoded.text);
  try {
    const records = parseRecords(start > 0 ? decoded.text.slice(start) : decoded.text, delimiter);
    return { ok: true, bom: hasBom(text), records, delimiter, warnings: decoded.warnings };
  } catch (error) {
    return { ok: false, result: failedImport([parseErrorMessage(error)], { delimiter, warnings: decoded.warnings }) };
  }
}

/**
 * Imports a CSV given as text or bytes: decodes it, detects the delimiter, maps the header,
 * then reads, validates and prices every row. Never throws for bad input: what stops the
 * import is in `fileProblems`, what is wrong with a row in `problems`.
 */
export function importCsvText(text: string | Uint8Array, options: ImportOptions = {}): ImportResult {
  const table = readCsvTable(text, options);
  return table.ok ? importTable(table, options) : table.result;
}

/** Reads a CSV file into a table, or says (as a failed import) why it cannot be read. */
export async function readCsvFile(path: string, options: Pick<ImportOptions, 'maxBytes'> = {}): Promise<CsvTable> {
  const file = resolve(path);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let bytes: Uint8Array;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { ok: false, result: failedImport([`${file} is a folder, not a CSV file. Choose a .csv file.`]) };
    if (info.size > maxBytes) return { ok: false, result: failedImport([tooLargeMessage(info.size, maxBytes)]) };
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, result: failedImport([`The file ${file} was not found. Check its name and folder.`]) };
    return { ok: false, result: failedImport([`The file ${file} could not be read (${code ?? (error as Error).message}). Check that you may open it.`]) };
  }
  return readCsvTable(bytes, { maxBytes });
}

/** Imports a CSV file; relative image paths are read from the file's folder unless `baseDir` says otherwise. */
export async function importCsvFile(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const table = await readCsvFile(path, options);
  return table.ok ? importTable(table, { ...options, baseDir: options.baseDir ?? dirname(resolve(path)) }) : table.result;
}
