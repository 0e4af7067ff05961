import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { ApiProxy } from '../apixo/api-proxy';
import { requireBuiltCli, runCli, startCli } from '../support/cli';

// Ctrl-C while every status request hangs on a stalled server: the built CLI stops its polls
// through their AbortSignal and exits at once, and the next `resume` collects every video.
const KEY = 'sk-stop-test-0123456789';
/** Far more than a prompt stop needs, far less than the 30 s a hanging request would hold the process. */
const EXIT_BOUND_MS = 10_000;

let dir: string;
let sim: Simulator;
let proxy: ApiProxy;

beforeAll(async () => {
  requireBuiltCli();
  sim = await startSimulator({ timeScale: 0.002, apiKey: KEY, seed: 11 });
  proxy = new ApiProxy(sim.origin);
  await proxy.start();
  dir = mkdtempSync(join(tmpdir(), 'ltx-stop-'));
});
afterAll(async () => {
  await proxy.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!check()) throw new Error(`never saw ${what}`);
}

describe('Ctrl-C with a stalled status server', () => {
  it('exits within a few seconds, and resume then finishes every video without paying twice', async () => {
    const csv = join(dir, 'batch.csv');
    writeFileSync(csv, 'prompt,resolution,duration\nrain on a tin roof,480p,5\na fox in the snow,480p,5\na kite over a beach,480p,5\n');
    const env = { APIXO_API_KEY: KEY };
    const common = ['--data-dir', join(dir, 'data'), '--time-scale', '0.002', '--base-url', proxy.baseUrl];
    await proxy.setMode('stall-status');
    const { child } = await startCli(['run', csv, '--out', join(dir, 'library'), '--yes', ...common], /Using APIXO/, env);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.removeAllListeners('close');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Every task is at APIXO and each one's status request hangs.
    await until(() => sim.submissions.length === 3 && proxy.stalledRequests >= 3, 'three stalled polls');

    const sent = performance.now();
    child.kill('SIGINT');
    const bound = new Promise<'bound'>((resolve) => setTimeout(() => resolve('bound'), EXIT_BOUND_MS).unref());
    const first = await Promise.race([exited, bound]);
    const measuredMs = Math.round(performance.now() - sent);
    if (first === 'bound') child.kill('SIGKILL');
    console.info(`ltx-batch exited ${measuredMs} ms after SIGINT with ${proxy.stalledRequests} status request(s) stalled`);
    expect(first, `still running ${EXIT_BOUND_MS} ms after SIGINT:\n${output}`).toBe(130);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace

    // Nothing was lost: the next resume, against a server that answers, collects every video.
    await proxy.setMode('pass');
    const resume = await runCli(['resume', ...common], { env });
    expect(resume.code, resume.stdout + resume.stderr).toBe(0);
    expect(readdirSync(join(dir, 'library')).filter((f) => f.endsWith('.mp4'))).toHaveLength(3);
    expect(sim.submissions).toHaveLength(3);
  }, 60_000);
});
