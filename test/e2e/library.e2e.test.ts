import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_DIR } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';
import { dropPaths, mp4sUnder, snapshot, until } from './helpers';

const SHOTS = [
  ['a paper boat drifting down a rain gutter', '480p', '16:9'],
  ['a red boat crossing a misty harbour', '720p', '16:9'],
  ['a lighthouse beam sweeping through the storm', '480p', '9:16'],
  ['koi fish gliding through a clear pond', '720p', '9:16'],
  ['a steam train crossing a stone viaduct', '480p', '16:9'],
  ['fireflies over a meadow at dusk', '720p', '16:9']
] as const;

describeE2e('the library: browse, search, filter, favourite, delete, and follow the folder', () => {
  const session = e2eSession();

  it('finds videos by their prompt, filters with counts, keeps favourites, trashes with confirmation and shows videos added from outside', async () => {
    const { browser, harness } = session;
    const csv = join(harness.dir, 'shots.csv');
    writeFileSync(csv, `prompt,resolution,aspect_ratio\n${SHOTS.map((s) => s.join(',')).join('\n')}\n`);
    const app = await openApp(browser, harness, 'library');
    const page = app.page;
    try {
      await dropPaths(page, [csv]);
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(6);
      await page.getByTestId('add-to-queue').click();
      await page.getByTestId('confirm-add').click();
      await until('six videos done', async () => ((await snapshot(harness)).batches[0]?.counts.done === 6 ? true : undefined), 45_000);

      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(6);
      const count = page.getByTestId('library-count');
      await expect.poll(() => count.innerText()).toMatch(/\b6 videos\b/);
      await expect.poll(() => page.getByTestId('facet-resolution-480p').innerText()).toBe('3');
      await app.screen('grid');

      // Search by what the prompt said: the count follows the typing.
      await page.getByTestId('library-search').fill('boat');
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(2);
      await expect.poll(() => count.innerText()).toMatch(/2 of 6/);
      await page.getByTestId('filter-resolution-480p').check();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(1);
      expect(await page.getByTestId('library-card').innerText()).toMatch(/480p/);
      await app.screen('search-and-filter');
      await page.getByTestId('clear-filters').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(6);

      // Favourite one from the grid; the favourites filter then shows it alone.
      await page.getByTestId('library-card').first().hover();
      await page.getByTestId('card-star').first().click();
      await expect.poll(() => page.getByTestId('facet-favourites').innerText()).toBe('1');
      await page.getByTestId('filter-favourites').check();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(1);
      await page.getByTestId('filter-favourites').uncheck();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(6);

      // Export the favourite with its manifest, into a folder the person makes and picks in main's dialog.
      mkdirSync(join(harness.dir, 'export'));
      harness.desktop.nextFolder = join(harness.dir, 'export');
      await page.getByTestId('filter-favourites').check();
      await page
        .getByTestId('card-open')
        .first()
        .click({ modifiers: ['Control'] });
      await page.getByTestId('actions-selection').getByTestId('action-export').click();
      await expect.poll(() => page.getByTestId('notice-selection').innerText()).toMatch(/manifest/i);
      const exported = readdirSync(join(harness.dir, 'export'));
      expect(exported.filter((n) => n.endsWith('.mp4'))).toHaveLength(1);
      expect(exported).toContain('manifest.csv');
      expect(exported).toContain('manifest.xlsx');
      await page.getByTestId('select-none').click();
      await page.getByTestId('filter-favourites').uncheck();

      // Select two and delete them: the dialog names the count; the files go to the trash.
      await page.getByTestId('library-search').fill('crossing');
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(2);
      await page
        .getByTestId('card-open')
        .nth(0)
        .click({ modifiers: ['Control'] });
      await page
        .getByTestId('card-open')
        .nth(1)
        .click({ modifiers: ['Control'] });
      await expect.poll(() => page.getByTestId('selection-count').innerText()).toMatch(/^2 selected/);
      await page.getByTestId('actions-selection').getByTestId('action-delete').click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.innerText()).toMatch(/2 videos/);
      await app.screen('delete-confirm');
      await page.getByTestId('confirm-delete').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(0);
      // They leave the library at once, held for the undo's grace before the OS trash takes them
      // (test/library/library-delete.test.ts follows them there).
      expect(mp4sUnder(harness.libraryDir)).toHaveLength(4);
      await expect.poll(() => page.getByTestId('undo-notice').innerText()).toMatch(/Moved 2 videos to the trash/);
      await page.getByTestId('library-search').fill('');
      await expect.poll(() => count.innerText()).toMatch(/\b4 videos\b/);

      // A video copied into the folder from outside appears without a restart, as unknown origin;
      // moved away, it disappears.
      const outside = join(harness.libraryDir, 'from-phone');
      mkdirSync(outside, { recursive: true });
      const clip = join(outside, 'beach walk.mp4');
      copyFileSync(join(REPO_DIR, 'resources', 'sim', 'sample-9x16.mp4'), clip);
      await expect.poll(() => page.getByTestId('library-card').count(), { timeout: 20_000 }).toBe(5);
      await expect.poll(() => page.getByTestId('card-unknown').count()).toBe(1);
      await app.screen('unknown-origin');
      await harness.invoke('settings:update', { theme: 'dark' });
      await page.getByTestId('card-open').first().click();
      await page.getByTestId('library-player').waitFor();
      await app.screen('player-dark');
      await page.keyboard.press('Escape');
      await harness.invoke('settings:update', { theme: 'system' });
      const away = join(harness.dir, 'beach walk.mp4');
      renameSync(clip, away);
      await expect.poll(() => page.getByTestId('library-card').count(), { timeout: 20_000 }).toBe(4);
      rmSync(away);
      expect(existsSync(clip)).toBe(false);
    } finally {
      await app.close();
    }
  });
});
