import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeE2e, e2eSession, openApp } from './browser';
import { makeFromCsv, mp4sUnder } from './helpers';

describeE2e('the recipe inside the file: a copy without its sidecar is recalled', () => {
  const session = e2eSession();

  it('lists a video copied without its sidecar as "recipe from the file", with its prompt, and judging it writes a sidecar', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'library');
    const page = app.page;
    try {
      await makeFromCsv(page, harness, 'shots.csv', 'prompt,seed,resolution\na lighthouse beam sweeping through the storm,184467,480p\n');
      const [made] = mp4sUnder(harness.libraryDir);

      // The video alone, as if copied from another machine or a download folder.
      const elsewhere = join(harness.libraryDir, 'from-elsewhere');
      mkdirSync(elsewhere, { recursive: true });
      const copy = join(elsewhere, 'copied.mp4');
      copyFileSync(made, copy);

      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count(), { timeout: 20_000 }).toBe(2);
      await expect.poll(() => page.getByTestId('card-file').count()).toBe(1);
      expect(await page.getByTestId('card-unknown').count()).toBe(0);
      await app.screen('recipe-from-the-file-card');

      await page.locator('[data-path="from-elsewhere/copied.mp4"]').getByTestId('card-open').click();
      await page.getByTestId('library-player').waitFor();
      await expect.poll(() => page.getByTestId('meta-origin').innerText()).toBe('Recipe from the file');
      expect(await page.getByTestId('meta-prompt').innerText()).toBe('a lighthouse beam sweeping through the storm');
      expect(await page.getByTestId('meta-seed').innerText()).toBe('184467');
      await expect.poll(() => page.getByTestId('meta-file-recipe').innerText()).toMatch(/recipe LTX Batch Studio wrote inside the file/);
      await app.screen('recipe-from-the-file-player');

      await page.getByTestId('verdict-keep').click();
      await expect.poll(() => existsSync(join(elsewhere, 'copied.json'))).toBe(true);
      const sidecar = JSON.parse(readFileSync(join(elsewhere, 'copied.json'), 'utf8')) as { verdict?: string; prompt: string; seed?: number };
      expect(sidecar).toMatchObject({ verdict: 'keep', prompt: 'a lighthouse beam sweeping through the storm', seed: 184467 });
      await expect.poll(() => page.getByTestId('meta-origin').innerText()).toBe('Made by LTX Batch Studio');
    } finally {
      await app.close();
    }
  });
});
