import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSimulatorTasks, simulatorStateDir } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli, startCli } from '../support/cli';

/**
 * The README's demo, as a person types it: `run` the example batch on the built-in simulator,
 * Ctrl-C while tasks are generating, then `resume`. Every row's video must end up in the library.
 */

// Fast enough for a test, slow enough that tasks are still generating when Ctrl-C comes: a 480p
// task takes 0.4–0.6 s here, a 720p one 0.6–0.9 s.
const SCALE = ['--time-scale', '0.01'];
const NO_KEY = { APIXO_API_KEY: '' };
const VIDEOS = 13;
let dir: string;

beforeAll(requireBuiltCli);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-demo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves once the queue's journal records a task ID from the API: a task is generating. */
function taskAccepted(dataDir: string, exited: Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const look = (): void => {
      if (done) return;
      let text = '';
      try {
        text = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8');
      } catch {
        // not created yet
      }
      if (/"state":"submitted"/.test(text)) {
        done = true;
        resolve();
      } else {
        setTimeout(look, 10);
      }
    };
    void exited.then(() => {
      if (!done) reject(new Error('the run finished before any task was seen generating'));
      done = true;
    });
    look();
  });
}

async function status(dataDir: string): Promise<{ counts: Record<string, number>; total: number }> {
  const answer = await runCli(['status', '--data-dir', dataDir, '--json']);
  return JSON.parse(answer.stdout).batches[0];
}

describe('the README demo: Ctrl-C a run, then resume', () => {
  it('finishes every video on the built-in simulator, submitting no row twice', async () => {
    const dataDir = join(dir, 'data');
    const library = join(dir, 'library');
    const { child } = await startCli(
      ['run', 'resources/examples/example.csv', '--out', library, '--data-dir', dataDir, '--yes', ...SCALE],
      /built-in APIXO simulator/,
      NO_KEY
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await taskAccepted(dataDir, exited);
    child.kill('SIGINT');
    expect(await exited).toBe(130);

    // The stop left tasks at the simulator, which the next process has to find again.
    const stopped = await status(dataDir);
    const inFlight = (stopped.counts.submitted ?? 0) + (stopped.counts.pending ?? 0) + (stopped.counts.processing ?? 0);
    expect(inFlight).toBeGreaterThan(0);
    expect(stopped.counts.done ?? 0).toBeLessThan(VIDEOS);

    const resume = await runCli(['resume', '--data-dir', dataDir, ...SCALE], { env: NO_KEY });
    expect(resume.stdout).not.toMatch(/not found/i);
    expect(resume.stdout).toMatch(new RegExp(`example: ${VIDEOS} of ${VIDEOS} videos done`));
    expect(resume.code).toBe(0);

    const after = await status(dataDir);
    expect(after.counts).toEqual({ done: VIDEOS });
    expect(readdirSync(library).filter((f) => f.endsWith('.mp4'))).toHaveLength(VIDEOS);

    // The simulator's own record, kept in the data folder: one task per video, none twice.
    const tasks = await readSimulatorTasks(simulatorStateDir(dataDir));
    expect(tasks).toHaveLength(VIDEOS);
    expect(new Set(tasks.map((t) => JSON.stringify(t.body))).size).toBe(VIDEOS);
  });
});
