/**
 * What XLSX and ODS readers share: a sheet's rows gathered as text, hidden rows skipped and
 * counted, the row limit held while reading, and cell values written as people typed them.
 */

/** The widest sheet read; cells past it are ignored (spreadsheets themselves stop at 16,384). */
export const MAX_COLUMNS = 16_384;

export interface MergedRange {
  row: number;
  col: number;
  lastRow: number;
  lastCol: number;
}

/** One sheet as read: every row as text, `records[i]` being spreadsheet row i + 1. */
export interface SheetRead {
  name: string;
  hidden: boolean;
  records: string[][];
  /** Rows with at least one cell (hidden ones not included). */
  dataRows: number;
  /** Rows with data that the sheet hides; they are not imported. */
  hiddenRows: number;
  /** Merged ranges whose top-left cell lies within the sheet's data. */
  merged: string[];
  /** The sheet has more rows than one import can hold; reading stopped there. */
  tooManyRows: boolean;
}

/** Thrown by `addRow` when the row limit is passed, to stop reading the rest of the sheet. */
export class SheetFull extends Error {}

export class SheetBuilder {
  private readonly rows: string[][] = [];
  private width = 0;
  private dataRows = 0;
  private hiddenRows = 0;
  private tooMany = false;
  private readonly merges: MergedRange[] = [];

  constructor(
    readonly name: string,
    readonly hidden: boolean,
    private readonly maxRows: number
  ) {}

  get full(): boolean {
    return this.tooMany;
  }

  /** Adds row `index` (0-based); `cells` may have holes. Throws `SheetFull` past the limit. */
  addRow(index: number, cells: (string | undefined)[], hidden: boolean): void {
    if (this.tooMany) throw new SheetFull();
    let last = -1;
    for (let i = 0; i < cells.length; i++) if (cells[i]) last = i;
    if (last < 0) return;
    if (hidden) {
      this.hiddenRows++;
      return;
    }
    this.dataRows++;
    // The header row plus one more than the limit is enough to know the sheet is too long.
    if (this.dataRows > this.maxRows + 1) {
      this.tooMany = true;
      throw new SheetFull();
    }
    const row = new Array<string>(last + 1);
    for (let i = 0; i <= last; i++) row[i] = cells[i] ?? '';
    this.rows[index] = row;
    this.width = Math.max(this.width, last + 1);
  }

  merge(range: MergedRange): void {
    if (range.lastRow > range.row || range.lastCol > range.col) this.merges.push(range);
  }

  finish(): SheetRead {
    const records: string[][] = new Array<string[]>(this.rows.length);
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      if (!row) {
        records[i] = [];
        continue;
      }
      while (row.length < this.width) row.push('');
      records[i] = row;
    }
    const merged = this.merges.filter((m) => m.row < records.length && m.col < this.width && records[m.row]?.length).map(rangeName);
    return {
      name: this.name,
      hidden: this.hidden,
      records,
      dataRows: this.dataRows,
      hiddenRows: this.hiddenRows,
      merged,
      tooManyRows: this.tooMany
    };
  }
}

/** `A`, `B` … `Z`, `AA` … for a 0-based column. */
export function columnName(col: number): string {
  let name = '';
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function rangeName(m: MergedRange): string {
  return `${columnName(m.col)}${m.row + 1}:${columnName(m.lastCol)}${m.lastRow + 1}`;
}

/** `B12` → { row: 11, col: 1 }; undefined if it is not a cell reference. */
export function parseCellRef(ref: string): { row: number; col: number } | undefined {
  const match = /^\$?([A-Z]{1,3})\$?(\d{1,7})$/i.exec(ref);
  if (!match) return undefined;
  let col = 0;
  for (const ch of match[1].toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(match[2]) - 1, col: col - 1 };
}

/**
 * A stored number as it was typed: `10` not `10.0`, and no binary noise
 * (`0.30000000000000004` → `0.3`): 15 significant digits, as spreadsheets show.
 */
export function numberText(stored: string): string {
  const n = Number(stored);
  if (stored.trim() === '' || !Number.isFinite(n)) return stored.trim();
  const rounded = Number(n.toPrecision(15));
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** An ISO date or datetime trimmed to what it says: `2026-12-03`, or `2026-12-03T10:30:00`. */
export function isoText(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}))?/.exec(iso.trim());
  if (!match) return iso.trim();
  return match[2] && match[2] !== '00:00:00' ? `${match[1]}T${match[2]}` : match[1];
}
