import { execSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findResourcesDir, readSimulatorTasks, startSimulator, uploadUrl, type Simulator, type SimulatorOptions } from '../../src/main/core/simulator';
import { DataFolderLockedError } from '../../src/main/core/store/lock';
import { requireBuiltCli, startCli } from '../support/cli';
import { Api, body, resultUrl, sleep, untilComplete } from './helpers';

/**
 * A simulator given a state folder remembers across processes: what one accepted, the next one
 * on the same folder finds, on the task's own clock, with its result downloadable.
 */

let dir: string;
let wide: Buffer;
const open: Simulator[] = [];
const warnings: string[] = [];

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ timeScale: 0.005, stateDir: dir, onWarning: (m) => warnings.push(m), ...options });
  open.push(s);
  return s;
}

async function download(url: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

function listen(port: number): Promise<Server> {
  const server = createServer((_req, res) => res.end('someone else'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

beforeAll(() => {
  wide = readFileSync(join(findResourcesDir(), 'sample-16x9.mp4'));
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-simstate-'));
  warnings.length = 0;
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a simulator with a state folder', () => {
  it('finds a task the previous one accepted, finishes it on its own clock, and serves its file', async () => {
    // Slow (1.2–1.8 s), so the task is still running when the second simulator opens.
    const first = await sim({ timeScale: 0.01 });
    const taskId = await new Api(first).create(body({ prompt: 'a lighthouse in a storm [sim:slow]' }));
    expect((await new Api(first).status(taskId)).json.data.state).toBe('pending');
    const completeTime = first.task(taskId)!.completeTime;
    await first.close();

    const second = await sim({ timeScale: 0.01 });
    // The same port (a new folder's comes from below the ephemeral range, so it stays free).
    expect(first.port).toBeGreaterThanOrEqual(20_000);
    expect(first.port).toBeLessThan(30_000);
    expect(second.port).toBe(first.port);
    const api = new Api(second);
    const running = await api.status(taskId);
    expect(running.status).toBe(200);
    expect(['pending', 'processing']).toContain(running.json.data.state);
    expect(second.task(taskId)!.completeTime).toBe(completeTime);

    await untilComplete(second, taskId);
    const file = await download(await resultUrl(api, taskId));
    expect(file.status).toBe(200);
    expect(file.bytes.equals(wide)).toBe(true);
  });

  it('finishes a task whose time passed while no simulator ran', async () => {
    const first = await sim();
    const taskId = await new Api(first).create(body());
    await first.close();
    await sleep(first.task(taskId)!.completeTime - Date.now() + 2);

    const second = await sim();
    const status = (await new Api(second).status(taskId)).json.data;
    expect(status.state).toBe('success');
    expect(status.completeTime).toBe(first.task(taskId)!.completeTime);
  });

  it('keeps a result URL signed before the restart valid after it, even on another port', async () => {
    const first = await sim();
    const api = new Api(first);
    const taskId = await api.create(body());
    await untilComplete(first, taskId);
    const url = new URL(await resultUrl(api, taskId));
    await first.close();

    const squatter = await listen(first.port);
    try {
      const second = await sim();
      expect(second.port).not.toBe(first.port);
      // The URL the client kept, pointed at where the simulator listens now: its signature holds.
      const moved = await download(`${second.origin}${url.pathname}${url.search}`);
      expect(moved.status).toBe(200);
      expect(moved.bytes.equals(wide)).toBe(true);
      // A tampered one still does not.
      const forged = await download(
        `${second.origin}${url.pathname}?expires=${Number(url.searchParams.get('expires')) + 1}&sig=${url.searchParams.get('sig')}`
      );
      expect(forged.status).toBe(403);
      // And the status answers a URL on the new port.
      expect(new URL(await resultUrl(new Api(second), taskId)).origin).toBe(second.origin);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('carries the balance on, refunding on the next run a task that failed while stopped', async () => {
    // Slow enough (about a second) that the failure comes after the first simulator stopped.
    const first = await sim({ balanceUsd: 5, timeScale: 0.02 });
    const api = new Api(first);
    const failing = await api.create(body({ prompt: 'a calm lake [sim:slow][sim:fail:Timeout]' }));
    const ok = await api.create(body({ prompt: 'a quiet forest' }));
    const cost = first.task(ok)!.costMicros / 1e6;
    const left = first.balanceUsd();
    expect(left).toBeCloseTo(5 - 2 * cost, 6);
    expect(first.task(failing)!.refunded).toBe(false);
    await first.close();

    const second = await sim({ balanceUsd: 5, timeScale: 0.02 });
    expect(second.balanceUsd()).toBeCloseTo(left, 6);
    await untilComplete(second, failing);
    expect(second.balanceUsd()).toBeCloseTo(5 - cost, 6);
    expect(second.task(failing)!.refunded).toBe(true);
    await second.close();

    // The built-in simulator (no starting balance asked for) never runs dry: below $100 it is refilled.
    const third = await sim();
    expect(third.balanceUsd()).toBe(100);
  });

  it('keeps uploaded images, so a task using one does not fail after a restart', async () => {
    const first = await sim();
    const image = readFileSync('test/fixtures/images/png-37x23.png');
    const put = await fetch(uploadUrl(first.baseUrl, 'frame.png'), { method: 'PUT', headers: { authorization: `Bearer ${first.apiKey}` }, body: image });
    const { url } = ((await put.json()) as { data: { url: string } }).data;
    await first.close();

    const second = await sim();
    const served = await download(url);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(image)).toBe(true);
    const taskId = await new Api(second).create(body({ mode: 'image-to-video', imageUrl: url, aspectRatio: undefined }));
    await untilComplete(second, taskId);
    expect((await new Api(second).status(taskId)).json.data.state).toBe('success');
  });

  it('is used by one simulator at a time', async () => {
    await sim();
    await expect(startSimulator({ stateDir: dir })).rejects.toBeInstanceOf(DataFolderLockedError);
  });

  it('starts without memory, saying so, when the folder cannot be made', async () => {
    writeFileSync(join(dir, 'a-file'), 'not a folder');
    const s = await sim({ stateDir: join(dir, 'a-file', 'state') });
    expect(await new Api(s).create(body())).toMatch(/^[0-9a-f]{32}$/);
    expect(warnings.join('\n')).toMatch(/cannot keep its tasks in .*a-file.*forgets them when it stops/);
  });

  it("leaves a newer version's state as it is, and runs without memory", async () => {
    const newer = '{"format":"ltx-batch-studio/journal","version":99,"baseSeq":0}\n';
    writeFileSync(join(dir, 'simulator.jsonl'), newer);
    const s = await sim();
    expect(await new Api(s).create(body())).toMatch(/^[0-9a-f]{32}$/);
    await s.close();
    expect(readFileSync(join(dir, 'simulator.jsonl'), 'utf8')).toBe(newer);
    expect(warnings.join('\n')).toMatch(/cannot keep its tasks/);
  });

  it('ignores a torn last line on open, and writes whole lines after it', async () => {
    const first = await sim();
    const kept = await new Api(first).create(body());
    await first.close();
    appendFileSync(join(dir, 'simulator.jsonl'), '{"seq":9,"at":1,"ev":{"k":"task","task":{"taskId":"0123');

    const second = await sim();
    expect(second.task(kept)).toBeDefined();
    const added = await new Api(second).create(body({ prompt: 'after the tear' }));
    await second.close();

    const tasks = await readSimulatorTasks(dir);
    expect(tasks.map((t) => t.taskId)).toEqual([kept, added]);
    expect(warnings.join('\n')).toMatch(/unfinished end/);
  });

  it('sets aside a state it cannot read and starts afresh, never refusing to start', async () => {
    const first = await sim();
    await new Api(first).create(body());
    await first.close();
    writeFileSync(join(dir, 'simulator.snapshot.json'), '{"format":"ltx-batch-studio/snapshot","version":1,"seq":3,"sta');

    const second = await sim();
    expect(second.counts().tasks).toBe(0);
    expect(await new Api(second).create(body())).toMatch(/^[0-9a-f]{32}$/);
    expect(warnings.join('\n')).toMatch(/could not be read .* set aside/);
    expect(readdirSync(dir).some((f) => f.startsWith('simulator.snapshot.json.unreadable-'))).toBe(true);
  });
});

describe('a simulator process that crashes', () => {
  beforeAll(requireBuiltCli);

  it('leaves its accepted tasks for the next one, which takes over the folder', async () => {
    const { child, match } = await startCli(['simulate', '--state-dir', dir, '--time-scale', '0.005'], /listening at (http:\/\/127\.0\.0\.1:(\d+)\/api\/v1)/);
    const killed = new Promise((resolve) => child.on('close', resolve));
    const crashed = { baseUrl: match[1], origin: new URL(match[1]).origin, port: Number(match[2]), apiKey: 'sim-key' } as Simulator;
    const taskId = await new Api(crashed).create(body({ prompt: 'a lighthouse in a storm [sim:slow]' }));
    child.kill('SIGKILL');
    await killed;

    const next = await sim();
    expect(next.port).toBe(crashed.port);
    await untilComplete(next, taskId);
    const file = await download(await resultUrl(new Api(next), taskId));
    expect(file.status).toBe(200);
    expect(file.bytes.equals(wide)).toBe(true);
  });
});

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('a simulator whose state folder fills up (needs root for a tmpfs mount)', () => {
  let mount: string;
  beforeAll(() => {
    mount = mkdtempSync(join(tmpdir(), 'ltx-simfull-'));
    execSync(`mount -t tmpfs -o size=256k tmpfs ${mount}`);
  });
  afterAll(() => {
    execSync(`umount ${mount}`);
    rmSync(mount, { recursive: true, force: true });
  });

  it('keeps answering as APIXO would, and says once that it cannot save', async () => {
    const state = join(mount, 'state');
    mkdirSync(state);
    const s = await startSimulator({ timeScale: 0.005, stateDir: state, onWarning: (m) => warnings.push(m) });
    open.push(s);
    const api = new Api(s);
    await api.create(body());
    try {
      writeFileSync(join(mount, 'filler'), Buffer.alloc(1024 * 1024));
    } catch {
      // the disk is full now, which is the point
    }
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await api.create(body({ prompt: `row ${i} ${'x'.repeat(2000)}` })));
    expect(ids.every((id) => s.task(id) !== undefined)).toBe(true);
    expect(warnings.filter((m) => /could not save its tasks/.test(m))).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/ENOSPC/);
    expect(warnings.join('\n')).not.toMatch(/queue journal/);
    expect(existsSync(join(state, 'simulator.jsonl'))).toBe(true);
  });
});
