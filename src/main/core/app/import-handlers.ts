/**
 * The window's doors to imports: a CSV file (one the person chose or dropped, named by its
 * token: chosen-files.ts), pasted text or the example is read into rows, kept
 * under a token for the window to page through, fixed in place (import-edits.ts), and turned
 * into a batch (create-batch.ts).
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { CreateBatchRequest, ImportEditResult, ImportPreview, InvokeHandlers } from '@shared/ipc';
import type { ImportResult } from '@shared/import-types';
import type { Settings } from '@shared/settings';
import { readCsvFile, readCsvTable, readWorkbookFile, isWorkbookPath, type CsvTable, type ImportOptions } from '../import';
import { TaskActionError } from '../queue/engine';
import type { FileChooser } from './chooser-handlers';
import type { ChosenFiles } from './chosen-files';
import { createBatch, importedTasks, type BatchContext } from './create-batch';
import { EditedImport, linesTable, saveEditedImport } from './import-edits';

/** Imports kept for the window to page through and turn into batches. */
const KEPT_IMPORTS = 8;

export interface ImportContext {
  settings: () => Settings;
  /** Folder holding `examples/example.csv`. */
  resourcesDir: string;
  batches: BatchContext;
  /** Files the person chose or dropped: only those are read. */
  chosen: ChosenFiles;
  /** Main's save dialog: an edited import is written only where the person chooses (or over its own file, once asked). */
  chooser: Pick<FileChooser, 'chooseSaveFile'>;
}

export type ImportChannel =
  | 'import:text'
  | 'import:file'
  | 'import:example'
  | 'import:rows'
  | 'import:columns'
  | 'import:edit'
  | 'import:undo'
  | 'import:redo'
  | 'import:choices'
  | 'import:save'
  | 'batches:create';

interface Kept {
  result: ImportResult;
  fileName?: string;
  /** The table it was read from, to fix in place; absent when the file could not be read. */
  edits?: EditedImport;
  /** For a workbook: its sheets and the one read (the same whatever the edits). */
  workbook?: ImportResult['workbook'];
}

export function importHandlers(ctx: ImportContext): Pick<InvokeHandlers, ImportChannel> {
  const imports = new Map<string, Kept>();

  function keep(result: ImportResult, fileName?: string, edits?: EditedImport, workbook?: ImportResult['workbook']): ImportPreview {
    const token = randomBytes(12).toString('hex');
    imports.set(token, { result, fileName, edits, workbook });
    while (imports.size > KEPT_IMPORTS) imports.delete(imports.keys().next().value!);
    return previewOf(token, imports.get(token)!);
  }

  function previewOf(token: string, { result, fileName, edits, workbook }: Kept): ImportPreview {
    const { rows, ...rest } = result;
    const preview: ImportPreview = { ...rest, token, rowCount: rows.length, fileName, ...(workbook ? { workbook } : {}) };
    if (edits) preview.edits = edits.state(fileName);
    return preview;
  }

  /** A table read from a CSV kept to be fixed in place; one that could not be read, as its problems. */
  function keepTable(table: CsvTable, options: ImportOptions, fileName?: string, path?: string): ImportPreview {
    if (!table.ok) return keep(table.result, fileName);
    const edits = new EditedImport({ table, bom: table.bom, path }, options);
    return keep(edits.result, fileName, edits);
  }

  function editable(token: string): { found: Kept; edits: EditedImport } {
    const found = kept(token);
    if (!found.edits) throw new TaskActionError('This import could not be read, so it has no cells to change: fix the file and import it again.');
    return { found, edits: found.edits };
  }

  /** An edit, undo or redo: the import as it is now, and the takes of the row it changed. */
  function edited(token: string, change: (edits: EditedImport) => { row: number; column: number } | null): ImportEditResult {
    const { found, edits } = editable(token);
    const changed = change(edits);
    found.result = edits.result;
    const cell = changed ? { row: changed.row, column: changed.column } : null;
    return { preview: previewOf(token, found), cell, takes: cell ? found.result.rows.filter((r) => r.row === cell.row) : [] };
  }

  function kept(token: string): Kept {
    const found = imports.get(token);
    if (!found) throw new TaskActionError('That import is no longer open: import the file again.');
    return found;
  }

  function importOptions(request: { defaults?: ImportOptions['defaults']; mapping?: ImportOptions['mapping']; sweep?: ImportOptions['sweep'] }): ImportOptions {
    const settings = ctx.settings();
    return { defaults: { ...settings.defaults, ...request.defaults }, mapping: request.mapping, ...(request.sweep ? { sweep: request.sweep } : {}) };
  }

  /** A batch from a kept import: its valid rows, local images hosted first. */
  function createFromImport({ result, fileName }: Kept, request: CreateBatchRequest) {
    const settings = ctx.settings();
    return createBatch(ctx.batches, {
      name: request.name,
      libraryDir: settings.libraryDir,
      sourceFile: fileName,
      capMicros: request.capMicros ?? settings.caps.perBatchMicros,
      tasks: importedTasks(result, request.skipInvalid)
    });
  }

  return {
    'import:text': (request) => {
      const options = importOptions(request);
      if (!request.lines) return keepTable(readCsvTable(request.text, options), options, request.fileName);
      const edits = new EditedImport({ table: linesTable(request.text), lines: true }, options);
      return keep(edits.result, request.fileName, edits);
    },
    'import:file': async (request) => {
      const path = ctx.chosen.path(request.file, 'csv', 'import:file');
      const options = { ...importOptions(request), baseDir: dirname(path) };
      if (!isWorkbookPath(path)) return keepTable(await readCsvFile(path), options, basename(path), path);
      // A workbook (XLSX, ODS): the sheet asked for, else the first visible one with data; its table is kept to be fixed in place too.
      const table = await readWorkbookFile(path, { sheet: request.sheet });
      if (!table.ok) return keep(table.result, basename(path));
      const workbook = { sheets: table.sheets, sheet: table.sheet };
      const edits = new EditedImport({ table, path }, options);
      return keep(edits.result, basename(path), edits, workbook);
    },
    'import:example': async () => {
      const path = join(ctx.resourcesDir, 'examples', 'example.csv');
      // Not replaceable: the example lives among the app's own files.
      return keepTable(await readCsvFile(path), { ...importOptions({}), baseDir: dirname(path) }, 'example.csv');
    },
    'import:rows': (token, page) => {
      const { rows } = kept(token).result;
      return { total: rows.length, items: rows.slice(page.offset, page.offset + page.limit) };
    },
    'import:columns': (token) => kept(token).result.columns,
    'import:edit': (token, { row, column, text }) => edited(token, (edits) => edits.edit({ row, column }, text) ?? { row, column }),
    'import:undo': (token) => edited(token, (edits) => edits.undo()),
    'import:redo': (token) => edited(token, (edits) => edits.redo()),
    'import:choices': (token, choices) => {
      const { found, edits } = editable(token);
      found.result = edits.setOptions(importOptions(choices));
      return previewOf(token, found);
    },
    'import:save': (token, request) => saveEditedImport(editable(token).edits, request, kept(token).fileName, ctx.chooser),
    'batches:create': async (request) => {
      const found = kept(request.token);
      // Taken out before hosting (which can take a while), so a second click cannot queue it twice.
      imports.delete(request.token);
      try {
        return await createFromImport(found, request);
      } catch (error) {
        imports.set(request.token, found);
        throw error;
      }
    }
  };
}
