import { rename, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { KeptCost, Verdict } from '@shared/library';
import { appEntry, fileEntry, sidecarFromRecipe, unknownEntry, type FileFacts, type LibraryEntry } from './library-entry';
import { readRecipe } from '../download/mp4-recipe';
import {
  foldText,
  KeptTally,
  searchableText,
  SORT_SQL,
  tallyGroups,
  verdictOf,
  type LibraryBatch,
  type LibraryGroup,
  type LibraryQuery,
  type LibraryQueryResult,
  type LibrarySearchResult
} from './library-query';
import { connect, DROP_TRIGGERS_AND_INDEXES, INDEXES, migrate, openIndexDatabase, removeDatabase, rollback, TRIGGERS, writeMeta } from './library-db';
import { isVideoName, listTree, signature, statOrUndefined, type VideoStat } from './library-scan';
import { MIRROR_COLUMNS, SearchMirror, sliceStatement, type MirrorRow } from './library-search';
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
  /**
   * The database file the index is kept in (library-db.ts); `:memory:` (the default) for one
   * that lasts as long as the index.
   */
  file?: string;
}

/** What a sidecar may be changed to by the person: a favourite, a verdict (`null`: unreviewed again). */
export interface SidecarMark {
  favourite?: boolean;
  verdict?: Verdict | null;
}

/** How far a build has got: videos read of those found. */
export type BuildProgress = (done: number, total: number) => void;

/** The APIXO task a video came from, as its sidecar or the recipe inside it says. */
function taskIdOf(entry: LibraryEntry): string | undefined {
  return entry.sidecar?.taskId ?? entry.recipe?.taskId;
}

/** The takes of one prompt: videos of one batch and one source row. */
function takeKey(entry: LibraryEntry): string | undefined {
  return entry.batchId !== undefined && entry.row !== undefined ? `${entry.batchId}\n${entry.row}` : undefined;
}

/** What loading a video found: its entry, its source image's library path when that file is there, and the files' signature. */
interface Loaded {
  entry: LibraryEntry;
  image?: string;
  sig: string;
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

/** Queries whose counts are kept (see `groupsOf`). */
const GROUPS_KEPT = 8;

/** Videos written to the database in one transaction while building. */
const BUILD_CHUNK = 1000;

const COLUMNS = [
  'path',
  'sig',
  'size',
  'mtime',
  'origin',
  'unprobed',
  'mode',
  'resolution',
  'aspect',
  'duration',
  'cost',
  'batch_id',
  'batch_name',
  'batch_colour',
  'row',
  'take',
  'created_at',
  'favourite',
  'verdict',
  'simulated',
  'axes',
  'take_key',
  'task_id',
  'parent_task',
  'source_image',
  'image',
  'haystack'
] as const;

const UPSERT = `INSERT INTO videos (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (path) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'path')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

type SqlValue = string | number | null;

/** A row of the videos table for an entry. */
function rowOf(entry: LibraryEntry, image: string | undefined, sig: string): SqlValue[] {
  const key = takeKey(entry);
  return [
    entry.path,
    sig,
    entry.sizeBytes,
    entry.mtimeMs,
    entry.origin,
    entry.origin === 'unknown' && !entry.probe && !entry.probeError ? 1 : 0,
    entry.mode ?? null,
    entry.resolution ?? null,
    entry.aspect ?? null,
    entry.durationSec ?? null,
    entry.costMicros ?? null,
    entry.batchId ?? null,
    entry.batchName ?? null,
    entry.sidecar?.batch.colour ?? null,
    entry.row ?? null,
    entry.take ?? null,
    entry.createdAt,
    entry.favourite ? 1 : 0,
    verdictOf(entry),
    entry.simulated === true ? 1 : 0,
    entry.axes ? JSON.stringify(entry.axes) : null,
    key ?? null,
    taskIdOf(entry) ?? null,
    entry.parent?.taskId ?? null,
    entry.sidecar?.sourceImage ?? null,
    image ?? null,
    searchableText(entry)
  ];
}

const PUT_ENTRY = 'INSERT INTO entries (id, entry) SELECT id, ? FROM videos WHERE path = ? ON CONFLICT (id) DO UPDATE SET entry = excluded.entry';

/** Writes one video's row and its entry. */
function putRow(upsert: StatementSync, putEntry: StatementSync, entry: LibraryEntry, image: string | undefined, sig: string): void {
  upsert.run(...rowOf(entry, image, sig));
  putEntry.run(JSON.stringify(entry), entry.path);
}

/** The statements the index runs, prepared once per database. */
class Statements {
  readonly upsert: StatementSync;
  readonly putEntry: StatementSync;
  readonly entryById: StatementSync;
  readonly byPath: StatementSync;
  readonly remove: StatementSync;
  readonly count: StatementSync;
  readonly takes: StatementSync;
  readonly takeAxes: StatementSync;
  readonly byTask: StatementSync;
  readonly children: StatementSync;
  readonly image: StatementSync;
  readonly sig: StatementSync;
  readonly setSig: StatementSync;
  readonly paths: StatementSync;
  readonly entries: StatementSync;
  readonly mirrorRow: StatementSync;
  readonly entriesOf: StatementSync;

  constructor(db: DatabaseSync) {
    this.upsert = db.prepare(UPSERT);
    this.putEntry = db.prepare(PUT_ENTRY);
    this.entryById = db.prepare('SELECT entry FROM entries WHERE id = ?');
    this.byPath = db.prepare('SELECT e.entry FROM videos v JOIN entries e ON e.id = v.id WHERE v.path = ?');
    this.remove = db.prepare('DELETE FROM videos WHERE path = ? RETURNING id');
    this.count = db.prepare('SELECT count(*) AS n FROM videos');
    this.takes = db.prepare('SELECT count(*) AS n FROM videos WHERE take_key = ?');
    this.takeAxes = db.prepare('SELECT axes FROM videos WHERE take_key = ?');
    this.byTask = db.prepare('SELECT path FROM videos WHERE task_id = ? AND path <> ? ORDER BY id LIMIT 1');
    this.children = db.prepare('SELECT e.entry FROM videos v JOIN entries e ON e.id = v.id WHERE v.parent_task = ? AND v.path <> ?');
    this.image = db.prepare('SELECT image FROM videos WHERE path = ?');
    this.sig = db.prepare('SELECT sig FROM videos WHERE path = ?');
    this.setSig = db.prepare('UPDATE videos SET sig = ? WHERE path = ?');
    this.paths = db.prepare('SELECT path FROM videos');
    this.entries = db.prepare('SELECT entry FROM entries');
    this.mirrorRow = db.prepare(`SELECT ${MIRROR_COLUMNS} FROM videos WHERE path = ?`);
    this.entriesOf = db.prepare('SELECT id, entry FROM entries WHERE id IN (SELECT value FROM json_each(?))');
  }
}

/**
 * The in-app view of a library folder (architecture.md, "The library folder is the source of
 * truth", "The library index"): every `*.mp4` below it (hidden folders and `.part` downloads
 * skipped), with its sidecar when there is a valid one, and queries over them — kept in an
 * SQLite database (library-db.ts) that outlives the app, so that the next start shows the
 * library before the folder is read again. It holds nothing the folder does not: `build`
 * re-reads it, `update` / `remove` follow single changes.
 */
export class LibraryIndex {
  private rootDir = '';
  private db: DatabaseSync | undefined;
  private sql: Statements | undefined;
  /** The database file (the one opened: another than asked for beside a newer version's). */
  private file: string;
  /** Bumped on every change: what is derived from all entries is kept until it moves. */
  private version = 0;
  private batchList: { version: number; batches: LibraryBatch[] } | undefined;
  private keptList: { version: number; kept: { real: KeptCost; simulated: KeptCost } } | undefined;
  private sizeCache: { version: number; size: number } | undefined;
  private readonly groupCache = new Map<string, { version: number; groups: LibraryGroup[] }>();
  /** What text searches read (library-search.ts): loaded at the first search, then kept in step with every write. */
  private mirror: SearchMirror | undefined;
  private readonly concurrency: number;
  private readonly probeUnknown: boolean;
  private closed = false;

  constructor(options: LibraryIndexOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.probeUnknown = options.probeUnknown ?? true;
    this.file = options.file ?? ':memory:';
  }

  /** The library folder (absolute), once built. */
  get root(): string {
    return this.rootDir;
  }

  get size(): number {
    if (!this.sql) return 0;
    if (this.sizeCache?.version !== this.version) this.sizeCache = { version: this.version, size: Number((this.sql.count.get() as { n: number }).n) };
    return this.sizeCache.size;
  }

  /**
   * Opens the database kept for `dir`, without reading the folder: answers whether it holds a
   * finished index of it (`fresh` when not: `build` must read the folder), and what happened to
   * a database that could not be used as it was.
   */
  open(dir: string): { fresh: boolean; notice?: string } {
    const root = resolve(dir);
    const opened = openIndexDatabase(this.file, root);
    this.file = opened.file;
    this.attach(opened.db);
    this.rootDir = root;
    return { fresh: opened.fresh, ...(opened.notice ? { notice: opened.notice } : {}) };
  }

  /**
   * Reads the whole folder, replacing what the index held. A folder that does not exist is an
   * empty library. The new index is written beside the one in use and takes its place only once
   * it is whole, so that a build that fails (a full disk) leaves the one before as it was.
   */
  async build(dir: string, onProgress?: BuildProgress): Promise<void> {
    const root = resolve(dir);
    const paths = await this.listVideos(root);
    const target = this.file === ':memory:' ? ':memory:' : `${this.file}.building`;
    if (target !== ':memory:') removeDatabase(target);
    const db = connect(target, { building: true });
    try {
      migrate(db);
      // The indexes are made once at the end, faster than row by row.
      db.exec(`${DROP_TRIGGERS_AND_INDEXES} PRAGMA cache_size = -65536;`);
      const upsert = db.prepare(UPSERT);
      const putEntry = db.prepare(PUT_ENTRY);
      onProgress?.(0, paths.length);
      for (let at = 0; at < paths.length; at += BUILD_CHUNK) {
        const chunk = paths.slice(at, at + BUILD_CHUNK);
        const loaded = await mapLimit(chunk, this.concurrency, (rel) => this.load(root, rel));
        if (this.closed) throw new Error('The library index was closed while it was being built.');
        db.exec('BEGIN');
        for (const one of loaded) if (one) putRow(upsert, putEntry, one.entry, one.image, one.sig);
        db.exec('COMMIT');
        onProgress?.(Math.min(paths.length, at + chunk.length), paths.length);
      }
      // One index at a time, the window's queries answered between them.
      for (const index of INDEXES.split(';').filter((sql) => sql.trim() !== '')) {
        db.exec(index);
        await new Promise((resolve) => setImmediate(resolve));
        if (this.closed) throw new Error('The library index was closed while it was being built.');
      }
      db.exec(TRIGGERS);
      writeMeta(db, 'root', root);
      writeMeta(db, 'built', '1');
      if (this.closed) throw new Error('The library index was closed while it was being built.');
    } catch (error) {
      db.close();
      if (target !== ':memory:') removeDatabase(target);
      throw error;
    }
    if (target === ':memory:') {
      this.db?.close();
      this.attach(db);
    } else {
      db.close();
      this.db?.close();
      this.db = undefined;
      removeDatabase(this.file);
      await rename(target, this.file);
      this.attach(connect(this.file));
    }
    this.rootDir = root;
    this.version++;
  }

  /** Starts over, empty, on `dir`: for a library folder that cannot be read now (the watch may find it later). */
  clear(dir: string): void {
    const root = resolve(dir);
    if (!this.db) this.open(root);
    const db = this.db!;
    db.exec('BEGIN');
    db.exec('DELETE FROM videos');
    writeMeta(db, 'root', root);
    // Not a finished index: the next start reads the folder whole.
    writeMeta(db, 'built', '0');
    db.exec('COMMIT');
    this.mirror = undefined;
    this.rootDir = root;
    this.version++;
  }

  /** Closes the database (the index answers nothing after; a build running stops at its next round). */
  close(): void {
    this.closed = true;
    this.db?.close();
    this.db = undefined;
    this.sql = undefined;
    this.mirror = undefined;
  }

  private attach(db: DatabaseSync): void {
    this.db = db;
    this.sql = new Statements(db);
    this.mirror = undefined;
    this.version++;
  }

  private statements(): Statements {
    if (!this.sql) throw new Error('The library index has not been built yet.');
    return this.sql;
  }

  /** Every entry, in no particular order. */
  entries(): LibraryEntry[] {
    if (!this.sql) return [];
    return (this.sql.entries.all() as { entry: string }[]).map((r) => JSON.parse(r.entry) as LibraryEntry);
  }

  /** Every listed video's library path. */
  paths(): string[] {
    if (!this.sql) return [];
    return (this.sql.paths.all() as { path: string }[]).map((r) => r.path);
  }

  /** The file facts of every listed video (what its thumbnail is keyed by). */
  facts(): FileFacts[] {
    if (!this.db) return [];
    return (this.db.prepare('SELECT path, size, mtime FROM videos').all() as { path: string; size: number; mtime: number }[]).map((r) => ({
      path: r.path,
      name: r.path.split('/').pop() ?? r.path,
      sizeBytes: r.size,
      mtimeMs: r.mtime
    }));
  }

  /** The videos listed without reading them (no sidecar, not probed yet). */
  unprobed(): string[] {
    if (!this.db) return [];
    return (this.db.prepare('SELECT path FROM videos WHERE unprobed = 1 ORDER BY path').all() as { path: string }[]).map((r) => r.path);
  }

  /** The rejected videos of one batch. */
  rejectedOf(batchId: string): string[] {
    if (!this.db) return [];
    return (this.db.prepare("SELECT path FROM videos WHERE batch_id = ? AND verdict = 'reject' ORDER BY path").all(batchId) as { path: string }[]).map(
      (r) => r.path
    );
  }

  /** The source image each video's sidecar names (relative to the video's folder), for the videos whose sidecar names one. */
  sourceImages(): { path: string; image: string }[] {
    if (!this.db) return [];
    return this.db.prepare('SELECT path, source_image AS image FROM videos WHERE source_image IS NOT NULL').all() as { path: string; image: string }[];
  }

  get(relPath: string): LibraryEntry | undefined {
    if (!this.sql) return undefined;
    const row = this.sql.byPath.get(this.normalize(relPath)) as { entry: string } | undefined;
    return row ? (JSON.parse(row.entry) as LibraryEntry) : undefined;
  }

  /** The signature (library-scan.ts) of a video and its sidecar when the index last read them. */
  signatureOf(relPath: string): string | undefined {
    return (this.sql?.sig.get(relPath) as { sig: string } | undefined)?.sig;
  }

  /** The signature of every listed video, by library path, in one read (the watcher's first look compares them all). */
  signatures(): Map<string, string> {
    if (!this.db) return new Map();
    return new Map((this.db.prepare('SELECT path, sig FROM videos').all() as { path: string; sig: string }[]).map((r) => [r.path, r.sig]));
  }

  /** Notes the signature of a video and its sidecar as the app itself has just written them. */
  setSignature(relPath: string, stats: VideoStat): void {
    this.sql?.setSig.run(signature(stats), relPath);
  }

  query(query: LibraryQuery = {}): LibraryQueryResult {
    const { favourites: _favourites, ...result } = this.search(query);
    return result;
  }

  /**
   * `query`, plus the favourites count the window's favourite filter shows. With words, see
   * `searchText`; without, the videos matching the query's batch, dates and lengths are counted
   * in groups by the database, the facets are added up from the groups, and one page of the
   * matches is read in the query's order.
   */
  search(query: LibraryQuery = {}): LibrarySearchResult {
    const db = this.db;
    if (!db) return { total: 0, items: [], facets: tallyGroups([], query).facets, favourites: 0 };
    if (foldText(query.text ?? '').trim() !== '') return this.searchText(db, query);
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: string, value: SqlValue): void => {
      where.push(clause);
      params.push(value);
    };
    if (query.batchId !== undefined) add('batch_id = ?', query.batchId);
    if (query.from !== undefined) add('created_at >= ?', query.from);
    if (query.to !== undefined) add('created_at <= ?', query.to);
    if (query.durationMin !== undefined) add('duration >= ?', query.durationMin);
    if (query.durationMax !== undefined) add('duration <= ?', query.durationMax);
    const groups = this.groupsOf(where, params);
    const tally = tallyGroups(groups, query);
    const offset = Math.max(0, Math.floor(query.offset ?? 0));
    const limit = query.limit === undefined ? -1 : Math.max(0, Math.floor(query.limit));
    let items: LibraryEntry[] = [];
    if (tally.total > 0 && limit !== 0 && offset < tally.total) {
      const match = [...where];
      const more = [...params];
      const inList = (column: string, list: readonly string[] | undefined): void => {
        if (list === undefined || list.length === 0) return;
        match.push(`${column} IN (SELECT value FROM json_each(?))`);
        more.push(JSON.stringify(list));
      };
      inList('mode', query.modes);
      inList('resolution', query.resolutions);
      inList('aspect', query.aspects);
      inList('verdict', query.verdicts);
      inList('axes', tally.passingAxes);
      if (query.favourite !== undefined) {
        match.push('favourite = ?');
        more.push(query.favourite ? 1 : 0);
      }
      const ids = db
        .prepare(
          `SELECT id FROM videos ${match.length > 0 ? `WHERE ${match.join(' AND ')}` : ''} ORDER BY ${SORT_SQL[query.sort ?? 'newest'] ?? SORT_SQL.newest} LIMIT ? OFFSET ?`
        )
        .all(...more, limit, offset) as { id: number }[];
      const entryById = this.statements().entryById;
      items = ids.map((r) => JSON.parse((entryById.get(r.id) as { entry: string }).entry) as LibraryEntry);
    }
    return { total: tally.total, items, facets: tally.facets, favourites: tally.favourites };
  }

  /**
   * A search with words: the words, batch, dates and lengths are matched and the facets counted
   * in one pass over the search mirror (library-search.ts), and only the page is read from the
   * database, in the query's order, from the ids that pass every filter.
   */
  private searchText(db: DatabaseSync, query: LibraryQuery): LibrarySearchResult {
    const mirror = this.searchMirror(db);
    const { groups, hits, hitGroups } = mirror.match(query);
    const tally = tallyGroups(groups, query);
    const offset = Math.max(0, Math.floor(query.offset ?? 0));
    const limit = query.limit === undefined ? -1 : Math.max(0, Math.floor(query.limit));
    let items: LibraryEntry[] = [];
    if (tally.total > 0 && limit !== 0 && offset < tally.total) {
      // Which facet groups pass the query's filters: the same tests the page's WHERE makes below.
      const passing = tally.passingAxes === undefined ? undefined : new Set(tally.passingAxes);
      const passes = new Map<number, boolean>();
      const pass = (g: number): boolean => {
        let ok = passes.get(g);
        if (ok === undefined) {
          const group = mirror.groupAt(g);
          ok =
            inFilter(query.modes, group.mode) &&
            inFilter(query.resolutions, group.resolution) &&
            inFilter(query.aspects, group.aspect) &&
            inFilter(query.verdicts, group.verdict) &&
            (passing === undefined || (group.axes !== null && passing.has(group.axes))) &&
            (query.favourite === undefined || group.favourite === query.favourite);
          passes.set(g, ok);
        }
        return ok;
      };
      const slots: number[] = [];
      for (let i = 0; i < hits.length; i++) if (pass(hitGroups[i])) slots.push(hits[i]);
      const sort = query.sort ?? 'newest';
      // Newest or oldest first (what the grid shows unless told otherwise) is sorted from the mirror; other orders by the database.
      const page =
        sort === 'newest' || sort === 'oldest'
          ? mirror.page(slots, sort, offset, limit).map((id) => ({ id }))
          : (db
              .prepare(`SELECT id FROM videos WHERE id IN (SELECT value FROM json_each(?)) ORDER BY ${SORT_SQL[sort] ?? SORT_SQL.newest} LIMIT ? OFFSET ?`)
              .all(JSON.stringify(slots.map((slot) => mirror.idAt(slot))), limit, offset) as { id: number }[]);
      // The page's entries in one read, put back in the page's order.
      const entries = new Map(
        (this.statements().entriesOf.all(JSON.stringify(page.map((r) => r.id))) as { id: number; entry: string }[]).map((r) => [Number(r.id), r.entry])
      );
      items = page.map((r) => JSON.parse(entries.get(Number(r.id))!) as LibraryEntry);
    }
    return { total: tally.total, items, facets: tally.facets, favourites: tally.favourites };
  }

  /** The search mirror, loaded from the database when it is not yet (or too much of it is of videos since forgotten). */
  private searchMirror(db: DatabaseSync): SearchMirror {
    if (!this.mirror || this.mirror.stale) this.mirror = SearchMirror.load(db);
    return this.mirror;
  }

  /**
   * Loads what text searches read ahead of the first (half a second at 100,000 videos), a slice
   * at a time so that queries are answered between; given up if the index changes meanwhile
   * (the first search then loads it).
   */
  async warmSearch(): Promise<void> {
    const db = this.db;
    if (!db || this.mirror) return;
    const version = this.version;
    const mirror = new SearchMirror();
    const slice = sliceStatement(db);
    const current = (): boolean => this.db === db && this.version === version && !this.mirror;
    for (let last = mirror.addSlice(slice, 0); last >= 0; last = mirror.addSlice(slice, last)) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!current()) return;
    }
    mirror.join();
    if (current()) this.mirror = mirror;
  }

  /**
   * The videos matching a query's batch, dates, lengths and words, counted by what the rest of
   * it filters on; kept until the index changes, so that ticking a filter or paging does not count again.
   */
  private groupsOf(where: string[], params: SqlValue[]): LibraryGroup[] {
    const key = JSON.stringify([where, params]);
    const cached = this.groupCache.get(key);
    if (cached?.version === this.version) return cached.groups;
    const base = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const groups = (
      this.db!.prepare(
        `SELECT mode, resolution, aspect, verdict, favourite, axes, count(*) AS n FROM videos ${base} GROUP BY mode, resolution, aspect, verdict, favourite, axes`
      ).all(...params) as (Omit<LibraryGroup, 'favourite'> & { favourite: number })[]
    ).map((g) => ({ ...g, favourite: g.favourite === 1, n: Number(g.n) }));
    if (this.groupCache.size >= GROUPS_KEPT) this.groupCache.delete(this.groupCache.keys().next().value!);
    this.groupCache.set(key, { version: this.version, groups });
    return groups;
  }

  /** The batches the library holds videos of, newest first (by their newest video), named and coloured as their newest video says. */
  batches(): LibraryBatch[] {
    if (this.batchList?.version !== this.version) this.batchList = { version: this.version, batches: this.readBatches() };
    return this.batchList.batches.map((b) => ({ ...b, kept: { ...b.kept } }));
  }

  private readBatches(): LibraryBatch[] {
    if (!this.db) return [];
    // The bare columns come from the row of max(created_at): the batch's newest video.
    const rows = this.db
      .prepare(
        `SELECT batch_id AS id, batch_name AS name, batch_colour AS colour, max(created_at) AS newest, count(*) AS n,
           sum(verdict = 'keep') AS kept, sum(verdict = 'reject') AS rejected, sum(coalesce(cost, 0)) AS cost, sum(simulated) AS simulated
         FROM videos WHERE batch_id IS NOT NULL GROUP BY batch_id ORDER BY newest DESC, batch_id ASC`
      )
      .all() as { id: string; name: string | null; colour: number | null; n: number; kept: number; rejected: number; cost: number; simulated: number }[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name ?? '',
      count: Number(r.n),
      ...(r.colour === null ? {} : { colour: Number(r.colour) }),
      kept: tallied(Number(r.n), Number(r.kept), Number(r.rejected), Number(r.cost), Number(r.simulated), false)
    }));
  }

  /** What a kept video cost over the whole library, the real videos and the simulator's apart (videos without a sidecar cost nothing and are never kept). */
  kept(): { real: KeptCost; simulated: KeptCost } {
    if (this.keptList?.version !== this.version) this.keptList = { version: this.version, kept: this.readKept() };
    const { real, simulated } = this.keptList.kept;
    return { real: { ...real }, simulated: { ...simulated } };
  }

  private readKept(): { real: KeptCost; simulated: KeptCost } {
    const rows = (this.db
      ?.prepare(
        `SELECT simulated, count(*) AS n, sum(verdict = 'keep') AS kept, sum(verdict = 'reject') AS rejected, sum(coalesce(cost, 0)) AS cost
       FROM videos WHERE origin = 'app' GROUP BY simulated`
      )
      .all() ?? []) as { simulated: number; n: number; kept: number; rejected: number; cost: number }[];
    const of = (simulated: number): KeptCost => {
      const r = rows.find((row) => Number(row.simulated) === simulated);
      return r
        ? tallied(Number(r.n), Number(r.kept), Number(r.rejected), Number(r.cost), simulated === 1 ? Number(r.n) : 0, simulated === 1)
        : new KeptTally(simulated === 1).result();
    };
    return { real: of(0), simulated: of(1) };
  }

  /** The videos listed from the same batch and source row as this one (the takes of one prompt), itself included. */
  takesOf(entry: LibraryEntry): number {
    const key = takeKey(entry);
    if (!key || !this.sql) return 1;
    return Number((this.sql.takes.get(key) as { n: number }).n) || 1;
  }

  /** The sweep axes that vary among a video's takes (see `takesOf`), with how many values each has; undefined when none varies. */
  rowAxesOf(entry: LibraryEntry): Record<string, number> | undefined {
    const key = takeKey(entry);
    if (!key || !entry.axes || !this.sql) return undefined;
    const rows = this.sql.takeAxes.all(key) as { axes: string | null }[];
    if (rows.length < 2) return undefined;
    const values = new Map<string, Set<string>>();
    for (const row of rows) {
      if (row.axes === null) continue;
      for (const [axis, value] of Object.entries(JSON.parse(row.axes) as Record<string, string>)) {
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
    if (!parent || !this.sql) return undefined;
    const byTask = this.sql.byTask.get(parent.taskId, entry.path) as { path: string } | undefined;
    if (byTask) return this.get(byTask.path);
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
    if (taskId === undefined || !this.sql) return [];
    return (this.sql.children.all(taskId, entry.path) as { entry: string }[])
      .map((r) => JSON.parse(r.entry) as LibraryEntry)
      .sort((a, b) => a.createdAt - b.createdAt || a.path.localeCompare(b.path));
  }

  /** The library path of a video's source image, when it was found beside the video. */
  sourceImageOf(relPath: string): string | undefined {
    return (this.sql?.image.get(relPath) as { image: string | null } | undefined)?.image ?? undefined;
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
    this.put(loaded.entry, loaded.image, loaded.sig);
    return loaded.entry;
  }

  /**
   * Lists a video the app has just written whole, from the sidecar it wrote beside it and the
   * file's size and time as the caller saw them: nothing is read back from disk. Undefined when
   * the path is not one the library lists (hidden, not an MP4).
   */
  landed(relPath: string, file: VideoStat, sidecar: Sidecar): LibraryEntry | undefined {
    this.requireBuilt();
    const rel = this.normalize(relPath);
    const name = rel.split('/').pop() ?? rel;
    if (!isVideoName(name) || rel.split('/').some((part) => part.startsWith('.'))) return undefined;
    const entry = appEntry({ path: rel, name, sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs }, sidecar);
    // The download stage names the source image only once it copied it beside the video.
    this.put(entry, sidecar.sourceImage === undefined ? undefined : posix.join(posix.dirname(rel), sidecar.sourceImage), signature(file));
    return entry;
  }

  /** Forgets a video (after it was deleted or moved away). Returns whether it was listed. */
  remove(relPath: string): boolean {
    if (!this.sql) return false;
    const rel = this.normalize(relPath);
    const gone = this.sql.remove.all(rel) as { id: number }[];
    for (const { id } of gone) this.mirror?.delete(Number(id));
    const removed = gone.length > 0;
    if (removed) this.version++;
    return removed;
  }

  /** Probes a video listed without a probe (built with `probeUnknown: false`). */
  async probe(relPath: string): Promise<LibraryEntry | undefined> {
    const current = this.get(relPath);
    if (!current) return undefined;
    if (current.probe || current.origin !== 'unknown') return current;
    const entry = await readFileOnly(this.absolute(current.path), factsOf(current), current.sidecarProblem);
    this.put(entry, this.sourceImageOf(current.path), this.signatureOf(current.path) ?? '');
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
   * is on disk, and only then is the database changed: the sidecar is the truth.
   */
  async mark(relPath: string, mark: SidecarMark): Promise<LibraryEntry> {
    const current = this.get(relPath);
    if (!current) throw new Error(`${relPath} is not in the library.`);
    const video = this.absolute(current.path);
    const sidecarPath = sidecarPathFor(video);
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
    const side = await statOrUndefined(sidecarPath);
    const sig = signature({ sizeBytes: current.sizeBytes, mtimeMs: current.mtimeMs, ...(side ? { sidecar: side } : {}) });
    this.put(entry, this.sourceImageOf(current.path), sig);
    return entry;
  }

  private put(entry: LibraryEntry, image: string | undefined, sig: string): void {
    const sql = this.statements();
    const db = this.db!;
    db.exec('BEGIN');
    try {
      putRow(sql.upsert, sql.putEntry, entry, image, sig);
      db.exec('COMMIT');
    } catch (error) {
      rollback(db);
      throw error;
    }
    if (this.mirror) {
      const row = sql.mirrorRow.get(entry.path) as MirrorRow | undefined;
      if (row) this.mirror.set(row);
    }
    this.version++;
  }

  private requireBuilt(): void {
    if (!this.rootDir || !this.sql) throw new Error('The library index has not been built yet.');
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
      if (this.sql?.sig.get(candidate)) return candidate;
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
    // Its signature is taken before the sidecar is read: a sidecar written meanwhile is read again at the next look.
    const side = await statOrUndefined(sidecarPathFor(abs));
    const sig = signature({ sizeBytes: facts.sizeBytes, mtimeMs: facts.mtimeMs, ...(side ? { sidecar: side } : {}) });
    const read = await readSidecar(sidecarPathFor(abs));
    if (read.sidecar) {
      const image = read.sidecar.sourceImage === undefined ? undefined : posix.join(posix.dirname(rel), read.sidecar.sourceImage);
      const found = image !== undefined && (await isFileAt(join(root, ...image.split('/'))));
      return { entry: appEntry(facts, read.sidecar), image: found ? image : undefined, sig };
    }
    const sidecarProblem = read.problem === 'missing' ? undefined : { problem: read.problem, reason: read.reason };
    if (!probeUnknown) return { entry: unknownEntry(facts, undefined, undefined, sidecarProblem), sig };
    return { entry: await readFileOnly(abs, facts, sidecarProblem), sig };
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

/** Whether a value passes a filter's list (none ticked: every value does). */
function inFilter(list: readonly string[] | undefined, value: string | null): boolean {
  return list === undefined || list.length === 0 || (value !== null && list.includes(value));
}

/** A KeptCost from a set's counts (see `KeptTally`). */
function tallied(videos: number, kept: number, rejected: number, cost: number, simulatedVideos: number, simulatedWhenEmpty: boolean): KeptCost {
  const simulated = videos === 0 ? simulatedWhenEmpty : simulatedVideos === videos;
  const result: KeptCost = { kept, rejected, costMicros: cost, simulated };
  if (kept > 0) result.perKeptMicros = Math.round(cost / kept);
  return result;
}
