import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/main/core/simulator';
import { Api, body, until } from './helpers';

/** A webhook receiver on loopback that answers each delivery with the next scripted status. */
class Receiver {
  readonly received: { time: number; body: any; headers: Record<string, unknown> }[] = [];
  private readonly server: Server;
  url = '';

  constructor(private readonly script: number[]) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ time: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: req.headers });
        res.writeHead(this.script.shift() ?? 200).end('ok');
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

async function setup(script: number[], options: SimulatorOptions = {}): Promise<{ sim: Simulator; api: Api; hook: Receiver }> {
  const hook = await new Receiver(script).start();
  const sim = await startSimulator({ timeScale: 0.001, seed: 5, ...options });
  closers.push(
    () => sim.close(),
    () => hook.close()
  );
  return { sim, api: new Api(sim), hook };
}

describe('callback delivery', () => {
  it('POSTs the terminal status envelope once the task ends, without any polling', async () => {
    const { sim, api, hook } = await setup([200]);
    const taskId = await api.create(body({}, hook.url));
    await until(() => sim.callbacks.length === 1);
    expect(sim.requests).toHaveLength(1); // the submit only

    expect(hook.received).toHaveLength(1);
    expect(hook.received[0].headers['content-type']).toBe('application/json');
    const status = await api.status(taskId);
    expect(hook.received[0].body).toEqual(status.json);
    expect(hook.received[0].body.data).toMatchObject({ taskId, state: 'success' });
    expect(hook.received[0].time).toBeGreaterThanOrEqual(sim.task(taskId)!.completeTime);
    expect(sim.callbacks).toEqual([{ taskId, url: hook.url, attempt: 1, time: expect.any(Number), status: 200, outcome: 'delivered' }]);
  });

  it('delivers failures with failCode and failMsg, and still answers polls', async () => {
    const { sim, api, hook } = await setup([200]);
    const taskId = await api.create(body({ prompt: 'x [sim:fail:Timeout]' }, hook.url));
    expect((await api.status(taskId)).json.data).toMatchObject({ taskId, state: expect.stringMatching(/^(pending|processing|failed)$/) });
    await until(() => sim.callbacks.length === 1);
    expect(hook.received[0].body.data).toMatchObject({ taskId, state: 'failed', failCode: 'Timeout' });
    expect(hook.received[0].body).toEqual((await api.status(taskId)).json);
  });

  it('retries a receiver that fails the first time, after the (scaled) delay', async () => {
    const { sim, api, hook } = await setup([500, 200], { callbackRetryDelaysMs: [40_000, 120_000, 600_000] });
    const taskId = await api.create(body({}, hook.url));
    await until(() => sim.callbacks.length === 2);
    expect(sim.callbacks.map((c) => [c.attempt, c.status, c.outcome])).toEqual([
      [1, 500, 'retrying'],
      [2, 200, 'delivered']
    ]);
    expect(hook.received[1].time - hook.received[0].time).toBeGreaterThanOrEqual(38); // 40 s × 0.001
    expect(hook.received[1].body).toEqual(hook.received[0].body);
    expect(hook.received[1].body.data.taskId).toBe(taskId);
  });

  it('gives up after three retries', async () => {
    const { sim, api, hook } = await setup([503, 503, 404, 500, 200], { callbackRetryDelaysMs: [5_000, 5_000, 5_000] });
    await api.create(body({}, hook.url));
    await until(() => sim.callbacks.length === 4);
    await new Promise((r) => setTimeout(r, 30));
    expect(sim.callbacks.map((c) => [c.attempt, c.status, c.outcome])).toEqual([
      [1, 503, 'retrying'],
      [2, 503, 'retrying'],
      [3, 404, 'retrying'],
      [4, 500, 'abandoned']
    ]);
    expect(hook.received).toHaveLength(4);
  });

  it('retries a receiver that cannot be reached', async () => {
    const { sim, api, hook } = await setup([], { callbackRetryDelaysMs: [5_000, 5_000] });
    const deadUrl = hook.url;
    await hook.close();
    await api.create(body({}, deadUrl));
    await until(() => sim.callbacks.length === 3);
    expect(sim.callbacks.map((c) => [c.attempt, c.error, c.outcome])).toEqual([
      [1, 'ECONNREFUSED', 'retrying'],
      [2, 'ECONNREFUSED', 'retrying'],
      [3, 'ECONNREFUSED', 'abandoned']
    ]);
  });

  it('treats a receiver that does not answer in time as failed', async () => {
    const hung = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          hung.close(() => resolve());
          hung.closeAllConnections();
        })
    );
    const { sim, api } = await setup([], { callbackRetryDelaysMs: [], callbackTimeoutMs: 20_000 }); // 20 ms
    await api.create(body({}, `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`));
    await until(() => sim.callbacks.length === 1);
    expect(sim.callbacks[0]).toMatchObject({ attempt: 1, error: 'timeout', outcome: 'abandoned' });
    expect(sim.callbacks[0].status).toBeUndefined();
  });
});
