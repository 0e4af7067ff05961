import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApixoClient } from '../../src/main/core/apixo';
import { expectedVideoBytes } from '../../src/main/core/download/video-size';
import { BatchEngine } from '../../src/main/core/queue/engine';
import { DISK_RECHECK_MS } from '../../src/main/core/queue/disk-guard';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { TIME_SCALE, rows, until } from '../support/engine-harness';
import { ScriptedServer } from '../support/scripted-server';
import { TestClock } from '../support/test-clock';

const base = mkdtempSync(join(tmpdir(), 'ltx-holds-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let engine: BatchEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('a 404 from the submit endpoint means a wrong API address', () => {
  it('pauses submits saying so, creates nothing, and sends no row to needs-review', async () => {
    const server = new ScriptedServer().script({ status: 404, body: { code: 404, msg: 'Not Found' } });
    const baseUrl = await server.start();
    try {
      const client = new ApixoClient({ apiKey: 'k', baseUrl, timeoutMs: 5_000 });
      engine = await BatchEngine.open({ dataDir: join(base, 'data-404'), client, timeScale: TIME_SCALE, concurrency: 2 });
      const batch = engine.addBatch({ name: 'wrong address', libraryDir: join(base, 'lib-404'), tasks: rows(5) });
      engine.start();
      await until(() => engine!.status().account?.reason === 'address' && engine!.status().inFlight === 0, 10_000, 'the address hold');
      const status = engine.status();
      expect(status.account?.message).toMatch(/404 \(not found\).*no task was created.*API address/);
      expect(status.activity).toBe('paused: check the API address (it answered 404)');
      const tasks = engine.tasksOf(batch.id);
      expect(tasks.map((t) => t.state)).toEqual(Array(5).fill('queued'));
      expect(tasks.every((t) => t.attempts === 0)).toBe(true);
      // Only the submits started before the first answer went out; none after the hold.
      expect(server.seen.filter((r) => r.method === 'POST').length).toBeLessThanOrEqual(2);
      // Fixed address: resuming carries on with the same rows.
      const sim = await startSimulator({ timeScale: TIME_SCALE, seed: 3 });
      try {
        engine.setClient(new ApixoClient({ apiKey: 'sim-key', baseUrl: sim.baseUrl, timeScale: TIME_SCALE, timeoutMs: 5_000 }));
        engine.resumeAccount();
        await until(() => sim.submissions.length === 5, 10_000, 'the five submits');
        expect(engine.tasksOf(batch.id).every((t) => t.attempts === 1)).toBe(true);
        await engine.close();
      } finally {
        await sim.close();
      }
    } finally {
      await server.stop();
    }
  });
});

describe('an API address that is no web address', () => {
  it('pauses submits saying what is wrong with it, sends nothing, and sends no row to needs-review', async () => {
    const client = new ApixoClient({ apiKey: 'k', baseUrl: '/api/v1', timeoutMs: 5_000 });
    engine = await BatchEngine.open({ dataDir: join(base, 'data-bad-url'), client, timeScale: TIME_SCALE, concurrency: 2 });
    const batch = engine.addBatch({ name: 'no address', libraryDir: join(base, 'lib-bad-url'), tasks: rows(4) });
    engine.start();
    await until(() => engine!.status().account?.reason === 'address' && engine!.status().inFlight === 0, 10_000, 'the address hold');
    expect(engine.status().account?.message).toBe(
      'The API address "/api/v1" is not a web address (it must start with https:// or http://), so nothing was sent. Nothing was charged. Fix it in Settings (or --base-url), then resume.'
    );
    const tasks = engine.tasksOf(batch.id);
    expect(tasks.map((t) => t.state)).toEqual(Array(4).fill('queued'));
    expect(tasks.every((t) => t.attempts === 0)).toBe(true);
  });
});

const root = process.getuid?.() === 0;
describe.skipIf(!root)('submits wait for room on the library disk (tmpfs; needs root)', () => {
  const library = join(base, 'library');
  beforeAll(() => {
    mkdirSync(library);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', library]);
  });
  afterAll(() => execFileSync('umount', ['-l', library]));
  let sim: Simulator;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await sim?.close();
    rmSync(join(library, 'ballast'), { force: true });
  });

  const margin = 8 * 1024 * 1024;
  const each = expectedVideoBytes({ resolution: '480p', duration: 5 });

  async function openOn(clock: TestClock, dataName: string): Promise<BatchEngine> {
    sim = await startSimulator({ timeScale: TIME_SCALE, seed: 5 });
    const client = new ApixoClient({ apiKey: 'sim-key', baseUrl: sim.baseUrl, timeScale: TIME_SCALE, timeoutMs: 5_000 });
    engine = await BatchEngine.open({ dataDir: join(base, dataName), client, timeScale: TIME_SCALE, clock, diskMarginBytes: margin, concurrency: 8 });
    return engine;
  }

  function leaveFree(bytes: number): void {
    const info = statfsSync(library);
    writeFileSync(join(library, 'ballast'), Buffer.alloc(info.bavail * info.bsize - bytes));
  }

  it('submits only what the disk can hold, says why it waits, and goes on by itself when room returns', async () => {
    const clock = new TestClock();
    const e = await openOn(clock, 'data-space');
    leaveFree(margin + Math.floor(2.5 * each));
    const batch = e.addBatch({ name: 'big', libraryDir: join(library, 'videos'), tasks: rows(6) });
    e.start();
    await until(() => sim.submissions.length === 2 && e.status().inFlight === 2, 10_000, 'two submits');
    const status = e.status();
    expect(status.diskSpace?.folder).toBe(join(library, 'videos'));
    expect(status.diskSpace?.message).toMatch(/^waiting for disk space: the disk holding .*videos has \d+ MB free; .*Free some space/);
    expect(status.activity).toMatch(/^waiting for disk space: the disk holding .*videos has \d+ MB free; free some space and submits go on by themselves$/);
    expect(e.tasksOf(batch.id).filter((t) => t.state === 'queued')).toHaveLength(4);
    // Still short after a re-check: nothing more goes.
    await clock.advance(DISK_RECHECK_MS);
    expect(sim.submissions).toHaveLength(2);
    rmSync(join(library, 'ballast'));
    await clock.advance(DISK_RECHECK_MS);
    await until(() => sim.submissions.length === 6, 10_000, 'the other submits');
    expect(e.status().diskSpace).toBeUndefined();
  });

  it('a download that finds the disk full holds submits until a re-check finds room', async () => {
    const clock = new TestClock();
    const e = await openOn(clock, 'data-enospc');
    e.diskFull(join(library, 'videos'));
    e.addBatch({ name: 'after enospc', libraryDir: join(library, 'videos'), tasks: rows(2) });
    e.start();
    expect(e.status().diskSpace?.message).toContain('a download found it full');
    await clock.advance(DISK_RECHECK_MS / 2);
    expect(sim.submissions).toHaveLength(0);
    await clock.advance(DISK_RECHECK_MS);
    await until(() => sim.submissions.length === 2, 10_000, 'the submits');
  });
});
