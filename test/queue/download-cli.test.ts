import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli, startCli } from '../support/cli';
import { submissionsByPrompt } from '../support/engine-harness';
import { TMPFS_SKIP_REASON, Tmpfs, canMountTmpfs } from '../download/tmpfs';

// The built CLI on a library disk that fills up (architecture.md, "Downloads"): the run waits for
// room instead of calling the videos failed; stopped with Ctrl-C and run again on the same CSV once
// there is room, it saves every paid video whole and submits no row twice.

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

describe.skipIf(!canMountTmpfs)(`ltx-batch run on a full library disk (${TMPFS_SKIP_REASON})`, () => {
  it('waits for room, and the same command run again after Ctrl-C and a cleanup saves every video once', async () => {
    disk = new Tmpfs('4m');
    const ballast = disk.fill(64 * 1024);
    const csv = join(dir, 'pier.csv');
    writeFileSync(csv, ['prompt', ...Array.from({ length: ROWS }, (_, i) => `row ${i}: gulls over a pier at dusk`)].join('\n'));
    const dataDir = join(dir, 'data');
    const args = ['run', csv, '--out', disk.dir, '--data-dir', dataDir, '--time-scale', '0.002', '--yes', '--base-url', sim.baseUrl];
    const env = { APIXO_API_KEY: sim.apiKey };

    const { child, output } = await startCli(args, /submitting|generating/, env);
    run = child;
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Every video generated and paid for; none can land, and none is called failed.
    let seen: Record<string, number> = {};
    for (let i = 0; i < 200 && (seen.succeeded ?? 0) < ROWS; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await counts(dataDir);
    }
    expect(seen).toEqual({ succeeded: ROWS });
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(output()).not.toMatch(/download failed|connection is back/);

    rmSync(ballast);
    const again = await runCli(args, { env });
    expect(again.stdout).toMatch(/Resuming batch "pier"/);
    expect(again.stdout).toMatch(new RegExp(`${ROWS} of ${ROWS} videos done`));
    expect(again.code).toBe(0);
    const files = readdirSync(disk.dir);
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
    const videos = files.filter((f) => f.endsWith('.mp4'));
    expect(videos).toHaveLength(ROWS);
    for (const video of videos) expect(readFileSync(join(disk.dir, video)).equals(SAMPLE)).toBe(true);
    const paid = [...submissionsByPrompt(sim).entries()].filter(([prompt]) => prompt.includes('gulls over a pier'));
    expect(paid.map(([, n]) => n)).toEqual(Array(ROWS).fill(1));
  });
});
