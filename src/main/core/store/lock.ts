/**
 * One process drives a data folder at a time: two would submit (and pay for) the same tasks.
 * The lock is a file created exclusively (whole, by a hard link from a private temp file) that
 * names its owner; a lock whose owner is dead on this machine (or unreadable) is taken over.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fsyncDir } from './fs-durable';

const LOCK_FILE_NAME = 'lock';
/** Give up when other processes keep racing for the folder this long (they never should). */
const GIVE_UP_AFTER_MS = 10_000;
/** An unreadable lock this fresh may still be being written; older, it is stale. */
const UNREADABLE_GRACE_MS = 1000;
/** A takeover guard older than this was left by a crash in the middle of a takeover. */
const GUARD_EXPIRY_MS = 10_000;

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the owner acquired the lock. */
  startedAt: string;
  /** Linux boot id: a lock from before a reboot is stale whatever its pid. */
  bootId?: string;
  /** Distinguishes this acquisition from any other by the same pid. */
  token: string;
}

export interface DataLock {
  readonly dir: string;
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): Promise<void>;
  /** Synchronous release, for `process.on('exit')`. */
  releaseSync(): void;
  /** Also releases when the process exits normally (not on SIGKILL or a crash: those leave a stale lock). */
  releaseOnExit(): DataLock;
}

export interface AcquireOptions {
  /** Lock file name inside the folder (default `lock`). */
  fileName?: string;
}

export class DataFolderLockedError extends Error {
  readonly dir: string;
  readonly lockPath: string;
  readonly owner: LockOwner;

  constructor(dir: string, lockPath: string, owner: LockOwner) {
    const elsewhere = owner.host !== hostname();
    const message =
      !elsewhere && owner.pid === process.pid
        ? `This LTX Batch Studio process (pid ${owner.pid}) already holds the data folder ${dir}; it was opened twice.`
        : `Another LTX Batch Studio process (pid ${owner.pid}${elsewhere ? ` on ${owner.host}` : ''}, ` +
          `started ${describeStart(owner.startedAt)}) is using the data folder ${dir}. ` +
          'Close it, or use another --data-dir.' +
          (elsewhere ? ` If it is no longer running on ${owner.host}, delete ${lockPath}.` : '');
    super(message);
    this.name = 'DataFolderLockedError';
    this.dir = dir;
    this.lockPath = lockPath;
    this.owner = owner;
  }
}

/** Lock files held by this process, by token: a second acquire here is refused, not taken over. */
const heldTokens = new Set<string>();

/** Takes the data folder for this process, or throws {@link DataFolderLockedError}. */
export async function acquireDataLock(dir: string, options: AcquireOptions = {}): Promise<DataLock> {
  const folder = resolve(dir);
  const lockPath = join(folder, options.fileName ?? LOCK_FILE_NAME);
  await mkdir(folder, { recursive: true });
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    bootId: readBootId(),
    token: randomBytes(8).toString('hex')
  };
  const content = `${JSON.stringify(owner)}\n`;

  const deadline = Date.now() + GIVE_UP_AFTER_MS;
  for (;;) {
    if (await createExclusively(lockPath, content)) {
      await fsyncDir(folder);
      heldTokens.add(owner.token);
      return new HeldLock(folder, lockPath, owner, content);
    }
    if (Date.now() > deadline) {
      throw new Error(`Could not take the lock ${lockPath}: other processes keep racing for it. Try again.`);
    }
    const existing = await readOrNull(lockPath);
    if (existing === null) continue; // released meanwhile: try again
    const current = parseOwner(existing);
    if (current && isAlive(current)) throw new DataFolderLockedError(folder, lockPath, current);
    if (!current && (await modifiedWithin(lockPath, UNREADABLE_GRACE_MS))) {
      await pause(); // perhaps still being written (file systems without hard links): look again
      continue;
    }
    await removeStale(lockPath, existing);
  }
}

class HeldLock implements DataLock {
  private released = false;
  private readonly onExit = (): void => this.releaseSync();

  constructor(
    readonly dir: string,
    readonly path: string,
    readonly owner: LockOwner,
    private readonly content: string
  ) {}

  async release(): Promise<void> {
    if (this.released) return;
    this.finish();
    // Never delete a lock someone else has since taken over.
    if ((await readOrNull(this.path)) !== this.content) return;
    await unlink(this.path).catch(() => undefined);
  }

  releaseSync(): void {
    if (this.released) return;
    this.finish();
    try {
      if (readFileSync(this.path, 'utf8') === this.content) unlinkSync(this.path);
    } catch {
      // already gone: nothing to release
    }
  }

  releaseOnExit(): DataLock {
    if (!this.released) process.on('exit', this.onExit);
    return this;
  }

  private finish(): void {
    this.released = true;
    heldTokens.delete(this.owner.token);
    process.off('exit', this.onExit);
  }
}

/**
 * Creates the lock file with its content in one step: written to a private file, then
 * hard-linked into place, so nobody ever sees it empty or half written. Returns false if a
 * lock file already exists.
 */
async function createExclusively(lockPath: string, content: string): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { flag: 'wx' });
  } catch (error) {
    // A full disk creates the file and then refuses its bytes: leave nothing behind.
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  try {
    await link(tmp, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EXDEV') {
      // A file system without hard links: fall back to an exclusive create.
      try {
        await writeFile(lockPath, content, { flag: 'wx' });
        return true;
      } catch (fallbackError) {
        if ((fallbackError as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw fallbackError;
      }
    }
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Removes a stale lock, unless it changed since it was judged stale. Only the process that
 * exclusively creates the guard file named after this exact stale content may remove it, and it
 * checks the content again first: while the lock holds that content nobody else can remove or
 * replace it, so the check stays true until the unlink.
 */
async function removeStale(lockPath: string, staleContent: string): Promise<void> {
  const guard = `${lockPath}.takeover-${createHash('sha256').update(staleContent).digest('hex').slice(0, 16)}`;
  try {
    await writeFile(guard, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process is taking over. A guard left by a crash in that instant expires.
    if (!(await modifiedWithin(guard, GUARD_EXPIRY_MS))) await unlink(guard).catch(() => undefined);
    await pause();
    return;
  }
  try {
    if ((await readOrNull(lockPath)) === staleContent) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function modifiedWithin(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < ms;
  } catch {
    return false;
  }
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The owner named in a lock file, or null when it is empty or unreadable (treated as stale). */
function parseOwner(text: string): LockOwner | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const v = value as Record<string, unknown>;
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0 || typeof v.host !== 'string') return null;
    return {
      pid: v.pid as number,
      host: v.host,
      startedAt: typeof v.startedAt === 'string' || typeof v.startedAt === 'number' ? String(v.startedAt) : '',
      bootId: typeof v.bootId === 'string' ? v.bootId : undefined,
      token: typeof v.token === 'string' ? v.token : ''
    };
  } catch {
    return null;
  }
}

/** Whether the lock's owner may still be running. A lock from another host is assumed alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  const bootId = readBootId();
  if (owner.bootId && bootId && owner.bootId !== bootId) return false; // from before a reboot
  if (owner.pid === process.pid) return heldTokens.has(owner.token); // same pid, earlier life?
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: alive, another user's
  }
}

let bootIdCache: string | null | undefined;
function readBootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

/** "14:02" today, "2026-03-01 14:02" another day, as the person's clock shows it. */
function describeStart(startedAt: string): string {
  const date = new Date(/^\d+$/.test(startedAt) ? Number(startedAt) : startedAt);
  if (Number.isNaN(date.getTime())) return 'at an unknown time';
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const now = new Date();
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}
