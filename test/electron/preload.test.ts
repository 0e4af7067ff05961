import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { WindowApi } from '@shared/ipc';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/cli';

const exposed: Record<string, unknown> = {};
const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
const invoked: unknown[][] = [];

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => void (exposed[key] = value) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      invoked.push(args);
      return { ok: true, value: 'answer' };
    },
    on: (event: string, listener: (...args: unknown[]) => void) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
    },
    removeListener: (event: string, listener: (...args: unknown[]) => void) => void listeners.get(event)?.delete(listener)
  },
  webUtils: { getPathForFile: (file: { name?: string }) => (file.name === 'in-page.csv' ? '' : `/picked/${file.name}`) }
}));

let api: WindowApi;
beforeAll(async () => {
  await import('../../src/preload/index');
  api = exposed.api as WindowApi;
});

describe('preload', () => {
  it('exposes only window.api: invoke, on, drop and the media prefix', () => {
    expect(Object.keys(exposed)).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual(['drop', 'invoke', 'mediaBase', 'on']);
    expect(api.mediaBase).toBe('ltx-media://');
  });

  it('passes contract channels through and refuses any other', async () => {
    expect(await api.invoke('batches:pause', 'b1')).toEqual({ ok: true, value: 'answer' });
    expect(invoked).toEqual([['batches:pause', 'b1']]);
    const refused = await (api.invoke as (c: string) => Promise<unknown>)('shell:exec');
    expect(refused).toMatchObject({ ok: false, code: 'not_found' });
    expect(invoked).toHaveLength(1);
  });

  it('gives listeners the payload only, and an unsubscribe that works', () => {
    const seen: unknown[] = [];
    const off = api.on('settings:changed', (payload) => seen.push(payload));
    for (const l of listeners.get('settings:changed')!) l({ sender: 'ipc-event' }, { theme: 'dark' });
    expect(seen).toEqual([{ theme: 'dark' }]);
    off();
    expect(listeners.get('settings:changed')!.size).toBe(0);
    expect(() => (api.on as (e: string, l: () => void) => void)('fs:changed', () => undefined)).toThrow(/no event/);
  });

  it('refuses the page a channel only the preload calls: the page cannot hand main a path', async () => {
    invoked.length = 0;
    const refused = await (api.invoke as (c: string, ...a: unknown[]) => Promise<unknown>)('drop:inspect', ['/etc/shadow']);
    expect(refused).toMatchObject({ ok: false, code: 'not_found' });
    expect(invoked).toEqual([]);
  });

  it('takes the paths of dropped files itself, through webUtils, and hands them to main', async () => {
    invoked.length = 0;
    const answer = await api.drop([{ name: 'list.csv' }, { name: 'in-page.csv' }] as File[]);
    expect(invoked).toEqual([['drop:inspect', ['/picked/list.csv']]]);
    expect(answer).toMatchObject({ ok: true, value: { pathless: ['in-page.csv'] } });
    invoked.length = 0;
    expect(await api.drop([{ name: 'in-page.csv' }] as File[])).toEqual({ ok: true, value: { images: [], csv: [], refused: [], pathless: ['in-page.csv'] } });
    expect(invoked).toEqual([]);
  });
});

describe('the contract types tie the three sides together', () => {
  it('makes a wrong argument a type error (checked by tsc)', () => {
    const typeChecks = (w: WindowApi): void => {
      // @ts-expect-error a batch id is a string
      void w.invoke('batches:pause', 42);
      // @ts-expect-error no such channel
      void w.invoke('files:delete', '/');
      // @ts-expect-error settings have no apiKey
      void w.invoke('settings:update', { apiKey: 'x' });
      // @ts-expect-error the event carries a QueueDelta, which has no `foo`
      w.on('queue:changed', (delta) => delta.foo);
      void w.invoke('tasks:attach', 'task-1', 'apixo-id');
    };
    expect(typeof typeChecks).toBe('function');
  });
});

describe('the built preload, as Electron 45 runs a sandboxed one', () => {
  it('needs nothing but electron: no Buffer, no Node timers, no Node modules', () => {
    const code = readFileSync(join(ROOT, 'out/preload/index.cjs'), 'utf8');
    expect([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(code).not.toMatch(/\bBuffer\b|\bsetImmediate\b|\bclearImmediate\b/);
  });
});
