/** Small helpers that turn lists and sizes into the words of a message. */

/** "a", "a and b", "a, b and c", or "a, b, c and 12 more" past `max` items. */
export function listItems(items: readonly string[], max = 10): string {
  if (items.length <= 1) return items.join('');
  if (items.length > max) return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Row numbers worth naming in a warning: the first few, and how many in all. */
export class RowTally {
  readonly rows: number[] = [];
  total = 0;
  constructor(private readonly max = 10) {}

  add(row: number): void {
    if (this.total++ < this.max) this.rows.push(row);
  }

  /** "Row 4", "Rows 4, 9 and 12", "Rows 4, 9, … and 1,200 more". */
  toString(): string {
    const listed = this.rows.map(String);
    if (this.total > listed.length) listed.push(`${thousands(this.total - listed.length)} more`);
    return `${this.total === 1 ? 'Row' : 'Rows'} ${listItems(listed, this.max + 1)}`;
  }
}

export { fileSize } from '@shared/file-size';

/** 100000 → "100,000". */
export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}
