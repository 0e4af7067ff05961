import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../store/fs-durable';

/** Longest prompt slug in a file name. */
export const SLUG_MAX = 40;
/** Characters of the (sanitised) task ID in a file name. */
export const TASK_ID_CHARS = 8;
/** Extension of a download in progress, appended to the video's own name. */
export const PART_SUFFIX = '.part';
/** Extension of the sidecar that replaces the video's extension. */
export const SIDECAR_EXT = '.json';

/** Names Windows refuses for a file whatever its extension (`con.mp4` included). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/** How many `-N` suffixes are tried before giving up. */
const MAX_SUFFIX = 10_000;

/** The words of a text in ASCII: accents dropped (é → e), case folded, everything else a separator. */
export function asciiWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * A prompt as a file-name slug: ASCII `a-z0-9` words joined by dashes, at most `max` characters,
 * cut between words when that keeps at least half of the room (otherwise mid-word), and
 * `untitled` when nothing is left.
 */
export function slugify(text: string, max: number = SLUG_MAX): string {
  const slug = asciiWords(text).join('-');
  if (slug.length === 0) return 'untitled';
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max + 1);
  const lastDash = cut.lastIndexOf('-');
  const shortened = lastDash >= Math.ceil(max / 2) ? cut.slice(0, lastDash) : slug.slice(0, max);
  return shortened.replace(/-+$/, '') || 'untitled';
}

/** An untrusted task ID reduced to `[a-z0-9]` (never a path piece as the server wrote it). */
export function sanitizeTaskId(taskId: string): string {
  return taskId.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `YYYY-MM-DD` in local time: the day the person saw the video arrive. */
export function localDate(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * A file name stem that is safe on Windows, macOS and Linux: only `[A-Za-z0-9._-]`, no leading
 * dot or dash, no trailing dot, not a reserved device name, at most 120 characters.
 */
export function safeStem(stem: string): string {
  let safe = stem
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 120)
    .replace(/^[.-]+/, '')
    .replace(/[.-]+$/, '');
  if (safe === '') safe = 'untitled';
  const dot = safe.indexOf('.');
  const first = dot < 0 ? safe : safe.slice(0, dot);
  if (WINDOWS_RESERVED.test(first)) safe = `${first}_${safe.slice(first.length)}`;
  return safe;
}

export interface VideoNameParts {
  prompt: string;
  /**
   * The name the person gave the video (a CSV's `name` column): it takes the prompt's place in
   * the file name; one with no usable character left falls back to the prompt.
   */
  name?: string;
  /** The seed the video was made with: `seed-184467`; left out when not recorded (or -1, or not a whole number). */
  seed?: number;
  /** The task ID as APIXO sent it; only its first 8 safe characters are used. */
  taskId: string;
  /** When the video arrived (default now). */
  date?: Date;
}

/**
 * The stem of a video's file name, readable and safe:
 * `2025-01-31_a-small-robot-in-the-rain_seed-42_0a1b2c3d`, or with a name given,
 * `2025-01-31_lighthouse-storm_seed-42_0a1b2c3d`.
 */
export function videoBaseName(parts: VideoNameParts): string {
  const seed = parts.seed !== undefined && Number.isSafeInteger(parts.seed) && parts.seed >= 0 ? `_seed-${parts.seed}` : '';
  const id = sanitizeTaskId(parts.taskId).slice(0, TASK_ID_CHARS) || 'noid';
  return safeStem(`${localDate(parts.date ?? new Date())}_${titleSlug(parts)}${seed}_${id}`);
}

/** The slug of the video's name when it has a usable one, else of its prompt. */
function titleSlug(parts: VideoNameParts): string {
  const named = parts.name === undefined ? [] : asciiWords(parts.name);
  return named.length > 0 ? slugify(named.join(' ')) : slugify(parts.prompt);
}

/** `<stem>.mp4`. */
export function videoFileName(parts: VideoNameParts): string {
  return `${videoBaseName(parts)}.mp4`;
}

/** The sidecar beside a video: `clip.mp4` → `clip.json`. */
export function sidecarPathFor(videoPath: string): string {
  return videoPath.replace(/\.mp4$/i, '') + SIDECAR_EXT;
}

/** The download in progress for a video: `clip.mp4` → `clip.mp4.part`. */
export function partPathFor(videoPath: string): string {
  return videoPath + PART_SUFFIX;
}

/**
 * Picks a name in `dir` that nothing uses yet — `base.ext`, else `base-2.ext`, `base-3.ext` … —
 * counting the video, its `.json` sidecar and its `.part` download as taken, and reserves it by
 * creating the empty `.part` file exclusively (two downloads can never be given one name; the
 * downloader starts from that empty file). Returns the video's full path.
 */
export async function reserveUniquePath(dir: string, base: string, ext: string): Promise<string> {
  const stem = safeStem(base);
  const extension = ext === '' || ext.startsWith('.') ? ext : `.${ext}`;
  if (!/^(\.[A-Za-z0-9]{1,8})?$/.test(extension)) throw new Error(`Not a usable file extension: ${JSON.stringify(ext)}.`);
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const name = n === 1 ? stem : `${stem}-${n}`;
    const target = join(dir, `${name}${extension}`);
    if ((await exists(target)) || (await exists(join(dir, `${name}${SIDECAR_EXT}`)))) continue;
    try {
      const handle = await open(partPathFor(target), 'wx');
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    // The video may have appeared between the check and the reservation.
    if (await exists(target)) {
      await unlink(partPathFor(target)).catch(() => undefined);
      continue;
    }
    return target;
  }
  throw new Error(`No free file name for ${stem}${extension} in ${dir} after ${MAX_SUFFIX} tries.`);
}

/** `clip.source.png` is the source image of `clip.mp4`. */
export const SOURCE_IMAGE_INFIX = '.source';
