import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { CLI, ROOT, requireBuiltCli, runCli } from '../support/cli';

const FAST = ['--time-scale', '0.002'];
let dir: string;
let sim: Simulator;
let key: { APIXO_API_KEY: string };

beforeAll(async () => {
  requireBuiltCli();
  sim = await startSimulator({ timeScale: 0.002 });
  key = { APIXO_API_KEY: sim.apiKey };
});
afterAll(() => sim.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-review-'));
});
afterEach(() => {
  sim.setFaults({ resetAfterAcceptRate: 0, truncateDownloadRate: 0 });
  rmSync(dir, { recursive: true, force: true });
});

const data = (): string[] => ['--data-dir', join(dir, 'data')];
const api = (): string[] => ['--base-url', sim.baseUrl, ...FAST];
const submitsOf = (prompt: string): string[] => sim.submissions.filter((s) => (s.body.input as { prompt: string }).prompt === prompt).map((s) => s.taskId);
const videos = (): string[] => (existsSync(join(dir, 'library')) ? readdirSync(join(dir, 'library')).filter((f) => f.endsWith('.mp4')) : []);

/**
 * Runs a one-row CSV whose submit APIXO accepts (and charges) but whose answer is lost, so
 * that the row needs review: the simulator drops the connection after creating the task.
 */
async function runLosingTheAnswer(name: string, prompt: string): Promise<void> {
  const csv = join(dir, `${name}.csv`);
  writeFileSync(csv, `prompt\n"${prompt}"\n`);
  sim.setFaults({ resetAfterAcceptRate: 1 });
  const run = await runCli(['run', csv, '--out', join(dir, 'library'), ...data(), ...api(), '--yes'], { env: key });
  sim.setFaults({ resetAfterAcceptRate: 0 });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/Row 2: needs review/);
  expect(run.stdout).toContain('`ltx-batch review` lists them');
  expect(run.stdout).not.toContain('Decide in the app');
  expect(submitsOf(prompt)).toHaveLength(1);
}

/** util-linux `script` gives the CLI a real terminal, so that it asks as it would a person. */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/** Runs the built CLI in a pseudo-terminal, typing `answer`. */
function inTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...key } });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(answer);
  });
}

describe('cli review, resubmit, abandon and attach', () => {
  it('lists a row whose submit answer was lost; resubmit refuses without a terminal, and with --yes submits one new task', async () => {
    const prompt = 'a lighthouse in a storm, waves over the rocks';
    await runLosingTheAnswer('storm', prompt);

    const review = await runCli(['review', ...data()]);
    expect(review.code).toBe(0);
    expect(review.stdout).toMatch(/^storm \(batch \S+\): 1 task to look at/m);
    expect(review.stdout).toMatch(/Row 2 \(\S+\): needs review — "a lighthouse in a storm, waves over the rocks"/);
    expect(review.stdout).toMatch(/Why: .*may have been created|Why: .*may or may not/i);
    expect(review.stdout).toContain('APIXO task ID: not known');
    expect(review.stdout).toMatch(/ltx-batch resubmit 2 --data-dir \S+ {3}submits it again, about \$\d+\.\d+: may pay twice/);
    expect(review.stdout).toMatch(/ltx-batch attach 2 <taskId> --data-dir \S+ {3}if you find its task at APIXO/);
    expect(review.stdout).toMatch(/ltx-batch abandon 2 --data-dir \S+/);
    const json = JSON.parse((await runCli(['review', ...data(), '--json'])).stdout);
    expect(json.batches).toHaveLength(1);
    expect(json.batches[0].tasks).toMatchObject([{ row: 2, state: 'needs_review', prompt }]);

    const refused = await runCli(['resubmit', '2', ...data(), ...api()], { env: key });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/may pay twice/);
    expect(refused.stdout).toMatch(/Estimate: 1 video, about \$\d+\.\d+/);
    expect(refused.stderr).toMatch(/Not resubmitted: without a terminal .* Add --yes/);
    expect(submitsOf(prompt)).toHaveLength(1);

    const resubmitted = await runCli(['resubmit', '2', ...data(), ...api(), '--yes'], { env: key });
    expect(resubmitted.stderr).toBe('');
    expect(resubmitted.code).toBe(0);
    expect(resubmitted.stdout).toMatch(/storm: 1 of 1 video done/);
    expect(submitsOf(prompt)).toHaveLength(2);
    expect(videos()).toHaveLength(1);

    const after = await runCli(['review', ...data()]);
    expect(after.stdout).toContain('Nothing needs a decision');
    const again = await runCli(['resubmit', '2', ...data(), ...api(), '--yes'], { env: key });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/Nothing was done: row 2 of batch "storm" is done/);
    expect(submitsOf(prompt)).toHaveLength(2);
  });

  it.skipIf(!HAS_SCRIPT)('in a terminal, resubmit asks: "n" submits nothing, "y" submits once (needs util-linux script)', async () => {
    const prompt = 'a kite over a windy beach';
    await runLosingTheAnswer('kite', prompt);
    const no = await inTerminal(['resubmit', '2', ...data(), ...api()], 'n\n');
    expect(no.output).toMatch(/Submit row 2 of batch "kite" again for about \$\d+\.\d+\? \[y\/N\]/);
    expect(no.output).toContain('Nothing was submitted.');
    expect(no.code).toBe(0);
    expect(submitsOf(prompt)).toHaveLength(1);
    const yes = await inTerminal(['resubmit', '2', ...data(), ...api()], 'y\n');
    expect(yes.output).toMatch(/kite: 1 of 1 video done/);
    expect(yes.code).toBe(0);
    expect(submitsOf(prompt)).toHaveLength(2);
    expect(videos()).toHaveLength(1);
  });

  it('attach collects the video of the task APIXO made, paying nothing again', async () => {
    const prompt = 'a paper boat drifting down a rainy gutter';
    await runLosingTheAnswer('boat', prompt);
    const [made] = submitsOf(prompt);

    const wrong = await runCli(['attach', '2', 'no-such-task-4711', ...data(), ...api()], { env: key });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/Row 2: needs review — /);
    expect(videos()).toHaveLength(0);
    const told = JSON.parse((await runCli(['review', ...data(), '--json'])).stdout);
    expect(told.batches[0].tasks).toMatchObject([{ row: 2, state: 'needs_review', taskId: 'no-such-task-4711' }]);

    const attached = await runCli(['attach', '2', made, ...data(), ...api()], { env: key });
    expect(attached.stderr).toBe('');
    expect(attached.code).toBe(0);
    expect(attached.stdout).toContain(`Attached APIXO task ${made} to row 2 of batch "boat"`);
    expect(attached.stdout).toMatch(/boat: 1 of 1 video done/);
    expect(videos()).toHaveLength(1);
    expect(submitsOf(prompt)).toEqual([made]);
  });

  it('a row two batches share is refused with the candidates; with --batch, abandon ends only that one', async () => {
    await runLosingTheAnswer('first', 'an owl on a fence post at dusk');
    await runLosingTheAnswer('second', 'a fox crossing a snowy field');

    const ambiguous = await runCli(['abandon', '2', ...data(), ...api()], { env: key });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/Row 2 names 2 tasks in 2 batches; nothing was done/);
    expect(ambiguous.stderr).toMatch(/batch "first" \(\S+\), row 2: needs review/);
    expect(ambiguous.stderr).toMatch(/batch "second" \(\S+\), row 2: needs review/);
    expect(ambiguous.stderr).toContain('Add --batch <id or name>');

    const review = await runCli(['review', ...data()]);
    expect(review.stdout).toMatch(/ltx-batch abandon 2 --batch first/);
    expect(review.stdout).toMatch(/ltx-batch abandon 2 --batch second/);

    const abandoned = await runCli(['abandon', '2', '--batch', 'first', ...data(), ...api()], { env: key });
    expect(abandoned.code).toBe(0);
    expect(abandoned.stdout).toContain('Abandoned row 2 of batch "first"');
    const text = await runCli(['status', ...data()]);
    expect(text.stdout.match(/`ltx-batch review` lists what needs your decision/g)).toHaveLength(1);
    const status = JSON.parse((await runCli(['status', ...data(), '--json'])).stdout);
    const counts = Object.fromEntries(status.batches.map((b: { batch: { name: string }; counts: object }) => [b.batch.name, b.counts]));
    expect(counts).toEqual({ first: { abandoned: 1 }, second: { needs_review: 1 } });

    const unknown = await runCli(['abandon', '2', '--batch', 'third', ...data(), ...api()], { env: key });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no batch "third".*\n.*"first".*"second"/);
  });

  it('a failed download: review offers resume, which downloads the paid video without a new submit; abandon refuses, pointing to resume', async () => {
    const csv = join(dir, 'rain.csv');
    writeFileSync(csv, 'prompt\nrain on a tin roof\n');
    sim.setFaults({ truncateDownloadRate: 1 });
    const run = await runCli(['run', csv, '--out', join(dir, 'library'), ...data(), ...api(), '--yes'], { env: key });
    sim.setFaults({ truncateDownloadRate: 0 });
    expect(run.code).toBe(1);
    const review = await runCli(['review', ...data()]);
    expect(review.stdout).toMatch(/Row 2 \(\S+\): download failed — "rain on a tin roof"/);
    expect(review.stdout).toMatch(/APIXO task ID: \S+/);
    expect(review.stdout).toMatch(/ltx-batch resume --data-dir \S+ {3}downloads it again/);
    expect(review.stdout).not.toContain('ltx-batch abandon');
    const submits = sim.submissions.length;

    const abandoned = await runCli(['abandon', '2', ...data(), ...api()], { env: key });
    expect(abandoned.code).toBe(2);
    expect(abandoned.stderr).toMatch(/row 2 of batch "rain" is paid for and its video waits to be downloaded .*Run `ltx-batch resume` to collect it/);
    const resume = await runCli(['resume', ...data(), ...api()], { env: key });
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/rain: 1 of 1 video done/);
    expect(videos()).toHaveLength(1);
    expect(sim.submissions.length).toBe(submits);
  });

  it('names the new commands in --help', async () => {
    const help = await runCli(['--help']);
    for (const command of ['review', 'resubmit <row|task>', 'abandon <row|task>', 'attach <row> <taskId>']) expect(help.stdout).toContain(`  ${command}`);
    const resubmit = await runCli(['resubmit', '--help']);
    expect(resubmit.code).toBe(0);
    expect(resubmit.stdout).toMatch(/may pay twice/);
  });
});
