import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/main/core/simulator';
import { Api, BALANCE, body, resultUrl, untilComplete } from './helpers';

let sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

async function start(options: SimulatorOptions = {}): Promise<{ sim: Simulator; api: Api }> {
  const sim = await startSimulator({ timeScale: 0.001, seed: 17, ...options });
  sims.push(sim);
  return { sim, api: new Api(sim) };
}

/** A succeeded task's result URL, made before any fault is switched on. */
async function finishedTask(sim: Simulator, api: Api): Promise<{ taskId: string; url: string }> {
  const taskId = await api.create(body());
  await untilComplete(sim, taskId);
  return { taskId, url: await resultUrl(api, taskId) };
}

/** Downloads with node:http to see exactly what arrived before the connection ended. */
function rawDownload(url: string): Promise<{ status: number; declared: number; received: number; error?: string; firstByteAt: number; endedAt: number }> {
  return new Promise((resolve) => {
    let received = 0;
    let firstByteAt = 0;
    get(url, (res) => {
      const declared = Number(res.headers['content-length']);
      res.on('data', (chunk: Buffer) => {
        firstByteAt ||= Date.now();
        received += chunk.length;
      });
      const done = (error?: string): void => resolve({ status: res.statusCode ?? 0, declared, received, error, firstByteAt, endedAt: Date.now() });
      res.on('end', () => done());
      res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
      res.on('aborted', () => done('aborted'));
    }).on('error', () => undefined);
  });
}

describe('fault injection at rate 1', () => {
  it('serverErrorRate: a submit answers 503 and creates nothing', async () => {
    const { sim, api } = await start({ faults: { serverErrorRate: 1 } });
    const answer = await api.submit(body());
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({ code: 503, message: 'Service temporarily unavailable' });
    sim.setFaults({ serverErrorRate: 0 });
    expect(sim.submissions).toHaveLength(0);
    expect(sim.counts().tasks).toBe(0);
    expect(await api.balance()).toBe(100);
    expect(sim.requests[0]).toMatchObject({ status: 503, fault: 'server_error' });
  });

  it('serverErrorRate: GETs answer 500, 502, 503 or 504 with a matching envelope', async () => {
    const { sim, api } = await start();
    const taskId = await api.create(body());
    sim.setFaults({ serverErrorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const answer = i % 2 ? await api.status(taskId) : await api.request('GET', BALANCE);
      expect([500, 502, 503, 504]).toContain(answer.status);
      expect(answer.json.code).toBe(answer.status);
      expect(answer.json.data).toBeUndefined();
      statuses.add(answer.status);
    }
    expect(statuses.size).toBeGreaterThan(1);
    expect(sim.counts().faults.server_error).toBe(24);
  });

  it('errorAfterAcceptRate: the submit creates and bills the task, then answers 502', async () => {
    const { sim, api } = await start({ faults: { errorAfterAcceptRate: 1 } });
    const answer = await api.submit(body({ resolution: '720p', duration: 10 }));
    expect(answer.status).toBe(502);
    expect(answer.json).toEqual({ code: 502, message: 'Bad gateway' });
    expect(sim.submissions).toHaveLength(1);
    expect(await api.balance()).toBe(99.84);
    const { taskId } = sim.submissions[0];
    expect((await api.status(taskId)).json.data.taskId).toBe(taskId); // the task exists and can be found
    expect(sim.requests[0]).toMatchObject({ status: 502, taskId, fault: 'error_after_accept' });
  });

  it('resetAfterAcceptRate: the submit creates and bills the task, then drops the connection', async () => {
    const { sim, api } = await start({ faults: { resetAfterAcceptRate: 1 } });
    await expect(api.submit(body())).rejects.toThrow();
    expect(sim.submissions).toHaveLength(1);
    expect(await api.balance()).toBe(99.94);
    expect(sim.requests[0]).toMatchObject({ status: 0, taskId: sim.submissions[0].taskId, fault: 'reset_after_accept' });
  });

  it('malformedStatusRate: status answers are truncated JSON or lack data', async () => {
    const { sim, api } = await start();
    const taskId = await api.create(body());
    sim.setFaults({ malformedStatusRate: 1 });
    const kinds = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const answer = await api.status(taskId);
      expect(answer.status).toBe(200);
      if (typeof answer.json === 'string') {
        expect(() => JSON.parse(answer.json)).toThrow();
        kinds.add('truncated');
      } else {
        expect(answer.json).toEqual({ code: 200, message: 'success' });
        kinds.add('no_data');
      }
    }
    expect([...kinds].sort()).toEqual(['no_data', 'truncated']);
  });

  it('status429Rate: status polls answer 429 with Retry-After: 1', async () => {
    const { sim, api } = await start();
    const taskId = await api.create(body());
    sim.setFaults({ status429Rate: 1 });
    const answer = await api.status(taskId);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.json.code).toBe(429);
    expect((await api.request('GET', BALANCE)).status).toBe(200); // status polls only
  });

  it('truncateDownloadRate: the full length is announced, about half arrives, then the socket closes', async () => {
    const { sim, api } = await start();
    const { url } = await finishedTask(sim, api);
    sim.setFaults({ truncateDownloadRate: 1 });
    const result = await rawDownload(url);
    expect(result.status).toBe(200);
    expect(result.error).toBeDefined();
    expect(result.received).toBeGreaterThan(0);
    expect(result.received).toBeLessThan(result.declared);
    expect(result.received).toBeLessThanOrEqual(Math.ceil(result.declared / 2));
    await expect(fetch(url).then((r) => r.arrayBuffer())).rejects.toThrow();
    expect(sim.counts().faults.truncate_download).toBe(2);
  });

  it('truncateDownloadRate applies to ranges too', async () => {
    const { sim, api } = await start();
    const { url } = await finishedTask(sim, api);
    sim.setFaults({ truncateDownloadRate: 1 });
    const res = await fetch(url, { headers: { range: 'bytes=1000-' } });
    expect(res.status).toBe(206);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('stallDownloadRate: half arrives, nothing more for stallMs (scaled), then the socket is destroyed', async () => {
    const { sim, api } = await start();
    const { url } = await finishedTask(sim, api);
    sim.setFaults({ stallDownloadRate: 1, stallMs: 60_000 }); // 60 ms here
    const result = await rawDownload(url);
    expect(result.error).toBeDefined();
    expect(result.received).toBeLessThan(result.declared);
    expect(result.endedAt - result.firstByteAt).toBeGreaterThanOrEqual(50);
    expect(sim.counts().faults.stall_download).toBe(1);
  });

  it('faults are drawn from the seed: the same seed injects the same faults', async () => {
    const pattern = async (): Promise<number[]> => {
      const { api } = await start({ seed: 2024, faults: { serverErrorRate: 0.5 } });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await api.request('GET', BALANCE)).status);
      return out;
    };
    const [a, b] = [await pattern(), await pattern()];
    expect(a).toEqual(b);
    expect(a).toContain(200);
    expect(a.some((s) => s >= 500)).toBe(true);
  });

  it('faults do not disturb the task stream: task IDs stay the same with faults on', async () => {
    const quiet = await start({ seed: 8 });
    const noisy = await start({ seed: 8, faults: { serverErrorRate: 0.5, status429Rate: 0.5 } });
    const ids: string[] = [];
    while (ids.length < 3) {
      const answer = await noisy.api.submit(body());
      if (answer.status === 200) ids.push(answer.json.data.taskId);
      await noisy.api.status('x');
    }
    for (const id of ids) expect(await quiet.api.create(body())).toBe(id);
  });
});
