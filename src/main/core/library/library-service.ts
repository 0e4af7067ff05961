import { dirname, posix, relative, resolve, sep, isAbsolute } from 'node:path';
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
  type LibraryStatus,
  type LibraryUndoResult,
  type Lineage,
  type LineageLink,
  type Verdict
} from '@shared/library';
import { ChangeBatcher } from './change-batcher';
import { LibraryError } from './library-error';
import { checkExportFolder, exportVideos } from './library-export';
import { databaseFileFor, isDiskFull } from './library-db';
import { LibraryIndex, type SidecarMark } from './library-index';
import { DELETE_GRACE_MS, DeleteHolds, isFile, reason } from './library-trash';
import { isIgnoredPath, signature, statVideo } from './library-scan';
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
  /**
   * The folder the library index's database is kept in (library-db.ts), one file per library
   * folder. Default: the data folder, the parent of `cacheDir`. `:memory:` keeps it in memory.
   */
  indexDir?: string;
  /**
   * Open at once even when the index must be read from the folder whole (no database yet, or one
   * set aside): the build runs behind, its progress in `status()`. Default false: `open` waits for it.
   */
  background?: boolean;
  /** Follow the folder for changes made outside the app (default true). */
  watch?: boolean;
  log?: Logger;
  /** Tuning of the folder watch (tests make it quicker); see LibraryWatcherOptions. */
  follow?: Pick<LibraryWatcherOptions, 'settleMs' | 'incompleteGraceMs' | 'reconcileMs' | 'rootPollMs' | 'recursive' | 'scan'>;
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
/** The background work's progress is sent to the window this often at most. */
const STATUS_EVERY_MS = 200;
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
  private readonly statusListeners = new Set<(status: LibraryStatus) => void>();
  private current: LibraryStatus = { work: 'idle', done: 0, total: 0 };
  private statusSentAt = -Infinity;
  /** The first build or check of the folder followed now, done (see `checked`). */
  private firstPass: Promise<void> = Promise.resolve();
  /** The build of the folder followed now, when one was needed, and the start of its watch. */
  private building: Promise<void> = Promise.resolve();
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

  /** Listens to the background work's progress and the index's notices (a few per second at most); returns the unsubscribe. */
  onStatus(listener: (status: LibraryStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** What the library is doing behind the grid: reading the folder whole, checking it against the index, or nothing. */
  status(): LibraryStatus {
    return { ...this.current };
  }

  /** Resolves when the folder followed now has been read (a build) or checked against the index once. */
  async checked(): Promise<void> {
    await this.switching;
    await this.firstPass;
  }

  /**
   * Reads the whole folder into a new index, the one in use answering meanwhile; it takes the
   * old one's place only once complete (a full disk leaves the old one, with a notice).
   */
  async rebuild(): Promise<void> {
    await this.switching;
    await this.building;
    const index = this.index;
    this.setStatus({ work: 'building', done: 0, total: 0 }, true);
    await this.build(index, index.root);
    if (this.index === index) this.setStatus({ ...this.current, work: 'idle' }, true);
    if (!this.options.background) this.emit([], []);
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
      kept: this.index.kept(),
      status: this.status()
    };
  }

  /** One video with everything known about it; a video without a sidecar is probed now if it was not yet. */
  async get(path: string): Promise<LibraryDetail> {
    const rel = this.pathOf(path);
    const entry = await this.probed(await this.onDisk(rel));
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
    return this.holds.delete(this.index.rejectedOf(batchId));
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
      const before = this.index.paths();
      await this.follow(dir);
      const now = new Set(this.index.paths());
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
    // A build still running stops at its next round, its unfinished file removed.
    this.index.close();
    await this.building;
    this.listeners.clear();
    this.statusListeners.clear();
  }

  /** Where the index database of the library folders lives. */
  private indexFile(root: string): string {
    const dir = this.options.indexDir ?? dirname(resolve(this.options.cacheDir));
    return dir === ':memory:' ? dir : databaseFileFor(dir, root);
  }

  /**
   * Opens the index of `dir` from its database and follows the folder, replacing the folder
   * followed before (architecture.md, "The library index"): the grid is served from the
   * database at once, and the folder is checked against it behind. With no usable database the
   * folder is read whole first — behind too, with `background`.
   */
  private async follow(dir: string): Promise<void> {
    const root = resolve(dir);
    let index = new LibraryIndex({ probeUnknown: false, concurrency: BUILD_CONCURRENCY, file: this.indexFile(root) });
    let opened: { fresh: boolean; notice?: string };
    try {
      opened = index.open(root);
    } catch (error) {
      // The data folder cannot hold the database (read-only, full): the library still works, from memory.
      index = new LibraryIndex({ probeUnknown: false, concurrency: BUILD_CONCURRENCY });
      opened = {
        ...index.open(root),
        notice:
          `The library index could not be kept in the data folder (${reason(error)}), so it is read from the videos at every start. ` +
          'Check that the data folder (Settings) is on a disk with room that you may write to.'
      };
    }
    await this.watcher?.close();
    this.watcher = undefined;
    const old = this.index;
    this.index = index;
    old.close();
    this.setStatus({ work: opened.fresh ? 'building' : 'checking', done: 0, total: 0, ...(opened.notice ? { notice: opened.notice } : {}) }, true);
    if (opened.notice) this.options.log?.warn(opened.notice);
    const started = (async () => {
      if (opened.fresh) await this.build(index, root);
      if (this.closed || this.index !== index) return undefined;
      return this.startWatching(index);
    })();
    const failed = (error: unknown): void => this.options.log?.warn(`reading the library folder failed: ${reason(error)}`);
    this.building = started.then(() => undefined, failed);
    this.firstPass = started.then((watching) => watching?.checked).catch(failed);
    // Once the folder is checked, what text searches read is loaded behind the grid, a slice at a time.
    void this.firstPass.then(() => (this.closed || this.index !== index ? undefined : index.warmSearch())).catch(failed);
    if (!this.options.background) await this.building;
  }

  /** Reads the whole folder into the index (behind the window when `background`); a full disk keeps the index from before. */
  private async build(index: LibraryIndex, root: string): Promise<void> {
    try {
      await index.build(root, (done, total) => {
        if (this.index === index) this.setStatus({ ...this.current, work: 'building', done, total });
      });
    } catch (error) {
      // Closed, or another folder followed meanwhile: the unfinished build is simply dropped.
      if (this.closed || this.index !== index) return;
      if (isDiskFull(error)) {
        this.setStatus(
          {
            ...this.current,
            notice:
              (index.size > 0
                ? 'The disk holding the data folder is full, so the library index could not be rebuilt; the index from before is still used and may miss recent changes. '
                : 'The disk holding the data folder is full, so the library index could not be made and the library may show only part of the folder. ') +
              'Free some space on that disk (or choose another data folder in Settings), then restart the app.'
          },
          true
        );
        this.options.log?.warn(`rebuilding the library index: ${reason(error)}`);
        return;
      }
      index.clear(root);
      this.options.log?.warn(
        `the folder ${root} could not be read (${reason(error)}); the library shows empty until it can be. ` +
          'Check that the folder exists and that you may open it, or choose another one in Settings.'
      );
    }
    // Built behind the window: the whole page changed, the window asks for it again.
    if (this.options.background && this.index === index) this.emit([], []);
  }

  /**
   * Follows the folder: the watcher's first look checks every video against the index (its
   * progress is the status). Answers the end of that first look.
   */
  private async startWatching(index: LibraryIndex): Promise<{ checked: Promise<void> }> {
    let finished!: () => void;
    const firstCheck = new Promise<void>((resolve) => (finished = resolve));
    this.watcher = new LibraryWatcher({
      index,
      onChange: (changed, removed) => this.changed(changed, removed),
      onCheck: (done, total, last) => {
        if (this.index === index) this.setStatus({ ...this.current, work: last ? 'idle' : 'checking', done, total }, last);
        if (last) finished();
      },
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
    return { checked: firstCheck };
  }

  /** Changes the status; sent to listeners at most every 200 ms, unless `now`. */
  private setStatus(status: LibraryStatus, now = false): void {
    this.current = status;
    const at = this.clock.now();
    if (!now && at - this.statusSentAt < STATUS_EVERY_MS) return;
    this.statusSentAt = at;
    for (const listener of this.statusListeners) {
      try {
        listener({ ...status });
      } catch (error) {
        this.options.log?.warn(`a status listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Videos listed without reading them (no sidecar): read in the background, a round at a time. */
  private async probeUnprobed(index: LibraryIndex, watcher: LibraryWatcher): Promise<void> {
    const todo = index.unprobed();
    for (let at = 0; at < todo.length && !this.closed && this.index === index; at += PROBE_ROUND) {
      const round = todo.slice(at, at + PROBE_ROUND);
      await watcher.run(async () => {
        const done = await mapLimit(round, 4, async (path) => ((await index.probe(path)) ? path : undefined));
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
        .prune([...this.index.facts(), ...this.holds.heldFacts()])
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

  /**
   * One video as it is on disk now: read again when it or its sidecar changed since the index
   * read them (a sidecar edited while the app was closed wins before the background check gets to it).
   */
  private async onDisk(rel: string): Promise<LibraryEntry> {
    const known = this.entryOf(rel);
    const now = await statVideo(this.index.root, known.path);
    if (now && signature(now) !== this.index.signatureOf(known.path)) return (await this.index.update(known.path)) ?? this.entryOf(rel);
    return known;
  }

  private entryOf(rel: string): LibraryEntry {
    const entry = this.index.get(rel);
    if (!entry)
      throw new LibraryError('not_found', `${rel} is no longer in the library: it was moved or deleted. Refresh the library to see what is there now.`);
    return entry;
  }
}
