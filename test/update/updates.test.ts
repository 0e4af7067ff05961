/**
 * Updates, decided in Node against a release feed on loopback, read by electron-updater itself:
 * a newer version is downloaded and offered with its notes; an equal or older one is not; a
 * restart never interrupts tasks in flight or downloads unless the person says "now"; the feed
 * is read at start and once a day. Only the restart itself is Electron's (counted here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpdateStatus } from '@shared/update';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { electronUpdaterSource } from '../../src/main/core/update/electron-updater-source';
import { UpdateCoordinator, notesText, type UpdateTimers } from '../../src/main/core/update/update-coordinator';
import { memorySecret, testDesktop } from '../support/app-options';
import { loopbackUpdater, startFeed, type Feed } from '../support/update-feed';

const NOTES = '<h2>0.2.0</h2><ul><li>Faster library grid</li><li>Logs &amp; diagnostics</li></ul>';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function feedAt(release: Feed['release']): Promise<Feed> {
  const feed = await startFeed(release);
  cleanups.push(() => feed.close());
  return feed;
}

/** The app service with a real engine on the simulator, and updates from `feed` for an app at `version`. */
async function appWithUpdates(version: string, feed: Feed): Promise<{ service: AppService; sim: Simulator; restarts: () => number; events: UpdateStatus[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-update-app-'));
  const sim = await startSimulator({ timeScale: 0.002 });
  const { updater, cleanup } = loopbackUpdater(version, feed);
  let restarts = 0;
  let stored: Settings = { ...defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') }), concurrency: 2 };
  const service = await AppService.start({
    settings: { read: () => stored, write: (next) => void (stored = next) },
    secrets: memorySecret(),
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version,
    resourcesDir: 'resources',
    timeScale: 0.002,
    updates: electronUpdaterSource(updater, async () => void restarts++)
  });
  const events: UpdateStatus[] = [];
  service.on('update:changed', (s) => events.push(s));
  cleanups.push(
    cleanup,
    () => sim.close(),
    () => service.close(),
    () => rmSync(dir, { recursive: true, force: true })
  );
  return { service, sim, restarts: () => restarts, events };
}

async function call<T>(service: AppService, channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value as T;
}

describe('updates', () => {
  it('downloads a newer version and offers it with its notes as text; an equal or older one is no update', async () => {
    const feed = await feedAt({ version: '0.2.0', notes: NOTES });
    const { service, events } = await appWithUpdates('0.1.0', feed);
    const ready = await call<UpdateStatus>(service, 'update:check');
    expect(ready).toEqual({ state: 'ready', version: '0.2.0', notes: '0.2.0\n• Faster library grid\n• Logs & diagnostics', inFlight: 0, downloading: 0 });
    expect(events.map((e) => e.state)).toEqual(expect.arrayContaining(['checking', 'downloading', 'ready']));
    expect(events.filter((e) => e.state === 'downloading').at(-1)).toMatchObject({ percent: 100 });
    expect(feed.requests.filter((r) => r.endsWith('.exe'))).toHaveLength(1);

    for (const [installed, offered] of [
      ['0.2.0', '0.2.0'],
      ['0.3.0', '0.2.0']
    ]) {
      const same = await feedAt({ version: offered!, notes: '' });
      const { service: other } = await appWithUpdates(installed!, same);
      expect(await call<UpdateStatus>(other, 'update:check')).toEqual({ state: 'idle', checkedAt: expect.any(Number) });
      expect(same.requests.filter((r) => r.endsWith('.exe'))).toEqual([]);
    }
  });

  it('waits for the queue before restarting, and restarts by itself once nothing runs', async () => {
    const feed = await feedAt({ version: '0.2.0', notes: 'Fixes' });
    const { service, restarts } = await appWithUpdates('0.1.0', feed);
    const preview = await call<{ token: string }>(service, 'import:text', { text: 'prompt\nwaves on a pier\nfog over a bay\nrain on a window\n' });
    await call(service, 'batches:create', { token: preview.token, name: 'waves', skipInvalid: false });
    await expect.poll(() => service.snapshot().status.inFlight).toBeGreaterThan(0);

    const offered = await call<UpdateStatus>(service, 'update:check');
    expect(offered).toMatchObject({ state: 'ready', version: '0.2.0' });
    const waiting = await call<UpdateStatus>(service, 'update:install', false);
    expect(waiting).toMatchObject({ state: 'waiting', version: '0.2.0' });
    expect((waiting as { inFlight: number }).inFlight + (waiting as { downloading: number }).downloading).toBeGreaterThan(0);
    expect(restarts()).toBe(0);

    // Nothing restarts while anything runs; the restart comes as the last video lands.
    await expect.poll(() => restarts(), { timeout: 20_000 }).toBe(1);
    const done = service.snapshot();
    expect(done.status.inFlight + done.status.downloading).toBe(0);
    expect(done.batches[0]!.counts.done).toBe(3);
  });

  it('restarts at once when the person says now, and can go back from waiting to offering', async () => {
    const feed = await feedAt({ version: '0.2.0', notes: 'Fixes' });
    const { service, restarts } = await appWithUpdates('0.1.0', feed);
    const preview = await call<{ token: string }>(service, 'import:text', { text: 'prompt\n[sim:slow] a long night train\n' });
    await call(service, 'batches:create', { token: preview.token, name: 'train', skipInvalid: false });
    await expect.poll(() => service.snapshot().status.inFlight).toBe(1);
    await call(service, 'update:check');
    expect(await call<UpdateStatus>(service, 'update:install', false)).toMatchObject({ state: 'waiting' });
    expect(await call<UpdateStatus>(service, 'update:cancel')).toMatchObject({ state: 'ready', inFlight: 1 });
    await call(service, 'update:install', true);
    expect(restarts()).toBe(1);
  });

  it('looks at start and then once a day; a feed that fails says so and looks again the next day', async () => {
    const feed = await feedAt('broken');
    const { updater, cleanup } = loopbackUpdater('0.1.0', feed);
    cleanups.push(cleanup);
    const pending: { at: number; run: () => void }[] = [];
    let now = 0;
    const timers: UpdateTimers = { now: () => now, setTimeout: (run, ms) => pending.push({ at: now + ms, run }), clearTimeout: () => undefined };
    const statuses: UpdateStatus[] = [];
    const coordinator = new UpdateCoordinator({
      source: electronUpdaterSource(updater, async () => undefined),
      busy: () => ({ inFlight: 0, downloading: 0 }),
      onChange: (s) => statuses.push(s),
      timers
    });
    const advance = async (ms: number) => {
      now += ms;
      for (const due = pending.filter((p) => p.at <= now); due.length;) {
        pending.splice(pending.indexOf(due.shift()!), 1)[0]!.run();
      }
      await expect.poll(() => statuses.at(-1)?.state).not.toBe('checking');
    };
    coordinator.start();
    const feedReads = () => feed.requests.filter((r) => r.endsWith('.yml')).length;
    await advance(9_999);
    expect(feedReads()).toBe(0);
    await advance(1);
    await expect.poll(feedReads).toBe(1);
    await expect
      .poll(() => statuses.at(-1))
      .toEqual({ state: 'error', message: 'Could not look for updates. The app looks again tomorrow, or use Check for updates.', checkedAt: 10_000 });
    await expect.poll(() => pending.length).toBe(1);
    expect(pending[0]!.at).toBe(10_000 + 24 * 60 * 60 * 1000);

    feed.release = { version: '0.2.0', notes: 'A day later' };
    await advance(24 * 60 * 60 * 1000);
    await expect.poll(() => statuses.at(-1)?.state).toBe('ready');
    expect(feedReads()).toBe(2);
    coordinator.stop();
  });

  it('reads release notes as text, whatever shape they come in', () => {
    expect(notesText('<p>One &lt;b&gt; two</p><p>Three</p>')).toBe('One <b> two\nThree');
    expect(
      notesText([
        { version: '0.2.0', note: 'New' },
        { version: '0.1.1', note: null }
      ])
    ).toBe('0.2.0\nNew\n\n0.1.1');
    expect(notesText(null)).toBe('');
  });
});
