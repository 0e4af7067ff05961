import { stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { KeptCost, Verdict } from '@shared/library';
import { appEntry, fileEntry, sidecarFromRecipe, unknownEntry, type FileFacts, type LibraryEntry } from './library-entry';
import { readRecipe } from '../download/mp4-recipe';
import {
  libraryKept,
  listBatches,
  runQuery,
  runSearch,
  searchable,
  sortItems,
  type LibraryBatch,
  type LibrarySort,
  type LibraryQuery,
  type LibraryQueryResult,
  type LibrarySearchResult,
  type Searchable
} from './library-query';
import { isVideoName, listTree } from './library-scan';
import { mapLimit } from '../util/map-limit';
import { Mp4ProbeError, probeMp4 } from '../download/mp4-probe';
import { sidecarPathFor } from '../download/naming';
import { readSidecar, writeSidecar, type Sidecar } from '../download/sidecar';

export interface LibraryIndexOptions {
  /** Files read at once while building. Default 16. */
  concurrency?: number;
  /**
   * Probe videos without a (valid) sidecar while building (default true). With false they are
   * listed from the file system alone; `probe(relPath)` fills one in when it is wanted.
   */
  probeUnknown?: boolean;
}

/** What a sidecar may be changed to by the person: a favourite, a verdict (`null`: unreviewed again). */
export interface SidecarMark {
  favourite?: boolean;
  verdict?: Verdict | null;
}

/** The APIXO task a video came from, as its sidecar or the recipe inside it says. */
function taskIdOf(entry: LibraryEntry): string | undefined {
  return entry.sidecar?.taskId ?? entry.recipe?.taskId;
}

/** The takes of one prompt: videos of one batch and one source row. */
function takeKey(entry: LibraryEntry): string | undefined {
  return entry.batchId !== undefined && entry.row !== undefined ? `${entry.batchId}\n${entry.row}` : undefined;
}

/** What loading a video found: its entry, and its source image's library path when that file is there. */
interface Loaded {
  entry: LibraryEntry;
  image?: string;
}

function addTo(sets: Map<string, Set<string>>, key: string, path: string): void {
  const set = sets.get(key) ?? new Set<string>();
  set.add(path);
  sets.set(key, set);
}

function removeFrom(sets: Map<string, Set<string>>, key: string, path: string): void {
  const set = sets.get(key);
  if (!set) return;
  set.delete(path);
  if (set.size === 0) sets.delete(key);
}

async function isFileAt(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function factsOf(entry: LibraryEntry): FileFacts {
  return { path: entry.path, name: entry.name, sizeBytes: entry.sizeBytes, mtimeMs: entry.mtimeMs };
}

function probeProblem(error: unknown): string {
  return error instanceof Mp4ProbeError ? error.message : `The file could not be read (${String(error)}).`;
}

/**
 * The in-app view of a library folder (architecture.md, "The library folder is the source of
 * truth"): every `*.mp4` below it (hidden folders and `.part` downloads skipped), with its
 * sidecar when there is a valid one, and queries over them. It holds nothing the folder does
 * not: `build` re-reads it, `update` / `remove` follow single changes.
 */
export class LibraryIndex {
  private rootDir = '';
  private readonly byPath = new Map<string, Searchable>();
  /** Bumped on every change: what is derived from all entries is kept until it moves. */
  private version = 0;
  private readonly orders = new Map<LibrarySort, { version: number; items: Searchable[] }>();
  private batchList: { version: number; batches: LibraryBatch[] } | undefined;
  private keptList: { version: number; kept: { real: KeptCost; simulated: KeptCost } } | undefined;
  /** The videos of each batch and source row (see `takeKey`), kept as entries come and go. */
  private readonly takeSets = new Map<string, Set<string>>();
  /** The videos of each APIXO task id (a copy of a video has the same one). */
  private readonly byTaskId = new Map<string, Set<string>>();
  /** The videos continuing from each task id (their sidecar's `parent.taskId`): architecture.md, "Lineage". */
  private readonly childSets = new Map<string, Set<string>>();
  /** The library path of each video's source image, for videos whose image was found beside them. */
  private readonly images = new Map<string, string>();
  private readonly concurrency: number;
  private readonly probeUnknown: boolean;

  constructor(options: LibraryIndexOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.probeUnknown = options.probeUnknown ?? true;
  }

  /** The library folder (absolute), once built. */
  get root(): string {
    return this.rootDir;
  }

  get size(): number {
    return this.byPath.size;
  }

  /** Reads the whole folder, replacing what the index held. A folder that does not exist is an empty library. */
  async build(dir: string): Promise<void> {
    const root = resolve(dir);
    const paths = await this.listVideos(root);
    const entries = await mapLimit(paths, this.concurrency, (rel) => this.load(root, rel));
    this.rootDir = root;
    this.reset();
    for (const loaded of entries) if (loaded) this.put(loaded.entry, loaded.image);
  }

  /** Starts over, empty, on `dir`: for a library folder that cannot be read now (the watch may find it later). */
  clear(dir: string): void {
    this.rootDir = resolve(dir);
    this.reset();
  }

  private reset(): void {
    this.byPath.clear();
    this.takeSets.clear();
    this.byTaskId.clear();
    this.childSets.clear();
    this.images.clear();
    this.version++;
  }

  /** Every entry, in no particular order. */
  entries(): LibraryEntry[] {
    return [...this.byPath.values()].map((i) => i.entry);
  }

  get(relPath: string): LibraryEntry | undefined {
    return this.byPath.get(this.normalize(relPath))?.entry;
  }

  query(query: LibraryQuery = {}): LibraryQueryResult {
    return runQuery(this.ordered(query.sort), query, true);
  }

  /** `query`, plus the favourites count the window's favourite filter shows. */
  search(query: LibraryQuery = {}): LibrarySearchResult {
    return runSearch(this.ordered(query.sort), query, true);
  }

  /** The batches the library holds videos of, newest first. */
  batches(): LibraryBatch[] {
    if (this.batchList?.version !== this.version) this.batchList = { version: this.version, batches: listBatches(this.entries()) };
    return this.batchList.batches.map((b) => ({ ...b }));
  }

  /** What a kept video cost over the whole library, the real videos and the simulator's apart. */
  kept(): { real: KeptCost; simulated: KeptCost } {
    if (this.keptList?.version !== this.version) this.keptList = { version: this.version, kept: libraryKept(this.entries()) };
    const { real, simulated } = this.keptList.kept;
    return { real: { ...real }, simulated: { ...simulated } };
  }

  /** The videos listed from the same batch and source row as this one (the takes of one prompt), itself included. */
  takesOf(entry: LibraryEntry): number {
    const key = takeKey(entry);
    return (key && this.takeSets.get(key)?.size) || 1;
  }

  /** The sweep axes that vary among a video's takes (see `takesOf`), with how many values each has; undefined when none varies. */
  rowAxesOf(entry: LibraryEntry): Record<string, number> | undefined {
    const key = takeKey(entry);
    const paths = key ? this.takeSets.get(key) : undefined;
    if (!paths || paths.size < 2 || !entry.axes) return undefined;
    const values = new Map<string, Set<string>>();
    for (const path of paths) {
      const axes = this.byPath.get(path)?.entry.axes;
      if (!axes) continue;
      for (const [axis, value] of Object.entries(axes)) {
        let seen = values.get(axis);
        if (!seen) values.set(axis, (seen = new Set()));
        seen.add(value);
      }
    }
    const varied = [...values].filter(([, seen]) => seen.size > 1);
    return varied.length > 0 ? Object.fromEntries(varied.map(([axis, seen]) => [axis, seen.size])) : undefined;
  }

  /**
   * The video `entry` continues from, when it is still in the library: found by its task id
   * (it may have been moved or renamed since), else at the path the sidecar names.
   */
  parentOf(entry: LibraryEntry): LibraryEntry | undefined {
    const parent = entry.parent;
    if (!parent) return undefined;
    const byTask = this.byTaskId.get(parent.taskId);
    if (byTask) for (const path of byTask) if (path !== entry.path) return this.get(path);
    let rel: string;
    try {
      rel = this.normalize(parent.file);
    } catch {
      return undefined; // a path out of the library, from a hand-edited sidecar
    }
    return rel === entry.path ? undefined : this.get(rel);
  }

  /** The videos that continue from `entry` (their parent is its task id), oldest first. */
  childrenOf(entry: LibraryEntry): LibraryEntry[] {
    const taskId = taskIdOf(entry);
    const set = taskId === undefined ? undefined : this.childSets.get(taskId);
    if (!set) return [];
    return [...set]
      .filter((p) => p !== entry.path)
      .map((p) => this.byPath.get(p)!.entry)
      .sort((a, b) => a.createdAt - b.createdAt || a.path.localeCompare(b.path));
  }

  /** The library path of a video's source image, when it was found beside the video. */
  sourceImageOf(relPath: string): string | undefined {
    return this.images.get(relPath);
  }

  /** A library path in index form (`/` separators); throws if it climbs out of the library. */
  relative(relPath: string): string {
    return this.normalize(relPath);
  }

  /** The absolute path of a library path. */
  resolve(relPath: string): string {
    return this.absolute(this.normalize(relPath));
  }

  /**
   * Re-reads one video after a change to it or to its sidecar (`relPath` may name either).
   * Returns the new entry, or undefined when the video is gone (it is then forgotten) or is not
   * one the library lists (hidden, not an MP4). `probe` overrides the index's `probeUnknown`
   * for this one video.
   */
  async update(relPath: string, options: { probe?: boolean } = {}): Promise<LibraryEntry | undefined> {
    this.requireBuilt();
    let rel = this.normalize(relPath);
    if (/\.json$/i.test(rel)) rel = (await this.videoForSidecar(rel)) ?? rel.replace(/\.json$/i, '.mp4');
    if (!isVideoName(rel.split('/').pop() ?? '') || rel.split('/').some((part) => part.startsWith('.'))) return undefined;
    const loaded = await this.load(this.rootDir, rel, options.probe ?? this.probeUnknown);
    if (!loaded) {
      this.remove(rel);
      return undefined;
    }
    this.put(loaded.entry, loaded.image);
    return loaded.entry;
  }

  /**
   * Lists a video the app has just written whole, from the sidecar it wrote beside it and the
   * file's size and time as the caller saw them: nothing is read back from disk. Undefined when
   * the path is not one the library lists (hidden, not an MP4).
   */
  landed(relPath: string, file: { sizeBytes: number; mtimeMs: number }, sidecar: Sidecar): LibraryEntry | undefined {
    this.requireBuilt();
    const rel = this.normalize(relPath);
    const name = rel.split('/').pop() ?? rel;
    if (!isVideoName(name) || rel.split('/').some((part) => part.startsWith('.'))) return undefined;
    const entry = appEntry({ path: rel, name, sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs }, sidecar);
    // The download stage names the source image only once it copied it beside the video.
    this.put(entry, sidecar.sourceImage === undefined ? undefined : posix.join(posix.dirname(rel), sidecar.sourceImage));
    return entry;
  }

  /** Forgets a video (after it was deleted or moved away). Returns whether it was listed. */
  remove(relPath: string): boolean {
    const rel = this.normalize(relPath);
    const current = this.byPath.get(rel);
    if (!current) return false;
    this.byPath.delete(rel);
    this.images.delete(rel);
    this.untake(current.entry);
    this.version++;
    return true;
  }

  /** Probes a video listed without a probe (built with `probeUnknown: false`). */
  async probe(relPath: string): Promise<LibraryEntry | undefined> {
    const current = this.get(relPath);
    if (!current) return undefined;
    if (current.probe || current.origin !== 'unknown') return current;
    const entry = await readFileOnly(this.absolute(current.path), factsOf(current), current.sidecarProblem);
    this.put(entry, this.images.get(current.path));
    return entry;
  }

  /**
   * Marks a video as a favourite or not, in its sidecar (rewritten atomically, every other field
   * kept as it is on disk). Videos without a valid sidecar cannot be marked.
   */
  setFavourite(relPath: string, on: boolean): Promise<LibraryEntry> {
    return this.mark(relPath, { favourite: on });
  }

  /**
   * Writes what the person marked on a video into its sidecar: a favourite, a verdict (`null`
   * clears it). The sidecar is read again and rewritten atomically, every other field kept as it
   * is on disk. Videos without a valid sidecar cannot be marked.
   */
  async mark(relPath: string, mark: SidecarMark): Promise<LibraryEntry> {
    const current = this.get(relPath);
    if (!current) throw new Error(`${relPath} is not in the library.`);
    const sidecarPath = sidecarPathFor(this.absolute(current.path));
    const read = await readSidecar(sidecarPath);
    // A video known by the recipe inside it gets a sidecar of its own, made from that recipe,
    // the first time something is marked on it (architecture.md, "The library folder is the source of truth").
    const fromFile =
      !read.sidecar && read.problem === 'missing' && current.recipe ? sidecarFromRecipe(factsOf(current), current.recipe, current.probe) : undefined;
    if (!read.sidecar && !fromFile) throw new Error(`${current.name} cannot be marked: it has no usable sidecar (${read.reason})`);
    const sidecar: Sidecar = { ...(read.sidecar ?? fromFile!) };
    if (mark.favourite !== undefined) sidecar.favourite = mark.favourite;
    if (mark.verdict === null) delete sidecar.verdict;
    else if (mark.verdict !== undefined) sidecar.verdict = mark.verdict;
    await writeSidecar(sidecarPath, sidecar);
    const entry = appEntry(factsOf(current), sidecar);
    this.put(entry, this.images.get(current.path));
    return entry;
  }

  private put(entry: LibraryEntry, image?: string): void {
    const before = this.byPath.get(entry.path);
    if (before) this.untake(before.entry);
    this.byPath.set(entry.path, searchable(entry));
    if (image === undefined) this.images.delete(entry.path);
    else this.images.set(entry.path, image);
    const key = takeKey(entry);
    if (key) addTo(this.takeSets, key, entry.path);
    const taskId = taskIdOf(entry);
    if (taskId) addTo(this.byTaskId, taskId, entry.path);
    if (entry.parent) addTo(this.childSets, entry.parent.taskId, entry.path);
    this.version++;
  }

  private untake(entry: LibraryEntry): void {
    const key = takeKey(entry);
    if (key !== undefined) removeFrom(this.takeSets, key, entry.path);
    const taskId = taskIdOf(entry);
    if (taskId) removeFrom(this.byTaskId, taskId, entry.path);
    if (entry.parent) removeFrom(this.childSets, entry.parent.taskId, entry.path);
  }

  /** Every entry in a sort's order, sorted once per change of the index rather than once per query. */
  private ordered(sort: LibrarySort = 'newest'): Searchable[] {
    const cached = this.orders.get(sort);
    if (cached?.version === this.version) return cached.items;
    const items = sortItems(this.byPath.values(), sort);
    this.orders.set(sort, { version: this.version, items });
    return items;
  }

  private requireBuilt(): void {
    if (!this.rootDir) throw new Error('The library index has not been built yet.');
  }

  /** A relative path in index form (`/` separators), refused if it climbs out of the library. */
  private normalize(relPath: string): string {
    const root = this.rootDir || resolve('/');
    const abs = resolve(root, relPath);
    const rel = relative(root, abs);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new Error(`${relPath} is not inside the library folder.`);
    return rel.split(sep).join('/');
  }

  private absolute(rel: string): string {
    return join(this.rootDir, ...rel.split('/'));
  }

  /** The listed video a sidecar belongs to, whatever the case of its extension. */
  private async videoForSidecar(rel: string): Promise<string | undefined> {
    const stem = rel.replace(/\.json$/i, '');
    for (const candidate of [`${stem}.mp4`, `${stem}.MP4`]) {
      if (this.byPath.has(candidate)) return candidate;
      try {
        if ((await stat(this.absolute(candidate))).isFile()) return candidate;
      } catch {
        // try the next
      }
    }
    return undefined;
  }

  /** Every MP4 below `root`, relative, `/`-separated (the walk the watcher makes too). */
  private async listVideos(root: string): Promise<string[]> {
    const listing = await listTree(root);
    if (listing.unreadable.includes('')) throw new Error(`The library folder ${root} could not be read.`);
    return listing.found.map((f) => f.rel);
  }

  /** Reads one video and its sidecar (and looks for its source image); undefined when the video is not there. */
  private async load(root: string, rel: string, probeUnknown = this.probeUnknown): Promise<Loaded | undefined> {
    const abs = join(root, ...rel.split('/'));
    let facts: FileFacts;
    try {
      const stats = await stat(abs);
      if (!stats.isFile()) return undefined;
      facts = { path: rel, name: rel.split('/').pop() ?? rel, sizeBytes: stats.size, mtimeMs: stats.mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const read = await readSidecar(sidecarPathFor(abs));
    if (read.sidecar) {
      const image = read.sidecar.sourceImage === undefined ? undefined : posix.join(posix.dirname(rel), read.sidecar.sourceImage);
      const found = image !== undefined && (await isFileAt(join(root, ...image.split('/'))));
      return { entry: appEntry(facts, read.sidecar), image: found ? image : undefined };
    }
    const sidecarProblem = read.problem === 'missing' ? undefined : { problem: read.problem, reason: read.reason };
    if (!probeUnknown) return { entry: unknownEntry(facts, undefined, undefined, sidecarProblem) };
    return { entry: await readFileOnly(abs, facts, sidecarProblem) };
  }
}

/** A video with no usable sidecar, read from the file alone: its boxes, and the recipe this app wrote inside it, if any. */
async function readFileOnly(abs: string, facts: FileFacts, sidecarProblem: LibraryEntry['sidecarProblem']): Promise<LibraryEntry> {
  let probe;
  let problem: string | undefined;
  try {
    probe = await probeMp4(abs);
  } catch (error) {
    problem = probeProblem(error);
  }
  const { recipe } = await readRecipe(abs);
  return recipe ? fileEntry(facts, recipe, probe, problem, sidecarProblem) : unknownEntry(facts, probe, problem, sidecarProblem);
}
