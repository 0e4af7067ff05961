import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApixoClient } from '../../src/main/core/apixo';
import { BatchEngine } from '../../src/main/core/queue/engine';
import { rows, until } from '../support/engine-harness';

// A note that did not change is never journaled again: an API that keeps giving the same answer
// (a task it cannot find, a task that keeps processing long past its time) leaves one line per
// change in the journal, not one per poll.
const TIME_SCALE = 0.001;

let server: Server;
let baseUrl: string;
let dir: string;
let engine: BatchEngine | undefined;
let answer: (res: ServerResponse, taskId: string) => void;
let polls = 0;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-notes-'));
  polls = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST') return reply(res, 200, { code: 200, message: 'success', data: { taskId: `t${Math.random().toString(16).slice(2)}` } });
      if (url.pathname.includes('/statusTask/')) {
        polls++;
        return answer(res, url.searchParams.get('taskId') ?? '');
      }
      reply(res, 200, { code: 200, message: 'success', data: 50 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function run(untilCheck: (e: BatchEngine, batchId: string) => boolean, what: string): Promise<string[]> {
  const client = new ApixoClient({ apiKey: 'notes-key-123456', baseUrl, timeScale: TIME_SCALE });
  engine = await BatchEngine.open({ dataDir: join(dir, 'data'), client, timeScale: TIME_SCALE });
  engine.start();
  const batch = engine.addBatch({ name: 'Notes', libraryDir: join(dir, 'library'), tasks: rows(1) });
  await until(() => untilCheck(engine!, batch.id), 20_000, what);
  await engine.close();
  engine = undefined;
  const data = join(dir, 'data');
  return readdirSync(data)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(data, f), 'utf8').split('\n'))
    .filter((l) => l.includes('task_changed'));
}

describe('notes the poll handler writes', () => {
  it('"does not find this task" is journaled once, then the task waits for a person', async () => {
    answer = (res) => reply(res, 404, { code: 404, message: 'Task not found' });
    const lines = await run((e, id) => e.tasksOf(id)[0]!.state === 'needs_review', 'needs review');
    expect(lines.filter((l) => l.includes('does not find this task right now'))).toHaveLength(1);
  });

  it('a task processing long past its time is flagged overdue once, and nothing more is written while it keeps processing', async () => {
    answer = (res, taskId) => reply(res, 200, { code: 200, message: 'success', data: { taskId, state: 'processing' } });
    const lines = await run((e, id) => e.tasksOf(id)[0]!.overdue === true && polls > 150, 'many polls past overdue');
    expect(polls).toBeGreaterThan(150);
    // submitting, submitted, processing, overdue: a handful of lines, not one per poll.
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines.filter((l) => l.includes('Taking much longer than usual'))).toHaveLength(1);
  });
});
