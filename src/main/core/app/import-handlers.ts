/**
 * The window's doors to imports: a CSV file (one the person chose or dropped, named by its
 * token: chosen-files.ts), pasted text or the example is read into rows, kept
 * under a token for the window to page through, and turned into a batch (create-batch.ts).
 */
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import type { CreateBatchRequest, ImportPreview, InvokeHandlers } from '@shared/ipc';
import type { ImportResult } from '@shared/import-types';
import type { Settings } from '@shared/settings';
import { importCsvFile, importCsvText, importPromptLines, importWorkbookFile, isWorkbookPath, type ImportOptions } from '../import';
import { TaskActionError } from '../queue/engine';
import type { ChosenFiles } from './chosen-files';
import { createBatch, importedTasks, type BatchContext } from './create-batch';

/** Imports kept for the window to page through and turn into batches. */
const KEPT_IMPORTS = 8;

export interface ImportContext {
  settings: () => Settings;
  /** Folder holding `examples/example.csv`. */
  resourcesDir: string;
  batches: BatchContext;
  /** Files the person chose or dropped: only those are read. */
  chosen: ChosenFiles;
}

export type ImportChannel = 'import:text' | 'import:file' | 'import:example' | 'import:rows' | 'import:columns' | 'batches:create';

interface Kept {
  result: ImportResult;
  fileName?: string;
}

export function importHandlers(ctx: ImportContext): Pick<InvokeHandlers, ImportChannel> {
  const imports = new Map<string, Kept>();

  function keep(result: ImportResult, fileName?: string): ImportPreview {
    const token = randomBytes(12).toString('hex');
    imports.set(token, { result, fileName });
    while (imports.size > KEPT_IMPORTS) imports.delete(imports.keys().next().value!);
    const { rows, ...rest } = result;
    return { ...rest, token, rowCount: rows.length, fileName };
  }

  function kept(token: string): Kept {
    const found = imports.get(token);
    if (!found) throw new TaskActionError('That import is no longer open: import the file again.');
    return found;
  }

  function importOptions(request: { defaults?: ImportOptions['defaults']; mapping?: ImportOptions['mapping'] }): ImportOptions {
    const settings = ctx.settings();
    return { defaults: { ...settings.defaults, ...request.defaults }, mapping: request.mapping };
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
      const result = request.lines ? importPromptLines(request.text, options) : importCsvText(request.text, options);
      return keep(result, request.fileName);
    },
    'import:file': async (request) => {
      const path = ctx.chosen.path(request.file, 'csv', 'import:file');
      // A workbook (XLSX, ODS) is read one sheet at a time: the one asked for, else the first with data.
      const result = isWorkbookPath(path)
        ? await importWorkbookFile(path, { ...importOptions(request), sheet: request.sheet })
        : await importCsvFile(path, importOptions(request));
      return keep(result, basename(path));
    },
    'import:example': async () => {
      const path = join(ctx.resourcesDir, 'examples', 'example.csv');
      return keep(await importCsvFile(path, importOptions({})), 'example.csv');
    },
    'import:rows': (token, page) => {
      const { rows } = kept(token).result;
      return { total: rows.length, items: rows.slice(page.offset, page.offset + page.limit) };
    },
    'import:columns': (token) => kept(token).result.columns,
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
