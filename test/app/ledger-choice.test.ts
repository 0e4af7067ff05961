/**
 * A key saved while batches made on the built-in simulator still have queued tasks, through the
 * app service's doors: those batches wait for the person's answer to the ledger question, the
 * simulator keeps collecting what it made, and only "send to APIXO" reaches APIXO (a second
 * simulator standing in for it, over loopback HTTP). Settings and the cost bar read one balance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyTest, LedgerQuestion, QueueSnapshot } from '@shared/ipc';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService, type SecretStore, type SettingsStore } from '../../src/main/core/app/app-service';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';

const TIME_SCALE = 0.005;
const KEY = 'apixo-key-5678';

let dir: string;
let stored: Settings;
let secret: string | undefined;
let service: AppService;
let apixo: Simulator;

const settings: SettingsStore = { read: () => stored, write: (next) => void (stored = next) };
const secrets: SecretStore = { get: () => secret, set: (v) => void (secret = v), clear: () => void (secret = undefined) };

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value as T;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-ledger-'));
  stored = { ...defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') }), concurrency: 1 };
  secret = undefined;
  apixo = await startSimulator({ apiKey: KEY, timeScale: TIME_SCALE, balanceUsd: 40 });
  service = await AppService.start({
    settings,
    secrets,
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl: apixo.baseUrl,
    timeScale: TIME_SCALE,
    watchLibrary: false
  });
});
afterEach(async () => {
  await service.close();
  await apixo.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The example batch made on the simulator, then the key saved while most of it is still queued. */
async function simulatedExampleThenKey(): Promise<string> {
  const preview = await call<{ token: string }>('import:example');
  const summary = await call<{ batch: { id: string; simulated?: boolean } }>('batches:create', { token: preview.token, name: 'example', skipInvalid: false });
  expect(summary.batch.simulated).toBe(true);
  await call('key:set', KEY);
  return summary.batch.id;
}

function batchOf(snap: QueueSnapshot, id: string) {
  return snap.batches.find((b) => b.batch.id === id)!;
}

describe('the ledger question', () => {
  it('holds a simulated batch once a key is saved, and asks with what its queued videos would cost', async () => {
    const id = await simulatedExampleThenKey();
    const snap = await call<QueueSnapshot>('queue:snapshot');
    expect(batchOf(snap, id).batch.paused?.reason).toBe('ledger');
    const question = await call<LedgerQuestion>('queue:ledger-question');
    expect(question.batches[0]).toMatchObject({ id, name: 'example' });
    expect(question.queued).toBeGreaterThan(5);
    expect(question.estimateMicros).toBe(batchOf(snap, id).costs.simulated.queuedMicros);
    // The simulated part stays out of real money.
    expect(snap.costs.spentMicros).toBe(0);
    expect(snap.costs.queuedMicros).toBe(0);
    // Resume is not the answer: the question is.
    expect((await service.dispatch('batches:resume', [id])).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(apixo.submissions).toHaveLength(0);
  });

  it('sends the queued videos to APIXO on "real", and keeps the simulated ones apart', async () => {
    const id = await simulatedExampleThenKey();
    const question = await call<LedgerQuestion>('queue:ledger-question');
    await call('queue:ledger-choice', 'real');
    expect(await call('queue:ledger-question')).toBeNull();
    await until(async () => {
      const b = batchOf(await call<QueueSnapshot>('queue:snapshot'), id);
      return (b.counts.done ?? 0) + (b.counts.failed ?? 0) + (b.counts.rejected ?? 0) === b.total;
    }, 'the batch to finish');
    expect(apixo.submissions).toHaveLength(question.queued);
    const snap = await call<QueueSnapshot>('queue:snapshot');
    expect(snap.costs.spentMicros).toBe(question.estimateMicros);
    expect(snap.costs.simulated.spentMicros).toBe(batchOf(snap, id).costs.simulated.spentMicros);
    expect(snap.costs.simulated.spentMicros).toBeGreaterThan(0);
    await until(async () => (await call<QueueSnapshot>('queue:snapshot')).costs.spend?.windows === 1, 'the spend window to close');
    const measured = (await call<QueueSnapshot>('queue:snapshot')).costs.spend!;
    expect(measured).toMatchObject({ estimatedMicros: question.estimateMicros, measuredMicros: question.estimateMicros });
  });

  it('keeps the batch on the simulator on "keep": APIXO gets nothing', async () => {
    const id = await simulatedExampleThenKey();
    await call('queue:ledger-choice', 'keep', [id]);
    await until(async () => (batchOf(await call<QueueSnapshot>('queue:snapshot'), id).counts.done ?? 0) === 13, 'the batch to finish');
    expect(apixo.submissions).toHaveLength(0);
    const snap = await call<QueueSnapshot>('queue:snapshot');
    expect(snap.costs.spentMicros).toBe(0);
  });

  it('shows one balance: testing the saved key reads the same figure the cost bar shows, with its time', async () => {
    await call('key:set', KEY);
    const test = await call<KeyTest>('key:test');
    expect(test).toMatchObject({ ok: true, balanceMicros: 40_000_000 });
    const { balance } = (await call<QueueSnapshot>('queue:snapshot')).costs;
    expect(balance).toMatchObject({ micros: 40_000_000 });
    expect(Date.now() - balance!.at).toBeLessThan(60_000);
  });
});
