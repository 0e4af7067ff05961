import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, downloadVideo, reserveUniquePath, type DownloadOptions } from '../../src/main/core/download';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { Api, body, resultUrl, untilComplete } from '../simulator/helpers';
import { FileServer, TempDirs, readSample } from '../library/helpers';
import { rejection } from '../support/rejection';
import { memoryLog } from '../support/memory-log';

const temp = new TempDirs();
let sim: Simulator;
let api: Api;
let wide: Buffer;
let tall: Buffer;
let dir: string;

/** Fast retries: the real backoff schedule at 1/1000 speed. */
const FAST: DownloadOptions = { timeScale: 0.001, stallTimeoutMs: 2_000 };

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.001, seed: 11 });
  api = new Api(sim);
  wide = await readSample('wide');
  tall = await readSample('tall');
});
afterAll(async () => {
  await sim.close();
  await temp.cleanup();
});
beforeEach(async () => {
  dir = await temp.make();
  sim.setFaults({ truncateDownloadRate: 0, stallDownloadRate: 0 });
});

/** A real signed result URL of a task that succeeded in the simulator. */
async function newResult(
  prompt = 'a small robot walking through a rainy neon street',
  aspectRatio: '16:9' | '9:16' = '16:9'
): Promise<{ url: string; taskId: string }> {
  const taskId = await api.create(body({ prompt, aspectRatio }));
  await untilComplete(sim, taskId);
  return { url: await resultUrl(api, taskId), taskId };
}

function fileRequests(taskId: string): { status: number; fault?: string }[] {
  return sim.requests.filter((r) => r.endpoint === 'file' && r.taskId === taskId).map((r) => ({ status: r.status, fault: r.fault }));
}

const failure = (promise: Promise<unknown>): Promise<DownloadError> => rejection(promise, DownloadError);

describe('downloadVideo against the simulator', () => {
  it('downloads a whole result, byte for byte, and leaves no .part', async () => {
    const { url, taskId } = await newResult();
    const target = join(dir, 'clip.mp4');
    const progress: [number, number | undefined][] = [];
    const result = await downloadVideo(url, target, { ...FAST, onProgress: (r, t) => progress.push([r, t]) });
    expect(result).toEqual({ bytes: wide.length, resumed: false, attempts: 1, alreadyPresent: false });
    expect((await readFile(target)).equals(wide)).toBe(true);
    expect(await readdir(dir)).toEqual(['clip.mp4']);
    expect(progress.at(-1)).toEqual([wide.length, wide.length]);
    expect(fileRequests(taskId)).toEqual([{ status: 200, fault: undefined }]);
  });

  it('downloads into a name reserved by reserveUniquePath', async () => {
    const { url } = await newResult('tall one', '9:16');
    const target = await reserveUniquePath(dir, 'tall', '.mp4');
    await downloadVideo(url, target, FAST);
    expect((await readFile(target)).equals(tall)).toBe(true);
    expect(await readdir(dir)).toEqual(['tall.mp4']);
  });

  it('resumes with Range after a transfer cut short', async () => {
    const { url, taskId } = await newResult();
    const target = join(dir, 'resumed.mp4');
    sim.setFaults({ truncateDownloadRate: 1 });
    const log: string[] = [];
    const result = await downloadVideo(url, target, {
      ...FAST,
      log: memoryLog((line) => {
        log.push(line);
        sim.setFaults({ truncateDownloadRate: 0 }); // the first attempt failed: the link heals
      }).log
    });
    expect(result.resumed).toBe(true);
    expect(result.attempts).toBe(2);
    expect((await readFile(target)).equals(wide)).toBe(true);
    // The first answer was cut at about half; the second was a 206 for the rest.
    expect(fileRequests(taskId)).toEqual([
      { status: 200, fault: 'truncate_download' },
      { status: 206, fault: undefined }
    ]);
    expect(log[0]).toMatch(/attempt 1 failed .* bytes kept/);
  });

  it('resumes a .part left by an earlier run instead of starting over', async () => {
    const { url, taskId } = await newResult();
    const target = join(dir, 'leftover.mp4');
    await writeFile(`${target}.part`, wide.subarray(0, 100_000));
    const progress: number[] = [];
    const result = await downloadVideo(url, target, { ...FAST, onProgress: (r) => progress.push(r) });
    expect(result).toMatchObject({ bytes: wide.length, resumed: true, attempts: 1 });
    expect(progress[0]).toBe(100_000);
    expect(fileRequests(taskId)).toEqual([{ status: 206, fault: undefined }]);
    expect((await readFile(target)).equals(wide)).toBe(true);
  });

  it('finishes at once when a leftover .part already holds the whole file', async () => {
    const { url, taskId } = await newResult();
    const target = join(dir, 'complete-part.mp4');
    await writeFile(`${target}.part`, wide);
    const result = await downloadVideo(url, target, FAST);
    expect(result).toMatchObject({ bytes: wide.length, resumed: true });
    expect(fileRequests(taskId).map((r) => r.status)).toEqual([416]);
    expect((await readFile(target)).equals(wide)).toBe(true);
  });

  it('starts over when a leftover .part is not the start of an MP4', async () => {
    const { url, taskId } = await newResult();
    const target = join(dir, 'junk-part.mp4');
    await writeFile(`${target}.part`, Buffer.from('<html>this is not a video at all</html>'));
    const result = await downloadVideo(url, target, FAST);
    expect(result.resumed).toBe(false);
    expect(fileRequests(taskId).map((r) => r.status)).toEqual([200]);
    expect((await readFile(target)).equals(wide)).toBe(true);
  });

  it('detects a stalled transfer, aborts it and resumes', async () => {
    const { url, taskId } = await newResult();
    const target = join(dir, 'stalled.mp4');
    // The simulator hangs for 60 s (scaled: 60 000 000 × 0.001) after half the bytes.
    sim.setFaults({ stallDownloadRate: 1, stallMs: 60_000_000 });
    const started = Date.now();
    const result = await downloadVideo(url, target, {
      ...FAST,
      stallTimeoutMs: 150,
      log: memoryLog(() => sim.setFaults({ stallDownloadRate: 0 })).log
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ resumed: true, attempts: 2 });
    expect(fileRequests(taskId)).toEqual([
      { status: 200, fault: 'stall_download' },
      { status: 206, fault: undefined }
    ]);
    expect((await readFile(target)).equals(wide)).toBe(true);
  });

  it('stops on the signal and keeps the .part to resume later', async () => {
    const { url } = await newResult();
    const target = join(dir, 'stopped.mp4');
    sim.setFaults({ stallDownloadRate: 1, stallMs: 60_000_000 });
    const controller = new AbortController();
    const promise = downloadVideo(url, target, {
      ...FAST,
      stallTimeoutMs: 10_000,
      onProgress: (received) => {
        if (received > 0) setTimeout(() => controller.abort(), 20);
      },
      signal: controller.signal
    });
    const error = await failure(promise);
    expect(error.kind).toBe('aborted');
    expect(await readdir(dir)).toEqual(['stopped.mp4.part']);
    expect((await stat(`${target}.part`)).size).toBeGreaterThan(0);
    // Later, the link works again and the download resumes from the kept bytes.
    sim.setFaults({ stallDownloadRate: 0 });
    expect(await downloadVideo(url, target, FAST)).toMatchObject({ resumed: true, bytes: wide.length });
  });

  it('says an expired link has expired and leaves no file', async () => {
    const { url, taskId } = await newResult('a lighthouse at night [sim:expired]');
    const target = await reserveUniquePath(dir, 'expired', '.mp4');
    const error = await failure(downloadVideo(url, target, FAST));
    expect(error.kind).toBe('expired');
    expect(error.status).toBe(410);
    expect(error.message).toMatch(/^The download link has expired \(APIXO keeps results for a limited time\)/);
    expect(await readdir(dir)).toEqual([]);
    expect(fileRequests(taskId)).toEqual([{ status: 410, fault: undefined }]);
  });

  it('treats a link with a bad signature (403) as expired, without retrying', async () => {
    const { url, taskId } = await newResult();
    const tampered = url.replace(/sig=([0-9a-f])/, (_, c: string) => `sig=${c === '0' ? '1' : '0'}`);
    const error = await failure(downloadVideo(tampered, join(dir, 'forbidden.mp4'), FAST));
    expect(error).toMatchObject({ kind: 'expired', status: 403 });
    expect(fileRequests(taskId)).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not fetch again when the target is already whole', async () => {
    const { url, taskId } = await newResult();
    const target = join(dir, 'done.mp4');
    await downloadVideo(url, target, FAST);
    expect(await downloadVideo(url, target, FAST)).toEqual({ bytes: wide.length, resumed: false, attempts: 0, alreadyPresent: true });
    expect(fileRequests(taskId)).toHaveLength(1);
  });
});

describe('downloadVideo against other servers', () => {
  let server: FileServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function serve(handler: ConstructorParameters<typeof FileServer>[0]): Promise<string> {
    server = new FileServer(handler);
    return server.start();
  }

  it('says an HTML page is not a video, and leaves no file', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><body>${'Sign in to continue. '.repeat(200)}</body></html>`);
    });
    const target = await reserveUniquePath(dir, 'page', '.mp4');
    const error = await failure(downloadVideo(url, target, FAST));
    expect(error.kind).toBe('not_video');
    expect(error.message).toMatch(/text\/html/);
    expect(await readdir(dir)).toEqual([]);
    expect(server!.seen).toHaveLength(1);
  });

  it('says a tiny non-video body is not a video, even when labelled video/mp4', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end('Gone');
    });
    expect((await failure(downloadVideo(url, join(dir, 'tiny.mp4'), FAST))).kind).toBe('not_video');
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries 5xx and 429 answers, then succeeds', async () => {
    const url = await serve((_req, res, n) => {
      if (n === 1) res.writeHead(503).end('busy');
      else if (n === 2) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      else res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': wide.length }).end(wide);
    });
    const target = join(dir, 'retried.mp4');
    const started = Date.now();
    expect(await downloadVideo(url, target, FAST)).toMatchObject({ attempts: 3, bytes: wide.length });
    expect(Date.now() - started).toBeLessThan(2_000); // Retry-After: 1 s, scaled by timeScale
    expect((await readFile(target)).equals(wide)).toBe(true);
  });

  it('gives up after the attempts allowed, as transient, keeping nothing at the target', async () => {
    const url = await serve((_req, res) => res.writeHead(502).end('bad gateway'));
    const target = join(dir, 'never.mp4');
    const error = await failure(downloadVideo(url, target, { ...FAST, attempts: 3 }));
    expect(error).toMatchObject({ kind: 'transient', attempts: 3, status: 502 });
    expect(error.message).toMatch(/after 3 attempts/);
    expect(server!.seen).toHaveLength(3);
    await expect(stat(target)).rejects.toThrow();
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    const url = await serve((_req, res) => res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': wide.length }).end(wide));
    const target = join(dir, 'no-range.mp4');
    await writeFile(`${target}.part`, wide.subarray(0, 50_000));
    const result = await downloadVideo(url, target, FAST);
    expect(server!.seen[0].range).toBe('bytes=50000-');
    expect(result).toMatchObject({ resumed: false, bytes: wide.length });
    expect((await readFile(target)).equals(wide)).toBe(true);
  });

  it('starts over when a 206 answers a different range than asked', async () => {
    const url = await serve((req, res) => {
      if (req.headers.range) {
        res.writeHead(206, { 'content-range': `bytes 10-${wide.length - 1}/${wide.length}`, 'content-length': wide.length - 10 });
        res.end(wide.subarray(10));
      } else {
        res.writeHead(200, { 'content-length': wide.length }).end(wide);
      }
    });
    const target = join(dir, 'wrong-range.mp4');
    await writeFile(`${target}.part`, wide.subarray(0, 50_000));
    expect(await downloadVideo(url, target, FAST)).toMatchObject({ resumed: false, attempts: 2 });
    expect(server!.seen.map((s) => s.range)).toEqual(['bytes=50000-', undefined]);
    expect((await readFile(target)).equals(wide)).toBe(true);
  });

  it('resumes after a connection reset mid-body, on any server that honours Range', async () => {
    const url = await serve((req, res, n) => {
      const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const headers: Record<string, string | number> = { 'content-type': 'video/mp4', 'content-length': wide.length - start };
      if (m) headers['content-range'] = `bytes ${start}-${wide.length - 1}/${wide.length}`;
      res.writeHead(m ? 206 : 200, headers);
      if (n === 1) res.write(wide.subarray(0, 30_000), () => res.socket?.destroy());
      else res.end(wide.subarray(start));
    });
    const target = join(dir, 'reset.mp4');
    expect(await downloadVideo(url, target, FAST)).toMatchObject({ resumed: true, attempts: 2 });
    expect(server!.seen[1].range).toMatch(/^bytes=\d+-$/);
    expect((await readFile(target)).equals(wide)).toBe(true);
  });
});
