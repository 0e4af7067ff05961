import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectedVideoBytes } from '../../src/main/core/download/video-size';
import { DEFAULT_DISK_MARGIN_BYTES } from '../../src/main/core/queue/disk-guard';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { DEFAULT_BATCH_DEFAULTS } from '@shared/batch-defaults';
import { requireBuiltCli, runCli, startCli } from '../support/cli';
import { submissionsByPrompt } from '../support/engine-harness';
import { TMPFS_SKIP_REASON, Tmpfs, canMountTmpfs } from '../download/tmpfs';
import { sameVideo } from '../library/helpers';

// The built CLI on a library disk too full for the batch (architecture.md, "Downloads"): the run
// says it waits for disk space on that folder and submits nothing; once room is made it goes on by
// itself, saves every video whole, submits no row twice and exits 0.

const SAMPLE = readFileSync('resources/sim/sample-16x9.mp4');
const ROWS = 6;
let sim: Simulator;
let dir: string;
let disk: Tmpfs | undefined;
/** The run under test, stopped after the test if it is still going (it would wait for room for ever). */
let run: ChildProcess | undefined;

beforeAll(async () => {
  requireBuiltCli();
  sim = await startSimulator({ timeScale: 0.002 });
  dir = mkdtempSync(join(tmpdir(), 'ltx-run-disk-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  if (run && run.exitCode === null && run.signalCode === null) {
    const closed = new Promise((resolve) => run!.once('close', resolve));
    run.kill('SIGKILL');
    await closed;
  }
  run = undefined;
  disk?.unmount();
  disk = undefined;
});

async function counts(dataDir: string): Promise<Record<string, number>> {
  const status = await runCli(['status', '--data-dir', dataDir, '--json']);
  return (JSON.parse(status.stdout) as { batches: { counts: Record<string, number> }[] }).batches[0]?.counts ?? {};
}

/** Room for the whole batch in flight (at the CLI's default resolution and length) with the CLI's own margin, and some to spare. */
const ROOMY = Math.ceil((DEFAULT_DISK_MARGIN_BYTES + ROWS * expectedVideoBytes(DEFAULT_BATCH_DEFAULTS)) / (1024 * 1024)) + 16;
/** What the ballast leaves free: a few videos' worth, far below the margin. */
const SHORT = 8 * 1024 * 1024;

describe.skipIf(!canMountTmpfs)(`ltx-batch run on a library disk short of room (${TMPFS_SKIP_REASON})`, () => {
  it('says it waits for disk space on that folder and submits nothing; once the disk is cleaned up it goes on by itself and exits 0', async () => {
    disk = new Tmpfs(`${ROOMY}m`);
    const ballast = disk.fill(SHORT);
    const csv = join(dir, 'pier.csv');
    writeFileSync(csv, ['prompt', ...Array.from({ length: ROWS }, (_, i) => `row ${i}: gulls over a pier at dusk`)].join('\n'));
    const dataDir = join(dir, 'data');
    const args = ['run', csv, '--out', disk.dir, '--data-dir', dataDir, '--time-scale', '0.002', '--yes', '--base-url', sim.baseUrl];
    const env = { APIXO_API_KEY: sim.apiKey };

    const { child, output } = await startCli(args, /waiting for disk space[^\n]*\n/, env);
    run = child;
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    const reason = /waiting for disk space[^\n]*/.exec(output())![0];
    expect(reason).toContain(`the disk holding ${disk.dir} has `);
    expect(reason).toMatch(/ has [78] MB free/);
    expect(reason).toMatch(/free some space/);
    const paid = (): number[] => [...submissionsByPrompt(sim).entries()].filter(([prompt]) => prompt.includes('gulls over a pier')).map(([, n]) => n);
    expect(paid()).toEqual([]);
    expect(await counts(dataDir)).toEqual({ queued: ROWS });
    expect(paid()).toEqual([]);

    rmSync(ballast);
    expect(await exit).toBe(0);
    const out = output();
    expect(out).toMatch(new RegExp(`${ROWS} of ${ROWS} videos done`));
    expect(out).not.toMatch(/download failed|connection is back/);
    const files = readdirSync(disk.dir);
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
    const videos = files.filter((f) => f.endsWith('.mp4'));
    expect(videos).toHaveLength(ROWS);
    for (const video of videos) expect(sameVideo(readFileSync(join(disk.dir, video)), SAMPLE)).toBe(true);
    expect(paid()).toEqual(Array(ROWS).fill(1));
  }, 90_000);
});
