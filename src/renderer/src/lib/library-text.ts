/** Words and numbers the library screen shows for a video. */
import type { LibraryItem, SidecarProblem } from '@shared/library';
import { isLoraMode, type Mode } from '@shared/model';
import { formatClock } from './format';

/** The short badges of a mode: `t2v`, `i2v`, plus `LoRA`. */
export function modeBadges(mode: Mode | undefined): string[] {
  if (!mode) return [];
  const kind = mode.startsWith('image') ? 'i2v' : 't2v';
  return isLoraMode(mode) ? [kind, 'LoRA'] : [kind];
}

/** A video's length on a card: "0:05", "1:02". */
export function durationText(seconds: number | undefined): string {
  return seconds === undefined ? '' : formatClock(seconds * 1000);
}

/** "12.4 MB", "820 KB". */
export function bytesText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** A moment as people read it: "31 Jan 2025, 14:02". */
export function dateTimeText(when: number | string | undefined): string {
  if (when === undefined) return '';
  const ms = typeof when === 'number' ? when : Date.parse(when);
  if (Number.isNaN(ms)) return '';
  return new Date(ms).toLocaleString([], { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

const PROBLEM_TEXT: Record<SidecarProblem, string> = {
  missing: 'It has no sidecar file, so how it was made is unknown.',
  unreadable: 'Its sidecar file could not be read (check its permissions).',
  too_large: 'Its sidecar file is too large to be one of ours.',
  not_json: 'Its sidecar file is damaged (not valid JSON), perhaps cut short or edited by hand.',
  foreign: 'Its sidecar file was not written by LTX Batch Studio for this model.',
  newer_schema: 'Its sidecar file was written by a newer version of LTX Batch Studio: update the app to read it.',
  invalid: 'Its sidecar file is missing a field or has a wrong one.'
};

/** Why a video's sidecar was not used, in words. */
export function sidecarProblemText(problem: SidecarProblem): string {
  return PROBLEM_TEXT[problem];
}

/** What a screen reader says for a card. */
export function cardLabel(item: LibraryItem, selected: boolean): string {
  const what = item.title || (item.prompt ? (item.prompt.length > 120 ? `${item.prompt.slice(0, 117)}…` : item.prompt) : item.name);
  const parts = [what];
  if (item.durationSec !== undefined) parts.push(`${Math.round(item.durationSec)} seconds`);
  if (item.resolution) parts.push(item.resolution);
  parts.push(...modeBadges(item.mode).map((b) => (b === 't2v' ? 'text to video' : b === 'i2v' ? 'image to video' : b)));
  if (item.favourite) parts.push('favourite');
  if (item.origin === 'unknown') parts.push('unknown origin');
  if (item.origin === 'file') parts.push('recipe from the file');
  if (item.simulated) parts.push('simulated, nothing charged');
  if (selected) parts.push('selected');
  return parts.join(', ');
}
