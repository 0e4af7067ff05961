import type { BatchDefaults } from '@shared/batch-defaults';
import type { Field } from '@shared/import-types';
import type { SweepSpec } from '@shared/sweep';

export type {
  Delimiter,
  Field,
  FilledPart,
  ImportColumn,
  ImportProblemCode,
  ImportResult,
  ImportedRow,
  RowProblem,
  RowProblemCode
} from '@shared/import-types';

export interface ImportOptions {
  /** What empty cells and missing columns mean; missing entries keep DEFAULT_BATCH_DEFAULTS. */
  defaults?: Partial<BatchDefaults>;
  /** Folder that relative image paths are read from (importCsvFile: the CSV's own folder). */
  baseDir?: string;
  /** Header (as written) → field, overriding the automatic match; `null` ignores the column. */
  mapping?: Record<string, Field | null>;
  /** Larger inputs are refused before they are parsed (default 32 MB). */
  maxBytes?: number;
  /** More takes (rows × count) than this are refused (default 100,000). */
  maxRows?: number;
  /** Source of the random seeds given to takes without a seed of their own (default: the system's cryptographic generator). */
  random?: () => number;
  /**
   * A source of random seeds for each spreadsheet row, instead of `random`: an import edited in
   * place draws each row's seeds from its own source, so fixing one row leaves the others' seeds alone.
   */
  randomFor?: (row: number) => () => number;
  /** Every take tried across these axes (sweep.ts); counted and priced, and refused over `maxSweepVideos`, before it expands. */
  sweep?: SweepSpec;
  /** More videos than this from one sweep are refused (default 10,000). */
  maxSweepVideos?: number;
}
