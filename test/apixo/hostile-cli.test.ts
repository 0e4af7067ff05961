import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../support/cli';

// A hostile APIXO on loopback that echoes the key back in every text it supplies (failCode,
// failMsg, the state string, a result that is not a link, error bodies), and answers tasks that
// would otherwise never end: a success with nothing to download and a state nobody knows. The
// built CLI must finish the batch, exit, and keep the key out of everything it prints and writes.
const KEY = 'sk-hostile-7f3a9c1e5b2d4086';

let server: Server;
let baseUrl: string;
let dir: string;
const behaviour = new Map<string, string>();
let statusAnswers = 0;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'ltx-hostile-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname.endsWith('/generateTask/ltx-2-19b')) {
        const prompt = (JSON.parse(Buffer.concat(chunks).toString()) as { input: { prompt: string } }).input.prompt;
        const taskId = `task${behaviour.size + 1}abc`;
        behaviour.set(taskId, prompt.split(' ')[0]);
        return reply(res, 200, { code: 200, message: 'success', data: { taskId } });
      }
      if (url.pathname.endsWith('/statusTask/ltx-2-19b')) {
        statusAnswers++;
        const taskId = url.searchParams.get('taskId') ?? '';
        const data = { taskId, createTime: Date.now() };
        switch (behaviour.get(taskId)) {
          case 'failing':
            return reply(res, 200, {
              code: 200,
              message: 'success',
              data: { ...data, state: 'failed', failCode: `Denied_${KEY}`, failMsg: `key ${KEY} (Bearer ${KEY}) is not allowed` }
            });
          case 'strange':
            return reply(res, 200, { code: 200, message: 'success', data: { ...data, state: `held-${KEY}` } });
          case 'linkless':
            return reply(res, 200, {
              code: 200,
              message: 'success',
              data: { ...data, state: 'success', resultJson: JSON.stringify({ resultUrls: [`javascript:${KEY}`] }) }
            });
          default:
            return reply(res, 200, { code: 200, message: 'success', data: { ...data, state: 'success' } });
        }
      }
      if (url.pathname.endsWith('/apikeys/current-balance')) return reply(res, 500, { code: 500, message: `balance service broke for ${KEY}` });
      reply(res, 404, { code: 404, message: `no route (key ${KEY})` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root`, with its text. */
function filesUnder(root: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    if (statSync(path).isFile()) out.push({ path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

describe('a hostile API that echoes the key and sends answers that never end a task', () => {
  it('finishes the batch, exits, and the key is nowhere: not on screen, not in the journal, not in the log', async () => {
    const csv = join(dir, 'batch.csv');
    writeFileSync(csv, 'prompt,resolution,duration\nfailing rain,480p,5\nstrange fog,480p,5\nlinkless snow,480p,5\nempty sun,480p,5\n');
    const data = join(dir, 'data');
    const run = await runCli(['run', csv, '--out', join(dir, 'library'), '--data-dir', data, '--time-scale', '0.002', '--yes', '--base-url', baseUrl], {
      env: { APIXO_API_KEY: KEY }
    });
    const screen = run.stdout + run.stderr;
    // Every task ended: one failed, three wait for a person, and the CLI said so and exited.
    expect(run.code, screen).toBe(1);
    expect(screen).toMatch(/0 of 4 videos done, 1 failed, 3 need review/);
    expect(screen).toContain('charged for it');
    expect(screen).toMatch(/a state this app does not know \("held-\*\*\*"\) for 10 minutes/);
    expect(screen).toMatch(/attach its task ID \(task\d+abc\) again/i);

    const written = filesUnder(data);
    expect(written.map((f) => f.path).some((p) => p.endsWith('cli.log'))).toBe(true);
    for (const where of [{ path: 'stdout and stderr', text: screen }, ...written]) {
      expect(where.text, `the key in ${where.path}`).not.toContain(KEY);
    }
    // The unknown state was noted once, not once per poll.
    const journal = written
      .filter((f) => !f.path.includes('logs'))
      .map((f) => f.text)
      .join('\n');
    expect(statusAnswers).toBeGreaterThan(20);
    expect(journal.split('it keeps checking').length - 1).toBeLessThanOrEqual(1);

    // What each task ended as is on disk: another process reads it back.
    const status = await runCli(['status', '--data-dir', data, '--json'], { env: { APIXO_API_KEY: KEY } });
    expect(JSON.parse(status.stdout).batches[0]).toMatchObject({ total: 4, counts: { failed: 1, needs_review: 3 } });
    expect(status.stdout + status.stderr).not.toContain(KEY);
  }, 60_000);
});
