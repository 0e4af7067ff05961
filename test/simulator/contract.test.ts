import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LATENCY, LORA_LATENCY } from '@shared/model';
import { validateRequest } from '@shared/validation';
import { findResourcesDir, startSimulator, type Simulator, type SimulatorOptions } from '../../src/main/core/simulator';
import { Api, BALANCE, STATUS, SUBMIT, body, sleep, untilComplete } from './helpers';

let sims: Simulator[] = [];

async function start(options: SimulatorOptions = {}): Promise<{ sim: Simulator; api: Api }> {
  const sim = await startSimulator({ timeScale: 0.001, seed: 7, ...options });
  sims.push(sim);
  return { sim, api: new Api(sim) };
}

afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

describe('a task from submit to result', () => {
  it('goes pending → processing → success, and its result URL serves the sample clip', async () => {
    const { sim, api } = await start({ timeScale: 0.01 });
    const submitted = await api.submit(body());
    expect(submitted.status).toBe(200);
    expect(submitted.json).toEqual({ code: 200, message: 'success', data: { taskId: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    const taskId: string = submitted.json.data.taskId;
    const { processingTime, completeTime } = sim.task(taskId)!;

    const seen: string[] = [];
    let last: any;
    for (let i = 0; i < 400; i++) {
      const sentAt = Date.now();
      const answer = await api.status(taskId);
      const receivedAt = Date.now();
      expect(answer.status).toBe(200);
      expect(answer.json.code).toBe(200);
      last = answer.json.data;
      // Every answer matches the timeline at some moment between sending and receiving.
      const phases: [string, number, number][] = [
        ['pending', 0, processingTime],
        ['processing', processingTime, completeTime],
        ['success', completeTime, Infinity]
      ];
      const possible = phases.filter(([, from, to]) => receivedAt >= from && sentAt < to).map(([state]) => state);
      expect(possible).toContain(last.state);
      if (seen[seen.length - 1] !== last.state) seen.push(last.state);
      if (last.state === 'success') break;
      if (last.state === 'pending') expect(Object.keys(last).sort()).toEqual(['createTime', 'state', 'taskId']);
      await sleep(10);
    }
    // The pending phase is 60–90 ms here: seen unless the machine stalls the first poll that long.
    expect(seen).toEqual(seen[0] === 'pending' ? ['pending', 'processing', 'success'] : ['processing', 'success']);
    expect(seen).toContain('processing');
    expect(Object.keys(last).sort()).toEqual(['completeTime', 'costTime', 'createTime', 'resultJson', 'state', 'taskId']);
    expect(last.taskId).toBe(taskId);
    expect(last.costTime).toBe(last.completeTime - last.createTime);
    // 480p: 40–60 s of generation, × 0.01.
    expect(last.costTime).toBeGreaterThanOrEqual(400);
    expect(last.costTime).toBeLessThanOrEqual(600);
    expect(typeof last.resultJson).toBe('string');

    const { resultUrls } = JSON.parse(last.resultJson);
    expect(resultUrls).toHaveLength(1);
    expect(resultUrls[0]).toMatch(new RegExp(`^${sim.origin}/files/${taskId}\\.mp4\\?expires=\\d+&sig=[0-9a-f]{64}$`));
    const file = await fetch(resultUrls[0]);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(bytes.equals(await readFile(join(findResourcesDir(), 'sample-16x9.mp4')))).toBe(true);
  });

  it('draws generation time from the latency table, with the LoRA extra and a 15 % pending phase', async () => {
    const { sim, api } = await start({ timeScale: 0.001 });
    const cases = [
      { draft: { resolution: '480p' as const }, min: LATENCY['480p'].minMs, max: LATENCY['480p'].maxMs },
      { draft: { resolution: '1080p' as const }, min: LATENCY['1080p'].minMs, max: LATENCY['1080p'].maxMs },
      {
        draft: { resolution: '720p' as const, mode: 'text-to-video-LoRA' as const, loras: [{ path: 'https://h.co/a.safetensors', scale: 1 }] },
        min: LATENCY['720p'].minMs + LORA_LATENCY.extraMinMs,
        max: LATENCY['720p'].maxMs + LORA_LATENCY.extraMaxMs
      }
    ];
    for (const c of cases) {
      for (let i = 0; i < 5; i++) {
        const task = sim.task(await api.create(body(c.draft)))!;
        const span = task.completeTime - task.createTime;
        expect(span).toBeGreaterThanOrEqual(Math.floor(c.min * 0.001));
        expect(span).toBeLessThanOrEqual(Math.ceil(c.max * 0.001));
        expect(task.processingTime - task.createTime).toBe(Math.round((task.completeTime - task.createTime) * 0.15));
      }
    }
  });

  it('is reproducible: the same seed gives the same task IDs and latencies', async () => {
    const a = await start({ seed: 1234, timeScale: 1 });
    const b = await start({ seed: 1234, timeScale: 1 });
    for (let i = 0; i < 3; i++) {
      const [ta, tb] = [await a.api.create(body()), await b.api.create(body())];
      expect(ta).toBe(tb);
      const [va, vb] = [a.sim.task(ta)!, b.sim.task(tb)!];
      expect(va.completeTime - va.createTime).toBe(vb.completeTime - vb.createTime);
    }
    const c = await start({ seed: 4321, timeScale: 1 });
    expect(await c.api.create(body())).not.toBe(a.sim.submissions[0].taskId);
    expect(a.sim.seed).toBe(1234);
  });
});

describe('auth and lookups', () => {
  it('answers 401 to a missing or wrong key on every API endpoint', async () => {
    const { sim } = await start({ apiKey: 'right-key' });
    for (const api of [new Api(sim, undefined), new Api(sim, 'wrong-key')]) {
      for (const answer of [await api.submit(body()), await api.status('x'), await api.request('GET', BALANCE)]) {
        expect(answer.status).toBe(401);
        expect(answer.json).toEqual({ code: 401, message: 'Invalid or missing API key' });
      }
    }
    expect(sim.submissions).toHaveLength(0);
    const ok = await new Api(sim, 'right-key').submit(body());
    expect(ok.status).toBe(200);
  });

  it('answers 404 for an unknown task and 400 for a missing taskId', async () => {
    const { api } = await start();
    const unknown = await api.status('0123456789abcdef0123456789abcdef');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ code: 404, message: 'Task not found' });
    for (const path of [STATUS, `${STATUS}?taskId=`, `${STATUS}?other=1`]) {
      const missing = await api.request('GET', path);
      expect(missing.status).toBe(400);
      expect(missing.json).toEqual({ code: 400, message: 'Invalid request', data: { error: 'Missing required field: taskId' } });
    }
  });

  it('answers the 404 envelope for unknown paths', async () => {
    const { api } = await start();
    for (const path of ['/generateTask/other-model', '/nothing', '/statusTask/ltx-2-19b/extra']) {
      const answer = await api.request('GET', path);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ code: 404, message: 'Not found' });
    }
  });
});

describe('validation', () => {
  const t2v = body().input as unknown as Record<string, unknown>;
  const withInput = (input: Record<string, unknown>): unknown => ({ request_type: 'async', input });
  const without = (field: string): unknown => withInput(Object.fromEntries(Object.entries(t2v).filter(([k]) => k !== field)));
  const image = { mode: 'image-to-video', prompt: 'make it move', resolution: '720p', duration: 8 };
  const lora = { path: 'https://huggingface.co/u/m.safetensors?download=true', scale: 1.2 };

  it.each([
    ['no prompt', without('prompt'), 'Missing required field: input.prompt'],
    ['no mode', without('mode'), 'Missing required field: input.mode'],
    ['no resolution', without('resolution'), 'Missing required field: input.resolution'],
    ['no duration', without('duration'), 'Missing required field: input.duration'],
    ['no input', { request_type: 'async' }, 'Missing required field: input'],
    ['no image in an image mode', withInput(image), 'Missing required field: input.image_urls'],
    [
      'a LoRA without a path',
      withInput({ ...image, mode: 'image-to-video-LoRA', image_urls: ['https://e.com/a.jpg'], loras: [{ scale: 1 }] }),
      'Missing required field: input.loras[0].path'
    ]
  ])('%s: "%s"', async (_name, payload, expected) => {
    const { api, sim } = await start();
    const answer = await api.submit(payload);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ code: 400, message: 'Invalid request', data: { error: expected } });
    expect(sim.submissions).toHaveLength(0);
  });

  it.each([
    ['duration', 'a quoted duration', withInput({ ...t2v, duration: '10' })],
    ['duration', 'a duration too long', withInput({ ...t2v, duration: 21 })],
    ['duration', 'a fractional duration', withInput({ ...t2v, duration: 7.5 })],
    ['resolution', 'an unknown resolution', withInput({ ...t2v, resolution: '4k' })],
    ['mode', 'an unknown mode', withInput({ ...t2v, mode: 'video-to-video' })],
    ['prompt', 'an empty prompt', withInput({ ...t2v, prompt: '   ' })],
    ['prompt', 'a prompt over 5000 characters', withInput({ ...t2v, prompt: 'x'.repeat(5001) })],
    ['seed', 'seed 0', withInput({ ...t2v, seed: 0 })],
    ['seed', 'a seed too big', withInput({ ...t2v, seed: 2_147_483_648 })],
    ['aspect_ratio', 'an unknown aspect ratio', withInput({ ...t2v, aspect_ratio: '4:3' })],
    ['image_urls', 'two images', withInput({ ...image, image_urls: ['https://e.com/a.jpg', 'https://e.com/b.jpg'] })],
    ['image_urls', 'a non-URL image', withInput({ ...image, image_urls: ['not a url'] })],
    ['loras', 'four LoRAs', withInput({ ...t2v, mode: 'text-to-video-LoRA', loras: [lora, lora, lora, lora] })],
    ['loras[0].scale', 'a LoRA scale of 5', withInput({ ...t2v, mode: 'text-to-video-LoRA', loras: [{ ...lora, scale: 5 }] })],
    ['request_type', 'request_type sync', { request_type: 'sync', input: t2v }],
    ['callback_url', 'callback without a URL', { request_type: 'callback', input: t2v }]
  ])('Invalid %s: %s', async (field, _name, payload) => {
    const { api, sim } = await start();
    const answer = await api.submit(payload);
    expect(answer.status).toBe(400);
    // The validator's own sentence, after the server-style prefix.
    const problem = validateRequest(payload)[0];
    expect(problem.field).toBe(field);
    expect(answer.json).toEqual({ code: 400, message: 'Invalid request', data: { error: `Invalid ${field}: ${problem.message}` } });
    expect(sim.submissions).toHaveLength(0);
  });

  it('accepts every documented example body', async () => {
    const { api } = await start();
    const examples = [
      {
        request_type: 'async',
        input: { mode: 'text-to-video', prompt: 'a futuristic city', resolution: '1080p', duration: 10, aspect_ratio: '16:9', seed: 54248617 }
      },
      { request_type: 'async', input: { ...image, image_urls: ['https://example.com/source.jpg'] } },
      { request_type: 'async', input: { ...image, mode: 'image-to-video-LoRA', image_urls: ['https://example.com/source.jpg'], loras: [lora] } },
      { request_type: 'callback', callback_url: 'https://your-server.com/webhooks/apixo', input: { ...t2v, resolution: '720p', duration: 10 } }
    ];
    for (const example of examples) expect((await api.submit(example)).status).toBe(200);
  });
});

describe('billing', () => {
  it('debits exactly the priced cost and reports the balance as USD', async () => {
    const { sim, api } = await start();
    const balance = await api.request('GET', BALANCE);
    expect(balance).toMatchObject({ status: 200, json: { code: 200, message: 'success', data: 100 } });
    expect(balance.headers.get('x-apixo-simulator')).toBe('1'); // labelled as simulated
    await api.create(body({ resolution: '720p', duration: 10 })); // $0.016 × 10
    expect(await api.balance()).toBe(99.84);
    await api.create(body({ resolution: '1080p', duration: 5, mode: 'text-to-video-LoRA', loras: [{ path: 'https://h.co/x', scale: 1 }] })); // $0.03 × 5
    expect(await api.balance()).toBe(99.69);
    expect(sim.balanceUsd()).toBe(99.69);
  });

  it('answers 402 when the balance is below the cost, and accepts at exactly the cost', async () => {
    const { sim, api } = await start({ balanceUsd: 0.15 });
    const refused = await api.submit(body({ resolution: '720p', duration: 10 }));
    expect(refused.status).toBe(402);
    expect(refused.json).toEqual({ code: 402, message: 'Insufficient balance' });
    expect(sim.submissions).toHaveLength(0);
    sim.setBalance(0.16);
    expect((await api.submit(body({ resolution: '720p', duration: 10 }))).status).toBe(200);
    expect(await api.balance()).toBe(0);
  });

  it('refunds a failed task once it has failed', async () => {
    const { sim, api } = await start({ timeScale: 0.005 });
    const taskId = await api.create(body({ prompt: 'a cat [sim:fail:SensitiveContent]', resolution: '720p', duration: 10 }));
    expect(await api.balance()).toBe(99.84);
    expect(sim.task(taskId)!.refunded).toBe(false);
    await untilComplete(sim, taskId);
    expect(await api.balance()).toBe(100);
    expect(sim.task(taskId)!.refunded).toBe(true);
  });

  it('with billFailures, a failed task keeps its cost', async () => {
    const { sim, api } = await start({ timeScale: 0.005, billFailures: true });
    const failing = await api.create(body({ prompt: 'a cat [sim:fail:SensitiveContent]', resolution: '720p', duration: 10 }));
    const succeeding = await api.create(body({ prompt: 'a dog', resolution: '720p', duration: 10 }));
    expect(await api.balance()).toBe(99.68);
    await untilComplete(sim, failing);
    await untilComplete(sim, succeeding);
    expect((await api.status(failing)).json.data.state).toBe('failed');
    // Both were billed: the failure's $0.16 is not given back.
    expect(await api.balance()).toBe(99.68);
    expect(sim.task(failing)!.refunded).toBe(false);
    expect(sim.task(failing)!.outcome).toBe('failed');
  });
});

describe('limits', () => {
  it('answers 429 with Retry-After at the concurrency limit, until a task completes', async () => {
    const { sim, api } = await start({ concurrencyLimit: 2, timeScale: 0.002 });
    const first = await api.create(body());
    await api.create(body());
    const refused = await api.submit(body());
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ code: 429, message: 'Too many requests: concurrency limit reached' });
    // Whole simulated seconds until the first completion (480p: at most 60 s).
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(sim.submissions).toHaveLength(2);
    expect(sim.counts().activeTasks).toBe(2);

    await untilComplete(sim, first);
    expect((await api.submit(body())).status).toBe(200);
    sim.setConcurrencyLimit(0);
    expect((await api.submit(body())).status).toBe(429);
  });

  it('answers 429 past the per-minute rate limit, counting every API request', async () => {
    const { api } = await start({ rateLimitPerMinute: 3, timeScale: 1 });
    expect((await api.request('GET', BALANCE)).status).toBe(200);
    expect((await api.status('unknown')).status).toBe(404);
    expect((await api.submit(body())).status).toBe(200);
    const limited = await api.request('GET', BALANCE);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ code: 429, message: 'Too many requests: rate limit reached' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('lets requests through again once the (scaled) window has passed', async () => {
    const { api } = await start({ rateLimitPerMinute: 2, timeScale: 0.001 }); // a 60 ms window
    expect((await api.request('GET', BALANCE)).status).toBe(200);
    expect((await api.request('GET', BALANCE)).status).toBe(200);
    expect((await api.request('GET', BALANCE)).status).toBe(429);
    await sleep(70);
    expect((await api.request('GET', BALANCE)).status).toBe(200);
  });
});

describe('recorded requests', () => {
  it('records every request with its endpoint, task, status and submit body', async () => {
    const { sim, api } = await start();
    const payload = body();
    const taskId = await api.create(payload);
    await api.status(taskId);
    await api.status(taskId);
    await api.status('nope');
    await api.request('GET', BALANCE);
    await api.request('GET', '/nowhere');
    await api.submit('{oops');

    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', `/api/v1${SUBMIT}`, 200],
      ['GET', `/api/v1${STATUS}`, 200],
      ['GET', `/api/v1${STATUS}`, 200],
      ['GET', `/api/v1${STATUS}`, 404],
      ['GET', `/api/v1${BALANCE}`, 200],
      ['GET', '/api/v1/nowhere', 404],
      ['POST', `/api/v1${SUBMIT}`, 400]
    ]);
    expect(sim.requests[0]).toMatchObject({ endpoint: 'submit', taskId, body: payload });
    expect(sim.requests[1]).toMatchObject({ endpoint: 'status', taskId });
    expect(sim.requests[0].time).toBeLessThanOrEqual(Date.now());
    expect(sim.submissions).toEqual([{ taskId, body: payload, time: expect.any(Number) }]);

    const counts = sim.counts();
    expect(counts.requests).toBe(7);
    expect(counts.byEndpoint).toEqual({ submit: 2, status: 3, balance: 1, file: 0, other: 1 });
    expect(counts.byStatus).toEqual({ 200: 4, 400: 1, 404: 2 });
    expect(counts.statusPolls.get(taskId)).toBe(2);
    expect(counts.tasks).toBe(1);
  });
});
