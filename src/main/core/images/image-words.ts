/** The words of the sentences people read about images they dropped or linked. */
import { isImageWords } from './content-kind';

export const ACCEPTED = 'JPG, PNG and WebP';

/** A name in quotes, as messages show it. */
export function quoted(name: string): string {
  return JSON.stringify(name);
}

/** "1 file", "3 files". */
export function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** '"a"', '"a" and "b"', '"a", "b", "c" and 4 more'. */
export function listNames(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).map(quoted);
  if (names.length > max) return `${shown.join(', ')} and ${names.length - max} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** Why something that is not JPG/PNG/WebP is not used: what it is (`verb`: "is", "leads to"…), and what would be. */
export function notAcceptedImage(subject: string, what: string, verb = 'is'): string {
  if (isImageWords(what)) return `${subject} ${verb} ${what}: only ${ACCEPTED} images can be animated. Convert it to JPG, PNG or WebP first.`;
  return `${subject} ${verb} ${what}, not an image: only ${ACCEPTED} images can be animated.`;
}
