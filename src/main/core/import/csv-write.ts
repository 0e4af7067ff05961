/**
 * Writing a table back out as CSV (an import fixed in place, saved): RFC 4180 quoting, CRLF
 * line ends, a UTF-8 byte-order mark only when asked, and no cell a spreadsheet would run.
 *
 * A cell starting with `=`, `+`, `-` or `@` is a formula to Excel, LibreOffice and Numbers, even
 * inside quotes (CSV injection), so such a cell is written with an apostrophe before it: the
 * spreadsheets' own mark for "this is text", which they show and never run. Our reader takes
 * that one apostrophe off again (`readFormulaCell`), so the file imports to the person's own text.
 * Plain numbers (`-1`, `+2.5`) run nothing and are written as they are.
 */
import type { CsvDelimiter } from './delimiter';

/** What starts a formula (a leading tab or carriage return too, which some spreadsheets skip before one). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** An escaped formula (or a cell that would read as one): apostrophes, then a formula start. */
const ESCAPED = /^'+[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** The cell as written to the file: an apostrophe before anything a spreadsheet would run. */
export function formulaSafe(cell: string): string {
  if (ESCAPED.test(cell)) return `'${cell}`;
  if (FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell)) return `'${cell}`;
  return cell;
}

/** A cell as read from a file: the apostrophe `formulaSafe` (or a spreadsheet) put before a formula start, taken off. */
export function readFormulaCell(cell: string): string {
  return ESCAPED.test(cell) ? cell.slice(1) : cell;
}

/** Cells holding any of these, or starting or ending with a space, are quoted, whatever the file's delimiter, so any reader splits (and keeps) them right. */
const NEEDS_QUOTES = /[",;\t\r\n]|^\s|\s$/;

function csvCell(cell: string): string {
  const safe = formulaSafe(cell);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The records as CSV bytes (UTF-8). Blank records stay as empty lines, so every row keeps its
 * spreadsheet row number.
 */
export function tableToCsv(records: readonly (readonly string[])[], delimiter: CsvDelimiter, options: { bom?: boolean } = {}): Buffer {
  const lines = records.map((record) => (record.every((c) => c === '') ? '' : record.map(csvCell).join(delimiter)));
  const text = lines.join('\r\n') + '\r\n';
  return Buffer.from(options.bom ? `\ufeff${text}` : text, 'utf8');
}
