import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSimulatorTasks, simulatorStateDir, startSimulator, type Simulator, type SimulatorOptions } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli, startCli } from '../support/cli';

// Every row here is 720p for 10 s: $0.16 at APIXO's prices (src/shared/pricing.ts).
const ROW_MICROS = 160_000;
const FAST = ['--time-scale', '0.002'];
const NO_KEY = { APIXO_API_KEY: '' };
let dir: string;
let sims: Simulator[] = [];

beforeAll(requireBuiltCli);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-money-'));
});
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
  rmSync(dir, { recursive: true, force: true });
});

/** A simulator standing in for APIXO, reached with a key and --base-url. */
async function apixo(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ timeScale: 0.002, ...options });
  sims.push(sim);
  return sim;
}

function csv(prompts: string[]): string {
  const file = join(dir, 'batch.csv');
  writeFileSync(file, ['prompt,resolution,duration', ...prompts.map((p) => `${p},720p,10`)].join('\n'));
  return file;
}

const data = (): string => join(dir, 'data');
const run = (file: string, ...extra: string[]): string[] => ['run', file, '--out', join(dir, 'library'), '--data-dir', data(), ...FAST, ...extra];
const withKey = (sim: Simulator): { env: NodeJS.ProcessEnv } => ({ env: { APIXO_API_KEY: sim.apiKey } });
const statusJson = async (): Promise<any> => JSON.parse((await runCli(['status', '--data-dir', data(), '--json'])).stdout);

describe('money a person reads, by ledger', () => {
  it('a run on the built-in simulator is simulated everywhere, and the real totals stay at $0', async () => {
    const file = csv(['a lighthouse at dusk', 'a fox in snow']);
    const first = await runCli(run(file, '--yes'), { env: NO_KEY });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Estimate: 2 videos, 20 s of video, \$0\.32 \(simulated: the built-in simulator makes them, nothing is charged\)/);
    expect(first.stdout).toContain('batch: 2 of 2 videos done · simulated $0.32, nothing charged');
    expect(first.stdout).not.toMatch(/spent \$0\.32|\$0\.32 spent/);

    const status = await runCli(['status', '--data-dir', data()]);
    expect(status.stdout).toMatch(/batch \(.*\): 2 of 2 videos done · simulated \$0\.32, nothing charged/);
    expect(status.stdout).toContain('All batches, real money (APIXO): queued $0.00 · committed $0.00 · spent $0.00');
    expect(status.stdout).toContain('Simulated, nothing charged (the built-in simulator): queued $0.00 · committed $0.00 · spent $0.32');
    // "spent $0.32" appears only on the simulated totals' own line.
    expect(status.stdout.split('\n').filter((line) => line.includes('spent $0.32'))).toEqual([
      'Simulated, nothing charged (the built-in simulator): queued $0.00 · committed $0.00 · spent $0.32'
    ]);
    // Nothing was measured: there is no real money to measure.
    expect(status.stdout).not.toMatch(/measured/i);

    const report = await statusJson();
    expect(report.batches[0]).toMatchObject({ ledger: 'simulated', batch: { simulated: true }, money: 'simulated $0.32, nothing charged' });
    expect(report.batches[0].costs).toMatchObject({ spentMicros: 0, simulated: { spentMicros: 2 * ROW_MICROS } });
    expect(report.costs).toMatchObject({ spentMicros: 0, queuedMicros: 0, committedMicros: 0, simulated: { spentMicros: 2 * ROW_MICROS } });
    expect(report.spend).toBeUndefined();
  });

  it('with a key, the measured spend equals the estimate in status', async () => {
    const sim = await apixo({ balanceUsd: 20 });
    const file = csv(['a lighthouse at dusk', 'a fox in snow', 'rain on a window']);
    const first = await runCli(run(file, '--yes', '--base-url', sim.baseUrl), withKey(sim));
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('batch: 3 of 3 videos done · spent $0.48');
    expect(sim.balanceUsd()).toBe(19.52);

    const status = await runCli(['status', '--data-dir', data()]);
    expect(status.stdout).toMatch(/batch \(.*\): 3 of 3 videos done · spent \$0\.48\n {2}Estimated \$0\.48, measured \$0\.48\.\n/);
    expect(status.stdout).toContain('All batches, real money (APIXO): queued $0.00 · committed $0.00 · spent $0.48');
    expect(status.stdout).toContain('Measured in all: Estimated $0.48, measured $0.48.');
    expect(status.stdout).not.toContain('Simulated, nothing charged');

    const report = await statusJson();
    expect(report.batches[0].ledger).toBe('real');
    expect(report.batches[0].costs.spend).toMatchObject({ estimatedMicros: 3 * ROW_MICROS, measuredMicros: 3 * ROW_MICROS, unknownMicros: 0 });
    expect(report.batches[0].costs.spend.differenceMicros).toBeUndefined();
    expect(report.costs.spend).toMatchObject({ estimatedMicros: 3 * ROW_MICROS, measuredMicros: 3 * ROW_MICROS });
    expect(report.costs.simulated.spentMicros).toBe(0);
  });

  it("when failures are billed, status flags the difference with the failed tasks' amount", async () => {
    const sim = await apixo({ balanceUsd: 20, billFailures: true });
    const file = csv(['a lighthouse at dusk', 'a fox in snow [sim:fail:SensitiveContent]', 'rain on a window', 'a desert road [sim:fail:SensitiveContent]']);
    const first = await runCli(run(file, '--yes', '--base-url', sim.baseUrl), withKey(sim));
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('batch: 2 of 4 videos done, 2 failed · spent $0.32');
    // The simulator kept the failures' money: 4 × $0.16 left the balance.
    expect(sim.balanceUsd()).toBe(19.36);

    const words = 'Estimated $0.32, measured $0.64: $0.32 more than estimated, of which $0.32 for failed tasks APIXO billed.';
    const status = await runCli(['status', '--data-dir', data()]);
    expect(status.stdout).toContain(`  ${words}\n`);
    expect(status.stdout).toContain(`Measured in all: ${words}`);
    const report = await statusJson();
    expect(report.batches[0].costs.spend).toMatchObject({
      estimatedMicros: 2 * ROW_MICROS,
      measuredMicros: 4 * ROW_MICROS,
      differenceMicros: 2 * ROW_MICROS,
      failuresBilledMicros: 2 * ROW_MICROS
    });
    expect(report.batches[0].spend).toBe(words);
    expect(report.spend).toBe(words);
  });
});

describe('a batch made with the key, once no key is set', () => {
  it('waits for the key: resume stops like a key problem (3) and sends nothing to the simulator', async () => {
    const sim = await apixo();
    const file = csv(Array.from({ length: 8 }, (_, i) => `row ${i} a kite over dunes [sim:slow]`));
    const { child } = await startCli([...run(file, '--yes', '--base-url', sim.baseUrl), '--concurrency', '1'], /submitting|generating/, {
      APIXO_API_KEY: sim.apiKey
    });
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    const queued = (await statusJson()).batches[0].counts.queued as number;
    expect(queued).toBeGreaterThan(0);

    const waiting = await runCli(['resume', '--data-dir', data(), ...FAST], { env: NO_KEY });
    expect(waiting.code).toBe(3);
    expect(waiting.stdout).toContain(
      '"batch" was made with your APIXO key, and no APIXO_API_KEY is set: set it to go on. Its videos are never sent to the simulator.'
    );
    expect(await readSimulatorTasks(simulatorStateDir(data()))).toEqual([]);
    expect((await statusJson()).batches[0].counts.queued).toBe(queued);
  });
});

describe('a batch made on the simulator, once a key is set', () => {
  /** A run on the built-in simulator stopped by Ctrl-C: tasks in flight there, the rest queued. */
  async function stoppedSimulatedRun(): Promise<string> {
    const file = csv(Array.from({ length: 8 }, (_, i) => `row ${i} waves under a pier [sim:slow]`));
    const { child } = await startCli([...run(file, '--yes'), '--concurrency', '1'], /submitting|generating/, NO_KEY);
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    const report = await statusJson();
    expect(report.batches[0].batch.simulated).toBe(true);
    expect(report.batches[0].counts.queued).toBeGreaterThan(0);
    return file;
  }

  /** No task the built-in simulator made was ever asked of the simulator standing in for APIXO. */
  async function neverAskedOf(sim: Simulator): Promise<number> {
    const simulated = (await readSimulatorTasks(simulatorStateDir(data()))).map((t) => t.taskId);
    expect(simulated.length).toBeGreaterThan(0);
    const asked = sim.requests.filter((r) => r.taskId !== undefined && simulated.includes(r.taskId));
    expect(asked).toEqual([]);
    const prompts = sim.submissions.map((s) => s.body.input.prompt);
    return prompts.filter((p) => p.includes('waves under a pier')).length;
  }

  it('waits for a choice, and --keep-simulated finishes it on the built-in simulator without reaching APIXO', async () => {
    const sim = await apixo();
    const file = await stoppedSimulatedRun();
    const queued = (await statusJson()).batches[0].counts.queued as number;

    const asked = await runCli(run(file, '--yes', '--base-url', sim.baseUrl), withKey(sim));
    expect(asked.code).toBe(2);
    expect(asked.stdout).toMatch(/A batch was made on the built-in simulator and still has queued tasks\. Nothing of it goes to APIXO without your choice:/);
    expect(asked.stdout).toContain(`  batch: ${queued} queued task${queued === 1 ? '' : 's'}, $${(queued * 0.16).toFixed(2)} at APIXO's prices`);
    for (const choice of ['without APIXO_API_KEY', '--keep-simulated', '--cancel-simulated', '--send-real']) expect(asked.stdout).toContain(choice);
    expect(sim.submissions).toHaveLength(0);

    const kept = await runCli(run(file, '--yes', '--keep-simulated', '--base-url', sim.baseUrl), withKey(sim));
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('batch: 8 of 8 videos done · simulated $1.28, nothing charged');
    expect(readdirSync(join(dir, 'library')).filter((f) => f.endsWith('.mp4'))).toHaveLength(8);
    expect(await neverAskedOf(sim)).toBe(0);
    expect(sim.submissions).toHaveLength(0);

    const report = await statusJson();
    expect(report.costs).toMatchObject({ spentMicros: 0, simulated: { spentMicros: 8 * ROW_MICROS } });
  });

  it('--send-real asks first, refuses without a terminal, and with --yes sends only the queued tasks', async () => {
    const sim = await apixo();
    await stoppedSimulatedRun();
    const queued = (await statusJson()).batches[0].counts.queued as number;

    const refused = await runCli(['resume', '--data-dir', data(), ...FAST, '--send-real', '--base-url', sim.baseUrl], withKey(sim));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Nothing was sent to APIXO: without a terminal nobody can confirm the cost. Add --yes');
    expect(sim.submissions).toHaveLength(0);

    const sent = await runCli(['resume', '--data-dir', data(), ...FAST, '--send-real', '--yes', '--base-url', sim.baseUrl], withKey(sim));
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/8 of 8 videos done · spent \$[\d.]+ · simulated \$[\d.]+, nothing charged/);
    // Only what was still queued went to APIXO; what the simulator had made stayed there.
    expect(await neverAskedOf(sim)).toBe(queued);
    const report = await statusJson();
    expect(report.costs.spentMicros).toBe(queued * ROW_MICROS);
    expect(report.costs.simulated.spentMicros).toBe((8 - queued) * ROW_MICROS);
  });

  it('--cancel-simulated cancels the queued tasks and sends nothing', async () => {
    const sim = await apixo();
    await stoppedSimulatedRun();
    const queued = (await statusJson()).batches[0].counts.queued as number;
    const canceled = await runCli(['resume', '--data-dir', data(), ...FAST, '--cancel-simulated', '--base-url', sim.baseUrl], withKey(sim));
    expect(canceled.stdout).toContain(`Canceled ${queued} queued task`);
    expect([0, 1]).toContain(canceled.code);
    expect(await neverAskedOf(sim)).toBe(0);
    expect((await statusJson()).batches[0].counts.canceled).toBe(queued);
  });

  it('without a key, a simulated batch simply runs on the simulator', async () => {
    const file = await stoppedSimulatedRun();
    const rest = await runCli(run(file, '--yes'), { env: NO_KEY });
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain('batch: 8 of 8 videos done · simulated $1.28, nothing charged');
  });
});
