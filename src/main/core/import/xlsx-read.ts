import { SheetBuilder, SheetFull, MAX_COLUMNS, isoText, numberText, parseCellRef, type SheetRead } from './sheet-builder';
import { streamXml } from './xml-stream';
import { ZipProblem, type ZipBudget, type ZipEntry } from './zip-read';

/**
 * Reads an XLSX (Office Open XML) workbook's sheets as text: shared and inline strings (rich
 * text runs joined), formulas by their cached value, dates by their cell format as ISO text.
 */

// Built-in number formats that show a date, a time, or both (ECMA-376 part 1, 18.8.30).
const BUILTIN_DATE = new Set([14, 15, 16, 17, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58]);
const BUILTIN_TIME = new Set([18, 19, 20, 21, 45, 46, 47]);
const BUILTIN_DATETIME = new Set([22]);

type DateKind = 'date' | 'time' | 'datetime';
/** How a cell style shows a number: as a date or time, as TRUE/FALSE, or (undefined) as itself. */
type StyleKind = DateKind | 'boolean';

/**
 * Whether a format code shows a date or time (ignoring quoted text, escapes and colours), or a
 * boolean: spreadsheet programs such as LibreOffice store TRUE/FALSE as 1/0 with the format
 * `"TRUE";"TRUE";"FALSE"`.
 */
function formatKind(code: string): StyleKind | undefined {
  if (/^"TRUE";"TRUE";"FALSE"$/i.test(code.trim())) return 'boolean';
  const bare = code
    .split(';')[0]
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[(?:[hms]+)\]/gi, 'h')
    .replace(/\[[^\]]*\]/g, '');
  const hasTime = /[hs]/i.test(bare);
  const hasDate = /[dy]/i.test(bare) || (/m/i.test(bare) && !hasTime);
  if (hasDate && hasTime) return 'datetime';
  if (hasDate) return 'date';
  if (hasTime) return 'time';
  return undefined;
}

/** A date serial as ISO text, in the 1900 (with its leap-year bug) or 1904 date system. */
function serialText(serial: number, kind: DateKind, date1904: boolean): string {
  const base = date1904 ? Date.UTC(1904, 0, 1) : serial < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  const iso = new Date(base + Math.round(serial * 86_400) * 1000).toISOString();
  if (kind === 'time' && serial < 1) return iso.slice(11, 19);
  if (kind === 'date') return iso.slice(0, 10);
  return isoText(iso);
}

interface Part {
  get(name: string): ZipEntry | undefined;
}

function resolveTarget(from: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = from.split('/').slice(0, -1);
  for (const piece of target.split('/')) {
    if (piece === '..') parts.pop();
    else if (piece !== '.') parts.push(piece);
  }
  return parts.join('/');
}

function relsOf(bytes: Uint8Array, entries: Part, budget: ZipBudget, part: string): Map<string, { type: string; target: string }> {
  const at = part.lastIndexOf('/');
  const relsName = `${part.slice(0, at + 1)}_rels/${part.slice(at + 1)}.rels`;
  const rels = new Map<string, { type: string; target: string }>();
  const entry = entries.get(relsName);
  if (!entry) return rels;
  streamXml(bytes, entry, budget, {
    open: (name, a) => {
      if (localName(name) === 'Relationship' && a.Id && a.Target && a.TargetMode !== 'External') {
        rels.set(a.Id, { type: a.Type ?? '', target: resolveTarget(part, a.Target) });
      }
    }
  });
  return rels;
}

function localName(name: string): string {
  const at = name.indexOf(':');
  return at < 0 ? name : name.slice(at + 1);
}

function sharedStrings(bytes: Uint8Array, entry: ZipEntry | undefined, budget: ZipBudget): string[] {
  const strings: string[] = [];
  if (!entry) return strings;
  let current = '';
  let inT = false;
  let phonetic = 0;
  streamXml(bytes, entry, budget, {
    open: (name) => {
      const local = localName(name);
      if (local === 'si') current = '';
      else if (local === 'rPh') phonetic++;
      else if (local === 't') inT = true;
    },
    close: (name) => {
      const local = localName(name);
      if (local === 'si') strings.push(current);
      else if (local === 'rPh') phonetic--;
      else if (local === 't') inT = false;
    },
    text: (text) => {
      if (inT && phonetic === 0) current += text;
    }
  });
  return strings;
}

/** Each cell style's kind (undefined for styles that show plain numbers). */
function cellStyles(bytes: Uint8Array, entry: ZipEntry | undefined, budget: ZipBudget): (StyleKind | undefined)[] {
  const styles: (StyleKind | undefined)[] = [];
  if (!entry) return styles;
  const custom = new Map<number, StyleKind | undefined>();
  let inCellXfs = false;
  streamXml(bytes, entry, budget, {
    open: (name, a) => {
      const local = localName(name);
      if (local === 'numFmt' && a.numFmtId) custom.set(Number(a.numFmtId), formatKind(a.formatCode ?? ''));
      else if (local === 'cellXfs') inCellXfs = true;
      else if (local === 'xf' && inCellXfs) {
        const id = Number(a.numFmtId ?? 0);
        styles.push(
          custom.has(id) ? custom.get(id) : BUILTIN_DATE.has(id) ? 'date' : BUILTIN_TIME.has(id) ? 'time' : BUILTIN_DATETIME.has(id) ? 'datetime' : undefined
        );
      }
    },
    close: (name) => {
      if (localName(name) === 'cellXfs') inCellXfs = false;
    }
  });
  return styles;
}

interface SheetInfo {
  name: string;
  hidden: boolean;
  part?: string;
}

/** Every sheet of an XLSX, read up to `maxRows` rows each. Throws `ZipProblem` for a damaged file. */
export function readXlsxSheets(bytes: Uint8Array, entries: Map<string, ZipEntry>, budget: ZipBudget, maxRows: number): SheetRead[] {
  const rootRels = relsOf(bytes, entries, budget, '');
  const officeDocument = [...rootRels.values()].find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  const workbook = entries.get(officeDocument);
  if (!workbook) throw new ZipProblem('corrupt', 'it has no workbook part (is it a Word or PowerPoint file?)');
  const rels = relsOf(bytes, entries, budget, officeDocument);
  const infos: SheetInfo[] = [];
  let date1904 = false;
  streamXml(bytes, workbook, budget, {
    open: (name, a) => {
      const local = localName(name);
      if (local === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
      if (local !== 'sheet') return;
      const rid = a['r:id'] ?? Object.entries(a).find(([k]) => localName(k) === 'id' && k.includes(':'))?.[1];
      const rel = rid ? rels.get(rid) : undefined;
      infos.push({
        name: a.name ?? `Sheet ${infos.length + 1}`,
        hidden: a.state === 'hidden' || a.state === 'veryHidden',
        part: rel?.type.endsWith('/worksheet') ? rel.target : undefined
      });
    }
  });
  const relTarget = (kind: string): ZipEntry | undefined => {
    const target = [...rels.values()].find((r) => r.type.endsWith(`/${kind}`))?.target;
    return target ? entries.get(target) : undefined;
  };
  const strings = sharedStrings(bytes, relTarget('sharedStrings'), budget);
  const styles = cellStyles(bytes, relTarget('styles'), budget);
  return infos.map((info) => {
    const sheet = new SheetBuilder(info.name, info.hidden, maxRows);
    const entry = info.part ? entries.get(info.part) : undefined;
    if (entry) readSheet(bytes, entry, budget, sheet, { strings, styles, date1904 });
    return sheet.finish();
  });
}

interface SheetContext {
  strings: string[];
  styles: (StyleKind | undefined)[];
  date1904: boolean;
}

function readSheet(bytes: Uint8Array, entry: ZipEntry, budget: ZipBudget, sheet: SheetBuilder, ctx: SheetContext): void {
  let rowIndex = -1;
  let rowHidden = false;
  let cells: (string | undefined)[] = [];
  let col = -1;
  let type = 'n';
  let style = 0;
  let value = '';
  let inline = '';
  let reading: 'v' | 't' | undefined;
  let inIs = false;
  let phonetic = 0;
  let hasValue = false;
  const finishCell = (): void => {
    if (col < 0 || col >= MAX_COLUMNS) return;
    let text: string;
    switch (type) {
      case 's':
        text = ctx.strings[Number(value)] ?? '';
        break;
      case 'inlineStr':
        text = inline;
        break;
      case 'str':
      case 'e':
        text = value;
        break;
      case 'b':
        text = hasValue ? (value.trim() === '1' || value.trim() === 'true' ? 'TRUE' : 'FALSE') : '';
        break;
      case 'd':
        text = isoText(value);
        break;
      default: {
        const kind = ctx.styles[style];
        const n = Number(value);
        if (!kind || value.trim() === '' || !Number.isFinite(n)) text = numberText(value);
        else text = kind === 'boolean' ? (n !== 0 ? 'TRUE' : 'FALSE') : serialText(n, kind, ctx.date1904);
      }
    }
    cells[col] = text.trim();
  };
  try {
    streamXml(bytes, entry, budget, {
      open: (name, a) => {
        switch (localName(name)) {
          case 'row':
            rowIndex = a.r ? Number(a.r) - 1 : rowIndex + 1;
            rowHidden = a.hidden === '1' || a.hidden === 'true';
            cells = [];
            col = -1;
            break;
          case 'c': {
            const ref = a.r ? parseCellRef(a.r) : undefined;
            col = ref ? ref.col : col + 1;
            type = a.t ?? 'n';
            style = Number(a.s ?? 0);
            value = '';
            inline = '';
            hasValue = false;
            break;
          }
          case 'v':
            reading = 'v';
            hasValue = true;
            break;
          case 'is':
            inIs = true;
            break;
          case 'rPh':
            phonetic++;
            break;
          case 't':
            if (inIs) reading = 't';
            break;
          case 'mergeCell': {
            const [first, last] = (a.ref ?? '').split(':').map(parseCellRef);
            if (first && last) sheet.merge({ row: first.row, col: first.col, lastRow: last.row, lastCol: last.col });
            break;
          }
        }
      },
      close: (name) => {
        switch (localName(name)) {
          case 'v':
          case 't':
            reading = undefined;
            break;
          case 'is':
            inIs = false;
            break;
          case 'rPh':
            phonetic--;
            break;
          case 'c':
            finishCell();
            break;
          case 'row':
            sheet.addRow(rowIndex, cells, rowHidden);
            break;
        }
      },
      text: (text) => {
        if (reading === 'v') value += text;
        else if (reading === 't' && phonetic === 0) inline += text;
      }
    });
  } catch (error) {
    if (!(error instanceof SheetFull)) throw error;
  }
}
