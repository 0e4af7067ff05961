import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueDelta } from '@shared/ipc';
import type { CostTotals } from '@shared/batch';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService, type SecretStore, type SettingsStore } from '../../src/main/core/app/app-service';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';

const TIME_SCALE = 0.002;
let dir: string;
let sim: Simulator;
let service: AppService;
let stored: Settings;
let secret: string | undefined;

const settings: SettingsStore = { read: () => stored, write: (next) => void (stored = next) };
const secrets: SecretStore = { get: () => secret, set: (v) => void (secret = v), clear: () => void (secret = undefined) };

async function call(channel: string, ...args: unknown[]): Promise<unknown> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-app-'));
  stored = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  secret = undefined;
  sim = await startSimulator({ apiKey: 'good-key-1234', timeScale: TIME_SCALE });
  service = await AppService.start({
    settings,
    secrets,
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl: sim.baseUrl,
    timeScale: TIME_SCALE
  });
});
afterEach(async () => {
  await service.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('app service', () => {
  it('with no key runs the example batch on the built-in simulator, streaming coalesced deltas', async () => {
    expect(await call('app:info')).toEqual({ version: '0.1.0', simulated: true, apiLabel: 'Simulator' });
    const deltas: QueueDelta[] = [];
    service.on('queue:changed', (d) => deltas.push(d));
    const preview = (await call('import:example')) as { token: string; rowCount: number; estimate: { micros: number } };
    expect(preview.rowCount).toBe(13);
    const page = (await call('import:rows', preview.token, { offset: 10, limit: 10 })) as { total: number; items: unknown[] };
    expect(page).toMatchObject({ total: 13 });
    expect(page.items).toHaveLength(3);
    const summary = (await call('batches:create', { token: preview.token, name: 'example', skipInvalid: false })) as { batch: { id: string } };
    const started = Date.now();
    while (Date.now() - started < 20_000) {
      const snap = (await call('queue:snapshot')) as { batches: { counts: Record<string, number> }[] };
      if (snap.batches[0].counts.done === 13) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const snap = (await call('queue:snapshot')) as { costs: CostTotals; batches: { batch: { simulated?: boolean } }[] };
    // Simulated money is kept apart: nothing of it is real spend.
    expect(snap.costs.simulated.spentMicros).toBe(preview.estimate.micros);
    expect(snap.costs.spentMicros).toBe(0);
    expect(snap.batches[0].batch.simulated).toBe(true);
    expect(readdirSync(join(dir, 'library')).filter((f) => f.endsWith('.mp4'))).toHaveLength(13);
    const tasks = (await call('tasks:page', summary.batch.id, { offset: 0, limit: 100 })) as { total: number };
    expect(tasks.total).toBe(13);
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThan(13 * 6);
  });

  it('refuses wrong arguments and unknown channels with a sentence, never running the handler', async () => {
    expect(await service.dispatch('batches:pause', [42])).toMatchObject({ ok: false, code: 'invalid_argument' });
    expect(await service.dispatch('settings:update', [{ concurrency: 0 }])).toMatchObject({ ok: false, code: 'invalid_argument' });
    expect(await service.dispatch('settings:update', [{ apiKey: 'x' }])).toMatchObject({ ok: false, code: 'invalid_argument' });
    expect(await service.dispatch('fs:read', ['/etc/passwd'])).toMatchObject({ ok: false, code: 'not_found' });
    expect(await service.dispatch('tasks:cancel', ['nope'])).toMatchObject({ ok: false, code: 'not_allowed', message: 'There is no task nope.' });
  });

  it('keeps an invalid import out of the queue until its rows are left out', async () => {
    const preview = (await call('import:text', { text: 'prompt,duration\ngood,5\nbad,99\n', fileName: 'mixed.csv' })) as {
      token: string;
      invalidRowCount: number;
    };
    expect(preview.invalidRowCount).toBe(1);
    const refused = await service.dispatch('batches:create', [{ token: preview.token, name: 'mixed', skipInvalid: false }]);
    expect(refused).toMatchObject({ ok: false, code: 'not_allowed' });
    const created = (await call('batches:create', { token: preview.token, name: 'mixed', skipInvalid: true })) as { total: number };
    expect(created.total).toBe(1);
  });

  it('sets, tests and clears the key without ever returning it', async () => {
    expect(await call('key:status')).toEqual({ set: false, protection: 'encrypted' });
    expect(await call('key:test', 'wrong-key-9999')).toMatchObject({ ok: false, message: expect.stringMatching(/did not accept the API key/) });
    expect(await call('key:test', 'good-key-1234')).toMatchObject({ ok: true, balanceMicros: 100_000_000, message: 'The key works. Balance: $100.00.' });
    const status = await call('key:set', 'good-key-1234');
    expect(status).toEqual({ set: true, hint: '…1234', protection: 'encrypted' });
    expect(JSON.stringify(status)).not.toContain('good-key');
    expect(await call('app:info')).toMatchObject({ simulated: false, apiLabel: 'APIXO' });
    expect(await call('key:clear')).toEqual({ set: false, protection: 'encrypted' });
    expect(await call('app:info')).toMatchObject({ simulated: true });
  });

  it('applies settings and tells the window', async () => {
    const changed: Settings[] = [];
    service.on('settings:changed', (s) => changed.push(s));
    const next = (await call('settings:update', { concurrency: 9, theme: 'dark' })) as Settings;
    expect(next).toMatchObject({ concurrency: 9, theme: 'dark' });
    expect((await call('queue:snapshot')) as { status: { limit: number } }).toMatchObject({ status: { limit: 9 } });
    expect(changed).toHaveLength(1);
  });
});
