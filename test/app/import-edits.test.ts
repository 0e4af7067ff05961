/**
 * An import fixed in place, through the app service's dispatch against real files: a cell is
 * changed and the row checked again at once, edits undo and redo, the other rows keep their
 * seeds, and the edited rows are saved as CSV (to a chosen path, or over the file after keeping it).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChosenFile, ImportEditResult, ImportPreview, ImportSaved, Page } from '@shared/ipc';
import type { ImportedRow } from '@shared/import-types';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { EditedImport, saveEditedImport, UNDO_DEPTH } from '../../src/main/core/app/import-edits';
import { formulaSafe, importCsvText, importWorkbookFile, readCsvTable, tableToCsv } from '../../src/main/core/import';
import { createLogger } from '../../src/main/core/log/logger';
import { memorySecret, testDesktop, type TestDesktop } from '../support/app-options';

const root = mkdtempSync(join(tmpdir(), 'ltx-edits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dir: string;
let service: AppService;
let desktop: TestDesktop;

beforeEach(async () => {
  dir = mkdtempSync(join(root, 'app-'));
  let stored: Settings = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  desktop = testDesktop(dir);
  service = await AppService.start({
    settings: { read: () => structuredClone(stored), write: (next) => void (stored = structuredClone(next)) },
    secrets: memorySecret(),
    hostingSecret: memorySecret(),
    desktop,
    version: '0.1.0',
    resourcesDir: 'resources',
    timeScale: 0.01,
    watchLibrary: false,
    log: createLogger(() => {})
  });
});
afterEach(async () => {
  await service.close();
});

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${channel}: ${result.code}: ${result.message}`);
  return result.value as T;
}

async function refusal(channel: string, ...args: unknown[]): Promise<string> {
  const result = await service.dispatch(channel, args);
  if (result.ok) throw new Error(`${channel} was expected to be refused`);
  return result.message;
}

/** A CSV file the person chose in main's dialog, imported. */
async function importFile(name: string, text: string | Buffer): Promise<{ path: string; preview: ImportPreview }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  desktop.nextFiles = [path];
  const file = await call<ChosenFile>('dialog:choose-csv');
  return { path, preview: await call<ImportPreview>('import:file', { file: file.token }) };
}

async function rows(token: string): Promise<ImportedRow[]> {
  return (await call<Page<ImportedRow>>('import:rows', token, { offset: 0, limit: 1000 })).items;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/sheets/', import.meta.url));

const seedsOf = (all: ImportedRow[], row: number) => all.filter((r) => r.row === row).map((r) => r.draft.seed);

const CSV = [
  'name,prompt,duration,resolution,count',
  'one,A calm lake at dawn,5,720p,2',
  'two,A storm at sea,99,720p,1',
  'three,Fog in a forest,6,999p,1',
  'four,"Rain, on a tin roof",5,480p,1',
  'five,A heron in the reeds,5,480p,1',
  'six,A kite over a hill,5,480p,3'
].join('\n');

describe('import:edit', () => {
  it('checks the row again at once: fixing a bad duration clears its problem and counts the row as valid', async () => {
    const { preview } = await importFile('bad.csv', CSV);
    expect(preview.invalidRowCount).toBe(2);
    expect(preview.validCount).toBe(7);
    expect(preview.edits).toEqual({ undo: 0, redo: 0, cells: [], original: true, originalName: 'bad.csv', headerRow: 1 });

    const fixed = await call<ImportEditResult>('import:edit', preview.token, { row: 3, column: 3, text: ' 8 ' });
    expect(fixed.cell).toEqual({ row: 3, column: 3 });
    expect(fixed.takes).toHaveLength(1);
    expect(fixed.takes[0].problems).toEqual([]);
    expect(fixed.takes[0].draft.duration).toBe(8);
    expect(fixed.takes[0].source.duration).toBe('8');
    expect(fixed.preview.invalidRowCount).toBe(1);
    expect(fixed.preview.validCount).toBe(8);
    expect(fixed.preview.problems.map((p) => p.row)).toEqual([4]);
    expect(fixed.preview.estimate.count).toBe(8);
    expect(fixed.preview.edits).toMatchObject({ undo: 1, redo: 0, cells: [{ row: 3, column: 3 }] });
    // The rows the window pages through are the edited ones.
    expect((await rows(preview.token)).find((r) => r.row === 3)!.draft.duration).toBe(8);

    // Breaking a good row marks it at once.
    const broken = await call<ImportEditResult>('import:edit', preview.token, { row: 6, column: 4, text: '4k' });
    expect(broken.takes[0].problems.map((p) => p.column)).toEqual(['resolution']);
    expect(broken.preview.invalidRowCount).toBe(2);
  });

  it('undoes and redoes, and an undone cell is no longer marked as edited', async () => {
    const { preview } = await importFile('bad.csv', CSV);
    const token = preview.token;
    await call('import:edit', token, { row: 3, column: 3, text: '8' });
    await call('import:edit', token, { row: 4, column: 4, text: '720p' });
    const undone = await call<ImportEditResult>('import:undo', token);
    expect(undone.cell).toEqual({ row: 4, column: 4 });
    expect(undone.takes[0].problems[0].message).toContain('(got "999p")');
    expect(undone.preview.edits).toMatchObject({ undo: 1, redo: 1, cells: [{ row: 3, column: 3 }] });
    const first = await call<ImportEditResult>('import:undo', token);
    expect(first.preview.invalidRowCount).toBe(2);
    expect(first.preview.edits).toMatchObject({ undo: 0, redo: 2, cells: [] });
    const nothing = await call<ImportEditResult>('import:undo', token);
    expect(nothing.cell).toBeNull();
    const redone = await call<ImportEditResult>('import:redo', token);
    expect(redone.cell).toEqual({ row: 3, column: 3 });
    expect(redone.preview.edits).toMatchObject({ undo: 1, redo: 1, cells: [{ row: 3, column: 3 }] });
    // A new edit forgets what could be redone; typing the file's text back unmarks the cell.
    const back = await call<ImportEditResult>('import:edit', token, { row: 3, column: 3, text: '99' });
    expect(back.preview.edits).toMatchObject({ undo: 2, redo: 0, cells: [] });
  });

  it(`keeps the last ${UNDO_DEPTH} edits to undo`, async () => {
    const { preview } = await importFile('bad.csv', CSV);
    for (let i = 0; i < UNDO_DEPTH + 5; i++) await call('import:edit', preview.token, { row: 2, column: 2, text: `A calm lake, take ${i}` });
    const last = await call<ImportEditResult>('import:undo', preview.token);
    expect(last.preview.edits!.undo).toBe(UNDO_DEPTH - 1);
  });

  it('leaves the other rows their drawn seeds: an edit to row 7 keeps row 3’s, and even a new count keeps the rows after it', async () => {
    const { preview } = await importFile('bad.csv', CSV);
    const token = preview.token;
    const before = await rows(token);
    await call('import:edit', token, { row: 7, column: 2, text: 'A kite over a windy hill' });
    const after = await rows(token);
    for (const row of [2, 3, 4, 5, 6, 7]) expect(seedsOf(after, row), `row ${row}`).toEqual(seedsOf(before, row));
    expect(seedsOf(before, 3)[0]).toEqual(expect.any(Number));
    // Row 2 asks for one take more: its first two seeds stay, and row 7's three do too.
    await call('import:edit', token, { row: 2, column: 5, text: '3' });
    const more = await rows(token);
    expect(seedsOf(more, 2).slice(0, 2)).toEqual(seedsOf(before, 2));
    expect(seedsOf(more, 7)).toEqual(seedsOf(before, 7));
    // Another import of the same file draws other seeds (each kept import has its own secret seed).
    const again = await importFile('bad-2.csv', CSV);
    expect(seedsOf(await rows(again.preview.token), 7)).not.toEqual(seedsOf(before, 7));
  });

  it('renaming a header remaps its column; a cell outside the table is refused in words', async () => {
    const { preview } = await importFile('bad.csv', CSV.replace('duration', 'length in s'));
    expect(preview.columns[2].field).toBeNull();
    expect(preview.invalidRowCount).toBe(1);
    const renamed = await call<ImportEditResult>('import:edit', preview.token, { row: 1, column: 3, text: 'duration' });
    expect(renamed.takes).toEqual([]);
    expect(renamed.preview.columns[2]).toMatchObject({ header: 'duration', field: 'duration' });
    expect(renamed.preview.invalidRowCount).toBe(2);
    // A file with no prompt column imports nothing, until a column is renamed to one.
    const unnamed = await importFile('no-prompt.csv', CSV.replace('prompt', 'words'));
    expect(unnamed.preview.fileProblems).toHaveLength(1);
    expect(unnamed.preview.rowCount).toBe(0);
    const named = await call<ImportEditResult>('import:edit', unnamed.preview.token, { row: 1, column: 2, text: 'prompt' });
    expect(named.preview.fileProblems).toEqual([]);
    expect(named.preview.rowCount).toBe(9);
    expect(await refusal('import:edit', preview.token, { row: 40, column: 1, text: 'x' })).toContain('not a cell of this import');
    expect(await refusal('import:edit', preview.token, { row: 2, column: 9, text: 'x' })).toContain('not a cell of this import');
  });

  it('keeps the edits when the defaults or the mapping change', async () => {
    const { preview } = await importFile('bad.csv', CSV);
    await call('import:edit', preview.token, { row: 3, column: 3, text: '8' });
    const remapped = await call<ImportPreview>('import:choices', preview.token, { mapping: { name: null } });
    expect(remapped.columns[0].field).toBeNull();
    expect(remapped.edits!.cells).toEqual([{ row: 3, column: 3 }]);
    expect((await rows(preview.token)).find((r) => r.row === 3)!.draft.duration).toBe(8);
  });

  it('fixes pasted prompts line by line', async () => {
    const preview = await call<ImportPreview>('import:text', { text: 'A paper plane\n\nx\nA heron', lines: true });
    expect(preview.edits!.original).toBe(false);
    const long = 'y'.repeat(5001);
    const broken = await call<ImportEditResult>('import:edit', preview.token, { row: 3, column: 1, text: `${long}` });
    expect(broken.takes[0].problems[0].message).toContain('the limit is 5000');
    const fixed = await call<ImportEditResult>('import:edit', preview.token, { row: 3, column: 1, text: 'A kite\nover a hill' });
    expect(fixed.takes[0].draft.prompt).toBe('A kite over a hill');
    expect(fixed.preview.rowCount).toBe(3);
  });
});

describe('import:save', () => {
  it('saves as CSV where the person chose, leaving the original as it was; the file reads back to the same rows', async () => {
    const { path, preview } = await importFile('bad.csv', CSV);
    await call('import:edit', preview.token, { row: 3, column: 3, text: '8' });
    await call('import:edit', preview.token, { row: 5, column: 2, text: 'Rain, on a "tin" roof\nat night' });
    await call('import:edit', preview.token, { row: 6, column: 2, text: '=HYPERLINK("http://example.com")' });
    const target = join(dir, 'fixed.csv');
    desktop.nextSave = target;
    const saved = await call<ImportSaved>('import:save', preview.token, { format: 'csv', replace: false });
    expect(saved).toEqual({ name: 'fixed.csv' });
    expect(desktop.saveDialogs[0]).toMatchObject({ defaultName: 'bad (edited).csv', filters: [{ name: 'CSV files', extensions: ['csv'] }] });
    expect(readFileSync(path, 'utf8')).toBe(CSV);

    const written = readFileSync(target, 'utf8');
    expect(written.charCodeAt(0)).not.toBe(0xfeff);
    expect(written).toContain('"Rain, on a ""tin"" roof\nat night"');
    // A formula is written as text, so a spreadsheet shows it and never runs it.
    expect(written).toContain(`"'=HYPERLINK(""http://example.com"")"`);
    const edited = await rows(preview.token);
    const reread = importCsvText(readFileSync(target));
    expect(reread.rows.map((r) => r.source)).toEqual(edited.map((r) => r.source));
    expect(reread.rows.find((r) => r.row === 6)!.draft.prompt).toBe('=HYPERLINK("http://example.com")');
    expect(reread.invalidRowCount).toBe(1);

    // Cancelled: nothing written.
    desktop.nextSave = null;
    expect(await call('import:save', preview.token, { format: 'csv', replace: false })).toBeNull();
  });

  it('saves as XLSX, a workbook import too, that reads back to the same rows; a workbook is never written over in place', async () => {
    const { preview } = await importFile('bad.csv', CSV);
    await call('import:edit', preview.token, { row: 3, column: 3, text: '8' });
    await call('import:edit', preview.token, { row: 6, column: 2, text: '=HYPERLINK("http://example.com")' });
    const target = join(dir, 'fixed.xlsx');
    desktop.nextSave = target;
    expect(await call<ImportSaved>('import:save', preview.token, { format: 'xlsx', replace: false })).toEqual({ name: 'fixed.xlsx' });
    expect(desktop.saveDialogs.at(-1)).toMatchObject({ defaultName: 'bad (edited).xlsx', filters: [{ name: 'Excel workbooks', extensions: ['xlsx'] }] });
    const edited = await rows(preview.token);
    const reread = await importWorkbookFile(target);
    expect(reread.rows.map((r) => r.source)).toEqual(edited.map((r) => r.source));
    expect(reread.rows.find((r) => r.row === 6)!.draft.prompt).toBe('=HYPERLINK("http://example.com")');
    expect(await refusal('import:save', preview.token, { format: 'xlsx', replace: true })).toMatch(/Only a CSV file is written over in place/);

    // A workbook made by a spreadsheet program: its sheet is editable, and saved as a new workbook.
    const book = join(dir, 'prompts.xlsx');
    writeFileSync(book, readFileSync(join(FIXTURES, 'prompts.xlsx')));
    desktop.nextFiles = [book];
    const file = await call<ChosenFile>('dialog:choose-csv');
    const sheetPreview = await call<ImportPreview>('import:file', { file: file.token });
    expect(sheetPreview.workbook?.sheet).toBeTruthy();
    expect(sheetPreview.edits?.original).toBe(false);
    const changed = await call<ImportEditResult>('import:edit', sheetPreview.token, { row: 2, column: 2, text: 'A new first prompt' });
    expect(changed.preview.workbook).toEqual(sheetPreview.workbook);
    const out = join(dir, 'prompts-fixed.xlsx');
    desktop.nextSave = out;
    await call('import:save', sheetPreview.token, { format: 'xlsx', replace: false });
    expect((await importWorkbookFile(out)).rows.map((r) => r.source)).toEqual((await rows(sheetPreview.token)).map((r) => r.source));
    expect(readFileSync(book).equals(readFileSync(join(FIXTURES, 'prompts.xlsx')))).toBe(true);
  });

  it('replaces the original only when asked, keeping it as <name>.bak first', async () => {
    const { path, preview } = await importFile('bad.csv', CSV);
    await call('import:edit', preview.token, { row: 3, column: 3, text: '8' });
    const saved = await call<ImportSaved>('import:save', preview.token, { format: 'csv', replace: true });
    expect(saved).toEqual({ name: 'bad.csv', backupName: 'bad.csv.bak' });
    expect(readFileSync(join(dir, 'bad.csv.bak'), 'utf8')).toBe(CSV);
    expect(importCsvText(readFileSync(path)).invalidRowCount).toBe(1);
    // Saving again writes over it; the original stays in its backup.
    await call('import:edit', preview.token, { row: 4, column: 4, text: '720p' });
    expect(await call<ImportSaved>('import:save', preview.token, { format: 'csv', replace: true })).toEqual({ name: 'bad.csv' });
    expect(readFileSync(join(dir, 'bad.csv.bak'), 'utf8')).toBe(CSV);
    expect(importCsvText(readFileSync(path)).invalidRowCount).toBe(0);
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('bad.csv'))
        .sort()
    ).toEqual(['bad.csv', 'bad.csv.bak']);

    const pasted = await call<ImportPreview>('import:text', { text: 'A heron', lines: true });
    expect(await refusal('import:save', pasted.token, { format: 'csv', replace: true })).toContain('no file to replace');
  });

  it('never writes CSV over a file that is not CSV (a workbook read into a table)', async () => {
    const workbook = join(dir, 'prompts.xlsx');
    writeFileSync(workbook, 'PK not really a workbook');
    const edits = new EditedImport({ table: { records: [['prompt'], ['A heron']], delimiter: ',', warnings: [] }, path: workbook }, {});
    expect(edits.state('prompts.xlsx').original).toBe(false);
    await expect(saveEditedImport(edits, { format: 'csv', replace: true }, 'prompts.xlsx', desktop)).rejects.toThrow(
      'prompts.xlsx is not a CSV file, so it is not written over as one: use “Save as CSV…”.'
    );
    expect(readFileSync(workbook, 'utf8')).toBe('PK not really a workbook');
  });

  it('keeps a byte-order mark and a semicolon delimiter the file had', async () => {
    const semicolons = '\ufeffprompt;duration\r\nLa mer, le soir;5\r\n=1+1;6\r\n';
    const { preview } = await importFile('semi.csv', Buffer.from(semicolons, 'utf8'));
    await call('import:edit', preview.token, { row: 2, column: 2, text: '7' });
    desktop.nextSave = join(dir, 'semi-out.csv');
    await call('import:save', preview.token, { format: 'csv', replace: false });
    const bytes = readFileSync(join(dir, 'semi-out.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8').slice(1)).toBe('prompt;duration\r\n"La mer, le soir";7\r\n\'=1+1;6\r\n');
    expect(importCsvText(bytes).rows.map((r) => r.source)).toEqual([
      { prompt: 'La mer, le soir', duration: '7' },
      { prompt: '=1+1', duration: '6' }
    ]);
  });
});

describe('the CSV writer', () => {
  it('round-trips awkward cells, and only escapes what a spreadsheet would run', () => {
    const records = [
      ['prompt', 'seed', 'name'],
      [''],
      ['@SUM(A1)', '-1', '+5'],
      ["'=already text", '-3.5', '-cmd|calc'],
      ['tab\there', 'quote " inside', 'line\rbreak'],
      ['ünïcödé ✓', '42', "it's"],
      ['  spaced  ', ' lead', 'trail '],
      ['\tcmd', '\r=1', "'\tx"]
    ];
    const read = readCsvTable(tableToCsv(records, ','));
    expect(read.ok && read.records).toEqual(records);
    expect(formulaSafe('-1')).toBe('-1');
    expect(formulaSafe('-cmd|calc')).toBe("'-cmd|calc");
    expect(formulaSafe("'=x")).toBe("''=x");
    expect(formulaSafe("it's")).toBe("it's");
    // A leading tab or carriage return is a formula start to some spreadsheets too.
    expect(formulaSafe('\tcmd')).toBe("'\tcmd");
  });
});
