/**
 * Small file-system steps that survive a crash or power loss: a rename is only durable once the
 * folder holding it is synced, and a file's bytes only once the file itself is.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Errors that mean "this platform cannot sync a folder" (Windows, some network shares). */
const UNSYNCABLE_DIR = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF']);

function isUnsyncableDir(error: unknown): boolean {
  return UNSYNCABLE_DIR.has((error as NodeJS.ErrnoException).code ?? '');
}

/** Makes renames, creations and deletions inside `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!isUnsyncableDir(error)) throw error;
  } finally {
    await handle?.close();
  }
}

/** Synchronous twin of {@link fsyncDir}, for steps that must not let other code run between them. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (!isUnsyncableDir(error)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes every byte of `data` at the fd's position (a regular file may accept fewer per call). */
export function writeAllSync(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

/** Creates or replaces `path` with `data` and syncs it; the caller renames it into place. */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes a file if it is there; a missing file is not an error. */
export async function removeIfPresent(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Writes a file so that readers only ever see the old content or the whole new content: into a
 * temporary file beside it, synced, renamed over it, then the folder synced.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFileDurable(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await removeIfPresent(tmp);
    throw error;
  }
  await fsyncDir(dir);
}

/** Whether something (a file, a folder, a link) is at `path`; anything but "not there" counts as there. */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
