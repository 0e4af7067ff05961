/**
 * A key is checked with APIXO (the simulator standing in, over loopback HTTP) before it is saved:
 * a refused key is not saved and the person is told why; a key that cannot be checked is saved
 * with a warning and checked again when the app next starts, on the same settings and secrets.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KeyStatus, QueueSnapshot } from '@shared/ipc';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService, type SecretStore, type SettingsStore } from '../../src/main/core/app/app-service';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';
import { closedPort, ScriptedServer } from '../support/scripted-server';

const TIME_SCALE = 0.002;
const GOOD = 'good-key-1234';
const WRONG = 'wrong-key-9999';

let dir: string;
let stored: Settings;
let secret: string | undefined;
const services: AppService[] = [];
const sims: Simulator[] = [];
const servers: ScriptedServer[] = [];

const settings: SettingsStore = { read: () => stored, write: (next) => void (stored = next) };
const secrets: SecretStore = { get: () => secret, set: (v) => void (secret = v), clear: () => void (secret = undefined) };

async function start(apiBaseUrl: string): Promise<AppService> {
  const service = await AppService.start({
    settings,
    secrets,
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl,
    timeScale: TIME_SCALE,
    watchLibrary: false
  });
  services.push(service);
  return service;
}

async function stop(service: AppService): Promise<void> {
  services.splice(services.indexOf(service), 1);
  await service.close();
}

async function simulator(apiKey: string): Promise<Simulator> {
  const sim = await startSimulator({ apiKey, timeScale: TIME_SCALE });
  sims.push(sim);
  return sim;
}

async function call<T>(service: AppService, channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value as T;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-key-'));
  stored = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  secret = undefined;
});
afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
  for (const sim of sims.splice(0)) await sim.close();
  for (const server of servers.splice(0)) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a key checked when saved', () => {
  it('does not save a key APIXO refuses, keeps the simulator on, and says what APIXO said and what to do', async () => {
    const sim = await simulator(GOOD);
    const service = await start(sim.baseUrl);
    const answer = await service.dispatch('key:set', [WRONG]);
    expect(answer).toMatchObject({ ok: false, code: 'not_allowed' });
    const message = (answer as { message: string }).message;
    expect(message).toMatch(/^Not saved: APIXO did not accept this key \(HTTP 401/);
    expect(message).toContain('The simulator stays on, and nothing is charged.');
    expect(message).toContain('Copy the whole key again from your APIXO account');
    expect(message).not.toContain(WRONG);
    expect(secret).toBeUndefined();
    expect(await call(service, 'key:status')).toEqual({ set: false, protection: 'encrypted' });
    expect(await call(service, 'app:info')).toMatchObject({ simulated: true, apiLabel: 'Simulator' });
    // The check was made with the key typed, against APIXO.
    expect(sim.requests.filter((r) => r.endpoint === 'balance').length).toBeGreaterThan(0);
  });

  it('keeps the saved key in use when a replacement is refused', async () => {
    const sim = await simulator(GOOD);
    const service = await start(sim.baseUrl);
    expect(await call(service, 'key:set', GOOD)).toEqual({ set: true, hint: '…1234', protection: 'encrypted' });
    const answer = await service.dispatch('key:set', [WRONG]);
    expect(answer).toMatchObject({ ok: false, message: expect.stringContaining('The key ending in …1234 stays in use.') });
    expect(secret).toBe(GOOD);
    expect(await call(service, 'app:info')).toMatchObject({ simulated: false, apiLabel: 'APIXO' });
  });

  it('saves a key that cannot be checked with a warning, and checks it again at the next start', async () => {
    const offline = await start(`http://127.0.0.1:${await closedPort()}`);
    const status = await call<KeyStatus>(offline, 'key:set', GOOD);
    expect(secret).toBe(GOOD);
    expect(status).toMatchObject({ set: true, hint: '…1234', check: { state: 'unchecked' } });
    expect(status.check?.message).toMatch(
      /^Saved, but not checked: could not reach APIXO at 127\.0\.0\.1:\d+: the connection was refused \(ECONNREFUSED\); it is checked again at the next start\.$/
    );
    expect(await call(offline, 'app:info')).toMatchObject({ simulated: false });
    // Still in doubt when asked again, and when testing the saved key cannot reach APIXO either.
    expect(await call(offline, 'key:status')).toMatchObject({ check: { state: 'unchecked' } });
    expect(await call(offline, 'key:test')).toMatchObject({ ok: false });
    expect(await call(offline, 'key:status')).toMatchObject({ check: { state: 'unchecked' } });
    await stop(offline);

    // The next start reaches APIXO, which takes the key: the warning goes.
    const sim = await simulator(GOOD);
    const next = await start(sim.baseUrl);
    await vi.waitFor(async () => expect(await call(next, 'key:status')).toEqual({ set: true, hint: '…1234', protection: 'encrypted' }), { timeout: 10_000 });
    expect(sim.requests.filter((r) => r.endpoint === 'balance').length).toBeGreaterThan(0);
    expect(existsSync(join(stored.dataDir, 'key-check.json'))).toBe(false);
    await stop(next);

    // And the start after that has nothing to check again.
    const third = await start(sim.baseUrl);
    expect(await call(third, 'key:status')).toEqual({ set: true, hint: '…1234', protection: 'encrypted' });
  });

  it('saves a key with a warning when APIXO has a server error, and drops the warning once "Test the saved key" works', async () => {
    const apixo = new ScriptedServer().script({ status: 503, body: { code: 503, message: 'Service Unavailable' } });
    servers.push(apixo);
    const service = await start(await apixo.start());
    const status = await call<KeyStatus>(service, 'key:set', GOOD);
    expect(secret).toBe(GOOD);
    expect(status.check).toEqual({
      state: 'unchecked',
      message: 'Saved, but not checked: APIXO had a server error (HTTP 503): Service Unavailable; it is checked again at the next start.'
    });
    // APIXO is back and takes the key.
    apixo.script({ status: 200, body: { code: 200, message: 'success', data: 12.5 } });
    expect(await call(service, 'key:test')).toMatchObject({ ok: true, balanceMicros: 12_500_000 });
    expect(await call(service, 'key:status')).toEqual({ set: true, hint: '…1234', protection: 'encrypted' });
  });

  it('holds submits, and says so, when the unchecked key is refused at the next start; the key is kept', async () => {
    const offline = await start(`http://127.0.0.1:${await closedPort()}`);
    await call(offline, 'key:set', WRONG);
    await stop(offline);

    const sim = await simulator(GOOD); // APIXO, which does not know this key
    const next = await start(sim.baseUrl);
    await vi.waitFor(async () => expect(await call(next, 'key:status')).toMatchObject({ check: { state: 'refused' } }), { timeout: 10_000 });
    const { check } = await call<KeyStatus>(next, 'key:status');
    expect(check?.message).toMatch(/^APIXO did not accept the saved key …9999 at start \(HTTP 401/);
    expect(check?.message).toContain('submits are held');
    expect(secret).toBe(WRONG);
    const { status } = await call<QueueSnapshot>(next, 'queue:snapshot');
    expect(status.account).toMatchObject({ reason: 'auth', message: check?.message });

    // A batch added now waits: nothing is sent with a key APIXO refused.
    const preview = await call<{ token: string }>(next, 'import:text', { text: 'A lighthouse in a storm', lines: true });
    await call(next, 'batches:create', { token: preview.token, name: 'held', skipInvalid: false });
    const after = await call<QueueSnapshot>(next, 'queue:snapshot');
    expect(after.status).toMatchObject({ queued: 1, inFlight: 0, account: { reason: 'auth' } });
    expect(sim.requests.filter((r) => r.endpoint === 'submit')).toEqual([]);

    // Saving a key APIXO takes clears the doubt and the hold.
    expect(await call(next, 'key:set', GOOD)).toEqual({ set: true, hint: '…1234', protection: 'encrypted' });
    expect((await call<QueueSnapshot>(next, 'queue:snapshot')).status.account).toBeUndefined();
  });
});
