import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef } from 'vue';
import { resolveDefaults, type BatchDefaults } from '@shared/batch-defaults';
import type { ChosenFile, ImportEditResult, ImportFileRequest, ImportPreview, ImportSaved, ImportSaveFormat, ImportTextRequest } from '@shared/ipc';
import type { Field, ImportedRow } from '@shared/import-types';
import { formatUsd, parseUsd, type Micros } from '@shared/pricing';
import type { SweepSpec } from '@shared/sweep';
import { promptsName } from '../lib/batch-name';
import { toCsv } from '../lib/csv-text';
import { dollarsText, plural } from '../lib/format';
import { createActions, describeError, dropFiles } from './ipc';
import { useQueueStore } from './queue';
import { useSettingsStore } from './settings';

/** Preview rows fetched per `import:rows` call. */
export const ROW_PAGE = 200;
/** The importer refuses larger files; say so before reading one into memory. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** Workbooks main reads itself (XLSX, ODS); they have no text to read here. */
const WORKBOOK_NAME = /\.(xlsx|xlsm|ods)$/i;

/** Where the rows came from: a file main keeps for us (by token), text, or the example. */
type Source = { kind: 'file'; file: ChosenFile } | { kind: 'text'; fileName?: string; lines: boolean } | { kind: 'example' };

function baseName(fileName: string | undefined): string {
  return (fileName ?? '').replace(/\.[^.]+$/, '').trim();
}

function suggestName(preview: ImportPreview, source: Source, text: string): string {
  const base = baseName(preview.fileName);
  if (base) return base;
  if (source.kind === 'text' && source.lines) {
    const lines = text.split(/\r?\n/).filter((line) => line.trim());
    const named = promptsName(lines[0], preview.rowCount);
    if (named) return named;
  }
  const when = new Date().toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return source.kind === 'text' && source.lines ? `Pasted prompts, ${when}` : `Batch, ${when}`;
}

/**
 * One import at a time: where it came from, its preview (kept by main under a token), the rows
 * paged in as the table scrolls, the column mapping and batch defaults a person chose (each
 * change imports again), and turning it into a batch.
 */
export const useImportStore = defineStore('import', () => {
  const source = shallowRef<Source | null>(null);
  const preview = shallowRef<ImportPreview | null>(null);
  const pages = shallowReactive(new Map<number, ImportedRow[]>());
  const defaults = ref<BatchDefaults>(resolveDefaults());
  const mapping = ref<Record<string, Field | null>>({});
  /** The sweep every take goes through (each change imports again: main counts it, and refuses it over the cap). */
  const sweep = ref<SweepSpec>({});
  /** For a workbook: the sheet asked for (undefined: the one main picks, the first with data). */
  const sheet = ref<string | undefined>(undefined);
  const name = ref('');
  const skipInvalid = ref(false);
  const capText = ref('');
  /** What the last save wrote. */
  const saved = ref<ImportSaved | null>(null);
  const actions = createActions();
  // Pasted or browser-read text, kept out of reactive state (it may be megabytes).
  let sourceText = '';
  const pagesLoading = new Set<number>();
  // The rows the table shows: fetched again when a new preview replaces the old one.
  let shownRange: [number, number] = [0, 0];

  const isLines = computed(() => source.value?.kind === 'text' && source.value.lines);
  const busy = computed(() => Boolean(actions.busy.import || actions.busy.reimport));

  /** Why "Add to queue" is off, in words; null when it is on. */
  const blockReason = computed<string | null>(() => {
    const p = preview.value;
    if (!p) return 'Import a CSV first.';
    if (p.fileProblems.length > 0) return p.fileProblems[0];
    if (p.validCount === 0) {
      return p.invalidRowCount > 0
        ? 'None of the rows can be used yet: fix the marked cells (double-click one, or press Enter on it).'
        : 'There are no rows to add.';
    }
    if (p.invalidRowCount > 0 && !skipInvalid.value) {
      const them = p.invalidRowCount === 1 ? 'it' : 'them';
      const have = p.invalidRowCount === 1 ? 'has a problem' : 'have problems';
      return `${plural(p.invalidRowCount, 'row')} ${have}: fix ${them} in the table, or tick “Leave out invalid rows”.`;
    }
    return null;
  });

  const capMicros = computed<Micros | undefined | null>(() => {
    const text = capText.value.trim();
    if (!text) return undefined;
    return parseUsd(text) ?? null; // null: typed, but not an amount
  });

  const confirmText = computed(() => {
    const p = preview.value;
    if (!p) return '';
    return `Add ${plural(p.estimate.count, 'video')} for ${formatUsd(p.estimate.micros)}?`;
  });

  function rowAt(index: number): ImportedRow | undefined {
    return pages.get(Math.floor(index / ROW_PAGE))?.[index % ROW_PAGE];
  }

  function reset(): void {
    source.value = null;
    preview.value = null;
    pages.clear();
    pagesLoading.clear();
    sourceText = '';
    mapping.value = {};
    sweep.value = {};
    sheet.value = undefined;
    name.value = '';
    skipInvalid.value = false;
    const settings = useSettingsStore().settings;
    defaults.value = resolveDefaults(settings?.defaults);
    capText.value = dollarsText(settings?.caps.perBatchMicros);
    actions.clear('import');
    actions.clear('reimport');
    actions.clear('create');
    actions.clear('rows');
    actions.clear('edit');
    actions.clear('save');
    saved.value = null;
  }

  function accept(next: ImportPreview, fresh: boolean): void {
    preview.value = next;
    pages.clear();
    pagesLoading.clear();
    if (fresh || !name.value.trim()) name.value = suggestName(next, source.value!, sourceText);
    void ensureRows(...shownRange);
  }

  function request(withChoices: boolean): { channel: 'import:file'; req: ImportFileRequest } | { channel: 'import:text'; req: ImportTextRequest } {
    const src = source.value!;
    const choices = withChoices
      ? { defaults: { ...defaults.value }, mapping: { ...mapping.value }, sweep: JSON.parse(JSON.stringify(sweep.value)) as SweepSpec }
      : {};
    if (src.kind === 'file') {
      return { channel: 'import:file', req: { file: src.file.token, ...choices, ...(sheet.value !== undefined ? { sheet: sheet.value } : {}) } };
    }
    return {
      channel: 'import:text',
      req: { text: sourceText, fileName: src.kind === 'text' ? src.fileName : undefined, lines: src.kind === 'text' && src.lines, ...choices }
    };
  }

  async function runImport(key: 'import' | 'reimport'): Promise<boolean> {
    const { channel, req } = request(key === 'reimport');
    const value =
      channel === 'import:file'
        ? await actions.run(key, 'import:file', req as ImportFileRequest)
        : await actions.run(key, 'import:text', req as ImportTextRequest);
    if (!value) return false;
    accept(value, key === 'import');
    return true;
  }

  /** Refuses, saying why, a file larger than the import takes. */
  function tooLarge(file: File): boolean {
    if (file.size <= MAX_FILE_BYTES) return false;
    actions.fail('import', `“${file.name}” is larger than 32 MB. Split it into smaller files and import them one by one.`);
    return true;
  }

  /** A file dropped on the import: main reads it where the preload found it on disk, else its text is read here (a browser). */
  async function importFile(file: File): Promise<boolean> {
    reset();
    if (tooLarge(file)) return false;
    const dropped = await dropFiles([file]);
    if (!dropped.ok) {
      actions.fail('import', describeError(dropped));
      return false;
    }
    if (dropped.value.pathless.length > 0) {
      if (!WORKBOOK_NAME.test(file.name)) return importText(file);
      actions.fail('import', `“${file.name}” could not be read from where it was dropped. Choose it with “Choose a file…” instead.`);
      return false;
    }
    const [csv] = dropped.value.csv;
    if (csv) return importChosen(csv);
    actions.fail('import', dropped.value.refused[0]?.reason ?? `“${file.name}” is not a CSV file.`);
    return false;
  }

  /** A file with no place on disk, read by its text. */
  async function importText(file: File): Promise<boolean> {
    reset();
    if (tooLarge(file)) return false;
    try {
      sourceText = await file.text();
    } catch {
      actions.fail('import', `“${file.name}” could not be read. Check that it is a CSV file you can open, then try again.`);
      return false;
    }
    source.value = { kind: 'text', fileName: file.name, lines: false };
    return runImport('import');
  }

  /** A CSV file main keeps for us: chosen in its dialog or dropped anywhere in the window. */
  async function importChosen(file: ChosenFile): Promise<boolean> {
    reset();
    source.value = { kind: 'file', file };
    return runImport('import');
  }

  /** "Choose a file…": main's own dialog; false when cancelled or refused. */
  async function chooseFile(): Promise<boolean> {
    actions.clear('import');
    const file = await actions.run('import', 'dialog:choose-csv');
    return file ? importChosen(file) : false;
  }

  /** Prompts pasted one per line. */
  async function importPaste(text: string): Promise<boolean> {
    if (!text.trim()) {
      actions.fail('paste', 'Paste at least one prompt, one per line.');
      return false;
    }
    reset();
    actions.clear('paste');
    sourceText = text;
    source.value = { kind: 'text', lines: true };
    return runImport('import');
  }

  async function importExample(): Promise<boolean> {
    reset();
    source.value = { kind: 'example' };
    const value = await actions.run('import', 'import:example');
    if (!value) return false;
    accept(value, true);
    return true;
  }

  /**
   * `import:example` takes no mapping or defaults, so a changed example is imported again from
   * its own rows, written back out as CSV text (it is a dozen rows).
   */
  async function materialiseExample(): Promise<boolean> {
    const p = preview.value!;
    const byRow = new Map<number, Record<string, string>>();
    for (let offset = 0; offset < p.rowCount; offset += 1000) {
      const page = await actions.run('reimport', 'import:rows', p.token, { offset, limit: 1000 });
      if (!page) return false;
      for (const row of page.items) byRow.set(row.row, row.source);
    }
    sourceText = toCsv(
      p.columns.map((c) => c.header),
      [...byRow.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1])
    );
    source.value = { kind: 'text', fileName: p.fileName, lines: false };
    return true;
  }

  async function reimport(): Promise<boolean> {
    if (!preview.value || !source.value) return false;
    if (hasEdits.value) return rechoose();
    if (source.value.kind === 'example' && !(await materialiseExample())) return false;
    return runImport('reimport');
  }

  // Fixing cells in place (main keeps the table; each change is checked there at once).

  /** Cells changed in the window, as "row:column". */
  const editedCells = computed(() => new Set((preview.value?.edits?.cells ?? []).map((c) => `${c.row}:${c.column}`)));
  const hasEdits = computed(() => {
    const edits = preview.value?.edits;
    return Boolean(edits && (edits.cells.length > 0 || edits.undo > 0 || edits.redo > 0));
  });
  const canEdit = computed(() => Boolean(preview.value?.edits));
  /** An edited import, imported again with the new defaults or mapping: its edits stay. */
  async function rechoose(): Promise<boolean> {
    const p = preview.value!;
    const value = await actions.run('reimport', 'import:choices', p.token, {
      defaults: { ...defaults.value },
      mapping: { ...mapping.value },
      sweep: JSON.parse(JSON.stringify(sweep.value)) as SweepSpec
    });
    if (!value) return false;
    accept(value, false);
    return true;
  }

  /** The answer to an edit, undo or redo: the row's takes change in place, or the table is fetched again when its shape changed. */
  async function applyEdit(result: ImportEditResult): Promise<void> {
    const before = preview.value;
    preview.value = result.preview;
    saved.value = null;
    const cell = result.cell;
    if (!cell) return;
    // A data row's takes are changed where they are; a header (or a changed count) reshapes the table.
    const sameShape =
      before &&
      result.takes.length > 0 &&
      before.rowCount === result.preview.rowCount &&
      before.columns.map((c) => c.field).join() === result.preview.columns.map((c) => c.field).join();
    if (sameShape) {
      let patched = 0;
      for (const [page, items] of pages) {
        if (!items.some((r) => r.row === cell.row)) continue;
        const next = items.map((r) => (r.row === cell.row ? (result.takes.find((t) => t.take === r.take) ?? r) : r));
        patched += next.filter((r) => r.row === cell.row).length;
        pages.set(page, next);
      }
      if (patched === result.takes.length || patched === 0) return;
    }
    pages.clear();
    pagesLoading.clear();
    await ensureRows(...shownRange);
  }

  async function step(channel: 'import:undo' | 'import:redo'): Promise<boolean> {
    const p = preview.value;
    if (!p?.edits) return false;
    const result = await actions.run('edit', channel, p.token);
    if (!result) return false;
    await applyEdit(result);
    return result.cell !== null;
  }

  /** Changes one cell; the row is checked again at once. */
  async function editCell(row: number, column: number, text: string): Promise<boolean> {
    const p = preview.value;
    if (!p?.edits) return false;
    const result = await actions.run('edit', 'import:edit', p.token, { row, column, text });
    if (!result) return false;
    await applyEdit(result);
    return true;
  }

  const undo = (): Promise<boolean> => step('import:undo');
  const redo = (): Promise<boolean> => step('import:redo');

  /** "Save as CSV…" or "Save as XLSX…" (main asks where), or "Save" over the CSV it came from (after the window asked). */
  async function save(replace: boolean, format: ImportSaveFormat = 'csv'): Promise<boolean> {
    const p = preview.value;
    if (!p?.edits) return false;
    saved.value = null;
    const result = await actions.run('save', 'import:save', p.token, { format, replace });
    if (!result) return false;
    saved.value = result;
    return true;
  }

  async function setMapping(header: string, field: Field | null): Promise<boolean> {
    mapping.value = { ...mapping.value, [header]: field };
    return reimport();
  }

  async function setSweep(next: SweepSpec): Promise<boolean> {
    sweep.value = next;
    return reimport();
  }

  /** Another sheet of the workbook: its own table and columns, so the mapping starts afresh (and edits made to the sheet shown go with it). */
  async function setSheet(next: string): Promise<boolean> {
    if (next === preview.value?.workbook?.sheet) return true;
    sheet.value = next;
    mapping.value = {};
    return runImport('reimport');
  }

  async function setDefaults(next: BatchDefaults): Promise<boolean> {
    defaults.value = next;
    return reimport();
  }

  /** Fetches the preview rows [start, end) that are not here yet. */
  async function ensureRows(start: number, end: number): Promise<void> {
    shownRange = [start, end];
    const p = preview.value;
    if (!p) return;
    const last = Math.min(end, p.rowCount) - 1;
    const loads: Promise<void>[] = [];
    for (let page = Math.floor(start / ROW_PAGE); page <= Math.floor(last / ROW_PAGE); page++) {
      if (pages.has(page) || pagesLoading.has(page)) continue;
      pagesLoading.add(page);
      loads.push(
        actions.run('rows', 'import:rows', p.token, { offset: page * ROW_PAGE, limit: ROW_PAGE }).then((result) => {
          if (preview.value?.token !== p.token) return; // a newer import replaced this one
          pagesLoading.delete(page);
          if (result) pages.set(page, result.items);
        })
      );
    }
    await Promise.all(loads);
  }

  /** Adds the import to the queue (after the person confirmed the total); true when it was added. */
  async function create(): Promise<boolean> {
    const p = preview.value;
    if (!p) return false;
    if (blockReason.value) {
      actions.fail('create', blockReason.value);
      return false;
    }
    const cap = capMicros.value;
    if (cap === null) {
      actions.fail('create', 'The spending cap must be an amount in dollars, like 25 or 12.50 — or leave it empty.');
      return false;
    }
    const batchName = name.value.trim().slice(0, 200) || suggestName(p, source.value!, sourceText);
    const summary = await actions.run('create', 'batches:create', {
      token: p.token,
      name: batchName,
      skipInvalid: skipInvalid.value,
      ...(cap !== undefined ? { capMicros: cap } : {})
    });
    if (!summary) return false;
    useQueueStore().addCreated(summary);
    reset();
    return true;
  }

  return {
    source,
    preview,
    pages,
    defaults,
    mapping,
    sweep,
    sheet,
    name,
    skipInvalid,
    capText,
    capMicros,
    isLines,
    busy,
    blockReason,
    confirmText,
    errors: actions.errors,
    actionBusy: actions.busy,
    rowAt,
    reset,
    importFile,
    importText,
    importChosen,
    chooseFile,
    importPaste,
    importExample,
    setMapping,
    setSheet,
    setDefaults,
    setSweep,
    ensureRows,
    create,
    editedCells,
    hasEdits,
    canEdit,
    saved,
    editCell,
    undo,
    redo,
    save
  };
});
