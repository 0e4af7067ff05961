/**
 * The files a dropped folder holds that are named like images, and a count of the rest. Hidden
 * entries are skipped, links never lead out of the folder, and the depth and size are bounded.
 */
import { realpath, readdir, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { extname, join, relative, isAbsolute, sep } from 'node:path';

export interface FolderScan {
  /** Files named like JPG, PNG or WebP images (their bytes are checked later). */
  images: string[];
  /** Other visible files, not used. */
  others: number;
  /** Of `others`, HEIC/HEIF photos (worth naming: phones save them). */
  heic: number;
  /** Links not followed: they lead outside the folder, or to a folder. */
  linksSkipped: number;
  /** Folders not entered because they are nested deeper than the limit. */
  tooDeep: number;
  /** Sub-folders that could not be listed, by path from the dropped folder. */
  unlisted: string[];
  /** True when the walk stopped at the entry limit. */
  truncated: boolean;
}

export interface FolderScanOptions {
  /** Levels of folders inside the dropped one that are entered. */
  maxDepth: number;
  /** Entries looked at in all, so that dropping a whole disk cannot run for ever. */
  maxEntries: number;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp']);
const HEIC_EXTENSIONS = new Set(['.heic', '.heif']);
/** Files the system leaves in folders; nobody thinks of them as theirs. */
const SYSTEM_FILES = new Set(['thumbs.db', 'ehthumbs.db', 'desktop.ini', 'icon\r']);

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Walks `folder` (breadth first) and sorts what it holds. */
export async function scanFolder(folder: string, options: FolderScanOptions): Promise<FolderScan> {
  const scan: FolderScan = { images: [], others: 0, heic: 0, linksSkipped: 0, tooDeep: 0, unlisted: [], truncated: false };
  const root = await realpath(folder);
  let seen = 0;
  const queue: { dir: string; depth: number }[] = [{ dir: folder, depth: 0 }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    let entries: Dirent[];
    try {
      entries = await readdir(next.dir, { withFileTypes: true });
    } catch (error) {
      if (next.depth === 0) throw error;
      scan.unlisted.push(relative(folder, next.dir));
      continue;
    }
    for (const entry of entries) {
      if (++seen > options.maxEntries) {
        scan.truncated = true;
        return scan;
      }
      if (entry.name.startsWith('.') || SYSTEM_FILES.has(entry.name.toLowerCase())) continue;
      const path = join(next.dir, entry.name);
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        isFile = await isFileLinkInside(root, path);
        if (!isFile) {
          scan.linksSkipped++;
          continue;
        }
      }
      if (entry.isDirectory()) {
        if (next.depth + 1 > options.maxDepth) scan.tooDeep++;
        else queue.push({ dir: path, depth: next.depth + 1 });
      } else if (isFile) {
        const ext = extname(entry.name).toLowerCase();
        if (IMAGE_EXTENSIONS.has(ext)) scan.images.push(path);
        else {
          scan.others++;
          if (HEIC_EXTENSIONS.has(ext)) scan.heic++;
        }
      }
    }
  }
  return scan;
}

/** A link is followed only to a file inside the dropped folder: never out of it, never into a loop. */
async function isFileLinkInside(root: string, path: string): Promise<boolean> {
  try {
    const target = await realpath(path);
    return isInside(root, target) && (await stat(target)).isFile();
  } catch {
    return false; // a broken link
  }
}
