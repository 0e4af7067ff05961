import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResourcesDir, startSimulator, type Simulator } from '../../src/main/core/simulator';
import { Api, body, resultUrl, sleep, untilComplete } from './helpers';

let sim: Simulator;
let api: Api;
let wide: Buffer;
let tall: Buffer;
/** A succeeded 16:9 task's result URL. */
let url: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.001, seed: 3 });
  api = new Api(sim);
  wide = await readFile(join(findResourcesDir(), 'sample-16x9.mp4'));
  tall = await readFile(join(findResourcesDir(), 'sample-9x16.mp4'));
  const taskId = await api.create(body());
  await untilComplete(sim, taskId);
  url = await resultUrl(api, taskId);
});
afterAll(() => sim.close());

async function fetchBytes(target: string, headers: Record<string, string> = {}): Promise<{ res: Response; bytes: Buffer }> {
  const res = await fetch(target, { headers });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('result files', () => {
  it('serves the whole clip with its type, length and Accept-Ranges', async () => {
    const { res, bytes } = await fetchBytes(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(wide.length));
    expect(bytes.equals(wide)).toBe(true);
  });

  it('answers HEAD with the headers only', async () => {
    const res = await fetch(url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(wide.length));
  });

  it('serves the 9:16 clip to a 9:16 text task and the 16:9 clip to image tasks', async () => {
    const vertical = await api.create(body({ aspectRatio: '9:16' }));
    const fromImage = await api.create(body({ mode: 'image-to-video', imageUrl: 'https://example.com/tall.jpg' }));
    await untilComplete(sim, vertical);
    await untilComplete(sim, fromImage);
    expect((await fetchBytes(await resultUrl(api, vertical))).bytes.equals(tall)).toBe(true);
    expect((await fetchBytes(await resultUrl(api, fromImage))).bytes.equals(wide)).toBe(true);
  });

  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, undefined],
    ['bytes=-500', -500, undefined],
    ['bytes=1000-99999999', 1000, undefined]
  ])('answers Range %s with 206 and Content-Range', async (range, start, end) => {
    const { res, bytes } = await fetchBytes(url, { range });
    const size = wide.length;
    const from = start < 0 ? size + start : start;
    const to = end ?? size - 1;
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${from}-${to}/${size}`);
    expect(res.headers.get('content-length')).toBe(String(to - from + 1));
    expect(bytes.equals(wide.subarray(from, to + 1))).toBe(true);
  });

  it.each(['bytes=999999999-', 'bytes=-0'])('answers unsatisfiable Range %s with 416 and bytes */size', async (range) => {
    const { res } = await fetchBytes(url, { range });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${wide.length}`);
  });

  it.each(['bytes=5-2', 'items=0-5', 'bytes=0-1,5-9', 'bytes=x'])('ignores a Range it cannot use (%s) and serves all', async (range) => {
    const { res, bytes } = await fetchBytes(url, { range });
    expect(res.status).toBe(200);
    expect(bytes.length).toBe(wide.length);
  });

  it('answers 403 to a changed signature or expiry', async () => {
    const badSig = url.replace(/sig=([0-9a-f])/, (_m, c: string) => `sig=${c === '0' ? '1' : '0'}`);
    const later = url.replace(/expires=(\d+)/, (_m, n: string) => `expires=${Number(n) + 1000}`);
    for (const target of [badSig, later, url.replace(/&sig=.*$/, ''), url.split('?')[0]]) {
      expect((await fetch(target)).status).toBe(403);
    }
  });

  it('answers 404 to unknown and unfinished tasks', async () => {
    expect((await fetch(`${sim.origin}/files/0123456789abcdef0123456789abcdef.mp4`)).status).toBe(404);
    expect((await fetch(`${sim.origin}/files/../etc/passwd`)).status).toBe(404);
    const running = await api.create(body({ prompt: 'slow one [sim:slow]' }));
    expect((await fetch(`${sim.origin}/files/${running}.mp4`)).status).toBe(404);
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(url, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 410 Gone once the (scaled) lifetime has passed', async () => {
    // Result URLs live 50 simulated seconds: 50 ms here.
    const short = await startSimulator({ timeScale: 0.001, resultTtlMs: 50_000 });
    try {
      const shortApi = new Api(short);
      const taskId = await shortApi.create(body());
      await untilComplete(short, taskId);
      const fresh = await resultUrl(shortApi, taskId);
      const expires = Number(new URL(fresh).searchParams.get('expires'));
      expect(expires).toBe(short.task(taskId)!.completeTime + 50);
      if (Date.now() < expires - 5) expect((await fetch(fresh)).status).toBe(200);
      await sleep(expires - Date.now() + 5);
      const gone = await fetch(fresh);
      expect(gone.status).toBe(410);
      expect(await gone.text()).toBe('Gone');
    } finally {
      await short.close();
    }
  });

  it('counts downloads per task', () => {
    const taskId = new URL(url).pathname.slice('/files/'.length, -'.mp4'.length);
    expect(sim.counts().downloads.get(taskId)).toBeGreaterThanOrEqual(10);
  });
});
