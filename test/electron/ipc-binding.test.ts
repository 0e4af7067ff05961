import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS, type IpcResult } from '@shared/ipc';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { memorySecret, testDesktop } from '../support/app-options';
import { bindIpc, ownPageCheck } from '../../src/main/electron/ipc-binding';

type Handler = (event: { senderFrame: unknown }, ...args: unknown[]) => Promise<IpcResult<unknown>>;

const handlers = new Map<string, Handler>();
const ipcMain = {
  handle: (channel: string, handler: Handler) => void handlers.set(channel, handler),
  removeHandler: (channel: string) => void handlers.delete(channel)
};
const ownFrame = { url: 'file:///app/out/renderer/index.html' };
const contents = { mainFrame: ownFrame };

let dir: string;
let service: AppService;
let unbind: () => void;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-ipc-'));
  let settings: Settings = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  service = await AppService.start({
    settings: { read: () => settings, write: (s) => void (settings = s) },
    secrets: { get: () => undefined, set: () => undefined, clear: () => undefined },
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    timeScale: 0.01
  });
  const check = ownPageCheck(
    () => contents as never,
    (url) => url.protocol === 'file:' && url.pathname.endsWith('/out/renderer/index.html')
  );
  unbind = bindIpc(ipcMain as never, service, check);
});
afterAll(async () => {
  unbind();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (channel: string, frame: unknown, ...args: unknown[]) => handlers.get(channel)!({ senderFrame: frame }, ...args);

describe('IPC binding', () => {
  it('binds every channel of the contract', () => {
    expect([...handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('answers our own window through the envelope', async () => {
    expect(await call('app:info', ownFrame)).toEqual({ ok: true, value: { version: '0.1.0', simulated: true, apiLabel: 'Simulator' } });
  });

  it("refuses a frame that is not our window's top frame, or a page that is not ours", async () => {
    const child = { url: ownFrame.url };
    expect(await call('app:info', child)).toMatchObject({ ok: false, code: 'forbidden_sender' });
    expect(await call('app:info', null)).toMatchObject({ ok: false, code: 'forbidden_sender' });
    const navigated = { url: 'https://evil.example/index.html' };
    const check = ownPageCheck(
      () => ({ mainFrame: navigated }) as never,
      (url) => url.protocol === 'file:'
    );
    expect(check(navigated as never)).toBe(false);
  });

  it('refuses wrong arguments with a sentence before any handler runs', async () => {
    expect(await call('batches:pause', ownFrame, { id: 1 })).toMatchObject({
      ok: false,
      code: 'invalid_argument',
      message: expect.stringContaining('batches:pause')
    });
    expect(await call('queue:set-concurrency', ownFrame, 1e9)).toMatchObject({ ok: false, code: 'invalid_argument' });
    expect(await call('key:set', ownFrame)).toMatchObject({ ok: false, code: 'invalid_argument' });
    expect(await call('import:text', ownFrame, { text: 'prompt\nx\n', evil: true })).toMatchObject({ ok: false, code: 'invalid_argument' });
  });

  it('refuses paths our own window sends where main wants a token of something the person chose', async () => {
    const before = await call('settings:get', ownFrame);
    for (const [channel, args] of [
      ['import:file', [{ path: '/etc/shadow' }]],
      ['import:file', [{ file: '/etc/shadow' }]],
      ['library:export', [['a.mp4'], '/']],
      ['settings:update', [{ libraryDir: '/' }]],
      ['settings:update', [{ dataDir: '/etc' }]],
      ['settings:update', [{ libraryFolder: 'relative/dir' }]]
    ] as const) {
      const answer = await call(channel, ownFrame, ...args);
      expect(answer, channel).toMatchObject({ ok: false });
      expect(JSON.stringify(answer)).not.toMatch(/root:/);
    }
    expect(await call('settings:get', ownFrame)).toEqual(before);
  });
});
