import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { WorkbookSheet } from '@shared/import-types';
import { looksLikeFormula } from './cells';
import { failedImport } from './import-result';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, tooLargeMessage } from './limits';
import { readOdsSheets } from './ods-read';
import { columnName, type SheetRead } from './sheet-builder';
import { importTable, type ImportTable } from './table-import';
import type { ImportOptions, ImportResult } from './types';
import { thousands } from './wording';
import { readXlsxSheets } from './xlsx-read';
import { MAX_RATIO, MAX_UNZIPPED_BYTES, ZipProblem, newBudget, zipEntries } from './zip-read';

/**
 * The spreadsheet door of the importer (docs/architecture.md, "Doors and use cases"): an XLSX or ODS
 * workbook read into an `ImportTable`, one sheet of it, then mapped, checked and priced by
 * `importTable` exactly as a CSV is. A thin reader of our own over fflate (zip, under caps) and
 * saxes (streamed XML).
 */

export interface WorkbookOptions extends Pick<ImportOptions, 'maxBytes' | 'maxRows'> {
  /** The sheet to read, by name; the first visible sheet with data when not given. */
  sheet?: string;
  /** The most the workbook may unpack to (200 MB unless told), and per compressed byte. */
  maxUnzippedBytes?: number;
  maxRatio?: number;
}

/** A workbook's sheet read into a table, or why it cannot be. */
export type WorkbookTable = ({ ok: true; sheets: WorkbookSheet[]; sheet: string } & ImportTable) | { ok: false; result: ImportResult };

const WORKBOOK_EXTENSIONS = /\.(xlsx|xlsm|ods)$/i;

/** Whether a file name is a workbook the importer reads (.xlsx, .xlsm, .ods). */
export function isWorkbookPath(path: string): boolean {
  return WORKBOOK_EXTENSIONS.test(path);
}

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const SAVE_AGAIN = 'Open it in your spreadsheet program and save it again as .xlsx or .ods, or export the sheet as CSV.';

export const PASSWORD_MESSAGE = 'The workbook is protected by a password: open it in your spreadsheet program, remove the password, and save again.';

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** An OLE (compound) file holding an `EncryptedPackage` stream is a password-protected OOXML. */
function isEncryptedPackage(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from('EncryptedPackage', 'utf16le'));
}

function fail(problem: string, workbook?: ImportResult['workbook']): WorkbookTable {
  const result = failedImport([problem]);
  return { ok: false, result: workbook ? { ...result, workbook } : result };
}

/** Reads one sheet of an XLSX or ODS workbook into a table, without mapping its header. */
export function readWorkbookTable(bytes: Uint8Array, options: WorkbookOptions = {}): WorkbookTable {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.byteLength > maxBytes) return fail(tooLargeMessage(bytes.byteLength, maxBytes));
  if (startsWith(bytes, OLE_MAGIC)) {
    if (isEncryptedPackage(bytes)) return fail(PASSWORD_MESSAGE);
    return fail('The file is an old-style Excel 97–2003 workbook (.xls), which cannot be read. Open it in your spreadsheet program and save it as .xlsx.');
  }
  if (!startsWith(bytes, [0x50, 0x4b])) return fail(`The file is not a workbook (there is no .xlsx or .ods inside). ${SAVE_AGAIN}`);
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  let read: SheetRead[];
  try {
    const entries = zipEntries(bytes);
    const budget = newBudget(options.maxUnzippedBytes ?? MAX_UNZIPPED_BYTES, options.maxRatio ?? MAX_RATIO);
    if (entries.has('[Content_Types].xml')) read = readXlsxSheets(bytes, entries, budget, maxRows);
    else if (entries.has('content.xml')) read = readOdsSheets(bytes, entries, budget, maxRows);
    else throw new ZipProblem('corrupt', 'it is a zip archive but not a workbook');
  } catch (error) {
    if (error instanceof ZipProblem && error.kind === 'bomb') {
      return fail(`The workbook was refused: ${error.message}, more than one import may unpack (a damaged or booby-trapped file?). ${SAVE_AGAIN}`);
    }
    if (error instanceof ZipProblem) return fail(`The workbook could not be read: ${error.message}. ${SAVE_AGAIN}`);
    return fail(`The workbook could not be read (${(error as Error).message}). ${SAVE_AGAIN}`);
  }
  if (read.length === 0) return fail(`The workbook has no sheets. ${SAVE_AGAIN}`);
  const sheets: WorkbookSheet[] = read.map((s) => ({ name: s.name, rows: s.dataRows, hidden: s.hidden }));
  let chosen: SheetRead | undefined;
  if (options.sheet !== undefined) {
    chosen = read.find((s) => s.name === options.sheet);
    if (!chosen) {
      const names = read.map((s) => `“${s.name}”`).join(', ');
      return fail(`The workbook has no sheet named “${options.sheet}”. Its sheets are ${names}; choose one of them.`, { sheets, sheet: '' });
    }
  } else {
    chosen = read.find((s) => !s.hidden && s.dataRows > 0) ?? read.find((s) => !s.hidden) ?? read[0];
  }
  const workbook = { sheets, sheet: chosen.name };
  if (chosen.tooManyRows) {
    return fail(
      `The sheet “${chosen.name}” has more than ${thousands(maxRows)} rows, more than one import can hold. Split it into smaller files and import them one by one.`,
      workbook
    );
  }
  const warnings: string[] = [];
  const n = chosen.hiddenRows;
  if (n > 0) {
    const them = n === 1 ? 'it' : 'them';
    warnings.push(`${thousands(n)} hidden ${n === 1 ? 'row was' : 'rows were'} skipped. Show ${them} in your spreadsheet program to import ${them}.`);
  }
  if (chosen.merged.length > 0) {
    const shown = chosen.merged.slice(0, 3).join(', ') + (chosen.merged.length > 3 ? ` and ${chosen.merged.length - 3} more` : '');
    warnings.push(`Some cells are merged (${shown}): only the top-left cell of each merged range was read; the rest of the range was read as empty.`);
  }
  return { ok: true, records: chosen.records, delimiter: ',', warnings, ...workbook };
}

/** Imports one sheet of a workbook given as bytes: the same mapping, checks and estimate as a CSV. */
export function importWorkbook(bytes: Uint8Array, options: ImportOptions & WorkbookOptions = {}): ImportResult {
  const table = readWorkbookTable(bytes, options);
  if (!table.ok) return table.result;
  return { ...importTable(table, options), workbook: { sheets: table.sheets, sheet: table.sheet } };
}

/** Reads one sheet of a workbook file into a table, or why it cannot be. */
export async function readWorkbookFile(path: string, options: WorkbookOptions = {}): Promise<WorkbookTable> {
  const file = resolve(path);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const failed = (problem: string): WorkbookTable => ({ ok: false, result: failedImport([problem]) });
  let bytes: Uint8Array;
  try {
    const info = await stat(file);
    if (!info.isFile()) return failed(`${file} is a folder, not a workbook. Choose an .xlsx or .ods file.`);
    if (info.size > maxBytes) return failed(tooLargeMessage(info.size, maxBytes));
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return failed(`The file ${file} was not found. Check its name and folder.`);
    return failed(`The file ${file} could not be read (${code ?? (error as Error).message}). Check that you may open it.`);
  }
  return readWorkbookTable(bytes, options);
}

/** Imports a workbook file; relative image paths are read from its folder unless `baseDir` says otherwise. */
export async function importWorkbookFile(path: string, options: ImportOptions & WorkbookOptions = {}): Promise<ImportResult> {
  const table = await readWorkbookFile(path, options);
  if (!table.ok) return table.result;
  const baseDir = options.baseDir ?? dirname(resolve(path));
  return { ...importTable(table, { ...options, baseDir }), workbook: { sheets: table.sheets, sheet: table.sheet } };
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' };

function escapeXml(text: string): string {
  // Characters XML 1.0 cannot hold at all are dropped; the rest are escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[<>&"]/g, (c) => ESCAPES[c] ?? c);
}

/** A sheet name as spreadsheets allow it: at most 31 characters, none of `[]:*?/\`. */
function safeSheetName(name: string): string {
  const cleaned = name
    .replace(/[[\]:*?/\\]/g, ' ')
    .trim()
    .slice(0, 31);
  return cleaned === '' ? 'Sheet1' : cleaned;
}

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const SHEET_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

/**
 * A one-sheet XLSX of the given rows. Every cell is written as an inline string, so text that
 * looks like a formula (`=cmd|…`) stays text and is never run, and the file reads back exactly
 * as given; formula-looking cells also get the text format with a quote prefix, so editing them
 * in a spreadsheet program keeps them text.
 */
export function tableToXlsx(records: string[][], sheetName: string): Uint8Array {
  const rows = records
    .map((cells, r) => {
      const xml = cells
        .map((cell, c) =>
          cell === ''
            ? ''
            : `<c r="${columnName(c)}${r + 1}" t="inlineStr"${looksLikeFormula(cell) ? ' s="1"' : ''}><is><t xml:space="preserve">${escapeXml(cell)}</t></is></c>`
        )
        .join('');
      return `<row r="${r + 1}">${xml}</row>`;
    })
    .join('');
  const files: Record<string, string> = {
    '[Content_Types].xml':
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      `<Override PartName="/xl/workbook.xml" ContentType="${SHEET_TYPE}.sheet.main+xml"/>` +
      `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${SHEET_TYPE}.worksheet+xml"/>` +
      `<Override PartName="/xl/styles.xml" ContentType="${SHEET_TYPE}.styles+xml"/></Types>`,
    '_rels/.rels': `${XML_HEAD}<Relationships xmlns="${PKG_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="${escapeXml(safeSheetName(sheetName))}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels':
      `${XML_HEAD}<Relationships xmlns="${PKG_NS}">` +
      `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`,
    'xl/styles.xml':
      `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
      '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/></cellXfs></styleSheet>',
    'xl/worksheets/sheet1.xml': `${XML_HEAD}<worksheet xmlns="${MAIN_NS}"><sheetData>${rows}</sheetData></worksheet>`
  };
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])), { level: 6 });
}
