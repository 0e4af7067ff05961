/**
 * Help and diagnostics in Settings: the logs folder is named and opens, "Copy diagnostics" puts
 * a bug report's worth of text on the clipboard with no key in it, and a computer without a
 * keyring is told plainly that the key is only obscured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { GOOD_KEY } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';

describeE2e('e2e: help and diagnostics', () => {
  const session = e2eSession({ apiKey: GOOD_KEY, secretProtection: 'obscured' });

  it('names and opens the logs folder, copies diagnostics without a secret, and says the key is only obscured', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'support');
    const { page } = app;
    try {
      await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.url });
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('key-obscured').waitFor();
      expect(await page.getByTestId('key-obscured').innerText()).toMatch(/only obscured, not encrypted/);
      await app.screen('0-key-obscured');

      const card = page.getByTestId('support-settings');
      await card.scrollIntoViewIfNeeded();
      expect(await page.getByTestId('support-logs-dir').innerText()).toBe(join(harness.dir, 'logs'));
      await page.getByTestId('support-open-logs').click();
      await expect.poll(() => harness.desktop.opened).toEqual([join(harness.dir, 'logs')]);

      await page.getByTestId('support-copy').click();
      await page.getByTestId('support-copied').waitFor();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      expect(copied).toMatch(/^LTX Batch Studio \S+ — diagnostics, /);
      expect(copied).toContain('API key: set (obscured, not encrypted: no OS keyring)');
      expect(copied).toMatch(/## Log \(last \d+ lines of .*main\.log\)/);
      expect(copied).toContain('the API is APIXO');
      expect(copied).not.toContain(GOOD_KEY);
      expect(readFileSync(join(harness.dir, 'logs', 'main.log'), 'utf8')).not.toContain(GOOD_KEY);
      await app.screen('1-help-and-diagnostics');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
