// FolderWatch's interface on chokidar: the candidate folder-watch-bench.ts measures against the
// hand-written src/main/core/library/folder-watch.ts. chokidar is not a dependency of the app;
// the bench loads it when it is installed (`npm install --no-save chokidar`).
import { lstat, readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { MAX_DEPTH } from '../../src/main/core/library/library-scan';
import type { FolderWatchOptions } from '../../src/main/core/library/folder-watch';

/** The little of chokidar's API this uses. */
interface Watcher {
  on(event: 'all', listener: (event: string, path: string) => void): Watcher;
  on(event: 'error', listener: (error: unknown) => void): Watcher;
  once(event: 'ready', listener: () => void): Watcher;
  close(): Promise<void>;
}
type Watch = (path: string, options: Record<string, unknown>) => Watcher;

let chokidarWatch: Watch | undefined;

/** Loads chokidar, or says why not (undefined when it is not installed). */
export async function loadChokidar(): Promise<string | undefined> {
  const name = 'chokidar';
  try {
    const mod = (await import(name)) as { watch: Watch };
    chokidarWatch = mod.watch;
    const manifest = new URL('package.json', import.meta.resolve(name));
    return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export class ChokidarFolderWatch {
  private watcher: Watcher | undefined;
  private ino: number | undefined;
  private closed = false;

  constructor(private readonly options: FolderWatchOptions) {}

  async start(): Promise<void> {
    this.ino = await this.rootInode();
    await this.open();
  }

  /** The root replaced under the watch: start again on the folder there now. */
  async check(): Promise<void> {
    if (this.closed) return;
    const ino = await this.rootInode();
    if (ino === this.ino) return;
    this.ino = ino;
    await this.watcher?.close();
    await this.open();
    this.options.onHint(null);
  }

  close(): void {
    this.closed = true;
    void this.watcher?.close();
  }

  private open(): Promise<void> {
    if (!chokidarWatch) throw new Error('chokidar is not loaded (loadChokidar)');
    const root = this.options.root;
    const rel = (path: string): string => relative(root, path).split(sep).join('/');
    const r = this.options.recursive;
    const watcher = chokidarWatch(root, {
      ignoreInitial: true,
      persistent: false,
      depth: MAX_DEPTH - 1,
      backend: r === undefined ? 'auto' : r ? 'native-recursive' : 'native',
      // The library watcher settles and probes files itself: plain events are enough.
      atomic: false,
      ignored: (path: string) =>
        rel(path)
          .split('/')
          .some((part) => part.startsWith('.'))
    });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => {
      if (this.closed) return;
      const name = rel(path);
      this.options.onHint(name === '' || name.startsWith('..') ? null : name);
    });
    watcher.on('error', (error) => this.options.log?.warn(`cannot follow the library folder for changes: ${String(error)}`));
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  private async rootInode(): Promise<number | undefined> {
    try {
      const s = await lstat(this.options.root);
      return s.isDirectory() ? s.ino : undefined;
    } catch {
      return undefined;
    }
  }
}
