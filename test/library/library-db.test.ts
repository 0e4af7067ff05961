// The library index kept in its database (architecture.md, "The library index"): the start
// served from it, the sidecars winning over it, and every way the file can go wrong.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LibraryStatus } from '@shared/library';
import { LibraryService, scanTree, type LibraryServiceOptions } from '../../src/main/core/library';
import { formatSidecar, type Sidecar } from '../../src/main/core/download';
import { SCHEMA_VERSION } from '../../src/main/core/library/library-db';
import { SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const opened: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function addVideo(root: string, rel: string, sidecar?: Sidecar): Promise<void> {
  const path = join(root, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(SAMPLE_WIDE, path);
  if (sidecar) await writeFile(path.replace(/\.mp4$/, '.json'), formatSidecar(sidecar));
}

/** A library of `count` videos with sidecars, prompts "clip number i". */
async function makeLibrary(count: number): Promise<string> {
  const root = await temp.make('ltx-db-lib-');
  for (let i = 0; i < count; i++) {
    const name = `clip-${i}.mp4`;
    await addVideo(root, `batch/${name}`, makeSidecar(name, { createdAt: new Date(Date.UTC(2025, 0, 1, i)).toISOString() }, { prompt: `clip number ${i}` }));
  }
  return root;
}

async function openService(libraryDir: string, dataDir: string, options: Partial<LibraryServiceOptions> = {}): Promise<LibraryService> {
  const service = await LibraryService.open({
    libraryDir,
    cacheDir: join(dataDir, 'cache'),
    trash: async () => undefined,
    reveal: () => undefined,
    watch: false,
    changeDelayMs: 20,
    follow: { settleMs: 0 },
    ...options
  });
  opened.push(service);
  return service;
}

async function close(service: LibraryService): Promise<void> {
  opened.splice(opened.indexOf(service), 1);
  await service.close();
}

/** The database files in the data folder's index folder. */
async function indexFiles(dataDir: string): Promise<string[]> {
  return (await readdir(join(dataDir, 'index'))).filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm')).sort();
}

async function theDatabase(dataDir: string): Promise<string> {
  const files = (await indexFiles(dataDir)).filter((f) => /^library-[0-9a-f]{16}\.sqlite$/.test(f));
  expect(files).toHaveLength(1);
  return join(dataDir, 'index', files[0]);
}

const prompts = (service: LibraryService): string[] =>
  service
    .query({})
    .items.map((i) => i.prompt)
    .sort();

/** A gate a test opens when it wants: the folder walk waits on it, as on a slow network share. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('the library index database', () => {
  it('serves the first page from the database before a slow folder is checked, and the check follows with its progress', async () => {
    const root = await makeLibrary(3);
    const data = await temp.make('ltx-db-data-');
    await close(await openService(root, data));
    // The folder now answers only when the test lets it (a share that hangs): the start does not wait.
    const slow = gate();
    let walked = false;
    const scan: typeof scanTree = async (...args) => {
      await slow.wait;
      walked = true;
      return scanTree(...args);
    };
    const statuses: LibraryStatus[] = [];
    const service = await openService(root, data, { background: true, follow: { settleMs: 0, scan } });
    service.onStatus((s) => statuses.push(s));
    expect(prompts(service)).toEqual(['clip number 0', 'clip number 1', 'clip number 2']);
    expect(service.query({ text: 'number 1' }).items.map((i) => i.path)).toEqual(['batch/clip-1.mp4']);
    expect(walked).toBe(false);
    expect(service.status().work).toBe('checking');
    expect(service.query({}).status.work).toBe('checking');
    slow.open();
    await service.checked();
    expect(walked).toBe(true);
    expect(service.status()).toMatchObject({ work: 'idle', done: 3, total: 3 });
    expect(statuses.at(-1)).toMatchObject({ work: 'idle', done: 3, total: 3 });
  });

  it('lets a sidecar changed while the app was closed win, and forgets a video deleted meanwhile', async () => {
    const root = await makeLibrary(3);
    const data = await temp.make('ltx-db-data-');
    const first = await openService(root, data);
    await first.setFavourite(['batch/clip-0.mp4'], true);
    await close(first);
    await writeFile(join(root, 'batch/clip-1.json'), formatSidecar(makeSidecar('clip-1.mp4', {}, { prompt: 'rewritten by hand in an editor' })));
    await rm(join(root, 'batch/clip-2.mp4'));
    await rm(join(root, 'batch/clip-2.json'));
    const again = await openService(root, data);
    await again.checked();
    await again.idle();
    expect(prompts(again)).toEqual(['clip number 0', 'rewritten by hand in an editor']);
    // The favourite the app wrote went to the sidecar first: it is still there.
    expect(again.query({ favourite: true }).items.map((i) => i.path)).toEqual(['batch/clip-0.mp4']);
  });

  it('brings a database of the version before forward (its search table dropped), with no folder read whole', async () => {
    const root = await makeLibrary(3);
    const data = await temp.make('ltx-db-data-');
    await close(await openService(root, data));
    // The version before kept a trigram search table, filled by triggers.
    const old = new DatabaseSync(await theDatabase(data));
    old.exec(`DROP TRIGGER videos_ad;
      CREATE VIRTUAL TABLE videos_text USING fts5 (haystack, content = 'videos', content_rowid = 'id', tokenize = 'trigram');
      INSERT INTO videos_text (rowid, haystack) SELECT id, haystack FROM videos;
      CREATE TRIGGER videos_ai AFTER INSERT ON videos BEGIN INSERT INTO videos_text (rowid, haystack) VALUES (new.id, new.haystack); END;
      CREATE TRIGGER videos_ad AFTER DELETE ON videos BEGIN
        INSERT INTO videos_text (videos_text, rowid, haystack) VALUES ('delete', old.id, old.haystack); DELETE FROM entries WHERE id = old.id; END;
      CREATE TRIGGER videos_au AFTER UPDATE OF haystack ON videos BEGIN
        INSERT INTO videos_text (videos_text, rowid, haystack) VALUES ('delete', old.id, old.haystack);
        INSERT INTO videos_text (rowid, haystack) VALUES (new.id, new.haystack); END;
      PRAGMA user_version = 1;`);
    old.close();
    const statuses: LibraryStatus[] = [];
    const again = await openService(root, data, { background: true });
    again.onStatus((s) => statuses.push(s));
    expect(again.query({ text: 'number 2' }).items.map((i) => i.path)).toEqual(['batch/clip-2.mp4']);
    await again.checked();
    expect(statuses.some((s) => s.work === 'building')).toBe(false);
    await rm(join(root, 'batch/clip-2.mp4'));
    await again.reconcile();
    expect(prompts(again)).toEqual(['clip number 0', 'clip number 1']);
    await close(again);
    const migrated = new DatabaseSync(await theDatabase(data));
    expect(migrated.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'videos_text%'").all()).toEqual([]);
    expect(migrated.prepare('SELECT count(*) AS n FROM entries').get()).toEqual({ n: 2 });
    expect(migrated.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    migrated.close();
  });

  it('is built again from the sidecars when it is deleted', async () => {
    const root = await makeLibrary(3);
    const data = await temp.make('ltx-db-data-');
    const first = await openService(root, data);
    await first.setVerdict(['batch/clip-2.mp4'], 'keep');
    await close(first);
    await rm(join(data, 'index'), { recursive: true });
    const again = await openService(root, data);
    expect(prompts(again)).toHaveLength(3);
    expect(again.query({ verdicts: ['keep'] }).items.map((i) => i.path)).toEqual(['batch/clip-2.mp4']);
    expect(again.status().notice).toBeUndefined();
  });

  it('shows an empty library while a folder with no index yet is read behind the window, then the whole of it', async () => {
    const root = await makeLibrary(5);
    const data = await temp.make('ltx-db-data-');
    const service = await openService(root, data, { background: true });
    expect(service.status().work).toBe('building');
    expect(service.query({}).total).toBe(0);
    await service.checked();
    expect(service.query({}).total).toBe(5);
    expect(service.status().work).toBe('idle');
  });

  it('leaves a database from a newer version of the app untouched, and keeps its own index beside it, with a notice', async () => {
    const root = await makeLibrary(2);
    const data = await temp.make('ltx-db-data-');
    await close(await openService(root, data));
    const file = await theDatabase(data);
    const newer = new DatabaseSync(file);
    newer.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}; PRAGMA journal_mode = DELETE;`);
    newer.close();
    const before = createHash('sha256').update(readFileSync(file)).digest('hex');
    const service = await openService(root, data);
    expect(prompts(service)).toEqual(['clip number 0', 'clip number 1']);
    expect(service.status().notice).toMatch(/newer version of LTX Batch Studio.*left it as it is.*Nothing in the library is lost/);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
    expect(await indexFiles(data)).toContain(file.split('/').pop()!.replace('.sqlite', `.v${SCHEMA_VERSION}.sqlite`));
  });

  it('sets a damaged database aside and rebuilds it, saying so', async () => {
    const root = await makeLibrary(2);
    const data = await temp.make('ltx-db-data-');
    await close(await openService(root, data));
    const file = await theDatabase(data);
    await writeFile(file, Buffer.alloc(8192, 0x5a));
    await rm(`${file}-wal`, { force: true });
    await rm(`${file}-shm`, { force: true });
    const service = await openService(root, data);
    expect(prompts(service)).toEqual(['clip number 0', 'clip number 1']);
    expect(service.status().notice).toMatch(
      /could not be read \(the file is damaged\).*set aside as library-[0-9a-f]+\.sqlite\.damaged-.*made again from the videos/
    );
    expect((await indexFiles(data)).some((f) => f.includes('.damaged-'))).toBe(true);
  });

  it('sets aside a database another program holds locked past the timeout, and rebuilds it', async () => {
    const root = await makeLibrary(2);
    const data = await temp.make('ltx-db-data-');
    await close(await openService(root, data));
    const file = await theDatabase(data);
    const holder = new DatabaseSync(file);
    holder.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;');
    try {
      const service = await openService(root, data);
      expect(prompts(service)).toEqual(['clip number 0', 'clip number 1']);
      expect(service.status().notice).toMatch(/held by another program.*set aside as .*\.locked-.*close it/);
    } finally {
      holder.close();
    }
  });

  it('keeps its write-ahead log to a few hundred KB while videos land, leaving the data disk to the queue journal', async () => {
    const root = await makeLibrary(1);
    const data = await temp.make('ltx-db-data-');
    const service = await openService(root, data);
    await service.checked();
    const wal = `${await theDatabase(data)}-wal`;
    let largest = 0;
    // Each landed video writes its row, its entry and six indexes: some 30 KB of log each.
    for (let i = 0; i < 80; i++) {
      const name = `landed-${i}.mp4`;
      const sidecar = makeSidecar(name, {}, { prompt: `a landed video, number ${i}` });
      await addVideo(root, `batch/${name}`, sidecar);
      await service.landed({ path: join(root, 'batch', name), sidecar });
      largest = Math.max(largest, existsSync(wal) ? statSync(wal).size : 0);
    }
    expect(service.query({}).total).toBe(81);
    // Its limit (256 KB) and the one transaction that crossed it, never SQLite's default 4 MB (over 3 MB here before).
    expect(largest).toBeLessThan(400 * 1024);
  });
});

/** Whether this test may mount a small tmpfs (it runs as root on Linux). */
const canMount = process.platform === 'linux' && process.getuid?.() === 0;

describe.skipIf(!canMount)('a full disk during a rebuild (a small tmpfs as the data folder; needs root)', () => {
  it('keeps the old database in use and says what to do', async () => {
    const root = await makeLibrary(20);
    const mount = await temp.make('ltx-db-tmpfs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
    try {
      const service = await openService(root, mount);
      await service.checked();
      expect(service.query({}).total).toBe(20);
      // Enough videos with long prompts that their index cannot fit in what is left of the disk.
      const long = 'a very long prompt about a lighthouse keeper and his robot '.repeat(40);
      for (let i = 0; i < 400; i++) {
        const name = `more-${i}.mp4`;
        await addVideo(root, `more/${name}`, makeSidecar(name, {}, { prompt: `${long} ${i}` }));
      }
      await service.rebuild();
      expect(service.status().notice).toMatch(/disk holding the data folder is full.*index from before is still used.*Free some space/);
      expect(service.query({}).total).toBe(20);
      expect(service.query({ text: 'number 17' }).items.map((i) => i.path)).toEqual(['batch/clip-17.mp4']);
      expect((await indexFiles(mount)).filter((f) => f.endsWith('.building'))).toEqual([]);
      await close(service);
      const again = await openService(root, mount);
      expect(again.query({}).total).toBe(20);
      await close(again);
    } finally {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      execFileSync('umount', [mount]);
    }
    expect(existsSync(mount)).toBe(true);
  });
});
