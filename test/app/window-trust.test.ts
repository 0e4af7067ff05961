/**
 * The window is not trusted: main reads only files the person chose (main's dialog, or a drop
 * the preload gathered), and writes only into folders chosen in main's folder dialog. Driven
 * through the app service's dispatch, as a compromised page would call it, against real files.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChosenFile, ChosenFolder, DroppedFiles, ImportPreview, IpcResult } from '@shared/ipc';
import type { LibraryPage } from '@shared/library';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { folderPathProblem } from '../../src/main/core/app/folder-rules';
import { sanitizeSettings } from '../../src/main/core/app/settings-file';
import { mediaResponse, resolveMediaUrl } from '../../src/main/core/library/media-files';
import { createLogger } from '../../src/main/core/log/logger';
import { memorySecret, testDesktop, type TestDesktop } from '../support/app-options';

const SAMPLE_MP4 = fileURLToPath(new URL('../../resources/sim/sample-16x9.mp4', import.meta.url));
/** A file main must never read for the window: /etc/shadow where this runs as root, else a stand-in with the same role. */
const SHADOW = existsSync('/etc/shadow') && canRead('/etc/shadow') ? '/etc/shadow' : undefined;

function canRead(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
let stored: Settings;
let service: AppService;
let desktop: TestDesktop;
let lines: string[];

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${channel}: ${result.code}: ${result.message}`);
  return result.value as T;
}

async function refused(channel: string, ...args: unknown[]): Promise<{ code: string; message: string }> {
  const result: IpcResult<unknown> = await service.dispatch(channel, args);
  if (result.ok) throw new Error(`${channel} was expected to be refused, but answered ${JSON.stringify(result.value).slice(0, 300)}`);
  return result;
}

/** The folder dialog, as the person answers it. */
async function chooseFolder(purpose: 'export' | 'library' | 'data', path: string | null): Promise<ChosenFolder> {
  desktop.nextFolder = path;
  return call<ChosenFolder>('dialog:choose-folder', purpose);
}

/** Media the way `ltx-media://` serves it: the folders are read from the settings at each request. */
async function media(url: string): Promise<{ status: number; body?: string }> {
  const resolved = await resolveMediaUrl(url, { library: stored.libraryDir, cache: join(stored.dataDir, 'cache') });
  if (!resolved.ok) return { status: resolved.status };
  const answer = await mediaResponse(resolved.path, null, 'GET');
  return { status: answer.status, body: await answer.text() };
}

/** The log lines written since `from`. */
const logSince = (from: number): string => lines.slice(from).join('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-trust-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  const root = mkdtempSync(join(dir, 'app-'));
  mkdirSync(join(root, 'library'));
  copyFileSync(SAMPLE_MP4, join(root, 'library', 'clip.mp4'));
  stored = defaultSettings({ libraryDir: join(root, 'library'), dataDir: join(root, 'data') });
  lines = [];
  desktop = testDesktop(root);
  service = await AppService.start({
    settings: { read: () => structuredClone(stored), write: (next) => void (stored = structuredClone(next)) },
    secrets: memorySecret(),
    hostingSecret: memorySecret(),
    desktop,
    version: '0.1.0',
    resourcesDir: 'resources',
    timeScale: 0.01,
    watchLibrary: false,
    log: createLogger((level, line) => lines.push(`[${level}] ${line}`))
  });
});
afterEach(async () => {
  await service.close();
});

describe('import:file reads only a file the person chose', () => {
  it.runIf(SHADOW)('refuses /etc/shadow, as a path or as a made-up token, and answers no byte of it', async () => {
    const secret = readFileSync(SHADOW!, 'utf8');
    const firstLine = secret.split('\n')[0];
    const from = lines.length;
    for (const request of [{ path: SHADOW }, { file: SHADOW }, { file: 'a-token-nobody-was-given' }]) {
      const answer = await refused('import:file', request);
      const text = JSON.stringify(answer);
      expect(text).not.toContain(firstLine.slice(0, 8));
      for (const field of firstLine.split(':').filter((f) => f.length >= 4)) expect(text).not.toContain(field);
    }
    const made = await refused('import:file', { file: SHADOW });
    expect(made.code).toBe('not_allowed');
    expect(made.message).toBe(
      'That file was not chosen in this window, or the app no longer remembers it. Choose the file again with “Choose a file…”, or drop it on the window.'
    );
    expect(logSince(from)).toMatch(/\[warn\] \(ipc\) IPC call refused: import:file: "\/etc\/shadow" is not a token of anything the person chose/);
    expect(logSince(from)).toMatch(/\[warn\] \(ipc\) IPC call refused: import:file was called with a wrong argument/);
  });

  it('refuses a file outside the dialog even when it is a real CSV, and imports the one the person picked', async () => {
    const csv = join(dir, 'picked.csv');
    writeFileSync(csv, 'prompt\n"A heron lifts off the water at dawn"\n');
    expect((await refused('import:file', { file: csv })).code).toBe('not_allowed');

    desktop.nextFiles = null;
    expect(await call('dialog:choose-csv')).toBeNull();
    desktop.nextFiles = [csv];
    const chosen = await call<ChosenFile>('dialog:choose-csv');
    expect(chosen.name).toBe('picked.csv');
    expect(chosen.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(JSON.stringify(chosen)).not.toContain(dir);
    expect(desktop.dialogs).toEqual(['Choose a CSV file or a workbook', 'Choose a CSV file or a workbook']);
    const preview = await call<ImportPreview>('import:file', { file: chosen.token });
    expect(preview).toMatchObject({ fileName: 'picked.csv', rowCount: 1, validCount: 1 });
  });

  it('imports a dropped CSV by the token the drop answered, never by its path', async () => {
    const csv = join(dir, 'dropped.csv');
    writeFileSync(csv, 'prompt\n"Rain on a tin roof, close-up"\n');
    const drop = await call<DroppedFiles>('drop:inspect', [csv]);
    expect(drop.csv).toEqual([{ token: expect.any(String), name: 'dropped.csv' }]);
    expect(JSON.stringify(drop)).not.toContain(dir);
    expect(await call<ImportPreview>('import:file', { file: drop.csv[0].token })).toMatchObject({ rowCount: 1 });
  });

  it('refuses a token chosen for something else, and one the app has forgotten', async () => {
    const folder = await chooseFolder('export', dir);
    const from = lines.length;
    const wrong = await refused('import:file', { file: folder.token });
    expect(wrong.message).toBe('That file was chosen for something else. Choose the file again with “Choose a file…”, or drop it on the window.');
    expect(logSince(from)).toContain('import:file: a token chosen as folder:export was sent for csv');

    const csv = join(dir, 'old.csv');
    writeFileSync(csv, 'prompt\nold\n');
    desktop.nextFiles = [csv];
    const first = await call<ChosenFile>('dialog:choose-csv');
    for (let i = 0; i < 256; i++) await chooseFolder('export', dir);
    expect((await refused('import:file', { file: first.token })).message).toMatch(
      /^That file was not chosen in this window, or the app no longer remembers it/
    );
  });
});

describe('library:export writes only into a folder chosen in the dialog', () => {
  it('refuses "/" as a path, and "/" chosen in the dialog, and writes nothing there', async () => {
    const before = existsSync('/manifest.csv');
    const rootBefore = readdirSync('/').sort();
    const from = lines.length;
    expect((await refused('library:export', ['clip.mp4'], '/')).code).toBe('not_allowed');
    const root = await chooseFolder('export', '/');
    const system = await refused('library:export', ['clip.mp4'], root.token);
    expect(system.message).toBe('/ is a system folder. It cannot be the export folder. Choose or make a folder of your own to copy the videos into.');
    expect(logSince(from)).toMatch(/IPC call refused: library:export: "\/" is not a token/);
    expect(logSince(from)).toMatch(/IPC call refused: library:export: export folder "\/" refused: \/ is a system folder/);
    expect(existsSync('/manifest.csv')).toBe(before);
    expect(existsSync('/clip.mp4')).toBe(false);
    expect(readdirSync('/').sort()).toEqual(rootBefore);
  });

  it('refuses a library-folder token for an export, and exports to a folder the person chose', async () => {
    const target = mkdtempSync(join(dir, 'delivery-'));
    const library = await chooseFolder('library', target);
    expect((await refused('library:export', ['clip.mp4'], library.token)).message).toMatch(/^That export folder was chosen for something else/);
    expect(readdirSync(target)).toEqual([]);
    const chosen = await chooseFolder('export', target);
    expect(chosen).toMatchObject({ path: target });
    expect(desktop.dialogs.at(-1)).toBe('Export videos to…');
    const result = await call<{ done: number; manifest: string }>('library:export', ['clip.mp4'], chosen.token);
    expect(result.done).toBe(1);
    expect(readdirSync(target).sort()).toEqual(['clip.mp4', 'manifest.csv', 'manifest.xlsx']);
  });
});

describe('settings:update takes folders only from the dialog, and checks them', () => {
  it('refuses libraryDir "/", dataDir "/etc" and "relative/dir" sent as paths, and leaves every setting as it was', async () => {
    const before = structuredClone(stored);
    const from = lines.length;
    for (const patch of [{ libraryDir: '/' }, { dataDir: '/etc' }, { libraryDir: 'relative/dir' }, { libraryDir: '/', theme: 'dark' }]) {
      const answer = await refused('settings:update', patch);
      expect(answer.code).toBe('invalid_argument');
      expect(answer.message).toMatch(/the (library|data) folder is chosen with Browse… in Settings, never by a path the window sends/);
      expect(stored).toEqual(before);
    }
    for (const patch of [{ libraryFolder: '/' }, { dataFolder: '/etc' }, { libraryFolder: 'relative/dir' }]) {
      const answer = await refused('settings:update', patch);
      expect(answer.message).toMatch(/^That (library|data) folder was not chosen in this window/);
      expect(stored).toEqual(before);
    }
    expect(logSince(from).match(/IPC call refused/g)).toHaveLength(7);
    // Structured clone keeps an `undefined`: it changes nothing, and clears no folder.
    await call('settings:update', { libraryDir: undefined, dataDir: undefined, libraryFolder: undefined, concurrency: undefined, theme: 'dark' });
    expect(stored).toEqual({ ...before, theme: 'dark' });
  });

  it('refuses system folders, the home folder, a missing folder and a file, even chosen in the dialog', async () => {
    const before = structuredClone(stored);
    const file = join(dir, 'not-a-folder.txt');
    writeFileSync(file, 'x');
    const gone = join(dir, 'gone');
    mkdirSync(gone);
    const cases: [string, 'library' | 'data', RegExp][] = [
      ['/', 'library', /^\/ is a system folder\. It cannot be the library folder\. Choose or make a folder of your own for the videos/],
      ['/etc', 'data', /^\/etc is a system folder\. It cannot be the data folder\./],
      ['/usr/share', 'library', /^\/usr\/share is a system folder\./],
      ['/bin', 'data', /system folder/],
      [homedir(), 'library', /is your home folder itself\. It cannot be the library folder\./],
      [file, 'library', /not-a-folder\.txt is a file, not a folder\./],
      [gone, 'data', /gone does not exist \(any more\)\./]
    ];
    rmSync(gone, { recursive: true });
    for (const [path, purpose, words] of cases) {
      const chosen = await chooseFolder(purpose, path);
      const from = lines.length;
      const answer = await refused('settings:update', purpose === 'library' ? { libraryFolder: chosen.token } : { dataFolder: chosen.token });
      expect(answer.code, path).toBe('not_allowed');
      expect(answer.message, path).toMatch(words);
      expect(logSince(from), path).toMatch(/\[warn\] \(ipc\) IPC call refused: settings:update: (library|data) folder ".*" refused/);
      expect(stored).toEqual(before);
    }
  });

  it('refuses a folder whose link leads into a system folder', async () => {
    const link = join(dir, 'innocent');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc', link);
    const chosen = await chooseFolder('library', link);
    expect((await refused('settings:update', { libraryFolder: chosen.token })).message).toMatch(/innocent leads to \/etc: \/etc is a system folder\./);
  });

  it('takes a folder chosen in the dialog and follows it; the data folder from the next start', async () => {
    const library = mkdtempSync(join(dir, 'videos-'));
    copyFileSync(SAMPLE_MP4, join(library, 'new.mp4'));
    const chosen = await chooseFolder('library', library);
    expect(desktop.dialogs.at(-1)).toBe('Choose the library folder');
    const next = await call<Settings>('settings:update', { libraryFolder: chosen.token });
    expect(next.libraryDir).toBe(library);
    const data = mkdtempSync(join(dir, 'data-'));
    expect((await call<Settings>('settings:update', { dataFolder: (await chooseFolder('data', data)).token })).dataDir).toBe(data);
    expect(stored).toMatchObject({ libraryDir: library, dataDir: data });
    await expect.poll(async () => (await call<LibraryPage>('library:query', {})).items.map((i) => i.path)).toEqual(['new.mp4']);
  });

  it('after a refused change, ltx-media://library still serves only the real library folder', async () => {
    const outside = join(tmpdir(), `ltx-trust-${process.pid}.json`);
    writeFileSync(outside, '{"secret": "outside the library"}');
    try {
      expect((await media(`ltx-media://library${outside}`)).status).toBe(404);
      await refused('settings:update', { libraryDir: '/' });
      await refused('settings:update', { libraryFolder: (await chooseFolder('library', '/')).token });
      await refused('settings:update', { libraryFolder: (await chooseFolder('library', '/tmp')).token });
      expect(stored.libraryDir).toMatch(/library$/);
      const served = await media(`ltx-media://library${outside}`);
      expect(served.status).toBe(404);
      expect(served.body ?? '').not.toContain('outside the library');
      expect(await media('ltx-media://library/clip.mp4')).toMatchObject({ status: 200 });
    } finally {
      rmSync(outside, { force: true });
    }
  });
});

describe('library doors take only videos inside the library folder', () => {
  const escapes = ['/etc/passwd', '../../../../etc/passwd', 'clip.mp4/../../outside.mp4', '..', '../app-x/library/clip.mp4'];

  it('refuses /etc/passwd and ../ escapes on every door, touching nothing', async () => {
    const passwd = readFileSync('/etc/passwd', 'utf8');
    for (const path of escapes) {
      for (const [channel, args] of [
        ['library:get', [path]],
        ['library:reveal', [path]],
        ['library:use', [path]],
        ['library:continue', [path, 1, 'data:image/png;base64,iVBORw0KGgo=']],
        ['library:thumbnail', [path, 'data:image/jpeg;base64,/9j/4AAQ']],
        ['library:rerun', [{ paths: [path], seeds: 'new', takes: 1 }]]
      ] as const) {
        const answer = await refused(channel, ...args);
        expect(answer.code, `${channel} ${path}`).toBe('invalid_argument');
        expect(answer.message, `${channel} ${path}`).toMatch(/is not a video inside the library folder/);
        expect(answer.message).not.toContain(passwd.slice(0, 20));
      }
      for (const channel of ['library:favourite', 'library:delete'] as const) {
        const args = channel === 'library:favourite' ? [[path], true] : [[path]];
        const result = await call<{ done: number; failed: { message: string }[] }>(channel, ...args);
        expect(result.done).toBe(0);
        expect(result.failed[0].message).toMatch(/is not a video inside the library folder/);
      }
    }
    expect(desktop.revealed).toEqual([]);
    expect(existsSync(desktop.trashDir)).toBe(false);
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(passwd);
    expect(statSync(join(stored.libraryDir, 'clip.mp4')).size).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/IPC call refused: .*\/etc\/passwd is not a video inside the library folder/);
  });
});

describe('the preload alone hands main a drop', () => {
  it('is not a channel the contract lets the page call', async () => {
    const { PRELOAD_CHANNELS } = await import('@shared/ipc');
    expect(PRELOAD_CHANNELS).toEqual(['drop:inspect']);
  });
});

describe('folder rules', () => {
  it('refuses system folders, the home folder and relative paths, on POSIX and Windows', () => {
    const posix = { platform: 'linux' as const, home: '/home/ana' };
    for (const path of ['/', '/etc', '/etc/', '/etc/ssl', '/usr', '/usr/local/videos', '/bin', '/System/Library', '/proc/1', '/home', '/Users', '/var', '/tmp'])
      expect(folderPathProblem(path, posix), path).toBe(`${path.length > 1 ? path.replace(/\/$/, '') : path} is a system folder.`);
    expect(folderPathProblem('/home/ana', posix)).toBe('/home/ana is your home folder itself.');
    expect(folderPathProblem('/home/ana/', posix)).toBe('/home/ana is your home folder itself.');
    expect(folderPathProblem('relative/dir', posix)).toBe('“relative/dir” is not a full path to a folder.');
    expect(folderPathProblem('~/Videos', posix)).toBe('“~/Videos” is not a full path to a folder.');
    for (const ok of ['/home/ana/Videos', '/tmp/ltx-x', '/Volumes/Disk/Clips', '/mnt/data/videos', '/usrlocal'])
      expect(folderPathProblem(ok, posix), ok).toBeUndefined();

    const win = { platform: 'win32' as const, home: 'C:\\Users\\ana' };
    for (const path of [
      'C:\\',
      'D:\\',
      'C:\\Windows',
      'c:\\windows\\System32',
      'C:\\Program Files',
      'C:\\Program Files (x86)\\App',
      'C:\\ProgramData',
      'C:\\Users'
    ])
      expect(folderPathProblem(path, win), path).toMatch(/is a system folder\.$/);
    expect(folderPathProblem('C:\\Users\\Ana', win)).toMatch(/is your home folder itself\.$/);
    expect(folderPathProblem('Videos', win)).toMatch(/is not a full path/);
    expect(folderPathProblem('\\Videos', win)).toMatch(/is not a full path/);
    for (const ok of ['C:\\Users\\ana\\Videos', 'D:\\Clips', 'E:\\LTX\\data']) expect(folderPathProblem(ok, win), ok).toBeUndefined();
  });

  it('a hand-edited settings file with a system or relative folder falls back to the default, and says why', () => {
    const defaults = defaultSettings({ libraryDir: '/home/ana/Videos/LTX', dataDir: '/home/ana/.config/ltx/data' });
    const said: string[] = [];
    const read = sanitizeSettings({ libraryDir: '/', dataDir: 'relative/dir', theme: 'dark' }, defaults, (p) => said.push(p));
    expect(read).toMatchObject({ libraryDir: defaults.libraryDir, dataDir: defaults.dataDir, theme: 'dark' });
    expect(said).toEqual([
      'libraryDir in the settings file refused (/ is a system folder.); using /home/ana/Videos/LTX',
      'dataDir in the settings file refused (“relative/dir” is not a full path to a folder.); using /home/ana/.config/ltx/data'
    ]);
    expect(sanitizeSettings({ libraryDir: '/etc/ltx' }, defaults).libraryDir).toBe(defaults.libraryDir);
    expect(sanitizeSettings({ libraryDir: '/srv/videos/ltx' }, defaults).libraryDir).toBe('/srv/videos/ltx');
  });
});
