/**
 * The test-only door into the product for the browser: a real `AppService` (real engine, real
 * importer, real library folder in a temp dir) behind a small HTTP server that serves the built
 * renderer (`out/renderer`) and implements `window.api` over two endpoints:
 *
 *   POST /api/invoke   {channel, args} → the IpcResult of `service.dispatch`, as JSON; the
 *                      preload's own channels (`drop:inspect`) are refused, as the preload does
 *   POST /api/drop     {paths} → `drop:inspect` with the paths of dropped files: the bridge
 *                      plays the preload's part (it takes them from the dropped File objects)
 *   GET  /api/events   Server-Sent Events: every `queue:changed` / `settings:changed`
 *
 * Main's open dialogs are a scripted chooser (`desktop.nextFiles`, `desktop.nextFolder`): the
 * test says which file or folder the person picks, and the app gets a token for it as in the app.
 *
 * `bridge.js` (served at BRIDGE_PATH and injected into index.html before the app's module
 * script, as a same-origin file so the page's CSP stays as strict as in the app) turns those
 * into `window.api`. A second simulator, `simulator`, stands in for "the real APIXO": the app
 * talks to it once a key is set (the good key is GOOD_KEY), and its faults are the test's to set.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CHANNELS, PRELOAD_CHANNELS, type EventChannel, type IpcResult } from '@shared/ipc';
import { defaultSettings, type Settings, type SettingsPatch } from '@shared/settings';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MEDIA_SCHEME } from '@shared/library';
import { AppService, type AppServiceOptions, type SecretStore, type SettingsStore } from '../../../src/main/core/app/app-service';
import type { DragOut } from '../../../src/main/core/app/media-handlers';
import { openFileLog } from '../../../src/main/core/log/file-log';
import { electronUpdaterSource } from '../../../src/main/core/update/electron-updater-source';
import { loopbackUpdater, type Feed } from '../../support/update-feed';
import { PAGE_HEADERS } from '../../../src/shared/page-security';
import { mediaResponse, resolveMediaUrl } from '../../../src/main/core/library/media-files';
import { memorySecret, testDesktop, type TestDesktop } from '../../support/app-options';
import { startSimulator, type Faults, type Simulator } from '../../../src/main/core/simulator';

export const REPO_DIR = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const RENDERER_DIR = join(REPO_DIR, 'out', 'renderer');
export const RESOURCES_DIR = join(REPO_DIR, 'resources');
const BRIDGE_FILE = fileURLToPath(new URL('./bridge.js', import.meta.url));

/** Where the page loads local media from, standing in for `ltx-media://` (the bridge's `mediaBase`). */
export const MEDIA_PATH = '/__media/';

/** Where the page loads the bridge from (same origin: `script-src 'self'` allows it). */
export const BRIDGE_PATH = '/__harness/bridge.js';

/** The one key the harness's "real API" simulator accepts. */
export const GOOD_KEY = 'good-key-1234';

export interface HarnessOptions {
  /** Multiplies every product delay (the app's and both simulators'). Default 0.01. */
  timeScale?: number;
  /** Settings over the defaults (concurrency, simulator mode …). */
  settings?: SettingsPatch;
  /** A key already stored at start: the app then talks to `simulator` instead of its own. */
  apiKey?: string;
  /** Faults of the "real API" simulator (e.g. `{ resetAfterAcceptRate: 1 }`). */
  faults?: Partial<Faults>;
  /** Starting balance of the "real API" simulator, USD. */
  balanceUsd?: number;
  /** Fixed seed for the "real API" simulator. Default 7. */
  seed?: number;
  /** Folder of the built renderer. Default `out/renderer`. */
  rendererDir?: string;
  /** Log lines of the app service (default: kept in `Harness.log`); they are also written to `<dir>/logs/main.log`. */
  log?: (line: string) => void;
  /** How the stored secrets are said to be kept (Linux without a keyring: obscured). */
  secretProtection?: 'encrypted' | 'obscured';
  /** Updates from this release feed, read by electron-updater as the installed app at `version` would. */
  updates?: { feed: Feed; version: string };
  /** The API address the app talks to once a key is set (a door in front of `simulator`). Default: `simulator.baseUrl`. */
  apiBaseUrl?: string;
  /** How the library folder is followed (a folder walk the test holds back). */
  libraryFollow?: AppServiceOptions['libraryFollow'];
}

export interface Harness {
  /** The page to open: `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly service: AppService;
  /** The "real APIXO" the app uses once a key is set. */
  readonly simulator: Simulator;
  readonly goodKey: string;
  readonly dir: string;
  readonly libraryDir: string;
  readonly dataDir: string;
  /** The trash, file manager and main's open dialogs the app sees (set `nextFiles` / `nextFolder` to pick). */
  readonly desktop: TestDesktop;
  /** Every drag out of the window the app started (`library:drag-out`), in order: the file and the picture under the pointer. */
  readonly drags: readonly DragOut[];
  /** Settings as the app stored them last. */
  settings(): Settings;
  /** Whether a key is stored (the harness never hands it to the page either). */
  storedKey(): string | undefined;
  /** The same call the page makes, straight to the service (for checks, not for driving the UI). */
  invoke<T = unknown>(channel: string, ...args: unknown[]): Promise<T>;
  /** Events pushed to pages so far, by name. */
  readonly eventCounts: Record<EventChannel, number>;
  /** Invoke calls answered so far. */
  readonly invokeCount: number;
  readonly log: readonly string[];
  /** Restarts into an update the app asked for (only Electron can really restart). */
  readonly restarts: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.txt': 'text/plain; charset=utf-8'
};

/** Bodies up to this size: a pasted 10,000-row CSV fits comfortably. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Puts the bridge before the first script of the page, so `window.api` exists before the app runs. */
export function injectBridge(html: string): string {
  const tag = `<script src="${BRIDGE_PATH}"></script>`;
  const at = html.search(/<script\b/i);
  if (at >= 0) return `${html.slice(0, at)}${tag}\n    ${html.slice(at)}`;
  const head = html.search(/<\/head>/i);
  if (head >= 0) return `${html.slice(0, head)}${tag}\n${html.slice(head)}`;
  return tag + html;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const timeScale = options.timeScale ?? 0.01;
  const rendererDir = resolve(options.rendererDir ?? RENDERER_DIR);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`No built renderer in ${rendererDir}: run \`npx electron-vite build\` first.`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ltx-e2e-'));
  // `settings.libraryDir` / `settings.dataDir` put the folders elsewhere (a small disk).
  const libraryDir = options.settings?.libraryDir ?? join(dir, 'library');
  const dataDir = options.settings?.dataDir ?? join(dir, 'data');
  const log: string[] = [];

  let stored: Settings = { ...defaultSettings({ libraryDir, dataDir }), ...options.settings };
  const settings: SettingsStore = {
    read: () => structuredClone(stored),
    write: (next) => {
      stored = structuredClone(next);
    }
  };
  let key: string | undefined = options.apiKey;
  const secrets: SecretStore = {
    get: () => key,
    set: (value) => {
      key = value;
    },
    clear: () => {
      key = undefined;
    },
    protection: () => options.secretProtection ?? 'encrypted'
  };
  // The app's real log, as the desktop app writes it; each line is kept for the test too.
  const logsDir = join(dir, 'logs');
  const fileLog = openFileLog({
    dir: logsDir,
    fileName: 'main.log',
    level: 'debug',
    echo: (_level, line) => (options.log ?? ((l: string) => log.push(l)))(line)
  });
  fileLog.redactor.keep(() => [key]);

  const hostingSecret = memorySecret();
  const desktop = testDesktop(dir);
  const drags: DragOut[] = [];
  const simulator = await startSimulator({
    apiKey: GOOD_KEY,
    timeScale,
    seed: options.seed ?? 7,
    faults: options.faults,
    balanceUsd: options.balanceUsd
  });
  let restarts = 0;
  const updater = options.updates && loopbackUpdater(options.updates.version, options.updates.feed);
  let service: AppService;
  try {
    service = await AppService.start({
      settings,
      secrets,
      hostingSecret,
      desktop,
      // The browser cannot start an OS drag: the harness records what the app asked for.
      startDrag: (drag) => {
        drags.push(drag);
        return true;
      },
      version: readVersion(),
      resourcesDir: RESOURCES_DIR,
      apiBaseUrl: options.apiBaseUrl ?? simulator.baseUrl,
      ...(options.libraryFollow ? { libraryFollow: options.libraryFollow } : {}),
      timeScale,
      log: fileLog.logger,
      updates: updater && electronUpdaterSource(updater.updater, async () => void restarts++),
      logs: { dir: logsDir, path: fileLog.path, tail: fileLog.tail, problem: fileLog.problem }
    });
  } catch (error) {
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const eventCounts = Object.fromEntries(EVENT_CHANNELS.map((e) => [e, 0])) as Record<EventChannel, number>;
  let invokeCount = 0;
  const streams = new Set<ServerResponse>();
  const unsubscribe = EVENT_CHANNELS.map((event) =>
    service.on(event, (payload) => {
      if (streams.size === 0) return;
      const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const res of streams) {
        res.write(frame);
        eventCounts[event] += 1;
      }
    })
  );

  const bridge = readFileSync(BRIDGE_FILE, 'utf8').replace('var EVENTS = [];', `var EVENTS = ${JSON.stringify(EVENT_CHANNELS)};`);

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.push(`harness error: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('harness error');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/api/invoke') {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only');
      return invoke(req, res);
    }
    if (url.pathname === '/api/drop') {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only');
      return dropped(req, res);
    }
    if (url.pathname === '/api/events') return events(req, res);
    if (url.pathname === BRIDGE_PATH) return send(res, 200, CONTENT_TYPES['.js'], bridge);
    if (url.pathname.startsWith(MEDIA_PATH)) return media(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'GET only');
    return serveStatic(url.pathname, res, req.method === 'HEAD');
  }

  async function invoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let result: IpcResult<unknown>;
    try {
      const body = JSON.parse(await readBody(req)) as { channel?: unknown; args?: unknown };
      if (typeof body.channel !== 'string' || !Array.isArray(body.args)) {
        result = { ok: false, code: 'invalid_argument', message: 'The harness expects {"channel": string, "args": array}.' };
      } else if ((PRELOAD_CHANNELS as readonly string[]).includes(body.channel)) {
        result = { ok: false, code: 'not_found', message: `There is no channel "${body.channel}".` };
      } else {
        result = await service.dispatch(body.channel, body.args);
      }
    } catch (error) {
      result = { ok: false, code: 'invalid_argument', message: `Unreadable request: ${(error as Error).message}` };
    }
    invokeCount += 1;
    send(res, 200, CONTENT_TYPES['.json'], JSON.stringify(result));
  }

  /** What the preload does with a drop: the paths it took from the dropped files, to `drop:inspect`. */
  async function dropped(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let result: IpcResult<unknown>;
    try {
      const body = JSON.parse(await readBody(req)) as { paths?: unknown };
      result = await service.dispatch('drop:inspect', [body.paths]);
    } catch (error) {
      result = { ok: false, code: 'invalid_argument', message: `Unreadable request: ${(error as Error).message}` };
    }
    invokeCount += 1;
    send(res, 200, CONTENT_TYPES['.json'], JSON.stringify(result));
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive'
    });
    res.write('retry: 250\n: connected\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
  }

  /** `ltx-media://<root>/…` of the app, served at `/__media/<root>/…` through the same confinement and Range code. */
  async function media(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method === 'GET' || req.method === 'HEAD' ? req.method : undefined;
    if (!method) return send(res, 405, 'text/plain; charset=utf-8', 'GET or HEAD');
    const raw = (req.url ?? '').slice(MEDIA_PATH.length).split(/[?#]/)[0];
    // As in the app, the folders are read from the settings at each request.
    const resolved = await resolveMediaUrl(`${MEDIA_SCHEME}://${raw}`, { library: stored.libraryDir, cache: join(stored.dataDir, 'cache') });
    if (!resolved.ok) return send(res, resolved.status, 'text/plain; charset=utf-8', resolved.reason);
    const answer = await mediaResponse(resolved.path, req.headers.range ?? null, method);
    res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    if (!answer.body) return void res.end();
    Readable.fromWeb(answer.body as WebReadableStream).pipe(res);
  }

  async function serveStatic(pathname: string, res: ServerResponse, head: boolean): Promise<void> {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad path');
    }
    if (relative === '/' || relative === '') relative = '/index.html';
    const file = normalize(join(rendererDir, relative));
    if (file !== rendererDir && !file.startsWith(rendererDir + sep)) return send(res, 403, 'text/plain; charset=utf-8', 'outside the renderer');
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch {
      return send(res, 404, 'text/plain; charset=utf-8', `not found: ${relative}`);
    }
    const ext = extname(file).toLowerCase();
    const type = CONTENT_TYPES[ext] ?? 'application/octet-stream';
    const body = file === join(rendererDir, 'index.html') ? Buffer.from(injectBridge(bytes.toString('utf8'))) : bytes;
    // The page's own headers, CSP included, exactly as the app:// protocol sends them.
    res.writeHead(200, { ...PAGE_HEADERS, 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(head ? undefined : body);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/`,
    service,
    simulator,
    goodKey: GOOD_KEY,
    dir,
    libraryDir,
    dataDir,
    desktop,
    drags,
    settings: () => structuredClone(stored),
    storedKey: () => key,
    async invoke<T>(channel: string, ...args: unknown[]): Promise<T> {
      const result = await service.dispatch(channel, args);
      if (!result.ok) throw new Error(`${channel}: ${result.code}: ${result.message}`);
      return result.value as T;
    },
    eventCounts,
    get invokeCount() {
      return invokeCount;
    },
    log,
    get restarts() {
      return restarts;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const off of unsubscribe) off();
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await service.close();
      await simulator.close();
      updater?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        fail(new Error('the request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
