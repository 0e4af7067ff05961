import { statfsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Bytes free for this process in the filesystem holding `dir`; undefined when that cannot be read. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const info = await statfs(dir);
    return info.bavail * info.bsize;
  } catch {
    return undefined;
  }
}

/**
 * The synchronous twin of {@link freeBytes}, for a check that must not let other code run in
 * between (one small system call), read from the nearest folder of `dir` that exists (a library
 * folder is made at the first download).
 */
export function freeBytesSync(dir: string): number | undefined {
  for (let at = dir; ; at = dirname(at)) {
    try {
      const info = statfsSync(at);
      return info.bavail * info.bsize;
    } catch {
      if (dirname(at) === at) return undefined;
    }
  }
}

/** How a write to a folder failed, when the cause is the disk itself rather than the data. */
export type DiskProblem = 'full' | 'read_only' | 'gone';

const PROBLEM_BY_CODE: Record<string, DiskProblem> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  EFBIG: 'full',
  EROFS: 'read_only',
  EACCES: 'read_only',
  EPERM: 'read_only',
  ENOENT: 'gone',
  ENOTDIR: 'gone',
  EIO: 'gone',
  ENXIO: 'gone',
  ENODEV: 'gone'
};

/** The disk problem behind a file-system error (looking through `cause`), if it is one. */
export function diskProblem(error: unknown): DiskProblem | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && e.code in PROBLEM_BY_CODE) return PROBLEM_BY_CODE[e.code];
  }
  return undefined;
}

/** One sentence a person can act on: which folder, what is wrong with its disk, what to do. */
export function diskProblemWords(problem: DiskProblem, folder: string): string {
  switch (problem) {
    case 'full':
      return `The disk holding ${folder} is full. Free some space on it (or choose another folder in Settings), then carry on.`;
    case 'read_only':
      return `${folder} cannot be written (the disk is read-only or the folder's permissions refuse it). Make it writable, or choose another folder in Settings.`;
    case 'gone':
      return `${folder} is no longer there (the disk may have been removed). Reconnect it, or choose another folder in Settings.`;
  }
}
