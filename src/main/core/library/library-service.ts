import { posix, relative, resolve, sep, isAbsolute } from 'node:path';
import {
  mediaRef,
  type LibraryBulkResult,
  type LibraryChange,
  type LibraryDeleteResult,
  type LibraryDetail,
  type LibraryEntry,
  type LibraryExportResult,
  type LibraryItem,
  type LibraryPage,
  type LibraryQuery,
  type LibraryUndoResult,
  type Lineage,
  type LineageLink,
  type Verdict
} from '@shared/library';
import { ChangeBatcher } from './change-batcher';
import { LibraryError } from './library-error';
import { checkExportFolder, exportVideos } from './library-export';
import { LibraryIndex, type SidecarMark } from './library-index';
import { DELETE_GRACE_MS, DeleteHolds, isFile, reason } from './library-trash';
import { isIgnoredPath } from './library-scan';
import { LibraryWatcher, type LibraryWatcherOptions } from './library-watcher';
import { mapLimit } from '../util/map-limit';
import { ThumbnailStore } from './thumbnails';
import type { Logger } from '../log/logger';
import type { Sidecar } from '../download/sidecar';
import { systemClock, type Clock, type Timer } from '../util/clock';

export interface LibraryServiceOptions {
  /** The library folder; it may not exist yet (an empty library). */
  libraryDir: string;
  /** `<dataDir>/cache`; thumbnails go in `<cacheDir>/thumbs/`. */
  cacheDir: string;
  /** Moves one file to the OS trash (Electron's `shell.trashItem`). */
  trash: (absPath: string) => Promise<void>;
  /** Shows one file in the file manager (Electron's `shell.showItemInFolder`). */
  reveal: (absPath: string) => void;
  /** Follow the folder for changes made outside the app (default true). */
  watch?: boolean;
  log?: Logger;
  /** Tuning of the folder watch (tests make it quicker); see LibraryWatcherOptions. */
  follow?: Pick<LibraryWatcherOptions, 'settleMs' | 'incompleteGraceMs' | 'reconcileMs' | 'rootPollMs' | 'recursive'>;
  /** How long changes are gathered before they are pushed to listeners. Default 250 ms. */
  changeDelayMs?: number;
  /** How long a delete can be undone before its files go to the OS trash. Default 20 s. */
  deleteGraceMs?: number;
  clock?: Clock;
}

/** Files read at once while the index is built. */
const BUILD_CONCURRENCY = 32;
/** Videos without a sidecar probed per round of the watcher's queue, after opening. */
const PROBE_ROUND = 32;
/** Unused thumbnails are cleared this long after the library last changed. */
const PRUNE_DELAY_MS = 5000;

/** How the player names a video of a chain: its name, else the start of its prompt, else its file name. */
function linkOf(entry: LibraryEntry): LineageLink {
  const prompt = entry.prompt.trim();
  const title = entry.title || (prompt ? (prompt.length > 60 ? `${prompt.slice(0, 57)}…` : prompt) : entry.name);
  return { path: entry.path, title };
}

/** Why a video without a usable sidecar cannot be a favourite (or kept, or rejected), and what would make it one. */
function cannotMark(entry: LibraryEntry, what: 'favourites' | 'verdicts'): string {
  if (!entry.sidecarProblem) {
    return `${entry.name} was not made by this app (it has no sidecar), so it cannot be marked: ${what} are kept in the sidecar.`;
  }
  return (
    `${entry.name} cannot be marked: ${what} are kept in the sidecar, and its sidecar cannot be used (${entry.sidecarProblem.reason}). ` +
    'Put back a good copy of the sidecar to mark it.'
  );
}

/**
 * The library as the window sees it (architecture.md, "The library folder is the source of
 * truth"): pages of videos with their counts, one video's detail, favourites, deleting to the
 * OS trash, exporting, poster thumbnails — kept in step with the folder while other programs
 * change it. Paths are library paths with `/` separators; one that climbs out is refused.
 */
export class LibraryService {
  private index = new LibraryIndex();
  private watcher: LibraryWatcher | undefined;
  private readonly listeners = new Set<(change: LibraryChange) => void>();
  private readonly changes: ChangeBatcher;
  private switching: Promise<void> = Promise.resolve();
  private pruneTimer: Timer | undefined;
  private readonly clock: Clock;
  private readonly holds: DeleteHolds;
  /** The trashing of what an earlier run left held (see `DeleteHolds.sweep`). */
  private sweeping: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: LibraryServiceOptions,
    private readonly thumbs: ThumbnailStore
  ) {
    this.clock = options.clock ?? systemClock;
    this.changes = new ChangeBatcher((changed, removed) => this.emit(changed, removed), options.changeDelayMs ?? 250, this.clock);
    this.holds = new DeleteHolds({
      index: () => this.index,
      thumbs,
      trash: options.trash,
      entryOf: (path) => this.entryOf(this.pathOf(path)),
      forget: (rel) => this.watcher?.forget(rel),
      relist: async (rel, was) => {
        await this.index.update(rel, { probe: was.origin === 'unknown' });
        await this.watcher?.remember(rel);
      },
      changed: (changed, removed) => this.changes.add(changed, removed),
      clock: this.clock,
      graceMs: options.deleteGraceMs ?? DELETE_GRACE_MS,
      log: options.log
    });
  }

  /** Reads the library folder and starts following it. */
  static async open(options: LibraryServiceOptions): Promise<LibraryService> {
    const service = new LibraryService(options, await ThumbnailStore.open(options.cacheDir));
    await service.follow(options.libraryDir);
    return service;
  }

  /** Listens to coalesced changes (a few per second at most); returns the unsubscribe. */
  onChange(listener: (change: LibraryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The library folder now followed (absolute). */
  get libraryDir(): string {
    return this.index.root;
  }

  /** One page for the grid, with the counts for the filters. */
  query(query: LibraryQuery): LibraryPage {
    const result = this.index.search(query);
    return {
      total: result.total,
      items: result.items.map((entry) => this.item(entry)),
      facets: result.facets,
      librarySize: this.index.size,
      favourites: result.favourites,
      batches: this.index.batches(),
      kept: this.index.kept()
    };
  }

  /** One video with everything known about it; a video without a sidecar is probed now if it was not yet. */
  async get(path: string): Promise<LibraryDetail> {
    const rel = this.pathOf(path);
    const entry = await this.probed(this.entryOf(rel));
    const detail: LibraryDetail = this.item(entry);
    if (entry.sidecar) detail.sidecar = entry.sidecar;
    const lineage = this.lineageOf(entry);
    if (lineage) detail.lineage = lineage;
    if (entry.recipe) detail.recipe = entry.recipe;
    // Looked at again for the detail: the file may have gone since the video was read.
    delete detail.sourceImage;
    const image = entry.sidecar?.sourceImage;
    if (image) {
      const imageRel = posix.join(posix.dirname(rel), image);
      if (await isFile(this.index.resolve(imageRel))) detail.sourceImage = mediaRef('library', imageRel);
    }
    return detail;
  }

  /** Marks videos as favourites or not, in their sidecars. */
  setFavourite(paths: readonly string[], on: boolean): Promise<LibraryBulkResult> {
    return this.mark(paths, { favourite: on }, 'favourites', (entry) => entry.favourite === on);
  }

  /** Keeps or rejects videos (`null`: unreviewed again), in their sidecars. */
  setVerdict(paths: readonly string[], verdict: Verdict | null): Promise<LibraryBulkResult> {
    return this.mark(paths, { verdict }, 'verdicts', (entry) => (entry.verdict ?? null) === verdict);
  }

  /** Writes a mark into each video's sidecar (the ones already so are left alone), so that the folder watch does not take the write for news. */
  private async mark(
    paths: readonly string[],
    mark: SidecarMark,
    what: 'favourites' | 'verdicts',
    already: (entry: LibraryEntry) => boolean
  ): Promise<LibraryBulkResult> {
    const result: LibraryBulkResult = { done: 0, failed: [] };
    const changed: string[] = [];
    for (const path of paths) {
      try {
        const rel = this.pathOf(path);
        const entry = this.entryOf(rel);
        // A video known by the recipe inside it is marked too: the index writes it a sidecar from that recipe.
        if (entry.origin === 'unknown') throw new LibraryError('not_allowed', cannotMark(entry, what));
        if (!already(entry)) {
          await this.index.mark(rel, mark);
          await this.watcher?.remember(rel);
          changed.push(rel);
        }
        result.done++;
      } catch (error) {
        result.failed.push({ path, message: (error as Error).message });
      }
    }
    this.changes.add(changed);
    return result;
  }

  /**
   * Takes videos out of the library with their sidecars and source images, into the holding
   * folder: `undoDelete` with the answer's token puts them back until `graceMs` has passed,
   * then they go to the OS trash (library-trash.ts).
   */
  delete(paths: readonly string[]): Promise<LibraryDeleteResult> {
    return this.holds.delete(paths);
  }

  /** Deletes every rejected video of one batch, as one delete with one undo. */
  trashRejected(batchId: string): Promise<LibraryDeleteResult> {
    const rejected = this.index
      .entries()
      .filter((e) => e.batchId === batchId && e.verdict === 'reject')
      .map((e) => e.path)
      .sort();
    return this.holds.delete(rejected);
  }

  /** Puts back what a delete took, while its grace lasts; refused in words once its files are in the trash. */
  undoDelete(token: string): Promise<LibraryUndoResult> {
    return this.holds.undo(token);
  }

  /** Copies videos, their sidecars and source images into `folder`, with a manifest CSV. */
  async exportTo(paths: readonly string[], folder: string): Promise<LibraryExportResult> {
    let target: string;
    try {
      target = checkExportFolder(folder, this.index.root);
    } catch (error) {
      throw new LibraryError('invalid_argument', (error as Error).message);
    }
    const failed: LibraryExportResult['failed'] = [];
    const sources = [];
    for (const path of paths) {
      try {
        const entry = await this.probed(this.entryOf(this.pathOf(path)));
        sources.push({ entry, video: this.index.resolve(entry.path) });
      } catch (error) {
        failed.push({ path, message: (error as Error).message });
      }
    }
    const result = await exportVideos(sources, target);
    return { ...result, failed: [...failed, ...result.failed] };
  }

  /** Keeps a poster frame the window captured (a JPEG `data:` URL); answers its media reference. */
  async saveThumbnail(path: string, jpegDataUrl: string): Promise<string> {
    const entry = this.entryOf(this.pathOf(path));
    try {
      return await this.thumbs.save(entry, jpegDataUrl);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code) throw error;
      throw new LibraryError('invalid_argument', (error as Error).message);
    }
  }

  /** The files a drag out of the window carries: the video (absolute path) and its poster frame when one was made. */
  dragSource(path: string): { file: string; poster?: string } {
    const entry = this.entryOf(this.pathOf(path));
    const poster = this.thumbs.fileFor(entry);
    return { file: this.index.resolve(entry.path), ...(poster ? { poster } : {}) };
  }

  /** Shows the video in the file manager. */
  reveal(path: string): void {
    const entry = this.entryOf(this.pathOf(path));
    this.options.reveal(this.index.resolve(entry.path));
  }

  /** "Video landed": the download stage wrote this video and this sidecar beside it; listed from that sidecar, not read back. */
  async landed(video: { path: string; sidecar: Sidecar }): Promise<void> {
    const libraryPath = this.landedPath(video.path);
    if (libraryPath) await this.watcher?.landed(libraryPath, video.sidecar);
  }

  /** The library path of a file the app just wrote, or undefined when it is not one to list (outside the folder, ignored). */
  private landedPath(absPath: string): string | undefined {
    const rel = relative(this.index.root, resolve(absPath));
    if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      this.options.log?.warn(`${absPath} is not inside the library folder ${this.index.root}; not listed.`);
      return undefined;
    }
    const libraryPath = rel.split(sep).join('/');
    return isIgnoredPath(libraryPath) ? undefined : libraryPath;
  }

  /** Looks at the whole folder now (stat only), beside the periodic look. */
  async reconcile(): Promise<void> {
    await this.watcher?.reconcile();
  }

  /** The library folder setting changed: read and follow the new folder. */
  setLibraryDir(dir: string): Promise<void> {
    this.switching = this.switching.then(async () => {
      if (this.closed || resolve(dir) === this.index.root) return;
      // The old folder's deletes cannot be undone from the new one: they go to the trash now.
      await this.holds.flush();
      const before = this.index.entries().map((e) => e.path);
      await this.follow(dir);
      const now = new Set(this.index.entries().map((e) => e.path));
      this.changes.add(
        now,
        before.filter((path) => !now.has(path))
      );
    });
    return this.switching;
  }

  /** Resolves when the folder watch has caught up with what it has seen so far, and deletes whose grace passed are in the trash (for tests and benchmarks). */
  async idle(): Promise<void> {
    await this.switching;
    await this.sweeping;
    await this.holds.settled();
    await this.watcher?.idle();
  }

  /** Closes the library; deletes still within their grace go to the OS trash first (the person saw them go). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pruneTimer) this.clock.clearTimeout(this.pruneTimer);
    await this.switching;
    await this.sweeping;
    await this.holds.flush();
    this.changes.close();
    await this.watcher?.close();
    this.listeners.clear();
  }

  /** Builds the index of `dir` and follows it, replacing the folder followed before. */
  private async follow(dir: string): Promise<void> {
    const index = new LibraryIndex({ probeUnknown: false, concurrency: BUILD_CONCURRENCY });
    try {
      await index.build(dir);
    } catch (error) {
      index.clear(dir);
      this.options.log?.warn(
        `the folder ${resolve(dir)} could not be read (${reason(error)}); the library shows empty until it can be. ` +
          'Check that the folder exists and that you may open it, or choose another one in Settings.'
      );
    }
    await this.watcher?.close();
    this.index = index;
    this.watcher = new LibraryWatcher({
      index,
      onChange: (changed, removed) => this.changed(changed, removed),
      watch: this.options.watch ?? true,
      // Not following the folder means no periodic look either, unless one is asked for.
      ...(this.options.watch === false ? { reconcileMs: 0 } : {}),
      ...this.options.follow,
      log: this.options.log,
      clock: this.clock
    });
    await this.watcher.start();
    this.sweeping = this.holds
      .sweep(index.root)
      .catch((error: unknown) => this.options.log?.warn(`the deletes left from the last run could not be sent to the trash: ${reason(error)}`));
    void this.probeUnprobed(index, this.watcher);
    this.schedulePrune();
  }

  /** Videos listed without reading them (no sidecar): read in the background, a round at a time. */
  private async probeUnprobed(index: LibraryIndex, watcher: LibraryWatcher): Promise<void> {
    const todo = index.entries().filter((e) => e.origin === 'unknown' && !e.probe && !e.probeError);
    for (let at = 0; at < todo.length && !this.closed && this.index === index; at += PROBE_ROUND) {
      const round = todo.slice(at, at + PROBE_ROUND);
      await watcher.run(async () => {
        const done = await mapLimit(round, 4, async (e) => ((await index.probe(e.path)) ? e.path : undefined));
        this.changes.add(done.filter((p): p is string => p !== undefined));
      });
    }
  }

  private changed(changed: string[], removed: string[]): void {
    this.changes.add(changed, removed);
    this.schedulePrune();
  }

  private emit(changed: string[], removed: string[]): void {
    const change: LibraryChange = { changed, removed, librarySize: this.index.size };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.log?.warn(`a change listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Clears thumbnails of videos that changed or went away, once the library has been quiet a while. */
  private schedulePrune(): void {
    if (this.pruneTimer || this.closed) return;
    this.pruneTimer = this.clock.setTimeout(() => {
      this.pruneTimer = undefined;
      // An empty library may be a drive not plugged in: its thumbnails are kept for its return.
      if (this.index.size === 0) return;
      void this.thumbs
        .prune([...this.index.entries(), ...this.holds.heldFacts()])
        .catch((error: unknown) => this.options.log?.warn(`clearing thumbnails: ${reason(error)}`));
    }, PRUNE_DELAY_MS);
    this.pruneTimer.unref?.();
  }

  /**
   * Where a video stands in its chain of continued shots (architecture.md, "Lineage"): its
   * parent, its children, and the chain through it; undefined for a video with neither.
   */
  private lineageOf(entry: LibraryEntry): Lineage | undefined {
    const parent = this.index.parentOf(entry);
    const children = this.index.childrenOf(entry);
    if (!entry.parent && children.length === 0) return undefined;
    // Up to the root, then down along each first child; a loop (hand-edited sidecars) stops at a video seen before.
    const seen = new Set([entry.path]);
    const up: LibraryEntry[] = [];
    for (let at = parent; at && !seen.has(at.path); at = this.index.parentOf(at)) {
      seen.add(at.path);
      up.unshift(at);
    }
    const down: LibraryEntry[] = [];
    for (let at = children[0]; at && !seen.has(at.path); at = this.index.childrenOf(at)[0]) {
      seen.add(at.path);
      down.push(at);
    }
    return {
      ...(entry.parent ? { parent: { frameSec: entry.parent.frameSec, ...(parent ? { video: linkOf(parent) } : {}) } } : {}),
      children: children.map(linkOf),
      chain: [...up, entry, ...down].map(linkOf)
    };
  }

  private item(entry: LibraryEntry): LibraryItem {
    const { sidecar, recipe, ...rest } = entry;
    const item: LibraryItem = { ...rest, video: mediaRef('library', entry.path), takes: this.index.takesOf(entry) };
    const rowAxes = this.index.rowAxesOf(entry);
    if (rowAxes) item.rowAxes = rowAxes;
    const thumb = this.thumbs.refFor(entry);
    if (thumb) item.thumb = thumb;
    const seed = sidecar?.seed ?? recipe?.seed;
    if (seed !== undefined) item.seed = seed;
    const image = this.index.sourceImageOf(entry.path);
    if (image) item.sourceImage = mediaRef('library', image);
    return item;
  }

  /** The entry, read from the file first if it is a video without a sidecar that was not read yet. */
  private async probed(entry: LibraryEntry): Promise<LibraryEntry> {
    if (entry.origin !== 'unknown' || entry.probe || entry.probeError) return entry;
    const probed = await this.index.probe(entry.path);
    if (!probed) return entry;
    this.changes.add([entry.path]);
    return probed;
  }

  private pathOf(path: string): string {
    try {
      return this.index.relative(path);
    } catch {
      throw new LibraryError('invalid_argument', `${path} is not a video inside the library folder.`);
    }
  }

  private entryOf(rel: string): LibraryEntry {
    const entry = this.index.get(rel);
    if (!entry)
      throw new LibraryError('not_found', `${rel} is no longer in the library: it was moved or deleted. Refresh the library to see what is there now.`);
    return entry;
  }
}
