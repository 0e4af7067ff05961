/**
 * An import fixed in place (architecture.md, "Doors and use cases"): the table read from the file is kept,
 * a person changes a cell, and the whole table is imported again with the same mapping and
 * defaults, so the row is checked at once and the counts and the estimate follow. Edits can be
 * undone and redone (the last UNDO_DEPTH of them), and the edited table is written out as CSV.
 *
 * Seeds stay put: each kept import draws a secret seed once (the cryptographic generator), and
 * every row draws its random seeds from its own stream of that seed, so importing again gives
 * every row the seeds it had, and fixing row 7 never re-draws row 3's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { ImportCell, ImportEditState, ImportSaved, ImportSaveRequest } from '@shared/ipc';
import { importTable, tableToCsv, tableToXlsx, type ImportOptions, type ImportResult, type ImportTable } from '../import';
import { importPromptLines } from '../import/prompt-lines';
import { TaskActionError } from '../queue/engine';
import { exists, writeFileAtomic } from '../store/fs-durable';
import type { CsvDelimiter } from '../import/delimiter';
import type { FileChooser } from './chooser-handlers';

/** Edits that can be undone. */
export const UNDO_DEPTH = 200;

const LINE_BREAKS = /\r\n|\n|\r/g;

/** Pasted prompts as a table of one column, a line a row (as `importPromptLines` reads them). */
export function linesTable(text: string): ImportTable {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return { records: body.split(LINE_BREAKS).map((line) => [line.trim()]), delimiter: '\n', warnings: [] };
}

/** Files "Save" may write CSV over: never a workbook or anything else that is not CSV text. */
const CSV_FILE = /\.(?:csv|tsv|txt)$/i;

function replaceable(path: string | undefined): boolean {
  return path !== undefined && CSV_FILE.test(path);
}

export interface EditableSource {
  table: ImportTable;
  /** Pasted prompts, one per line: no header, each line's one cell is its prompt. */
  lines?: boolean;
  /** The file began with a byte-order mark: a saved CSV keeps one. */
  bom?: boolean;
  /** The file it was read from, when the person chose one: "Save" may replace it, after asking. */
  path?: string;
}

interface CellChange extends ImportCell {
  before: string;
  after: string;
}

/** A number in [0, 1) from 48 bits of a hash: deterministic, and as even as the hash. */
function unit(digest: Buffer): number {
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** Each row's own stream of random numbers from one secret seed. */
export function rowRandoms(seed: string): (row: number) => () => number {
  return (row) => {
    let n = 0;
    return () => unit(createHash('sha256').update(`${seed}:${row}:${n++}`).digest());
  };
}

export class EditedImport {
  readonly seed = randomBytes(16).toString('hex');
  private readonly records: string[][];
  private readonly undone: CellChange[] = [];
  private readonly redone: CellChange[] = [];
  /** The file's text of every cell ever changed, by "row:column". */
  private readonly fileText = new Map<string, string>();
  private options: ImportOptions;
  result: ImportResult;
  /** Whether the original file was already kept as a backup, before it was first replaced. */
  backedUp = false;

  constructor(
    readonly source: EditableSource,
    options: ImportOptions
  ) {
    this.records = source.table.records.map((r) => [...r]);
    this.options = { ...options, randomFor: rowRandoms(this.seed) };
    this.result = this.run();
  }

  private run(): ImportResult {
    const { table, lines } = this.source;
    if (lines) return importPromptLines(this.records.map((r) => r[0] ?? '').join('\n'), this.options);
    return importTable({ ...table, records: this.records }, this.options);
  }

  /** Imports again with other defaults or mapping; the edits stay. */
  setOptions(options: ImportOptions): ImportResult {
    this.options = { ...this.options, ...options, randomFor: this.options.randomFor };
    return (this.result = this.run());
  }

  private textAt({ row, column }: ImportCell): string {
    return this.records[row - 1]?.[column - 1] ?? '';
  }

  private put(cell: ImportCell, text: string): void {
    const record = this.records[cell.row - 1];
    while (record.length < cell.column) record.push('');
    record[cell.column - 1] = text;
  }

  /** Changes a cell; null when the text is what it was already. */
  edit(cell: ImportCell, text: string): CellChange | null {
    const width = Math.max(this.result.columns.length, 1);
    if (cell.row > this.records.length || (this.source.lines && cell.column !== 1) || cell.column > width) {
      throw new TaskActionError(`Row ${cell.row}, column ${cell.column} is not a cell of this import: import the file again.`);
    }
    // Read as a CSV cell is read (trimmed); a pasted prompt stays on its line.
    const after = (this.source.lines ? text.replace(LINE_BREAKS, ' ') : text).trim();
    const before = this.textAt(cell);
    if (after === before) return null;
    const key = `${cell.row}:${cell.column}`;
    if (!this.fileText.has(key)) this.fileText.set(key, before);
    const change = { row: cell.row, column: cell.column, before, after };
    this.put(change, after);
    this.undone.push(change);
    if (this.undone.length > UNDO_DEPTH) this.undone.shift();
    this.redone.length = 0;
    this.result = this.run();
    return change;
  }

  undo(): CellChange | null {
    const change = this.undone.pop();
    if (!change) return null;
    this.put(change, change.before);
    this.redone.push(change);
    this.result = this.run();
    return change;
  }

  redo(): CellChange | null {
    const change = this.redone.pop();
    if (!change) return null;
    this.put(change, change.after);
    this.undone.push(change);
    this.result = this.run();
    return change;
  }

  state(originalName?: string): ImportEditState {
    const cells: ImportCell[] = [];
    for (const [key, text] of this.fileText) {
      const [row, column] = key.split(':').map(Number);
      if (this.textAt({ row, column }) !== text) cells.push({ row, column });
    }
    const state: ImportEditState = { undo: this.undone.length, redo: this.redone.length, cells, original: replaceable(this.source.path) };
    if (originalName !== undefined && state.original) state.originalName = originalName;
    const header = this.source.lines ? -1 : this.records.findIndex((r) => r.some((c) => c.trim() !== ''));
    if (header >= 0) state.headerRow = header + 1;
    return state;
  }

  /** The edited table as it is written out: pasted prompts under a "prompt" header, a file in its own delimiter. */
  tableToSave(): { records: string[][]; delimiter: CsvDelimiter } {
    const { table, lines } = this.source;
    if (lines) return { records: [['prompt'], ...this.records.filter((r) => (r[0] ?? '') !== '')], delimiter: ',' };
    return { records: this.records, delimiter: table.delimiter === '\n' ? ',' : table.delimiter };
  }

  /** The edited table as CSV (with a byte-order mark when the file had one). */
  toCsv(): Buffer {
    const { records, delimiter } = this.tableToSave();
    return tableToCsv(records, delimiter, { bom: this.source.bom });
  }
}

/** A name beside `path` that is free: `name.csv.bak`, else `name.csv.2.bak`, `name.csv.3.bak` … */
async function freeBackup(path: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${path}.bak` : `${path}.${n}.bak`;
    if (!(await exists(candidate))) return candidate;
  }
}

function baseName(fileName: string | undefined): string {
  return (fileName ?? '').replace(/\.[^.]+$/, '').trim() || 'Import';
}

/** What each format is called and written as. */
const FORMATS = {
  csv: { label: 'CSV', filter: { name: 'CSV files', extensions: ['csv'] } },
  xlsx: { label: 'XLSX', filter: { name: 'Excel workbooks', extensions: ['xlsx'] } }
} as const;

function cannotSave(path: string, error: unknown): TaskActionError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'the app may not write there' : code;
  return new TaskActionError(`${basename(path)} could not be saved (${why}). Nothing was changed: free some space or choose another folder, then save again.`);
}

/**
 * Writes an edited import (atomically: a reader sees the old file or the whole new one).
 * Save as: to the path the person chose in main's save dialog (which asks before replacing a
 * file); null when they cancel. Replace (the window asked first): over the file it came from,
 * the first time after keeping that file beside it as `<name>.bak`, so nothing is lost. Choosing
 * the original in "Save as" is a replace too.
 */
export async function saveEditedImport(
  edits: EditedImport,
  request: ImportSaveRequest,
  fileName: string | undefined,
  chooser: Pick<FileChooser, 'chooseSaveFile'>
): Promise<ImportSaved | null> {
  const original = edits.source.path;
  const format = FORMATS[request.format];
  let path: string;
  if (request.replace) {
    // Written over in its own format only: a workbook holds more than the sheet shown (other sheets, formats), so it is never replaced by one sheet.
    if (request.format !== 'csv') throw new TaskActionError('Only a CSV file is written over in place: use “Save as XLSX…” to write a new workbook.');
    if (!original) throw new TaskActionError('This import did not come from a file on disk, so there is no file to replace: use “Save as CSV…”.');
    if (!replaceable(original)) {
      throw new TaskActionError(`${basename(original)} is not a CSV file, so it is not written over as one: use “Save as CSV…”.`);
    }
    path = original;
  } else {
    const chosen = await chooser.chooseSaveFile({
      title: `Save the edited rows as ${format.label}`,
      defaultName: `${baseName(fileName)} (edited).${request.format}`,
      filters: [{ name: format.filter.name, extensions: [...format.filter.extensions] }]
    });
    if (!chosen) return null;
    path = chosen;
  }
  const bytes = request.format === 'xlsx' ? Buffer.from(tableToXlsx(edits.tableToSave().records, baseName(fileName))) : edits.toCsv();
  const replacing = original !== undefined && resolve(path) === resolve(original);
  let backupName: string | undefined;
  try {
    if (replacing && !edits.backedUp && (await exists(path))) {
      const backup = await freeBackup(path);
      await copyFile(path, backup, constants.COPYFILE_EXCL);
      edits.backedUp = true;
      backupName = basename(backup);
    }
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw cannotSave(path, error);
  }
  return backupName ? { name: basename(path), backupName } : { name: basename(path) };
}
