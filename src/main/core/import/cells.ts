import { RESOLUTIONS, type AspectRatio, type Mode, type Resolution } from '@shared/model';
import { showValue } from '@shared/validation';

/**
 * Reading cells the way people type them, without guessing: a spelling we know becomes the
 * canonical value; anything else is passed on as written, so that the validator refuses it
 * with its own sentence.
 */

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const SEPARATORS = /[\s_-]+/g;
const SPACES = /\s+/g;
const DIGITS = /^\d+$/;

function squash(cell: string): string {
  return cell.replace(SEPARATORS, '').toLowerCase();
}

/** "10" → 10 and "7.5" → 7.5; anything that is not wholly a number stays text. */
export function numberOrText(cell: string): number | string {
  const trimmed = cell.trim();
  return NUMERIC.test(trimmed) ? Number(trimmed) : trimmed;
}

const MODE_NAMES: ReadonlyMap<string, Mode> = new Map([
  ['texttovideo', 'text-to-video'],
  ['t2v', 'text-to-video'],
  ['text', 'text-to-video'],
  ['imagetovideo', 'image-to-video'],
  ['i2v', 'image-to-video'],
  ['image', 'image-to-video'],
  ['texttovideolora', 'text-to-video-LoRA'],
  ['t2vlora', 'text-to-video-LoRA'],
  ['textlora', 'text-to-video-LoRA'],
  ['imagetovideolora', 'image-to-video-LoRA'],
  ['i2vlora', 'image-to-video-LoRA'],
  ['imagelora', 'image-to-video-LoRA']
]);

/** "t2v", "Image", "text lora", "Image-to-Video-LoRA" … → the canonical mode. */
export function parseMode(cell: string): Mode | string {
  return MODE_NAMES.get(squash(cell)) ?? cell.trim();
}

/** "720", "720P", "720 p" → "720p"; anything else stays as written. */
export function parseResolution(cell: string): Resolution | string {
  const squashed = cell.replace(SPACES, '').toLowerCase();
  const value = DIGITS.test(squashed) ? `${squashed}p` : squashed;
  return (RESOLUTIONS as readonly string[]).includes(value) ? value : cell.trim();
}

const ASPECT_NAMES: ReadonlyMap<string, AspectRatio> = new Map([
  ['16:9', '16:9'],
  ['16x9', '16:9'],
  ['16/9', '16:9'],
  ['16×9', '16:9'],
  ['landscape', '16:9'],
  ['horizontal', '16:9'],
  ['9:16', '9:16'],
  ['9x16', '9:16'],
  ['9/16', '9:16'],
  ['9×16', '9:16'],
  ['portrait', '9:16'],
  ['vertical', '9:16']
]);

/** "16x9", "16/9", "landscape" → "16:9"; "9x16", "portrait", "vertical" → "9:16". */
export function parseAspect(cell: string): AspectRatio | string {
  return ASPECT_NAMES.get(cell.replace(SPACES, '').toLowerCase()) ?? cell.trim();
}

/** "" or "random" → undefined (the batch's seed policy decides); "-1" → -1; "42" → 42. */
export function parseSeed(cell: string): number | string | undefined {
  const trimmed = cell.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'random') return undefined;
  return numberOrText(trimmed);
}

export const COUNT_MAX = 100;

export type CountCell = { ok: true; count: number } | { ok: false; code: 'not_integer' | 'out_of_range'; message: string };

const countRule = `a whole number of takes from 1 to ${COUNT_MAX}`;

/** How many takes a row asks for: empty means 1. */
export function parseCount(cell: string): CountCell {
  const value = cell.trim() === '' ? 1 : numberOrText(cell);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return { ok: false, code: 'not_integer', message: `The count must be ${countRule} (got ${showValue(value)}).` };
  }
  if (value < 1 || value > COUNT_MAX) {
    return { ok: false, code: 'out_of_range', message: `The count must be ${countRule} (got ${value}).` };
  }
  return { ok: true, count: value };
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A cell naming a remote image: anything with a scheme (`https://`, `ftp://` …) except `file://`. */
export function isRemoteReference(cell: string): boolean {
  return SCHEME.test(cell) && !cell.toLowerCase().startsWith('file://');
}

const FORMULA = /^(?:[=+@]|-[a-z])/i;

/** Cells a spreadsheet could run as a formula when the file is opened again: `=…`, `+…`, `@…`, `-a…`. */
export function looksLikeFormula(cell: string): boolean {
  return FORMULA.test(cell);
}
