/** What an import produces: shared by the importer, the app service and the window. */
import type { BatchEstimate } from '@shared/pricing';
import type { SweepCount } from '@shared/sweep';
import type { TaskDraft } from '@shared/request';
import type { ProblemCode } from '@shared/validation';

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
  /** True for a column no field takes that a prompt uses as a `{{variable}}`. */
  variable?: boolean;
}

/** The importer's own reasons, besides the validator's. */
export type ImportProblemCode =
  'too_many_cells' | 'missing_variable' | 'unknown_field' | 'file_not_found' | 'not_a_file' | 'file_too_large' | 'not_an_image' | 'unreadable';

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
  /** The sweep axes and prompt variants that made this take (axis → value as text): `{ seed: '42', duration: '10' }`. */
  axes?: Record<string, string>;
  /** Where the prompt template's filled parts are in `draft.prompt` (a prompt without braces has none). */
  filled?: FilledPart[];
  problems: RowProblem[];
}

/** A part of a filled prompt: `[start, end)` came from `column` (a placeholder's column, or `variant`, `variant 2` …). */
export interface FilledPart {
  start: number;
  end: number;
  column: string;
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
  /** With a sweep: the valid takes counted and priced before they expanded ("20 prompts × 3 seeds = 60 videos, $4.80"). */
  sweep?: SweepCount;
  /** Why the sweep was refused before it expanded (too many videos); also the file problem. */
  sweepRefusal?: string;
  /** For a workbook (XLSX, ODS): its sheets and the one read. */
  workbook?: { sheets: WorkbookSheet[]; sheet: string };
}

/** One sheet of an imported workbook, as the sheet picker lists it. */
export interface WorkbookSheet {
  name: string;
  /** Rows holding data (the header included, hidden rows not). */
  rows: number;
  hidden: boolean;
}

/** Everything a CSV column can fill. */
export const FIELDS = [
  'prompt',
  'mode',
  'resolution',
  'duration',
  'aspect_ratio',
  'seed',
  'image',
  'lora1_path',
  'lora1_scale',
  'lora2_path',
  'lora2_scale',
  'lora3_path',
  'lora3_scale',
  'name',
  'count'
] as const;

export type Field = (typeof FIELDS)[number];
