import type { BatchEstimate } from '@shared/pricing';
import type { TaskDraft } from '@shared/request';
import type { ProblemCode } from '@shared/validation';
import type { BatchDefaults } from './batch-defaults';
import type { Field } from './headers';

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
  /** Source of the random seeds given to the takes of a multi-take row (default Math.random). */
  random?: () => number;
}

/** The delimiter read from the header line; '\n' for prompts pasted one per line. */
export type Delimiter = ',' | ';' | '\t' | '\n';

export interface ImportColumn {
  /** The header as written (trimmed). */
  header: string;
  /** 1-based position. */
  index: number;
  /** The spreadsheet column letter: A, B, … Z, AA … */
  letter: string;
  /** The field the column fills, or null when it is ignored. */
  field: Field | null;
  /** True when matched by name; false when set by `ImportOptions.mapping`. */
  automatic: boolean;
}

/** The importer's own reasons, besides the validator's. */
export type ImportProblemCode =
  | 'too_many_cells'
  | 'file_not_found'
  | 'not_a_file'
  | 'file_too_large'
  | 'not_an_image'
  | 'unreadable';

export type RowProblemCode = ProblemCode | ImportProblemCode;

export interface RowProblem {
  /** Spreadsheet row number: the header is row 1. */
  row: number;
  /** The header as the person wrote it, or '' when the problem is not tied to one column. */
  column: string;
  /** The importer field (`duration`, `lora2_scale` …) or, untied to a column, the request field. */
  field: string;
  code: RowProblemCode;
  /** A sentence saying what is wrong and what is allowed (the validator's, where it has one). */
  message: string;
}

/** One take: a row with `count` 3 becomes three of these. */
export interface ImportedRow {
  /** Spreadsheet row number: the header is row 1. */
  row: number;
  /** 1 … count. */
  take: number;
  name?: string;
  /**
   * The request the row asks for. Only a row without problems holds a submittable draft; an
   * invalid row keeps the values as written (a duration of "abc" stays "abc").
   */
  draft: TaskDraft;
  /** The absolute path of a local source image; `draft.imageUrl` is set once it is hosted. */
  imagePath?: string;
  /** The row's raw cells by header (shared by the takes of one row). */
  source: Record<string, string>;
  problems: RowProblem[];
}

export interface ImportResult {
  columns: ImportColumn[];
  delimiter: Delimiter;
  /** One per take, in file order. Empty when there are file problems. */
  rows: ImportedRow[];
  /** Every row problem, once per row even when the row has several takes. */
  problems: RowProblem[];
  /** Why nothing could be imported, each saying what happened and what to do. */
  fileProblems: string[];
  /** Worth knowing but not stopping: ignored columns, formula-looking cells, padded rows. */
  warnings: string[];
  /** Takes without problems. */
  validCount: number;
  /** Spreadsheet rows with at least one problem. */
  invalidRowCount: number;
  /** Cost of the valid takes only. */
  estimate: BatchEstimate;
}
