import { fileSize, thousands } from './wording';

/** The most one import takes, unless the caller says otherwise. */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_ROWS = 100_000;

export function tooLargeMessage(size: number, maxBytes: number): string {
  return `The file is ${fileSize(size)}, more than the ${fileSize(maxBytes)} one import can take. ` + 'Split it into smaller files and import them one by one.';
}

export function tooManyTakesMessage(takes: number, maxRows: number): string {
  return (
    `The batch asks for ${thousands(takes)} ${takes === 1 ? 'video' : 'videos'} (rows times their count), more than the ` +
    `${thousands(maxRows)} one import can hold. Split it into smaller files and import them one by one.`
  );
}
