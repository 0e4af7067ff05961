import { unsignedUrl } from '@shared/image-link';
import type { LibraryEntry } from '@shared/library';
import { MICROS_PER_USD } from '@shared/pricing';
import { LIMITS } from '@shared/model';
import { tableToXlsx } from '../import/workbook';

/**
 * The manifest written beside exported videos: one row per video, readable by the CSV importer
 * so that the same videos can be made again, plus columns that only inform.
 *
 * Header names matter: the importer maps `name`, `prompt` … `lora3_scale` and `image_url` to its fields
 * and ignores (with a warning) the informative ones. None of those may be one of the importer's
 * aliases: `source_image` is an alias of `image`, so a second image column by that name would
 * make the importer refuse the whole file. The image column therefore holds the exported copy of
 * the source image when there is one (a file beside the manifest, which never expires, unlike a
 * hosted link) and the URL APIXO fetched otherwise; `original_image_url` keeps that URL, unsigned
 * (scheme://host/path: never a signed query string, which carries a credential).
 *
 * Formula injection: a spreadsheet runs a cell that starts with = + - @ (or tab / CR before
 * one), so such cells get a leading apostrophe, which spreadsheets show as text. Two exceptions,
 * both so that re-importing gives back exactly what was sent:
 * - cells that are plain numbers (a seed of -1), which a spreadsheet reads as numbers anyway;
 * - the prompt, which is written exactly: the importer reads cells literally, so an apostrophe
 *   would become part of the prompt sent to APIXO. The importer warns about prompts that look
 *   like formulas and never evaluates a cell; a person opening the manifest in a spreadsheet is
 *   protected in every other column. (An importer that dropped a leading apostrophe before
 *   = + - @ would let the prompt be guarded too.)
 */

export const IMPORT_COLUMNS = [
  'name',
  'prompt',
  'mode',
  'resolution',
  'duration',
  'aspect_ratio',
  'seed',
  'image_url',
  ...Array.from({ length: LIMITS.lorasMax }, (_, i) => [`lora${i + 1}_path`, `lora${i + 1}_scale`]).flat()
] as const;

export const INFO_COLUMNS = [
  'file',
  'original_image_url',
  'task_id',
  'batch',
  'cost_usd',
  'created_at',
  'width',
  'height',
  'fps',
  'has_audio',
  'origin'
] as const;

export const MANIFEST_HEADERS: readonly string[] = [...IMPORT_COLUMNS, ...INFO_COLUMNS];

/** One exported video: its entry and the names its copies got in the export folder. */
export interface ManifestRow {
  entry: LibraryEntry;
  /** The exported video's file name. */
  file: string;
  /** The exported source image's file name, when one was copied. */
  sourceImage?: string;
}

const TRIGGER = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** A cell a spreadsheet would run as a formula, made inert with a leading apostrophe. */
export function guardFormula(value: string): string {
  return TRIGGER.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** RFC 4180: every cell quoted (so leading spaces and line breaks survive), quotes doubled. */
export function quoteCell(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

const num = (value: number | undefined): string => (value === undefined ? '' : String(value));

/** The cells of one row, by header, before guarding and quoting. */
export function manifestCells(row: ManifestRow): Record<string, string> {
  const { entry } = row;
  const sidecar = entry.sidecar;
  const probe = entry.probe;
  // Unsigned: a presigned link carries the bucket's access key ID and a signature valid for days.
  const sentImage = sidecar?.imageUrl && /^https?:\/\//i.test(sidecar.imageUrl) ? unsignedUrl(sidecar.imageUrl) : '';
  const cells: Record<string, string> = {
    file: row.file,
    original_image_url: sentImage,
    task_id: sidecar?.taskId ?? '',
    batch: sidecar?.batch.name ?? '',
    cost_usd: entry.costMicros === undefined ? '' : String(entry.costMicros / MICROS_PER_USD),
    created_at: new Date(entry.createdAt).toISOString(),
    width: num(probe?.width),
    height: num(probe?.height),
    fps: num(probe?.fps),
    has_audio: probe ? String(probe.hasAudio) : '',
    origin: entry.origin
  };
  // A video the app did not make has no settings to make it again with.
  if (!sidecar) return cells;
  cells.name = sidecar.name ?? '';
  cells.prompt = sidecar.prompt;
  cells.mode = sidecar.mode;
  cells.resolution = sidecar.resolution;
  cells.duration = String(sidecar.duration);
  cells.aspect_ratio = sidecar.aspectRatio ?? '';
  cells.seed = num(sidecar.seed);
  cells.image_url = row.sourceImage ?? sentImage;
  (sidecar.loras ?? []).slice(0, LIMITS.lorasMax).forEach((lora, i) => {
    cells[`lora${i + 1}_path`] = lora.path;
    cells[`lora${i + 1}_scale`] = String(lora.scale);
  });
  return cells;
}

/**
 * The same manifest as an XLSX workbook (one sheet, "Manifest"). Every cell is stored as text
 * (tableToXlsx), so nothing in it is ever run as a formula and no apostrophe guard is needed:
 * it reads back exactly what was sent, the prompt included.
 */
export function manifestXlsx(rows: readonly ManifestRow[]): Uint8Array {
  const records = [[...MANIFEST_HEADERS]];
  for (const row of rows) {
    const cells = manifestCells(row);
    records.push(MANIFEST_HEADERS.map((header) => cells[header] ?? ''));
  }
  return tableToXlsx(records, 'Manifest');
}

/** The manifest's text: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF line ends. */
export function manifestCsv(rows: readonly ManifestRow[]): string {
  const line = (cells: readonly string[]): string => cells.map(quoteCell).join(',');
  const lines = [line(MANIFEST_HEADERS)];
  for (const row of rows) {
    const cells = manifestCells(row);
    lines.push(line(MANIFEST_HEADERS.map((header) => (header === 'prompt' ? (cells[header] ?? '') : guardFormula(cells[header] ?? '')))));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
