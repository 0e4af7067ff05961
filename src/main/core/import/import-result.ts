import { estimateBatch } from '@shared/pricing';
import type { TaskDraft } from '@shared/request';
import type { Delimiter, ImportColumn, ImportedRow, ImportResult } from './types';

/** A result with nothing imported: the file itself is the problem. */
export function failedImport(fileProblems: string[], seen: { columns?: ImportColumn[]; delimiter?: Delimiter; warnings?: string[] } = {}): ImportResult {
  return {
    columns: seen.columns ?? [],
    delimiter: seen.delimiter ?? ',',
    rows: [],
    problems: [],
    fileProblems,
    warnings: seen.warnings ?? [],
    validCount: 0,
    invalidRowCount: 0,
    estimate: estimateBatch([])
  };
}

/** The takes that can be submitted (a plain function: results cross IPC, methods would not). */
export function validRows(result: Pick<ImportResult, 'rows'>): ImportedRow[] {
  return result.rows.filter((r) => r.problems.length === 0);
}

/** The drafts of the takes that can be submitted, in file order. */
export function validDrafts(result: Pick<ImportResult, 'rows'>): TaskDraft[] {
  return validRows(result).map((r) => r.draft);
}
