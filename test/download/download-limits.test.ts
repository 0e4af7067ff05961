import { existsSync } from 'node:fs';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, downloadVideo, type DownloadOptions } from '../../src/main/core/download';
import { maxVideoBytes } from '../../src/main/core/download/video-size';
import { FileServer, rangedFile, readSample, TempDirs } from '../library/helpers';
import { rejection } from '../support/rejection';
import { TMPFS_SKIP_REASON, Tmpfs, canMountTmpfs } from './tmpfs';

// The edges of a download, against real loopback servers that answer badly on purpose and real
// filesystems that fill up (architecture.md, "Downloads").

const temp = new TempDirs();
let dir: string;
let sample: Buffer;
const servers: FileServer[] = [];

/** Fast retries: the real backoff schedule at 1/1000 speed. */
const FAST: DownloadOptions = { timeScale: 0.001, stallTimeoutMs: 2_000 };

beforeAll(async () => {
  sample = await readSample('wide');
});
beforeEach(async () => {
  dir = await temp.make();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(() => temp.cleanup());

async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; server: FileServer }> {
  const server = new FileServer(handler);
  servers.push(server);
  return { url: await server.start(), server };
}

/** An MP4 header and then bytes without end, as fast as the client takes them; counts what it sent. */
function endlessHandler(sent: { bytes: number; closed: boolean }) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'video/mp4' });
    const chunk = Buffer.alloc(64 * 1024, 7);
    res.on('close', () => (sent.closed = true));
    const more = (): void => {
      while (!res.destroyed && res.write(chunk)) sent.bytes += chunk.length;
      if (res.destroyed) return;
      sent.bytes += chunk.length;
      res.once('drain', () => setImmediate(more));
    };
    res.write(sample.subarray(0, 32));
    sent.bytes += 32;
    more();
  };
}

const failure = (promise: Promise<unknown>): Promise<DownloadError> => rejection(promise, DownloadError);

describe('the size cap', () => {
  it('refuses an announced size above the cap before writing a byte', async () => {
    const big = Buffer.concat([sample, Buffer.alloc(4096)]);
    const { url, server } = await serve(rangedFile(big));
    const target = join(dir, 'clip.mp4');
    const error = await failure(downloadVideo(url, target, { ...FAST, maxBytes: sample.length, videoLabel: '5 s 480p video' }));
    expect(error.kind).toBe('too_large');
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/more than any 5 s 480p video could be/);
    expect(error.message).toMatch(/nothing was downloaded/);
    expect(error.guidance).not.toMatch(/connection/i);
    expect(server.seen).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('cuts off an endless MP4-looking stream at the cap and removes its .part', async () => {
    const sent = { bytes: 0, closed: false };
    const { url, server } = await serve(endlessHandler(sent));
    const target = join(dir, 'clip.mp4');
    const cap = 2 * 1024 * 1024;
    const error = await failure(downloadVideo(url, target, { ...FAST, maxBytes: cap, videoLabel: '5 s 480p video' }));
    expect(error.kind).toBe('too_large');
    expect(error.message).toMatch(/The server sent more than any 5 s 480p video could be \(over 2 MB\).*partial file removed/);
    // One request, not retried: the same link would send the same stream.
    expect(server.seen).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('drops a .part that is already past the cap and downloads afresh', async () => {
    const { url, server } = await serve(rangedFile(sample));
    const target = join(dir, 'clip.mp4');
    await writeFile(`${target}.part`, Buffer.concat([sample.subarray(0, 64), Buffer.alloc(sample.length)]));
    const result = await downloadVideo(url, target, { ...FAST, maxBytes: sample.length });
    expect(result).toMatchObject({ bytes: sample.length, resumed: false });
    expect(server.seen.map((s) => s.range)).toEqual([undefined]);
    expect((await readFile(target)).equals(sample)).toBe(true);
  });

  it.skipIf(!canMountTmpfs)(
    `stops an endless stream at the cap a real 5 s 480p request gives, long before a 64 MB disk is full (${TMPFS_SKIP_REASON})`,
    async () => {
      const disk = new Tmpfs('64m');
      try {
        const before = disk.free();
        const sent = { bytes: 0, closed: false };
        const { url } = await serve(endlessHandler(sent));
        const cap = maxVideoBytes({ resolution: '480p', duration: 5 });
        expect(cap).toBeLessThan(before);
        const error = await failure(downloadVideo(url, join(disk.dir, 'clip.mp4'), { ...FAST, maxBytes: cap, videoLabel: '5 s 480p video' }));
        // Not the disk's ENOSPC: the cap stopped it, and the .part went.
        expect(error.kind).toBe('too_large');
        expect(await readdir(disk.dir)).toEqual([]);
        expect(disk.free()).toBe(before);
        expect(sent.bytes).toBeGreaterThan(cap);
      } finally {
        disk.unmount();
      }
    }
  );
});

describe('permanent errors fail at once, with guidance that fits', () => {
  const cases: {
    name: string;
    kind: DownloadError['kind'];
    requests: number;
    words: RegExp;
    url: (base: string) => string;
    handler?: Parameters<typeof serve>[0];
  }[] = [
    { name: 'an ftp: link', kind: 'bad_link', requests: 0, words: /uses ftp:.*only http and https/, url: (b) => b.replace(/^http:/, 'ftp:') },
    { name: 'a file: link', kind: 'bad_link', requests: 0, words: /uses file:/, url: () => 'file:///etc/passwd' },
    {
      name: 'a data: link',
      kind: 'bad_link',
      requests: 0,
      words: /uses data:/,
      url: () => `data:video/mp4;base64,${sample.subarray(0, 64).toString('base64')}`
    },
    {
      name: 'a redirect to ftp:',
      kind: 'bad_link',
      requests: 1,
      words: /uses ftp:/,
      url: (b) => b,
      handler: (_req, res) => {
        res.writeHead(302, { location: 'ftp://127.0.0.1/video.mp4' });
        res.end();
      }
    },
    {
      name: 'a redirect loop',
      kind: 'bad_link',
      requests: 6,
      words: /redirected more than 5 times/,
      url: (b) => b,
      handler: (_req, res, n) => {
        res.writeHead(302, { location: `/video.mp4?hop=${n}` });
        res.end();
      }
    },
    ...[400, 405, 422, 451].map((status) => ({
      name: `HTTP ${status}`,
      kind: 'bad_link' as const,
      requests: 1,
      words: new RegExp(`refused the download \\(HTTP ${status}\\)`),
      url: (b: string) => b,
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end('no');
      }
    })),
    ...[403, 404, 410].map((status) => ({
      name: `HTTP ${status} (an expired link)`,
      kind: 'expired' as const,
      requests: 1,
      words: /expired/,
      url: (b: string) => b,
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(status);
        res.end();
      }
    })),
    {
      name: 'a web page instead of a video',
      kind: 'not_video',
      requests: 1,
      words: /gave a text\/html document instead of an MP4/,
      url: (b) => b,
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html><body>Access denied</body></html>');
      }
    }
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.kind}, after ${c.requests} request(s), no .part`, async () => {
      const { url, server } = await serve(c.handler ?? rangedFile(sample));
      const target = join(dir, 'clip.mp4');
      await writeFile(`${target}.part`, sample.subarray(0, 1000));
      const error = await failure(downloadVideo(c.url(url), target, FAST));
      expect(error.kind).toBe(c.kind);
      expect(error.permanent).toBe(true);
      expect(error.attempts).toBe(1);
      expect(error.message).toMatch(c.words);
      expect(`${error.message} ${error.guidance}`).not.toMatch(/connection/i);
      expect(server.seen).toHaveLength(c.requests);
      expect(await readdir(dir)).toEqual([]);
    });
  }

  it('still retries 408 and 429, which pass', async () => {
    const { url, server } = await serve((req, res, n) => {
      if (n <= 2) {
        res.writeHead(n === 1 ? 408 : 429, { 'retry-after': '0' });
        res.end();
      } else {
        rangedFile(sample)(req, res);
      }
    });
    const result = await downloadVideo(url, join(dir, 'clip.mp4'), FAST);
    expect(result).toMatchObject({ bytes: sample.length, attempts: 3 });
    expect(server.seen).toHaveLength(3);
  });
});

describe.skipIf(!canMountTmpfs)(`a full library disk (${TMPFS_SKIP_REASON})`, () => {
  let disk: Tmpfs;
  beforeEach(() => {
    disk = new Tmpfs('1m');
  });
  afterEach(() => disk.unmount());

  it('fails as a disk problem at once, keeps the whole bytes it wrote, and resumes them with Range once there is room', async () => {
    const { url, server } = await serve(rangedFile(sample));
    const ballast = disk.fill(64 * 1024);
    const target = join(disk.dir, 'clip.mp4');
    const error = await failure(downloadVideo(url, target, FAST));
    expect(error.kind).toBe('disk');
    expect(error.disk).toBe('full');
    expect(error.permanent).toBe(false);
    expect(error.message).toBe(`The disk holding ${disk.dir} is full. Free some space on it (or choose another folder in Settings), then carry on.`);
    // One request: a full disk is not retried as if the network had failed.
    expect(server.seen).toHaveLength(1);
    const kept = await readFile(`${target}.part`);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(sample.length);
    expect(kept.equals(sample.subarray(0, kept.length))).toBe(true);

    await rm(ballast);
    const result = await downloadVideo(url, target, FAST);
    expect(result).toMatchObject({ bytes: sample.length, resumed: true });
    expect(server.seen[1].range).toBe(`bytes=${kept.length}-`);
    expect((await readFile(target)).equals(sample)).toBe(true);
    expect(existsSync(`${target}.part`)).toBe(false);
    expect((await stat(target)).size).toBe(sample.length);
  });
});
