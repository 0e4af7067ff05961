import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * The library's index on disk (architecture.md, "The library index"): an SQLite database in the
 * data folder, one per library folder. It holds nothing the folder does not — every row is read
 * from a video and its sidecar, and the whole can be rebuilt from them — so it is written with
 * `synchronous=NORMAL`, and anything wrong with it (damaged, held by another program, from a
 * newer version of the app) is answered by setting it aside and reading the folder again.
 */

/** The schema this version of the app writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 2;

/** How long a database another program holds locked is waited for before it is set aside. */
export const BUSY_TIMEOUT_MS = 3000;

/**
 * The most the database's write-ahead log holds before it is copied into the database (pages of
 * 4 KiB), and the size it is cut back to after. The log sits on the data folder's disk beside the
 * queue journal: left at SQLite's default (1,000 pages, never cut back) it grows by some 30 KB a
 * landed video until 4 MB, and on a nearly full disk it takes the room the journal needs to record
 * what was paid for. Kept to a few hundred KB, a full disk costs the index a write, never the queue.
 */
export const WAL_CHECKPOINT_PAGES = 64;
export const WAL_SIZE_LIMIT_BYTES = 256 * 1024;

/** What keeps the entries in step with the videos; left out while a build fills a new file. */
export const TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS videos_ad AFTER DELETE ON videos BEGIN
    DELETE FROM entries WHERE id = old.id;
  END;`;

/** The indexes of the videos table besides its path's: left out while a build fills a new file, and made at its end (faster than row by row). */
export const INDEXES = `
  CREATE INDEX IF NOT EXISTS videos_facets ON videos (mode, resolution, aspect, verdict, favourite, axes);
  CREATE INDEX IF NOT EXISTS videos_newest ON videos (created_at DESC, path, mode, resolution, aspect, verdict, favourite, axes);
  CREATE INDEX IF NOT EXISTS videos_batch ON videos (batch_id);
  CREATE INDEX IF NOT EXISTS videos_take ON videos (take_key);
  CREATE INDEX IF NOT EXISTS videos_task ON videos (task_id);
  CREATE INDEX IF NOT EXISTS videos_parent ON videos (parent_task);`;

/** Drops what `TRIGGERS` and `INDEXES` make. */
export const DROP_TRIGGERS_AND_INDEXES = `
  DROP TRIGGER IF EXISTS videos_ad;
  DROP INDEX IF EXISTS videos_facets; DROP INDEX IF EXISTS videos_newest; DROP INDEX IF EXISTS videos_batch;
  DROP INDEX IF EXISTS videos_take; DROP INDEX IF EXISTS videos_task; DROP INDEX IF EXISTS videos_parent;`;

/** Forward migrations: `MIGRATIONS[v]` takes a database at version v to v + 1. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   CREATE TABLE videos (
     id INTEGER PRIMARY KEY,
     path TEXT NOT NULL UNIQUE,
     sig TEXT NOT NULL,
     size INTEGER NOT NULL,
     mtime REAL NOT NULL,
     origin TEXT NOT NULL,
     unprobed INTEGER NOT NULL,
     mode TEXT,
     resolution TEXT,
     aspect TEXT,
     duration REAL,
     cost INTEGER,
     batch_id TEXT,
     batch_name TEXT,
     batch_colour INTEGER,
     row INTEGER,
     take INTEGER,
     created_at REAL NOT NULL,
     favourite INTEGER NOT NULL,
     verdict TEXT NOT NULL,
     simulated INTEGER NOT NULL,
     axes TEXT,
     take_key TEXT,
     task_id TEXT,
     parent_task TEXT,
     source_image TEXT,
     image TEXT,
     haystack TEXT NOT NULL
   );
   -- The whole entry, kept apart so that the rows scanned and counted stay narrow.
   CREATE TABLE entries (id INTEGER PRIMARY KEY, entry TEXT NOT NULL);
   CREATE INDEX videos_facets ON videos (mode, resolution, aspect, verdict, favourite, axes);
   -- Covering what the filters look at, so that a page walked in date order reads no row it does not return.
   CREATE INDEX videos_newest ON videos (created_at DESC, path, mode, resolution, aspect, verdict, favourite, axes);
   CREATE INDEX videos_batch ON videos (batch_id);
   CREATE INDEX videos_take ON videos (take_key);
   CREATE INDEX videos_task ON videos (task_id);
   CREATE INDEX videos_parent ON videos (parent_task);
   CREATE VIRTUAL TABLE videos_text USING fts5 (haystack, content = 'videos', content_rowid = 'id', tokenize = 'trigram');
   CREATE TRIGGER videos_ai AFTER INSERT ON videos BEGIN
     INSERT INTO videos_text (rowid, haystack) VALUES (new.id, new.haystack);
   END;
   CREATE TRIGGER videos_ad AFTER DELETE ON videos BEGIN
     INSERT INTO videos_text (videos_text, rowid, haystack) VALUES ('delete', old.id, old.haystack);
     DELETE FROM entries WHERE id = old.id;
   END;
   CREATE TRIGGER videos_au AFTER UPDATE OF haystack ON videos BEGIN
     INSERT INTO videos_text (videos_text, rowid, haystack) VALUES ('delete', old.id, old.haystack);
     INSERT INTO videos_text (rowid, haystack) VALUES (new.id, new.haystack);
   END;`,
  // 2: text searches read the search text from memory (library-search.ts): the trigram table goes.
  `DROP TRIGGER videos_ai; DROP TRIGGER videos_ad; DROP TRIGGER videos_au; DROP TABLE videos_text;
   ${TRIGGERS}`
];

/** SQLite's primary result codes that mean the file cannot be used as it is. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;

function errcodeOf(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

/** Whether an error from SQLite says the database file is damaged or not a database. */
export function isDamaged(error: unknown): boolean {
  const code = errcodeOf(error);
  return code === SQLITE_CORRUPT || code === SQLITE_NOTADB;
}

/** Whether an error from SQLite says another program holds the database. */
export function isBusy(error: unknown): boolean {
  const code = errcodeOf(error);
  return code === SQLITE_BUSY || code === SQLITE_LOCKED;
}

/** Whether an error says the disk (or the quota) is full. */
export function isDiskFull(error: unknown): boolean {
  return errcodeOf(error) === SQLITE_FULL || (error as NodeJS.ErrnoException).code === 'ENOSPC';
}

/** The database file of a library folder, in `<dataDir>/index/`: one per folder, so that switching folders back and forth opens at once. */
export function databaseFileFor(indexDir: string, libraryRoot: string): string {
  const key = createHash('sha256').update(libraryRoot).digest('hex').slice(0, 16);
  return join(indexDir, 'index', `library-${key}.sqlite`);
}

/** The file a version of the app that finds a newer database beside it keeps its own index in. */
export function ownVersionFile(file: string): string {
  return file.replace(/\.sqlite$/, `.v${SCHEMA_VERSION}.sqlite`);
}

/** Opens a database with the settings the library index uses (WAL, NORMAL sync, a busy timeout). */
export function connect(file: string, options: { building?: boolean; readOnlyFirst?: boolean } = {}): DatabaseSync {
  const db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    // A database from a newer version is looked at before anything is written to it (the journal mode is a write).
    if (options.readOnlyFirst && versionOf(db) > SCHEMA_VERSION) return db;
    if (options.building) {
      // A file being built is thrown away unless it is finished: no journal is needed to protect it.
      db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;');
    } else if (file !== ':memory:') {
      db.exec(
        `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}; PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES};`
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The schema version a database is at. */
export function versionOf(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

/** Brings a database at an older schema version forward, one migration at a time, each in a transaction. */
export function migrate(db: DatabaseSync): void {
  for (let version = versionOf(db); version < SCHEMA_VERSION; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[version]);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      rollback(db);
      throw error;
    }
  }
}

/** Ends a failed transaction; one SQLite already rolled back (a full disk does) is left as it is, so the first error is the one reported. */
export function rollback(db: DatabaseSync): void {
  if (db.isTransaction) db.exec('ROLLBACK');
}

export function readMeta(db: DatabaseSync, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function writeMeta(db: DatabaseSync, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

/** Removes a database file with its WAL and shared-memory files. */
export function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

/** Renames a database file (with its WAL and shared-memory files) to `to`. */
export function moveDatabase(file: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${to}${suffix}`);
  }
}

export interface OpenedIndex {
  db: DatabaseSync;
  /** The file opened (another than asked for when the one asked for is a newer version's). */
  file: string;
  /** The database does not hold a finished index of this library folder: the folder must be read whole. */
  fresh: boolean;
  /** What happened to the database, for the person, in words. */
  notice?: string;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/**
 * Opens (creating or migrating) the index database of `root` at `file`; `:memory:` for one that
 * lasts as long as the process. A database from a newer version of the app is never touched: a
 * file of this version's own is used beside it. A damaged or locked one is renamed aside and a
 * new one made, with a notice saying so.
 */
export function openIndexDatabase(file: string, root: string): OpenedIndex {
  if (file === ':memory:') {
    const db = connect(file);
    migrate(db);
    return { db, file, fresh: true };
  }
  mkdirSync(dirname(file), { recursive: true });
  let notice: string | undefined;
  let target = file;
  for (let attempt = 0; attempt < 3; attempt++) {
    let db: DatabaseSync | undefined;
    try {
      db = connect(target, { readOnlyFirst: true });
      const version = versionOf(db);
      if (version > SCHEMA_VERSION) {
        db.close();
        if (target !== file) throw new Error(`${basename(target)} is from a newer version of the app too`);
        target = ownVersionFile(file);
        notice =
          `The library index in ${dirname(file)} was written by a newer version of LTX Batch Studio, so this version left it as it is ` +
          `and keeps its own index beside it (${basename(target)}). Nothing in the library is lost; updating the app uses the newer index again.`;
        continue;
      }
      migrate(db);
      const fresh = readMeta(db, 'root') !== root || readMeta(db, 'built') !== '1';
      return { db, file: target, fresh, ...(notice ? { notice } : {}) };
    } catch (error) {
      db?.close();
      if (!isDamaged(error) && !isBusy(error)) throw error;
      const aside = `${target}.${isBusy(error) ? 'locked' : 'damaged'}-${stamp()}`;
      moveDatabase(target, aside);
      notice = isBusy(error)
        ? `The library index was held by another program for more than ${BUSY_TIMEOUT_MS / 1000} s, so it was set aside as ${basename(aside)} ` +
          'and the index is made again from the videos and their sidecars. Nothing in the library is lost; if another copy of the app is open, close it.'
        : `The library index could not be read (the file is damaged), so it was set aside as ${basename(aside)} and the index is made ` +
          'again from the videos and their sidecars. Nothing in the library is lost; you may delete the file set aside.';
    }
  }
  throw new Error(`The library index in ${dirname(file)} could not be opened.`);
}
