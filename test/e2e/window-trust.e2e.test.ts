/**
 * The window is not trusted, seen from the page: folders are picked with Browse… in main's own
 * dialog (the harness's scripted chooser plays the person), a system folder picked there is
 * refused in words, an export goes only to a folder picked in the dialog, and the page's own
 * calls with a path it made up are refused.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeE2e, e2eSession, openApp } from './browser';
import { pageInvoke } from './chromium';
import { queuePastedPrompts, snapshot, until } from './helpers';

const PHOTOS = fileURLToPath(new URL('../fixtures/photos/', import.meta.url));

describeE2e('the window is not trusted: folders and files come from main’s dialogs', () => {
  const session = e2eSession();

  it('sets the library folder with Browse…, refusing a system folder in words', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'settings-folders');
    const { page } = app;
    try {
      await page.getByTestId('nav-settings').click();
      const shown = page.getByTestId('settings-library');
      await expect.poll(() => shown.innerText()).toBe(harness.libraryDir);
      expect(await page.getByTestId('browse-library').innerText()).toBe('Browse…');
      expect(await page.getByTestId('browse-data').innerText()).toBe('Browse…');
      await page.getByTestId('settings-library').scrollIntoViewIfNeeded();
      await app.screen('1-browse-buttons');

      // The person picks "/" in the dialog: refused, nothing changes.
      harness.desktop.nextFolder = '/';
      await page.getByTestId('browse-library').click();
      await expect
        .poll(() => page.getByTestId('library-folder-error').innerText())
        .toBe(
          '/ is a system folder. It cannot be the library folder. Choose or make a folder of your own for the videos, such as one inside your Videos folder.'
        );
      expect(harness.settings().libraryDir).toBe(harness.libraryDir);
      expect(await shown.innerText()).toBe(harness.libraryDir);
      await app.screen('2-system-folder-refused');

      // Cancelling the dialog changes nothing and clears nothing it should not.
      harness.desktop.nextFolder = null;
      await page.getByTestId('browse-data').click();
      await expect.poll(() => harness.desktop.dialogs.at(-1)).toBe('Choose the data folder');
      expect(harness.settings().dataDir).toBe(harness.dataDir);

      // A folder of the person's own is taken and shown.
      const mine = join(harness.dir, 'My videos');
      mkdirSync(mine);
      harness.desktop.nextFolder = mine;
      await page.getByTestId('browse-library').click();
      await expect.poll(() => shown.innerText()).toBe(mine);
      expect(harness.settings().libraryDir).toBe(mine);
      expect(await page.getByTestId('library-folder-error').count()).toBe(0);
      await app.screen('3-library-folder-chosen');
      expect(harness.desktop.dialogs).toEqual(['Choose the library folder', 'Choose the data folder', 'Choose the library folder']);
      expect(harness.log.join('\n')).toMatch(/IPC call refused: settings:update: library folder "\/" refused: \/ is a system folder/);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('exports only to a folder picked in the dialog, refusing "/" and writing nothing there', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'export-dialog');
    const { page } = app;
    try {
      await queuePastedPrompts(page, ['a kite over the dunes at noon']);
      await until('the video done', async () => ((await snapshot(harness)).batches.at(-1)?.counts.done === 1 ? true : undefined), 45_000);
      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBeGreaterThan(0);
      await page
        .getByTestId('card-open')
        .first()
        .click({ modifiers: ['Control'] });
      const actions = page.getByTestId('actions-selection');

      const rootBefore = readdirSync('/').sort();
      harness.desktop.nextFolder = '/';
      await actions.getByTestId('action-export').click();
      await expect
        .poll(() => page.getByTestId('error-selection').innerText())
        .toBe('/ is a system folder. It cannot be the export folder. Choose or make a folder of your own to copy the videos into.');
      expect(readdirSync('/').sort()).toEqual(rootBefore);
      await app.screen('1-export-to-root-refused');

      const delivery = join(harness.dir, 'Delivery');
      mkdirSync(delivery);
      harness.desktop.nextFolder = delivery;
      await actions.getByTestId('action-export').click();
      await expect.poll(() => page.getByTestId('notice-selection').innerText()).toMatch(new RegExp(`Copied 1 video to ${delivery}\\. The manifest is`));
      expect(readdirSync(delivery).filter((n) => n.endsWith('.mp4'))).toHaveLength(1);
      expect(existsSync(join(delivery, 'manifest.csv'))).toBe(true);
      await app.screen('2-exported');
      expect(harness.desktop.dialogs.filter((d) => d === 'Export videos to…')).toHaveLength(2);
    } finally {
      await app.close();
    }
  });

  it('imports the CSV picked in main’s dialog, and refuses a path the page made up', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'choose-csv');
    const { page } = app;
    try {
      const csv = join(harness.dir, 'picked.csv');
      writeFileSync(csv, 'prompt\n"A fox crossing fresh snow"\n"Waves folding over black sand"\n');
      harness.desktop.nextFiles = [csv];
      await page.getByTestId('nav-import').click();
      await page.getByTestId('open-file').click();
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(2);
      expect(await page.getByTestId('import-title').innerText()).toBe('picked.csv');
      expect(harness.desktop.dialogs.at(-1)).toBe('Choose a CSV file or a workbook');

      // What a compromised page would try: a path of its own, a made-up token, the preload's channel.
      const secret = readFileSync('/etc/passwd', 'utf8').split('\n')[0];
      for (const [channel, args] of [
        ['import:file', [{ path: '/etc/passwd' }]],
        ['import:file', [{ file: '/etc/passwd' }]],
        ['drop:inspect', [['/etc/passwd']]],
        ['library:export', [['x.mp4'], '/']],
        ['settings:update', [{ dataDir: '/etc' }]]
      ] as const) {
        const answer = await pageInvoke(page, channel, ...args);
        expect(answer.ok, channel).toBe(false);
        expect(JSON.stringify(answer)).not.toContain(secret);
      }
      expect(harness.settings().dataDir).toBe(harness.dataDir);
      expect(existsSync('/manifest.csv')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('adds the images picked in main’s dialog to the composer, and does nothing when it is cancelled', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'choose-images');
    const { page } = app;
    try {
      await page.getByTestId('nav-compose').click();
      harness.desktop.nextFiles = null;
      await page.getByTestId('add-images').click();
      await expect.poll(() => harness.desktop.dialogs.at(-1)).toBe('Add images');
      expect(await page.getByTestId('composer-row').count()).toBe(0);

      harness.desktop.nextFiles = [join(PHOTOS, 'forest.jpg'), join(PHOTOS, 'harbour.jpg')];
      await page.getByTestId('add-images').click();
      await expect.poll(() => page.getByTestId('composer-row').count()).toBe(2);
      await app.screen('two-images');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
