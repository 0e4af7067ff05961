import type { RowProblem } from './types';

/** "Row 12, duration: The duration must be a whole number of seconds from 5 to 20 (got 7.5)." */
export function formatRowProblem(p: RowProblem): string {
  const where = p.column !== '' ? p.column : p.field;
  return where === '' ? `Row ${p.row}: ${p.message}` : `Row ${p.row}, ${where}: ${p.message}`;
}
