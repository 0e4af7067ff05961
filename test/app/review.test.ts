/**
 * Review through the app's doors: a batch made on the simulator lands in the library, then
 * keep and reject, the cost per kept video, "move rejected to the trash" with its undo, and
 * dragging a video out — every call through `AppService.dispatch`, as the window makes it.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchSummary } from '@shared/batch';
import type { IpcResult } from '@shared/ipc';
import type { LibraryChange, LibraryDeleteResult, LibraryPage, LibraryUndoResult } from '@shared/library';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService, type SettingsStore } from '../../src/main/core/app/app-service';
import type { DragOut } from '../../src/main/core/app/media-handlers';
import { formatSidecar, readSidecar } from '../../src/main/core/download';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { SAMPLE_WIDE, makeSidecar } from '../library/helpers';
import { memorySecret, testDesktop, type TestDesktop } from '../support/app-options';

const TIME_SCALE = 0.002;
const RESOURCES = fileURLToPath(new URL('../../resources', import.meta.url));
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

let dir: string | undefined;
let sim: Simulator | undefined;
let service: AppService | undefined;

afterEach(async () => {
  await service?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  service = sim = dir = undefined;
});

async function start(
  options: { startDrag?: (drag: DragOut) => boolean } = {},
  prepare?: (libraryDir: string) => void
): Promise<{ desktop: TestDesktop; libraryDir: string }> {
  dir = mkdtempSync(join(tmpdir(), 'ltx-review-'));
  const libraryDir = join(dir, 'library');
  prepare?.(libraryDir);
  let stored: Settings = defaultSettings({ libraryDir, dataDir: join(dir, 'data') });
  const settings: SettingsStore = { read: () => stored, write: (next) => void (stored = next) };
  sim = await startSimulator({ apiKey: 'good-key-1234', timeScale: TIME_SCALE });
  const desktop = testDesktop(dir);
  service = await AppService.start({
    settings,
    secrets: memorySecret(),
    hostingSecret: memorySecret(),
    desktop,
    version: '0.1.0',
    resourcesDir: RESOURCES,
    apiBaseUrl: sim.baseUrl,
    timeScale: TIME_SCALE,
    watchLibrary: false,
    ...options
  });
  return { desktop, libraryDir };
}

function answer(channel: string, ...args: unknown[]): Promise<IpcResult<unknown>> {
  return service!.dispatch(channel, args);
}

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const result = await answer(channel, ...args);
  if (!result.ok) throw new Error(`${channel}: ${result.code}: ${result.message}`);
  return result.value as T;
}

/** Makes the example batch on the built-in simulator and waits for every video to be listed. */
async function exampleBatch(): Promise<{ batchId: string; page: LibraryPage }> {
  const listed = new Set<string>();
  service!.on('library:changed', (change: LibraryChange) => change.changed.forEach((path) => listed.add(path)));
  const preview = await call<{ token: string; rowCount: number }>('import:example');
  const batch = await call<BatchSummary>('batches:create', { token: preview.token, name: 'example', skipInvalid: false });
  const started = Date.now();
  while (listed.size < preview.rowCount && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
  expect(listed.size).toBe(preview.rowCount);
  return { batchId: batch.batch.id, page: await call<LibraryPage>('library:query', { sort: 'oldest' }) };
}

describe('review through the app', () => {
  it('keeps and rejects, counts what a kept video cost, and moves the rejected ones to the trash with an undo', async () => {
    const { desktop, libraryDir } = await start();
    const { batchId, page } = await exampleBatch();
    const videos = page.items.map((i) => i.path);
    expect(videos.length).toBeGreaterThanOrEqual(6);
    expect(page.items.every((i) => i.simulated === true && i.takes >= 1 && i.row !== undefined && i.take !== undefined)).toBe(true);
    const costOf = (paths: string[]): number => page.items.filter((i) => paths.includes(i.path)).reduce((sum, i) => sum + (i.costMicros ?? 0), 0);
    const total = costOf(videos);
    expect(total).toBeGreaterThan(0);

    expect(await call('library:verdict', videos.slice(0, 2), 'keep')).toEqual({ done: 2, failed: [] });
    expect(await call('library:verdict', videos.slice(2, 5), 'reject')).toEqual({ done: 3, failed: [] });
    expect((await readSidecar(join(libraryDir, ...videos[0].split('/')).replace(/\.mp4$/, '.json'))).sidecar?.verdict).toBe('keep');
    // A verdict the contract does not know is refused before it reaches the library.
    expect(await answer('library:verdict', [videos[0]], 'maybe')).toMatchObject({ ok: false, code: 'invalid_argument' });

    const reviewed = await call<LibraryPage>('library:query', { verdicts: ['reject'] });
    expect(reviewed.total).toBe(3);
    expect(reviewed.facets.verdicts).toEqual({ keep: 2, reject: 3, unreviewed: videos.length - 5 });
    // Made on the simulator: its figures stand apart from real money.
    const kept = { kept: 2, rejected: 3, costMicros: total, perKeptMicros: Math.round(total / 2), simulated: true };
    expect(reviewed.kept).toEqual({ real: { kept: 0, rejected: 0, costMicros: 0, simulated: false }, simulated: kept });
    expect(reviewed.batches.find((b) => b.id === batchId)?.kept).toEqual(kept);

    const deleted = await call<LibraryDeleteResult>('library:trash-rejected', batchId);
    expect(deleted).toEqual({ done: 3, failed: [], undo: expect.stringMatching(/^[0-9a-f]{24}$/), graceMs: 20_000 });
    expect((await call<LibraryPage>('library:query', {})).total).toBe(videos.length - 3);
    expect(existsSync(desktop.trashDir)).toBe(false);

    expect(await call<LibraryUndoResult>('library:undo-delete', deleted.undo)).toEqual({ done: 3, failed: [], renamed: [] });
    expect((await call<LibraryPage>('library:query', { verdicts: ['reject'] })).total).toBe(3);
    expect(await answer('library:undo-delete', deleted.undo)).toEqual({
      ok: false,
      code: 'not_found',
      message: 'That delete can no longer be undone: its files are in the trash.'
    });

    // Deleted again, and the app quits within the grace: the files are in the trash, not lost.
    const again = await call<LibraryDeleteResult>('library:trash-rejected', batchId);
    expect(again.done).toBe(3);
    await service!.close();
    service = undefined;
    const trashed = readdirSync(desktop.trashDir);
    expect(trashed.filter((f) => f.endsWith('.mp4'))).toHaveLength(3);
    expect(trashed.filter((f) => f.endsWith('.json'))).toHaveLength(3);
    expect(existsSync(join(libraryDir, '.ltx-deleted'))).toBe(false);
  });
});

describe('dragging a video out', () => {
  /** A library folder with one app video in it, before the app starts. */
  function oneVideo(libraryDir: string): void {
    mkdirSync(join(libraryDir, 'a'), { recursive: true });
    copyFileSync(SAMPLE_WIDE, join(libraryDir, 'a/robot.mp4'));
    writeFileSync(join(libraryDir, 'a/robot.json'), formatSidecar(makeSidecar('robot.mp4')));
  }

  it('hands the door the video and its poster, or the app icon, and refuses anything outside the library', async () => {
    const drags: DragOut[] = [];
    const { libraryDir } = await start({ startDrag: (drag) => drags.push(drag) > 0 }, oneVideo);
    const video = join(libraryDir, 'a', 'robot.mp4');

    expect(await call('library:drag-out', 'a/robot.mp4')).toBe(true);
    expect(drags).toEqual([{ file: video, icon: join(RESOURCES, 'icons', 'png', '64x64.png') }]);
    expect(existsSync(drags[0].icon)).toBe(true);

    // Once the window has made a poster frame, it is the picture under the pointer.
    const thumb = await call<string>('library:thumbnail', 'a/robot.mp4', `data:image/jpeg;base64,${JPEG.toString('base64')}`);
    expect(await call('library:drag-out', 'a/robot.mp4')).toBe(true);
    expect(drags[1]).toEqual({ file: video, icon: join(dir!, 'data', ...thumb.split('/')) });
    expect(existsSync(drags[1].icon)).toBe(true);

    // Only videos of the library, as the library names them.
    for (const path of ['../secret.mp4', join(dir!, 'outside.mp4'), 'a/../../x.mp4']) {
      expect(await answer('library:drag-out', path)).toMatchObject({ ok: false, code: 'invalid_argument' });
    }
    expect(await answer('library:drag-out', 'a/gone.mp4')).toMatchObject({ ok: false, code: 'not_found' });
    expect(drags).toHaveLength(2);
  });

  it('answers false where the door cannot drag', async () => {
    await start({}, oneVideo);
    expect(await call('library:drag-out', 'a/robot.mp4')).toBe(false);
    expect(await answer('library:drag-out', '../secret.mp4')).toMatchObject({ ok: false, code: 'invalid_argument' });
  });
});
