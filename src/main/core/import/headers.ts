import { showValue } from '@shared/validation';
import { FIELDS, type Field, type ImportColumn } from '@shared/import-types';
import { listItems } from './wording';

const FIELD_SET: ReadonlySet<string> = new Set(FIELDS);

/** The names people give each field, besides the field's own name. */
const ALIASES: Record<Field, readonly string[]> = {
  prompt: ['text', 'description'],
  mode: ['type'],
  resolution: ['res', 'quality'],
  duration: ['seconds', 'length', 'secs'],
  aspect_ratio: ['aspect', 'ratio'],
  seed: [],
  image: ['image_url', 'imageurl', 'url', 'source_image'],
  lora1_path: ['lora_path'],
  lora1_scale: ['lora_scale'],
  lora2_path: [],
  lora2_scale: [],
  lora3_path: [],
  lora3_scale: [],
  name: ['title', 'filename'],
  count: ['takes', 'n', 'variations']
};

const SEPARATORS = /[\s_-]+/g;

/** "Aspect Ratio", "aspect-ratio" and "ASPECT_RATIO" are the same header. */
export function normalizeHeader(header: string): string {
  return header.replace(SEPARATORS, '').toLowerCase();
}

const BY_NAME: ReadonlyMap<string, Field> = new Map(
  FIELDS.flatMap((field) => [field, ...ALIASES[field]].map((name) => [normalizeHeader(name), field] as const))
);

export function isField(value: unknown): value is Field {
  return typeof value === 'string' && FIELD_SET.has(value);
}

/** The field a header names, if any. */
export function fieldForHeader(header: string): Field | undefined {
  return BY_NAME.get(normalizeHeader(header));
}

/** 1 → A, 26 → Z, 27 → AA: how a spreadsheet names the column. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** A header that names a LoRA slot APIXO does not have (`lora4_path`, `lora0_scale` …). */
const UNHONOURED_LORA = /^lora(\d+)(path|scale)$/;

/** Why a column that looks like a field cannot be honoured, or undefined when it can (or looks like none). */
export function unhonouredHeader(header: string): string | undefined {
  const lora = UNHONOURED_LORA.exec(normalizeHeader(header));
  if (!lora || (Number(lora[1]) >= 1 && Number(lora[1]) <= 3)) return undefined;
  return `APIXO takes at most three LoRAs (lora1 to lora3), so the column ${showValue(header)} cannot be used. Move its LoRA into an empty lora1–lora3 column, or delete the column.`;
}

export interface ColumnMapping {
  columns: ImportColumn[];
  /** Columns the importer does not know, by header as written: the prompt's `{{variables}}`. */
  unknown: ImportColumn[];
  fileProblems: string[];
  warnings: string[];
}

/** What the caller's mapping says about a header: nothing, a field (or null = ignore), or junk. */
type Override = { kind: 'none' } | { kind: 'field'; field: Field | null } | { kind: 'invalid'; value: unknown };

/** Looks a header up in the caller's mapping: as written first, then by its normalized form. */
function overrideLookup(mapping: Record<string, unknown> | undefined): (header: string) => Override {
  if (!mapping) return () => ({ kind: 'none' });
  const normalized = new Map<string, unknown>();
  for (const key of Object.keys(mapping)) {
    const n = normalizeHeader(key);
    if (!normalized.has(n)) normalized.set(n, mapping[key]);
  }
  return (header) => {
    let value: unknown;
    if (Object.prototype.hasOwnProperty.call(mapping, header)) value = mapping[header];
    else if (normalized.has(normalizeHeader(header))) value = normalized.get(normalizeHeader(header));
    else return { kind: 'none' };
    return value === null || isField(value) ? { kind: 'field', field: value } : { kind: 'invalid', value };
  };
}

const MAX_LISTED = 20;

/**
 * Matches each header to a field: the caller's mapping first, then the names and aliases.
 * Two columns filling one field, or no prompt column, make the file unusable.
 */
export function mapColumns(headers: readonly string[], mapping?: Record<string, Field | null>, variables?: ReadonlySet<string>): ColumnMapping {
  const lookup = overrideLookup(mapping);
  const columns: ImportColumn[] = [];
  const fileProblems: string[] = [];
  const unknown: ImportColumn[] = [];
  const byField = new Map<Field, ImportColumn>();

  headers.forEach((raw, i) => {
    const header = raw.trim();
    const override = lookup(header);
    const letter = columnLetter(i + 1);
    if (override.kind === 'invalid') {
      fileProblems.push(
        `The column mapping sends column ${letter} (${showValue(header)}) to ${showValue(override.value)}, which is not a field. ` +
          `Use one of ${FIELDS.join(', ')}, or nothing to ignore the column.`
      );
    }
    const field = override.kind === 'field' ? override.field : (fieldForHeader(header) ?? null);
    const column: ImportColumn = { header, index: i + 1, letter, field, automatic: override.kind === 'none' };
    columns.push(column);
    if (field === null) {
      if (column.automatic && header !== '') unknown.push(column);
      if (column.automatic && variables?.has(normalizeHeader(header))) column.variable = true;
      return;
    }
    const first = byField.get(field);
    if (first) {
      fileProblems.push(
        `Columns ${first.letter} (${showValue(first.header)}) and ${letter} (${showValue(header)}) both hold the ${field}. ` +
          'Delete or rename one of them, or choose which one to use in the column mapping.'
      );
    } else {
      byField.set(field, column);
    }
  });

  if (!byField.has('prompt')) {
    const named = columns.filter((c) => c.header !== '').map((c) => c.header);
    const found = named.length === 0 ? 'no named columns' : `these columns: ${listItems(named.map(showValue), MAX_LISTED)}`;
    fileProblems.push(
      `No prompt column was found; the first row, read as the header, has ${found}. ` +
        'Name the column that holds the prompts "prompt" (or choose it in the column mapping); if the file has no header row, add one.'
    );
  }

  const warnings: string[] = [];
  // A column a prompt uses as a {{variable}} is not ignored; one that cannot be honoured is a row error instead.
  const ignored = unknown.filter((c) => !variables?.has(normalizeHeader(c.header)) && unhonouredHeader(c.header) === undefined);
  if (ignored.length > 0) {
    const names = listItems(
      ignored.map((c) => `${showValue(c.header)} (${c.letter})`),
      MAX_LISTED
    );
    warnings.push(
      `Ignored ${ignored.length === 1 ? 'a column' : 'columns'} the importer does not know: ${names}. ` +
        'To import what such a column holds, rename it to a field name (prompt, duration, seed …) or map it.'
    );
  }
  return { columns, unknown, fileProblems, warnings };
}
