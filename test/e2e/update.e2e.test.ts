/**
 * An update, as a person meets it: "Check for updates" finds the new version on the release feed
 * (read by electron-updater), the offer shows with its notes, and while videos are generating a
 * restart waits for them unless the person confirms "now".
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness/server';
import { describeE2e, launchBrowser, openApp } from './browser';
import { queuePastedPrompts } from './helpers';
import { startFeed, type Feed } from '../support/update-feed';

describeE2e('e2e: updating the app', () => {
  let feed: Feed;
  let harness: Harness;
  let browser: Browser;
  beforeAll(async () => {
    feed = await startFeed({
      version: '0.2.0',
      notes: '<ul><li>A library grid that stays smooth at 100,000 videos</li><li>Logs and diagnostics for bug reports</li></ul>'
    });
    [harness, browser] = await Promise.all([startHarness({ updates: { feed, version: '0.1.0' }, timeScale: 0.02 }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    await feed?.close();
  });

  it('offers the new version with its notes, and never restarts over running videos unless told to', async () => {
    const app = await openApp(browser, harness, 'update');
    const { page } = app;
    try {
      await page.getByTestId('nav-settings').click();
      const status = page.getByTestId('update-status');
      await status.scrollIntoViewIfNeeded();
      expect(await status.innerText()).toMatch(/looks for updates shortly after it starts/);
      await page.getByTestId('update-check').click();
      await page.getByTestId('update-banner').waitFor();
      expect(await status.innerText()).toBe('Version 0.2.0 is downloaded: see the offer at the top of the window.');
      await page.getByTestId('update-notes-toggle').click();
      expect(await page.getByTestId('update-notes').innerText()).toBe(
        '• A library grid that stays smooth at 100,000 videos\n• Logs and diagnostics for bug reports'
      );
      await app.screen('1-offered-with-notes');

      // Videos generating: the restart offers to wait for them, and asks before "now".
      await page.getByTestId('nav-import').click();
      await queuePastedPrompts(page, ['[sim:slow] a lighthouse beam sweeping fog', '[sim:slow] waves breaking on basalt']);
      await expect.poll(() => page.getByTestId('update-when-idle').isVisible()).toBe(true);
      expect(await page.getByTestId('update-banner').innerText()).toMatch(/2 videos generating: restart once they are done, or now/);
      await page.getByTestId('update-restart').click();
      await page.getByTestId('update-restart-confirm').waitFor();
      expect(await page.getByRole('dialog').innerText()).toMatch(
        /The 2 videos still generating at APIXO keep going there and are collected after the restart\..*Nothing is paid for twice\./s
      );
      await app.screen('2-restart-now-asks');
      await page.getByRole('button', { name: 'Keep working' }).click();
      expect(harness.restarts).toBe(0);

      await page.getByTestId('update-when-idle').click();
      await page.getByTestId('update-waiting').waitFor();
      expect(await page.getByTestId('update-waiting').innerText()).toMatch(/as soon as the queue is done \(2 videos generating\)/);
      await app.screen('3-waiting-for-the-queue');
      await expect.poll(() => harness.restarts, { timeout: 45_000 }).toBe(1);
      const [batch] = (await harness.invoke<{ batches: { counts: Record<string, number> }[] }>('queue:snapshot')).batches;
      expect(batch!.counts.done).toBe(2);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }, 90_000);
});
