import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApixoClient } from '../../src/main/core/apixo';
import { downloadVideo } from '../../src/main/core/download';
import { netPolicy, UrlRefusal, type NetPolicy } from '../../src/main/core/net';
import { BatchEngine } from '../../src/main/core/queue/engine';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { rows, settled, TIME_SCALE } from '../support/engine-harness';
import { rejection } from '../support/rejection';
import { Api, body, resultUrl, untilComplete } from '../simulator/helpers';

const SAMPLE = readFileSync('resources/sim/sample-16x9.mp4');
const FAST = { timeScale: 0.001, stallTimeoutMs: 2_000 };

/** A loopback server that counts what reaches it, and answers with `handler`. */
class CountingServer {
  readonly seen: string[] = [];
  private server?: Server;

  constructor(private readonly handler: (req: IncomingMessage, res: ServerResponse) => void) {}

  async start(): Promise<{ origin: string; port: number }> {
    this.server = createServer((req, res) => {
      this.seen.push(`${req.method} ${req.url}`);
      this.handler(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return { origin: `http://127.0.0.1:${port}`, port };
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Serves a whole MP4 to anyone who asks: what a hostile link would hand over. */
const serveVideo = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': SAMPLE.length });
  res.end(SAMPLE);
};

let dir: string;
let target: CountingServer;
let targetAt: { origin: string; port: number };

beforeAll(async () => {
  target = new CountingServer(serveVideo);
  targetAt = await target.start();
});
afterAll(() => target.stop());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltx-net-'));
  target.seen.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('downloadVideo with the network policy', () => {
  let sim: Simulator;
  let policy: NetPolicy;

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 0.001, seed: 3 });
    policy = netPolicy({ apiBaseUrl: () => sim.baseUrl, subject: "The video's link" });
  });
  afterAll(() => sim.close());

  it('downloads from the configured simulator over http, as before', async () => {
    const api = new Api(sim);
    const taskId = await api.create(body({ prompt: 'a lighthouse in a storm, waves breaking' }));
    await untilComplete(sim, taskId);
    const url = await resultUrl(api, taskId);
    expect(new URL(url).origin).toBe(new URL(sim.baseUrl).origin);
    const result = await downloadVideo(url, join(dir, 'clip.mp4'), { ...FAST, policy });
    expect(result).toMatchObject({ attempts: 1, alreadyPresent: false });
  });

  it('refuses a result on another port of this computer, and no request reaches it', async () => {
    const url = `${targetAt.origin}/x.mp4`;
    const error = await rejection(downloadVideo(url, join(dir, 'clip.mp4'), { ...FAST, policy }), UrlRefusal);
    expect(error.message).toBe(
      "The video's link points to an address on this computer or a private network (127.0.0.1: this computer); " +
        'the app fetches only from the internet, and from the API address set in Settings, so nothing was fetched.'
    );
    for (const spelling of [
      `https://127.0.0.1:${targetAt.port}/x.mp4`,
      `https://localhost:${targetAt.port}/x.mp4`,
      `https://[::ffff:7f00:1]:${targetAt.port}/x.mp4`,
      `https://2130706433:${targetAt.port}/x.mp4`
    ]) {
      const refused = await rejection(downloadVideo(spelling, join(dir, 'clip.mp4'), { ...FAST, policy }), UrlRefusal);
      expect(refused.reason, spelling).toBe('address');
    }
    expect(target.seen).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('without a policy the same link is fetched: the server above is really listening', async () => {
    await downloadVideo(`${targetAt.origin}/x.mp4`, join(dir, 'clip.mp4'), FAST);
    expect(target.seen).toEqual(['GET /x.mp4']);
  });
});

describe('redirects from the API host', () => {
  let api: CountingServer;
  let apiAt: { origin: string; port: number };
  let location = '';

  beforeAll(async () => {
    api = new CountingServer((_req, res) => {
      res.writeHead(302, { location });
      res.end();
    });
    apiAt = await api.start();
  });
  afterAll(() => api.stop());
  beforeEach(() => {
    api.seen.length = 0;
  });

  it('are checked at every hop: one to another port of this computer is refused there, once, and the target sees nothing', async () => {
    const policy = netPolicy({ apiBaseUrl: () => `${apiAt.origin}/api/v1`, subject: "The video's link" });
    const cases: [string, string][] = [
      [`${targetAt.origin}/x.mp4`, 'address'],
      [`https://127.0.0.1:${targetAt.port}/x.mp4`, 'address'],
      [`http://[::ffff:127.0.0.1]:${apiAt.port}/x.mp4`, 'address'],
      [`http://cdn.example.com/x.mp4`, 'scheme'],
      [`https://[::ffff:127.0.0.1]:${targetAt.port}/x.mp4`, 'address'],
      [`https://0x7f.1:${targetAt.port}/x.mp4`, 'address'],
      [`https://169.254.169.254/latest/meta-data/`, 'address']
    ];
    for (const [to, reason] of cases) {
      location = to;
      api.seen.length = 0;
      const error = await downloadVideo(`${apiAt.origin}/files/t1.mp4`, join(dir, 'clip.mp4'), { ...FAST, policy }).catch((e: unknown) => e);
      expect(error, `${to}: ${String(error)}`).toBeInstanceOf(UrlRefusal);
      if (!(error instanceof UrlRefusal)) continue;
      expect(error.reason, to).toBe(reason);
      expect(error.message, to).toMatch(/^The video's link redirects to /);
      // Refused for good: not retried as if the connection had failed.
      expect(api.seen, to).toEqual(['GET /files/t1.mp4']);
    }
    expect(target.seen).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('to a public-looking name that resolves to this computer is refused when the name is looked up', async () => {
    const resolve = ((hostname: string, _options: unknown, callback: (error: Error | null, addresses: unknown[]) => void) => {
      process.nextTick(callback, null, hostname === 'cdn.example.com' ? [{ address: '127.0.0.1', family: 4 }] : []);
    }) as never;
    const policy = netPolicy({ apiBaseUrl: () => `${apiAt.origin}/api/v1`, subject: "The video's link", resolve });
    location = `https://cdn.example.com:${targetAt.port}/x.mp4`;
    const error = await rejection(downloadVideo(`${apiAt.origin}/files/t1.mp4`, join(dir, 'clip.mp4'), { ...FAST, policy }), UrlRefusal);
    expect(error.message).toBe(
      "The video's link redirects to an address on this computer or a private network (cdn.example.com, which resolves to 127.0.0.1: this computer); " +
        'the app fetches only from the internet, and from the API address set in Settings, so nothing was fetched.'
    );
    expect(api.seen).toEqual(['GET /files/t1.mp4']);
    expect(target.seen).toEqual([]);
  });
});

describe('the engine', () => {
  let hostile: CountingServer;
  let engine: BatchEngine | undefined;

  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await hostile?.stop();
  });

  it('does not fetch a result that an API answer points at another port of this computer, nor land it as a video', async () => {
    const taskId = 'task_0123456789abcdef';
    const resultJson = JSON.stringify({ resultUrls: [`${targetAt.origin}/stolen.mp4`] });
    const ok = (res: ServerResponse, data: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 200, message: 'success', data }));
    };
    hostile = new CountingServer((req, res) => {
      const url = req.url ?? '';
      req.resume();
      if (url.includes('generateTask')) return req.on('end', () => ok(res, { taskId }));
      if (url.includes('statusTask')) return ok(res, { taskId, state: 'success', resultJson, createTime: 1, completeTime: 2, costTime: 1 });
      if (url.includes('current-balance')) return ok(res, 100);
      res.writeHead(404).end();
    });
    const { origin } = await hostile.start();
    const client = new ApixoClient({ apiKey: 'sk-test-key', baseUrl: `${origin}/api/v1`, timeScale: TIME_SCALE, timeoutMs: 5_000 });
    const libraryDir = join(dir, 'library');
    engine = await BatchEngine.open({ dataDir: join(dir, 'data'), client, timeScale: TIME_SCALE });
    engine.start();
    const batch = engine.addBatch({ name: 'hostile', libraryDir, tasks: rows(1) });
    const [task] = await settled(engine, batch.id);
    expect(task.state).toBe('download_failed');
    expect(task.note).toMatch(/^The video's link points to an address on this computer or a private network \(127\.0\.0\.1: this computer\)/);
    expect(target.seen).toEqual([]);
    expect((await readdir(libraryDir).catch(() => [])).filter((f) => f.endsWith('.mp4'))).toEqual([]);
  });
});
