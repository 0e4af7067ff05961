import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit } from '../util/map-limit';
import { PART_SUFFIX, sidecarPathFor } from '../download/naming';

/** Folders deeper than this below the library are not looked into. */
export const MAX_DEPTH = 16;

/** A file name the library lists as a video: `*.mp4`, not hidden. */
export function isVideoName(name: string): boolean {
  return name.toLowerCase().endsWith('.mp4') && !name.startsWith('.');
}

/** Paths the library never looks at: hidden files and folders (atomic-write temporaries too) and `.part` downloads. */
export function isIgnoredPath(relPath: string): boolean {
  return relPath.split('/').some((part) => part.startsWith('.')) || relPath.toLowerCase().endsWith(PART_SUFFIX);
}

/** What a video and its sidecar look like on disk; equal signatures mean nothing was written since. */
export interface VideoStat {
  sizeBytes: number;
  mtimeMs: number;
  /** The sidecar's size and modification time, absent when there is none. */
  sidecar?: { sizeBytes: number; mtimeMs: number };
}

export function signature(s: VideoStat): string {
  return `${s.sizeBytes}:${s.mtimeMs}:${s.sidecar ? `${s.sidecar.sizeBytes}:${s.sidecar.mtimeMs}` : '-'}`;
}

export interface TreeScan {
  /** Every video below the folder, by library path. */
  videos: Map<string, VideoStat>;
  /** The folders that were listed (library paths, '' for the library itself). */
  folders: string[];
  /** Folders that exist but could not be listed: what was known below them must be kept. */
  unreadable: string[];
  /** False when the scanned folder itself is not there (or is not a folder). */
  exists: boolean;
}

const STATS_AT_ONCE = 32;
const PROGRESS_EVERY = 1000;

function childPath(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

/** Size and modification time of a file; undefined when it is not there or is not a file. */
export async function statOrUndefined(path: string): Promise<{ sizeBytes: number; mtimeMs: number } | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? { sizeBytes: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Size and modification time of one video and of its sidecar; undefined when the video is not there. */
export async function statVideo(root: string, rel: string): Promise<VideoStat | undefined> {
  const abs = join(root, ...rel.split('/'));
  const video = await statOrUndefined(abs);
  if (!video) return undefined;
  const sidecar = await statOrUndefined(sidecarPathFor(abs));
  return sidecar ? { ...video, sidecar } : video;
}

/** What a walk of the folder found, before anything is stat-ed. */
export interface TreeListing extends Omit<TreeScan, 'videos'> {
  /** Every video below the folder (library paths), and whether a sidecar sits beside it. */
  found: { rel: string; sidecar: boolean }[];
}

/**
 * Lists every video below `rel` — the whole library for '' — the way the index lists them:
 * hidden entries, `.part` downloads and symbolic links skipped, at most MAX_DEPTH folders deep.
 */
export async function listTree(root: string, rel = ''): Promise<TreeListing> {
  const listing: TreeListing = { found: [], folders: [], unreadable: [], exists: true };
  const queue = [rel];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    let items;
    try {
      items = await readdir(join(root, ...dir.split('/')), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (dir === rel) listing.exists = false;
      } else {
        listing.unreadable.push(dir);
      }
      continue;
    }
    listing.folders.push(dir);
    const names = new Set(items.map((item) => item.name));
    for (const item of items) {
      if (item.name.startsWith('.')) continue;
      const path = childPath(dir, item.name);
      if (item.isDirectory()) {
        if (path.split('/').length <= MAX_DEPTH) queue.push(path);
      } else if (item.isFile() && isVideoName(item.name)) {
        listing.found.push({ rel: path, sidecar: names.has(sidecarPathFor(item.name)) });
      }
    }
  }
  return listing;
}

/**
 * Lists and stats every video (and its sidecar) below `rel`: what the watcher compares to see
 * changes. `onProgress` hears how many of the videos found are stat-ed, every thousand or so.
 */
export async function scanTree(root: string, rel = '', onProgress?: (done: number, total: number) => void): Promise<TreeScan> {
  const { found, ...rest } = await listTree(root, rel);
  const scan: TreeScan = { videos: new Map(), ...rest };
  let done = 0;
  onProgress?.(0, found.length);
  await mapLimit(found, STATS_AT_ONCE, async ({ rel: video, sidecar }) => {
    if (++done % PROGRESS_EVERY === 0) onProgress?.(done, found.length);
    const abs = join(root, ...video.split('/'));
    const stats = await statOrUndefined(abs);
    if (!stats) return;
    const side = sidecar ? await statOrUndefined(sidecarPathFor(abs)) : undefined;
    scan.videos.set(video, side ? { ...stats, sidecar: side } : stats);
  });
  return scan;
}
