import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli, startCli } from '../support/cli';

const FAST = ['--time-scale', '0.002'];
const NO_KEY = { APIXO_API_KEY: '' };
let dir: string;
let sim: Simulator;

beforeAll(async () => {
  requireBuiltCli();
  sim = await startSimulator({ timeScale: 0.002 });
});
afterAll(() => sim.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function args(csv: string, ...extra: string[]): string[] {
  return ['run', csv, '--out', join(dir, 'library'), '--data-dir', join(dir, 'data'), ...FAST, ...extra];
}

function csv(text: string): string {
  const file = join(dir, 'batch.csv');
  writeFileSync(file, text);
  return file;
}

describe('cli run, status and resume', () => {
  it('runs the example batch against the built-in simulator, then resumes it without submitting again', async () => {
    const first = await runCli(args('resources/examples/example.csv', '--yes'), { env: NO_KEY });
    expect(first.stdout).toContain('built-in APIXO simulator');
    expect(first.stdout).toMatch(/Estimate: 13 videos/);
    expect(first.stdout).toMatch(/example: 13 of 13 videos done · simulated \$\d+\.\d+, nothing charged/);
    expect(first.code).toBe(0);
    expect(readdirSync(join(dir, 'library')).filter((f) => f.endsWith('.mp4'))).toHaveLength(13);

    const again = await runCli(args('resources/examples/example.csv', '--yes'), { env: NO_KEY });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Resuming batch "example" \(13 of 13 videos done\); no row is submitted twice/);
    expect(readdirSync(join(dir, 'library')).filter((f) => f.endsWith('.mp4'))).toHaveLength(13);

    const status = await runCli(['status', '--data-dir', join(dir, 'data'), '--json']);
    const report = JSON.parse(status.stdout);
    expect(report.batches).toHaveLength(1);
    expect(report.batches[0]).toMatchObject({ total: 13, counts: { done: 13 } });

    const resume = await runCli(['resume', '--data-dir', join(dir, 'data'), ...FAST], { env: NO_KEY });
    expect(resume.code).toBe(0);
    expect(resume.stdout).toContain('Nothing to resume');
  });

  it('submits nothing while a row is invalid, and exits 2', async () => {
    const file = csv('prompt,duration\ngood one,5\nbad one,99\n');
    const { code, stderr } = await runCli(args(file, '--yes'), { env: NO_KEY });
    expect(code).toBe(2);
    expect(stderr).toContain('Row 3, duration');
    expect(stderr).toContain('--skip-invalid');
    const status = await runCli(['status', '--data-dir', join(dir, 'data')]);
    expect(status.stdout).toMatch(/No batches/);
  });

  it('asks before spending, and without a terminal wants --yes', async () => {
    const { code, stderr } = await runCli(args('resources/examples/example.csv'), { env: NO_KEY });
    expect(code).toBe(2);
    expect(stderr).toMatch(/add --yes/);
  });

  it('exits 1 when some rows fail, naming them', async () => {
    const file = csv('prompt\na calm lake [sim:fail:SensitiveContent]\na quiet forest\n');
    const { code, stdout } = await runCli(args(file, '--yes', '--base-url', sim.baseUrl), { env: { APIXO_API_KEY: sim.apiKey } });
    expect(code).toBe(1);
    expect(stdout).toMatch(/Row 2: failed \(SensitiveContent\)/);
    expect(stdout).toMatch(/1 of 2 videos done, 1 failed/);
  });

  it('exits 3 when the API key is refused, losing nothing', async () => {
    const { code, stdout } = await runCli(args('resources/examples/example.csv', '--yes', '--base-url', sim.baseUrl), { env: { APIXO_API_KEY: 'wrong' } });
    expect(code).toBe(3);
    expect(stdout).toMatch(/Check your API key/);
    const status = JSON.parse((await runCli(['status', '--data-dir', join(dir, 'data'), '--json'])).stdout);
    expect(status.batches[0].counts).toEqual({ queued: 13 });
  });

  it('stops cleanly on Ctrl-C and finishes on the next run', async () => {
    const file = csv(['prompt', ...Array.from({ length: 30 }, (_, i) => `row ${i}: waves under a pier`)].join('\n'));
    const { child } = await startCli([...args(file, '--yes', '--base-url', sim.baseUrl), '--concurrency', '2'], /submitting|generating/, {
      APIXO_API_KEY: sim.apiKey
    });
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    const rest = await runCli(args(file, '--yes', '--base-url', sim.baseUrl), { env: { APIXO_API_KEY: sim.apiKey } });
    expect(rest.code).toBe(0);
    expect(rest.stdout).toMatch(/30 of 30 videos done/);
    const prompts = sim.submissions.map((s) => (s.body as { input: { prompt: string } }).input.prompt).filter((p) => p.includes('waves under a pier'));
    expect(new Set(prompts).size).toBe(prompts.length);
  });

  it('stops at the breaker, saying why, and goes on with what is left at resume', async () => {
    const rows = Array.from({ length: 8 }, (_, n) => `a storm over the sea ${n + 1} [sim:fail:SensitiveContent],5`).join('\n');
    const first = await runCli(args(csv(`prompt,duration\n${rows}\n`), '--yes', '--concurrency', '1'), { env: NO_KEY });
    const said = `${first.stdout}\n${first.stderr}`;
    expect(first.code, said).toBe(1);
    expect(said).toContain('Paused after 5 safety refusals in a row');
    expect(said).toContain('Run `ltx-batch resume` to go on');
    // The breaker stopped the run: three rows were never sent.
    const status = JSON.parse((await runCli(['status', '--data-dir', join(dir, 'data'), '--json'])).stdout) as {
      batches: { counts: Record<string, number> }[];
    };
    expect(status.batches[0].counts).toMatchObject({ failed: 5, queued: 3 });

    const resume = await runCli(['resume', '--data-dir', join(dir, 'data'), ...FAST, '--concurrency', '1'], { env: NO_KEY });
    expect(resume.stdout).toContain('It goes on now.');
    const after = JSON.parse((await runCli(['status', '--data-dir', join(dir, 'data'), '--json'])).stdout) as { batches: { counts: Record<string, number> }[] };
    expect(after.batches[0].counts).toEqual({ failed: 8 });
  });
});
