import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli } from '../support/cli';

// A key that looks like a real one, so a leak would be plain to see.
const KEY = 'apx_live_51QpZr7d2c4b6a8e0f1a3c5e7092b4d6f8';
let dir: string;
let sim: Simulator;

beforeAll(async () => {
  requireBuiltCli();
  sim = await startSimulator({ apiKey: KEY, timeScale: 0.002 });
  dir = mkdtempSync(join(tmpdir(), 'ltx-cli-log-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function batch(name: string): string {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, 'prompt\na lighthouse in a storm with breaking waves\na calm lake [sim:fail:SensitiveContent]\n');
  return file;
}

describe('the CLI log', () => {
  it('always writes cli.log in the data folder, with each task’s batch, row and taskId; --verbose prints it on stderr; the key is never in it', async () => {
    const data = join(dir, 'data');
    const run = await runCli(
      ['run', batch('storm'), '--out', join(dir, 'library'), '--data-dir', data, '--base-url', sim.baseUrl, '--time-scale', '0.002', '--yes', '--verbose'],
      {
        env: { APIXO_API_KEY: KEY },
        // Far from any package.json, as when the CLI is installed and run anywhere.
        cwd: dir
      }
    );
    expect(run.code).toBe(1);
    const log = readFileSync(join(data, 'logs', 'cli.log'), 'utf8');
    const [done] = sim.submissions.filter((s) => (s.body as { input: { prompt: string } }).input.prompt.startsWith('a lighthouse'));
    expect(log).toMatch(new RegExp(`\\[info\\]\\s+\\(run/engine\\) task done batch=\\S+ task=\\S+ row=2 taskId=${done!.taskId} from=downloading`));
    expect(log).toMatch(/\[warn\]\s+\(run\/engine\) task failed batch=\S+ task=\S+ row=3 taskId=\S+ from=\S+ failCode=SensitiveContent note=/);
    expect(log).toMatch(/\(run\/engine\/download\) downloaded \d+ bytes in 1 attempt\(s\)/);
    expect(log).toMatch(/\(run\) CSV read file=\S+storm\.csv videos=2 valid=2 invalidRows=0/);
    // --verbose: the same lines, and the requests too, on stderr; the summary stays on stdout.
    expect(run.stderr).toMatch(/\(run\/engine\) task done batch=/);
    expect(run.stderr).toMatch(/\(run\/apixo\) POST \/generateTask\/ltx-2-19b → 200 in \d+ ms/);
    expect(run.stdout).not.toMatch(/task done batch=/);
    for (const text of [log, run.stderr, run.stdout]) expect(text).not.toContain(KEY);

    const quiet = await runCli(['status', '--data-dir', data]);
    expect(quiet.stderr).toBe('');
    expect(readFileSync(join(data, 'logs', 'cli.log'), 'utf8')).toMatch(/\(status\) status read dataDir=\S+ batches=1\n$/);
  });

  it('runs on when the data folder’s logs cannot be written, saying so once', async () => {
    const data = join(dir, 'data-with-a-file-for-logs');
    const first = await runCli(['status', '--data-dir', data]);
    expect(first.code).toBe(0);
    rmSync(join(data, 'logs'), { recursive: true, force: true });
    writeFileSync(join(data, 'logs'), 'not a folder');
    const run = await runCli(
      ['run', batch('blocked'), '--out', join(dir, 'library2'), '--data-dir', data, '--base-url', sim.baseUrl, '--time-scale', '0.002', '--yes'],
      {
        env: { APIXO_API_KEY: KEY }
      }
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/1 of 2 videos done, 1 failed/);
    expect(run.stderr.trim().split('\n')).toEqual([
      `Note: The log folder ${join(data, 'logs')} cannot be written (EEXIST), so this session keeps no log file. The app carries on.`
    ]);
  });
});
