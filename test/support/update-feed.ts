/**
 * A release feed on loopback, as electron-builder publishes one (latest.yml and the installer),
 * and electron-updater's own Windows updater reading it from Node: what the app's updater does,
 * except the final restart, which only Electron can do.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import runtime, { type DownloadOptions } from 'builder-util-runtime';
import updaterPkg from 'electron-updater';
import type { AppUpdaterLike } from '../../src/main/core/update/electron-updater-source';

export interface Feed {
  url: string;
  /** What the feed offers: change it between checks. */
  release: { version: string; notes: string } | 'broken';
  /** Feed and download requests so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFeed(release: Feed['release']): Promise<Feed> {
  const installer = randomBytes(64 * 1024);
  const sha512 = createHash('sha512').update(installer).digest('base64');
  const requests: string[] = [];
  const feed: Feed = { url: '', release, requests, close: () => new Promise((done) => server.close(() => done())) };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    requests.push(path);
    const current = feed.release;
    if (/^\/latest(-linux|-mac)?\.yml$/.test(path)) {
      if (current === 'broken') return void res.writeHead(500).end('upstream unavailable');
      const name = `LTX-Batch-Studio-Setup-${current.version}.exe`;
      res.writeHead(200, { 'content-type': 'text/yaml' });
      return void res.end(
        `version: ${current.version}\nfiles:\n  - url: ${name}\n    sha512: ${sha512}\n    size: ${installer.length}\npath: ${name}\nsha512: ${sha512}\n` +
          `releaseDate: '2026-11-30T09:00:00.000Z'\nreleaseNotes: ${JSON.stringify(current.notes)}\n`
      );
    }
    if (path.endsWith('.exe')) return void res.writeHead(200, { 'content-length': installer.length }).end(installer);
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return feed;
}

/** Node's http for the updater, downloads included (in the app, Electron's net does this), checking the sha512. */
class NodeExecutor extends runtime.HttpExecutor<ReturnType<typeof request>> {
  createRequest(options: object, callback: (response: unknown) => void) {
    return request(options, callback as never);
  }

  async download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    const hash = createHash('sha512');
    await new Promise<void>((done, fail) => {
      request(url, (res) => {
        if (res.statusCode !== 200) return fail(new Error(`HTTP ${res.statusCode}`));
        const total = Number(res.headers['content-length'] ?? 0);
        let transferred = 0;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          transferred += chunk.length;
          options.onProgress?.({ total, delta: chunk.length, transferred, percent: (transferred / total) * 100, bytesPerSecond: 0 });
        });
        pipeline(res, createWriteStream(destination)).then(done, fail);
      })
        .on('error', fail)
        .end();
    });
    if (options.sha512 && hash.digest('base64') !== options.sha512) throw new Error('sha512 checksum mismatch');
    return destination;
  }
}

/** electron-updater's NSIS updater, for an installed app at `appVersion`, reading `feed`. */
export function loopbackUpdater(appVersion: string, feed: Feed): { updater: AppUpdaterLike; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-updater-'));
  writeFileSync(join(dir, 'app-update.yml'), `provider: generic\nurl: ${feed.url}\nupdaterCacheDirName: ltx-batch-studio-updater\n`);
  const app = {
    version: appVersion,
    name: 'ltx-batch-studio',
    isPackaged: true,
    appUpdateConfigPath: join(dir, 'app-update.yml'),
    userDataPath: dir,
    baseCachePath: dir,
    whenReady: () => Promise.resolve(),
    relaunch: () => undefined,
    quit: () => undefined,
    onQuit: () => undefined
  };
  const updater = new updaterPkg.NsisUpdater(null, app);
  (updater as unknown as { httpExecutor: NodeExecutor }).httpExecutor = new NodeExecutor();
  updater.setFeedURL({ provider: 'generic', url: feed.url });
  updater.logger = null;
  return { updater: updater as unknown as AppUpdaterLike, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
