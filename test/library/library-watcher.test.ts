import { copyFile, mkdir, open as openFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LibraryChange } from '@shared/library';
import { LibraryService, scanTree, type LibraryServiceOptions } from '../../src/main/core/library';
import { formatSidecar } from '../../src/main/core/download';
import { SAMPLE_TALL, SAMPLE_WIDE, TempDirs, makeSidecar } from './helpers';
import { TestClock } from '../support/test-clock';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

/** Polls until `check` gives something (no timing assumptions beyond a generous limit). */
async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const services: LibraryService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

interface Followed {
  service: LibraryService;
  changes: LibraryChange[];
  listed: () => string[];
  has: (path: string) => boolean;
}

async function follow(libraryDir: string, options: Partial<LibraryServiceOptions> = {}): Promise<Followed> {
  const data = await temp.make('ltx-watch-data-');
  const service = await LibraryService.open({
    libraryDir,
    cacheDir: join(data, 'cache'),
    trash: async () => undefined,
    reveal: () => undefined,
    changeDelayMs: 50,
    ...options,
    // Short waits so the tests are quick; a slow copy's pauses stay far below the grace.
    follow: { settleMs: 100, incompleteGraceMs: 5000, reconcileMs: 0, rootPollMs: 50, ...options.follow }
  });
  services.push(service);
  await service.idle();
  const changes: LibraryChange[] = [];
  service.onChange((change) => changes.push(change));
  const listed = (): string[] =>
    service
      .query({ sort: 'oldest' })
      .items.map((i) => i.path)
      .sort();
  return { service, changes, listed, has: (path) => listed().includes(path) };
}

const sidecarText = (file: string, prompt: string): string => formatSidecar(makeSidecar(file, {}, { prompt }));

/** Writes a file the way a slow copy does: in chunks, with pauses, checking something after each. */
async function copySlowly(from: string, to: string, chunks: number, afterEach: () => void): Promise<void> {
  const bytes = await readFile(from);
  const handle = await openFile(to, 'w');
  try {
    const size = Math.ceil(bytes.length / chunks);
    for (let at = 0; at < bytes.length; at += size) {
      await handle.write(bytes, at, Math.min(size, bytes.length - at), at);
      await handle.datasync();
      await sleep(150);
      afterEach();
    }
  } finally {
    await handle.close();
  }
}

describe.each([
  { mode: 'one watch per folder (Linux default)', recursive: false },
  { mode: 'one recursive watch', recursive: true }
])('following the library folder: $mode', ({ recursive }) => {
  // Node emulates recursive watching where the OS has none; the periodic look heals what it misses.
  const tuning = recursive ? { recursive, reconcileMs: 1000 } : { recursive };

  it('shows a video copied in from outside, with its sidecar', async () => {
    const root = await temp.make('ltx-watch-');
    const { service, has } = await follow(root, { follow: tuning });
    await mkdir(join(root, 'trip'));
    await copyFile(SAMPLE_WIDE, join(root, 'trip', 'beach.mp4'));
    await writeFile(join(root, 'trip', 'beach.json'), sidecarText('beach.mp4', 'waves on a beach'));
    await until('the copied video', () => has('trip/beach.mp4') && service.query({ text: 'waves' }).total === 1);
    expect(service.query({ text: 'waves' }).items[0]).toMatchObject({ origin: 'app', path: 'trip/beach.mp4' });
  });

  it('turns a video into an app video when its sidecar arrives after it', async () => {
    const root = await temp.make('ltx-watch-');
    const { service } = await follow(root, { follow: tuning });
    await copyFile(SAMPLE_TALL, join(root, 'late.mp4'));
    await until('the video, unknown', () => service.query({}).items.find((i) => i.path === 'late.mp4' && i.origin === 'unknown' && i.probe));
    await writeFile(join(root, 'late.json'), sidecarText('late.mp4', 'a sidecar that came late'));
    await until('the video, known', () => service.query({ text: 'came late' }).items[0]?.origin === 'app');
  });

  it('lists a slowly copied video only once it is whole', async () => {
    const root = await temp.make('ltx-watch-');
    const { service } = await follow(root, { follow: tuning });
    const seenEarly: string[][] = [];
    await copySlowly(SAMPLE_WIDE, join(root, 'slow.mp4'), 6, () => seenEarly.push(service.query({}).items.map((i) => i.path)));
    // Every look but the last was taken while the file was still being written.
    expect(seenEarly.slice(0, -1).flat()).toEqual([]);
    const item = await until('the whole video', () => service.query({}).items.find((i) => i.path === 'slow.mp4'));
    expect(item.probeError).toBeUndefined();
    expect(item.probe).toMatchObject({ width: 640, height: 360 });
  });

  it('lists a copy that stalls as broken, and mends it when the copy completes', async () => {
    const root = await temp.make('ltx-watch-');
    const { has, service } = await follow(root, { follow: { ...tuning, incompleteGraceMs: 300 } });
    const bytes = await readFile(SAMPLE_WIDE);
    await writeFile(join(root, 'stalled.mp4'), bytes.subarray(0, bytes.length >> 1));
    const broken = await until('the stalled copy, listed', () => has('stalled.mp4') && service.query({}).items[0]);
    // Listed whole or not at all: never without what its probe said.
    expect(broken.probeError).toMatch(/cut short/);
    await writeFile(join(root, 'stalled.mp4'), bytes);
    await until('the mended video', () => service.query({}).items[0]?.probe?.width === 640);
    expect(service.query({}).items[0].probeError).toBeUndefined();
  });

  it('forgets a deleted video and follows one moved into a subfolder', async () => {
    const root = await temp.make('ltx-watch-');
    await copyFile(SAMPLE_WIDE, join(root, 'keep.mp4'));
    await writeFile(join(root, 'keep.json'), sidecarText('keep.mp4', 'keep me'));
    await copyFile(SAMPLE_TALL, join(root, 'drop.mp4'));
    const { service, listed } = await follow(root, { follow: tuning });
    expect(listed()).toEqual(['drop.mp4', 'keep.mp4']);

    await rm(join(root, 'drop.mp4'));
    await until('the deleted video to go', () => listed().join() === 'keep.mp4');

    await mkdir(join(root, 'sorted'));
    await rename(join(root, 'keep.mp4'), join(root, 'sorted', 'keep.mp4'));
    await rename(join(root, 'keep.json'), join(root, 'sorted', 'keep.json'));
    await until('the moved video', () => listed().join() === 'sorted/keep.mp4');
    expect(service.query({ text: 'keep me' }).items[0]?.origin).toBe('app');

    await rename(join(root, 'sorted'), join(root, 'archive'));
    await until('the moved folder', () => listed().join() === 'archive/keep.mp4');
    await copyFile(SAMPLE_TALL, join(root, 'archive', 'more.mp4'));
    await until('a video added to the moved folder', () => listed().join() === 'archive/keep.mp4,archive/more.mp4');
  });

  it('keeps following a library folder that is deleted and made again', async () => {
    const parent = await temp.make('ltx-watch-');
    const root = join(parent, 'library');
    const { listed } = await follow(root, { follow: tuning });
    await mkdir(root);
    await copyFile(SAMPLE_WIDE, join(root, 'first.mp4'));
    await until('a video in the new folder', () => listed().join() === 'first.mp4');

    await rm(root, { recursive: true });
    await until('the library to empty', () => listed().length === 0);
    await mkdir(join(root, 'again'), { recursive: true });
    await copyFile(SAMPLE_TALL, join(root, 'again', 'second.mp4'));
    await until('a video in the re-made folder', () => listed().join() === 'again/second.mp4');
  });

  it('ignores downloads in progress and hidden files', async () => {
    const root = await temp.make('ltx-watch-');
    const { listed } = await follow(root, { follow: tuning });
    await writeFile(join(root, 'coming.mp4.part'), await readFile(SAMPLE_WIDE));
    await writeFile(join(root, '.hidden.mp4'), await readFile(SAMPLE_WIDE));
    await mkdir(join(root, '.cache'));
    await copyFile(SAMPLE_WIDE, join(root, '.cache', 'x.mp4'));
    await copyFile(SAMPLE_WIDE, join(root, 'visible.mp4'));
    await until('the visible video', () => listed().includes('visible.mp4'));
    // The part download becomes a video when it is renamed into place.
    await rename(join(root, 'coming.mp4.part'), join(root, 'coming.mp4'));
    await until('the finished download', () => listed().join() === 'coming.mp4,visible.mp4');
  });

  it('shows 200 videos landing at once in a few change events', async () => {
    const root = await temp.make('ltx-watch-');
    const { changes, listed } = await follow(root, { follow: tuning });
    const names = Array.from({ length: 200 }, (_, i) => `burst/clip-${String(i).padStart(3, '0')}.mp4`);
    await mkdir(join(root, 'burst'));
    await Promise.all(names.map((name, i) => copyFile(i % 2 ? SAMPLE_TALL : SAMPLE_WIDE, join(root, name))));
    await until('all 200 videos', () => listed().length === 200, 30_000);
    expect(listed()).toEqual(names);
    await until('their change events', () => new Set(changes.flatMap((c) => c.changed)).size === 200);
    const events = changes.length;
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThanOrEqual(10);
    expect(new Set(changes.flatMap((c) => c.changed))).toEqual(new Set(names));
    expect(changes.at(-1)?.librarySize).toBe(200);
  });
});

describe('the periodic look at the folder', () => {
  it('finds what no event announced', async () => {
    const root = await temp.make('ltx-watch-');
    await copyFile(SAMPLE_WIDE, join(root, 'old.mp4'));
    const { service, listed } = await follow(root, { watch: false });
    await copyFile(SAMPLE_TALL, join(root, 'new.mp4'));
    await rm(join(root, 'old.mp4'));
    await service.reconcile();
    await until('the folder as it is now', () => listed().join() === 'new.mp4');
  });

  it('runs on its own, healing events that never came', async () => {
    const root = await temp.make('ltx-watch-');
    const clock = new TestClock();
    // No folder events at all: only the periodic look can find these.
    const { service, listed, changes } = await follow(root, { watch: false, follow: { reconcileMs: 200 }, clock });
    await mkdir(join(root, 'quiet'));
    await copyFile(SAMPLE_TALL, join(root, 'quiet', 'unannounced.mp4'));
    // The first look sees it new and lets it settle; once settled (100 ms later) it is read.
    await clock.advance(200);
    await service.idle();
    expect(listed()).toEqual([]);
    await clock.advance(200);
    await service.idle();
    expect(listed().join()).toBe('quiet/unannounced.mp4');
    await rm(join(root, 'quiet'), { recursive: true });
    await clock.advance(200);
    await service.idle();
    expect(listed()).toHaveLength(0);
    await clock.advance(50);
    expect(changes.some((c) => c.removed.includes('quiet/unannounced.mp4'))).toBe(true);
  });
});

describe('the periodic look at a large library', () => {
  it('waits fifty times as long as a look took before the next, so that looking costs 2 % of the time', async () => {
    const root = await temp.make('ltx-watch-');
    await copyFile(SAMPLE_TALL, join(root, 'one.mp4'));
    const clock = new TestClock();
    // A clock on which every look at the whole folder takes 10 s, as at a few hundred thousand videos.
    let slow = 0;
    const slowClock = Object.assign(Object.create(clock) as TestClock, { now: () => clock.now() + slow });
    let looks = 0;
    const scan: typeof scanTree = async (dir, rel, onProgress) => {
      if (rel === '') {
        looks++;
        slow += 10_000;
      }
      return scanTree(dir, rel, onProgress);
    };
    const { service } = await follow(root, { watch: false, follow: { reconcileMs: 200, scan }, clock: slowClock });
    await service.checked();
    const first = looks;
    await clock.advance(200);
    await service.idle();
    expect(looks).toBe(first + 1);
    // 10 s of looking: the next look is 500 s later, not 200 ms.
    await clock.advance(499_000);
    await service.idle();
    expect(looks).toBe(first + 1);
    await clock.advance(2_000);
    await service.idle();
    expect(looks).toBe(first + 2);
  });
});

describe('videos the app landed', () => {
  it('are listed from the sidecar the download stage handed over, not read back from disk', async () => {
    const root = await temp.make('ltx-watch-');
    const { service, has } = await follow(root, { watch: false });
    await copyFile(SAMPLE_WIDE, join(root, 'fresh.mp4'));
    // What lies on disk says one thing; what the download stage wrote (and hands over) says another.
    await writeFile(join(root, 'fresh.json'), sidecarText('fresh.mp4', 'what the disk says'));
    await service.landed({ path: join(root, 'fresh.mp4'), sidecar: makeSidecar('fresh.mp4', {}, { prompt: 'what was handed over' }) });
    expect(has('fresh.mp4')).toBe(true);
    expect(service.query({ text: 'handed over' }).items[0]).toMatchObject({ origin: 'app', path: 'fresh.mp4' });
    expect(service.query({ text: 'the disk says' }).total).toBe(0);
  });

  it('are not listed when they lie outside the library folder', async () => {
    const root = await temp.make('ltx-watch-');
    const elsewhere = await temp.make('ltx-elsewhere-');
    const { service, listed } = await follow(root, { watch: false });
    await copyFile(SAMPLE_WIDE, join(elsewhere, 'stray.mp4'));
    await service.landed({ path: join(elsewhere, 'stray.mp4'), sidecar: makeSidecar('stray.mp4') });
    await service.idle();
    expect(listed()).toEqual([]);
  });
});
