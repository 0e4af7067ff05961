import { expect, it } from 'vitest';
import type { AppInfo, IpcResult, WindowApi } from '@shared/ipc';
import { BRIDGE_PATH } from './harness/server';
import { describeE2e, e2eSession, openApp, pageInvoke } from './browser';

describeE2e('e2e harness: the built renderer in Chromium, window.api over the harness', () => {
  const session = e2eSession();

  it('serves the page with the bridge before the app, and answers invokes and events through it', async () => {
    const { browser, harness } = session;
    const html = await (await fetch(harness.url)).text();
    const bridgeAt = html.indexOf(BRIDGE_PATH);
    expect(bridgeAt).toBeGreaterThan(0);
    expect(bridgeAt).toBeLessThan(html.search(/<script[^>]*type="module"/));
    expect(html).toContain('Content-Security-Policy');

    const app = await openApp(browser, harness, 'smoke');
    try {
      const info = (await pageInvoke(app.page, 'app:info')) as IpcResult<AppInfo>;
      expect(info).toEqual({
        ok: true,
        value: { version: expect.any(String), simulated: true, apiLabel: 'Simulator', logsDir: expect.stringMatching(/logs$/) }
      });

      const wrong = await pageInvoke(app.page, 'batches:pause', 42);
      expect(wrong).toMatchObject({ ok: false, code: 'invalid_argument' });
      const unknown = await app.page.evaluate(() => (window as unknown as { api: { invoke(c: string): Promise<unknown> } }).api.invoke('fs:read'));
      expect(unknown).toMatchObject({ ok: false, code: 'not_found' });

      // An event reaches a listener through the shared EventSource; unsubscribe stops it.
      const got = await app.page.evaluate(async () => {
        const api = (window as unknown as { api: WindowApi }).api;
        const seen: number[] = [];
        const off = api.on('settings:changed', (s) => seen.push(s.concurrency));
        await api.invoke('settings:update', { concurrency: 3 });
        await new Promise((r) => setTimeout(r, 300));
        off();
        await api.invoke('settings:update', { concurrency: 5 });
        await new Promise((r) => setTimeout(r, 300));
        return seen;
      });
      expect(got).toEqual([3]);
      expect(harness.settings().concurrency).toBe(5);

      // The page's CSP is intact: the bridge is a file, nothing inline was needed.
      expect(app.errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
      await app.screen('loaded');
    } finally {
      await app.close();
    }
  });
});
