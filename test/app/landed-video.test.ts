import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { LibraryChange, LibraryPage } from '@shared/library';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService, type SettingsStore } from '../../src/main/core/app/app-service';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';

const TIME_SCALE = 0.002;
let dir: string | undefined;
let sim: Simulator | undefined;
let service: AppService | undefined;

afterEach(async () => {
  await service?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  service = sim = dir = undefined;
});

it('lists each finished video in the library as it lands, with no folder watch to find it', async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-landed-'));
  let stored: Settings = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  const settings: SettingsStore = { read: () => stored, write: (next) => void (stored = next) };
  sim = await startSimulator({ apiKey: 'good-key-1234', timeScale: TIME_SCALE });
  service = await AppService.start({
    settings,
    secrets: memorySecret(),
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl: sim.baseUrl,
    timeScale: TIME_SCALE,
    // Neither folder events nor the periodic look: only the engine's "video landed" can list a video.
    watchLibrary: false
  });
  const listed = new Set<string>();
  service.on('library:changed', (change: LibraryChange) => change.changed.forEach((path) => listed.add(path)));
  const call = async (channel: string, ...args: unknown[]): Promise<unknown> => {
    const result = await service!.dispatch(channel, args);
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    return result.value;
  };
  const preview = (await call('import:example')) as { token: string; rowCount: number };
  await call('batches:create', { token: preview.token, name: 'example', skipInvalid: false });
  const started = Date.now();
  while (listed.size < preview.rowCount && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
  expect(listed.size).toBe(preview.rowCount);
  const page = (await call('library:query', { sort: 'oldest' })) as LibraryPage;
  expect(page.total).toBe(preview.rowCount);
  expect(page.items.every((item) => item.origin === 'app' && item.prompt)).toBe(true);
});
