import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { MAX_DEPTH } from './library-scan';
import type { Logger } from '../log/logger';

export interface FolderWatchOptions {
  /** The folder to follow (absolute). It may not exist yet, and may be deleted and made again. */
  root: string;
  /**
   * Something may have changed at this library path (`/` separators): a file, a folder, or — with
   * null — somewhere in the whole tree. Hints are only hints: the receiver looks at the disk.
   */
  onHint: (relPath: string | null) => void;
  /**
   * One native recursive watch for the tree. Default: on macOS (FSEvents) and Windows
   * (ReadDirectoryChangesW). Node 20 emulates it on Linux with one inotify watch per file and
   * a synchronous walk of the tree, so there one watch per folder is kept instead.
   */
  recursive?: boolean;
  /** How often to look for the folder while it does not exist. Default 1000 ms. */
  rootPollMs?: number;
  log?: Logger;
}

/** Names that never need a folder watch, so events for them skip the `lstat`. */
const FILE_LIKE = /\.(mp4|json|part|tmp|jpe?g|png|webp)$/i;

function childOf(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

function under(rel: string, prefix: string): boolean {
  return prefix === '' || rel === prefix || rel.startsWith(`${prefix}/`);
}

/**
 * Follows a folder tree with `fs.watch` and turns its events into hints, handling what the
 * platforms do differently: a folder's own move or deletion (an event named after itself on
 * Linux, an EPERM error on Windows, silence on a move), watches that follow a moved folder's
 * inode, and a root that does not exist yet or is deleted and re-created. Missed events are
 * the reconcile's business (`check`), not this class's.
 *
 * Kept over chokidar 6 on measurement (test/bench/folder-watch-bench.ts, 10,000 videos in 100
 * folders): the same 101 inotify watches and the same paths reported in every scenario, and the
 * library-watcher tests pass on both, but chokidar was ready in over 10× the time (0.4–0.5 s
 * against 40 ms) and held 55–60 MB more, keeping its own tree of every file beside the index's.
 * Hints need no such tree: any event makes the receiver look at the disk, and the periodic full
 * look heals what is missed.
 */
export class FolderWatch {
  private readonly root: string;
  private readonly recursive: boolean;
  private readonly rootPollMs: number;
  /** Linux: one watch per folder, by library path, with the folder's inode. */
  private readonly folders = new Map<string, { watcher: FSWatcher; ino: number }>();
  private tree: { watcher: FSWatcher; ino: number } | undefined;
  private poll: NodeJS.Timeout | undefined;
  private closed = false;
  private warned = false;

  constructor(private readonly options: FolderWatchOptions) {
    this.root = options.root;
    this.recursive = options.recursive ?? (process.platform === 'darwin' || process.platform === 'win32');
    this.rootPollMs = options.rootPollMs ?? 1000;
  }

  /** Starts following; resolves once the folders that exist now are watched. */
  async start(): Promise<void> {
    await this.attachRoot();
  }

  /**
   * Makes sure the watch still stands on the folder that is there now (re-attaching after the
   * folder was deleted, re-created or moved without an event). On Linux, given `folders` (every
   * folder a full scan just listed, as library paths), also makes each one watched, on the
   * folder now at that path, and drops watches on folders that are gone.
   */
  async check(folders?: readonly string[]): Promise<void> {
    if (this.closed) return;
    const ino = await this.inode('');
    const current = this.recursive ? this.tree?.ino : this.folders.get('')?.ino;
    if (ino === undefined || current !== ino) {
      await this.attachRoot();
      // The folder went, or came (created after the app started): either way, look again at all of it.
      if (current !== undefined || ino !== undefined) this.options.onHint(null);
      return;
    }
    if (this.recursive || !folders) return;
    const listed = new Set(folders);
    for (const path of [...this.folders.keys()]) if (!listed.has(path)) this.detach(path);
    for (const folder of folders) await this.attachFolder(folder, false);
  }

  close(): void {
    this.closed = true;
    this.stopPolling();
    this.detachAll();
  }

  private async attachRoot(): Promise<void> {
    this.detachAll();
    if (this.closed) return;
    const ino = await this.inode('');
    if (ino === undefined) {
      this.startPolling();
      return;
    }
    this.stopPolling();
    if (this.recursive) this.attachTree(ino);
    else await this.attachFolder('', true);
  }

  private attachTree(ino: number): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(this.root, { recursive: true, persistent: false }, (_event, filename) => {
        const name = filename ? String(filename).split(sep).join('/') : '';
        // No name, or one that may be the root's own (FSEvents on its deletion): has the tree gone?
        if (name === '' || name === basename(this.root)) void this.check();
        this.options.onHint(name === '' ? null : name);
      });
    } catch (error) {
      this.failed('', error);
      return;
    }
    // Windows reports the root's deletion as EPERM. Whatever the error, this watch is done:
    // look again a little later (not at once, so a watch that keeps failing does not spin).
    watcher.on('error', (error) => {
      this.failed('', error);
      watcher.close();
      if (this.tree?.watcher === watcher) this.tree = undefined;
      this.options.onHint(null);
      setTimeout(() => void this.check(), this.rootPollMs).unref();
    });
    this.tree = { watcher, ino };
  }

  /** Linux: watches one folder and, when `deep`, every folder below it that is not watched yet. */
  private async attachFolder(rel: string, deep: boolean): Promise<void> {
    if (this.closed || rel.split('/').length > MAX_DEPTH) return;
    const abs = join(this.root, ...rel.split('/'));
    const ino = await this.inode(rel);
    if (ino === undefined) return;
    const known = this.folders.get(rel);
    if (known && known.ino !== ino) this.detach(rel);
    if (!known || known.ino !== ino) {
      let watcher: FSWatcher;
      try {
        watcher = watch(abs, { persistent: false }, (_event, filename) => this.onFolderEvent(rel, filename));
      } catch (error) {
        this.failed(rel, error);
        return;
      }
      watcher.on('error', (error) => {
        this.failed(rel, error);
        this.detach(rel);
        this.options.onHint(rel === '' ? null : rel);
        setTimeout(() => void this.recheckFolder(rel), this.rootPollMs).unref();
      });
      if (this.closed) {
        watcher.close();
        return;
      }
      this.folders.set(rel, { watcher, ino });
    }
    if (!deep) return;
    // Listed after the watch is set: what appears meanwhile is seen by one or the other.
    let items;
    try {
      items = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of items) {
      if (item.isDirectory() && !item.name.startsWith('.')) await this.attachFolder(childOf(rel, item.name), true);
    }
  }

  private onFolderEvent(rel: string, filename: string | Buffer | null): void {
    if (this.closed) return;
    const name = filename ? String(filename) : '';
    if (name === '') {
      this.options.onHint(rel === '' ? null : rel);
      return;
    }
    const child = childOf(rel, name);
    this.options.onHint(child);
    // inotify names a watched folder's own move or deletion after the folder: look at it.
    if (name === basename(rel === '' ? this.root : rel)) void this.recheckFolder(rel);
    if (!name.startsWith('.') && !FILE_LIKE.test(name)) void this.recheckFolder(child);
  }

  /** A folder that may have appeared, gone, or been replaced: its watches follow. */
  private async recheckFolder(rel: string): Promise<void> {
    if (this.closed) return;
    const ino = await this.inode(rel);
    const known = this.folders.get(rel);
    if (ino === known?.ino) return;
    if (rel === '') {
      this.options.onHint(null);
      await this.attachRoot();
      return;
    }
    if (known) this.detach(rel);
    if (ino !== undefined) {
      await this.attachFolder(rel, true);
      this.options.onHint(rel);
    }
  }

  /** The inode of a folder, or undefined when there is no folder there. */
  private async inode(rel: string): Promise<number | undefined> {
    try {
      const s = await lstat(join(this.root, ...rel.split('/').filter((p) => p !== '')));
      return s.isDirectory() ? s.ino : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stops watching a folder and everything below it. */
  private detach(rel: string): void {
    for (const [path, { watcher }] of this.folders) {
      if (!under(path, rel)) continue;
      watcher.close();
      this.folders.delete(path);
    }
  }

  private detachAll(): void {
    this.detach('');
    this.tree?.watcher.close();
    this.tree = undefined;
  }

  private startPolling(): void {
    if (this.poll || this.closed) return;
    this.poll = setInterval(() => {
      void this.inode('').then((ino) => {
        if (ino === undefined || this.closed || !this.poll) return;
        this.stopPolling();
        void this.attachRoot().then(() => this.options.onHint(null));
      });
    }, this.rootPollMs);
    this.poll.unref();
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  /** Logs a watch that could not be set (once: a full inotify table fails every folder alike). */
  private failed(rel: string, error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'ENOENT' || this.warned) return;
    this.warned = true;
    const limit = code === 'ENOSPC' ? ' (the system limit of watched folders is reached)' : '';
    this.options.log?.warn(
      `cannot follow ${rel === '' ? 'the library folder' : rel} for changes${limit}: ${code}. ` +
        'Changes made outside the app will still show, within a minute, at the next full look at the folder.'
    );
  }
}
