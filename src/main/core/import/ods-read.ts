import { MAX_COLUMNS, SheetBuilder, SheetFull, isoText, numberText, type SheetRead } from './sheet-builder';
import { streamXml } from './xml-stream';
import { ZipProblem, type ZipBudget, type ZipEntry } from './zip-read';

/**
 * Reads an ODS (OpenDocument) spreadsheet's sheets as text from its `content.xml`: typed values
 * (`office:value`, `office:date-value` …) rather than the shown text, formulas by their cached
 * value, repeated rows and cells expanded only where they hold data.
 */

/** `PT10H30M00S` → `10:30:00`. */
function durationText(value: string): string {
  const match = /^-?P(?:\d+D)?T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,]\d+)?S)?$/.exec(value.trim());
  if (!match) return value.trim();
  const pad = (n: string | undefined): string => (n ?? '0').padStart(2, '0');
  return `${pad(match[1])}:${pad(match[2])}:${pad(match[3])}`;
}

function typedValue(a: Record<string, string>): string | undefined {
  switch (a['office:value-type']) {
    case 'float':
    case 'percentage':
    case 'currency':
      return a['office:value'] !== undefined ? numberText(a['office:value']) : undefined;
    case 'date':
      return a['office:date-value'] !== undefined ? isoText(a['office:date-value']) : undefined;
    case 'time':
      return a['office:time-value'] !== undefined ? durationText(a['office:time-value']) : undefined;
    case 'boolean':
      return a['office:boolean-value'] !== undefined ? (a['office:boolean-value'] === 'true' ? 'TRUE' : 'FALSE') : undefined;
    default:
      return undefined;
  }
}

const repeat = (value: string | undefined): number => Math.max(1, Number(value ?? 1) || 1);

/** Every sheet of an ODS, read up to `maxRows` rows each. Throws `ZipProblem` for a damaged file. */
export function readOdsSheets(bytes: Uint8Array, entries: Map<string, ZipEntry>, budget: ZipBudget, maxRows: number): SheetRead[] {
  const content = entries.get('content.xml');
  if (!content) throw new ZipProblem('corrupt', 'it has no content part (is it a text document or a presentation?)');
  const hiddenStyles = new Set<string>();
  const sheets: SheetRead[] = [];
  let styleName: string | undefined;
  let sheet: SheetBuilder | undefined;
  let rowIndex = 0;
  let rowRepeat = 1;
  let rowHidden = false;
  let cells: (string | undefined)[] = [];
  let col = 0;
  let cell: { typed?: string; colRepeat: number; rowSpan: number; colSpan: number } | undefined;
  let paragraphs: string[] = [];
  let text: string | undefined;
  let ignore = 0;

  const finishCell = (): void => {
    if (!cell) return;
    const value = (cell.typed ?? paragraphs.join('\n')).trim();
    if (value !== '') {
      for (let i = 0; i < cell.colRepeat && col + i < MAX_COLUMNS; i++) cells[col + i] = value;
      if (cell.rowSpan > 1 || cell.colSpan > 1) {
        sheet?.merge({ row: rowIndex, col, lastRow: rowIndex + cell.rowSpan - 1, lastCol: col + cell.colSpan - 1 });
      }
    }
    col += cell.colRepeat;
    cell = undefined;
  };
  const finishRow = (): void => {
    if (!sheet) return;
    try {
      if (cells.some((c) => c)) for (let i = 0; i < rowRepeat && !sheet.full; i++) sheet.addRow(rowIndex + i, cells, rowHidden);
    } catch (error) {
      if (!(error instanceof SheetFull)) throw error;
    }
    rowIndex += rowRepeat;
  };

  streamXml(bytes, content, budget, {
    open: (name, a) => {
      if (ignore > 0) {
        ignore++;
        return;
      }
      switch (name) {
        case 'style:style':
          styleName = a['style:family'] === 'table' ? a['style:name'] : undefined;
          break;
        case 'style:table-properties':
          if (styleName && a['table:display'] === 'false') hiddenStyles.add(styleName);
          break;
        case 'table:table':
          sheet = new SheetBuilder(a['table:name'] ?? `Sheet ${sheets.length + 1}`, hiddenStyles.has(a['table:style-name'] ?? ''), maxRows);
          rowIndex = 0;
          break;
        case 'table:table-row':
          rowRepeat = repeat(a['table:number-rows-repeated']);
          rowHidden = a['table:visibility'] === 'collapse' || a['table:visibility'] === 'filter';
          cells = [];
          col = 0;
          break;
        case 'table:table-cell':
        case 'table:covered-table-cell':
          cell = {
            typed: name === 'table:table-cell' ? typedValue(a) : undefined,
            colRepeat: repeat(a['table:number-columns-repeated']),
            rowSpan: repeat(a['table:number-rows-spanned']),
            colSpan: repeat(a['table:number-columns-spanned'])
          };
          paragraphs = [];
          break;
        case 'text:p':
        case 'text:h':
          if (cell) text = '';
          break;
        case 'text:s':
          if (text !== undefined) text += ' '.repeat(Math.min(repeat(a['text:c']), 1000));
          break;
        case 'text:tab':
          if (text !== undefined) text += '\t';
          break;
        case 'text:line-break':
          if (text !== undefined) text += '\n';
          break;
        case 'office:annotation':
        case 'text:note':
          ignore = 1;
          break;
      }
    },
    close: (name) => {
      if (ignore > 0) {
        ignore--;
        return;
      }
      switch (name) {
        case 'text:p':
        case 'text:h':
          if (text !== undefined) paragraphs.push(text);
          text = undefined;
          break;
        case 'table:table-cell':
        case 'table:covered-table-cell':
          finishCell();
          break;
        case 'table:table-row':
          finishRow();
          break;
        case 'table:table':
          if (sheet) sheets.push(sheet.finish());
          sheet = undefined;
          break;
      }
    },
    text: (chunk) => {
      if (ignore === 0 && text !== undefined) text += chunk;
    }
  });
  return sheets;
}
