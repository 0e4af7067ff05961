/** Writes rows as CSV text, every cell quoted: used to re-import an import the window only has as rows. */
export function toCsv(headers: readonly string[], rows: readonly Record<string, string>[]): string {
  const quote = (cell: string) => `"${cell.replace(/"/g, '""')}"`;
  const lines = [headers.map(quote).join(',')];
  for (const row of rows) lines.push(headers.map((h) => quote(row[h] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
