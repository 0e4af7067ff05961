import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { describeE2e, e2eSession, openApp } from './browser';
import { makeFromCsv, mp4sUnder } from './helpers';

describeE2e('a finished video with its seed and its name', () => {
  const session = e2eSession();

  it('names the file and the card after the CSV name, and shows the seed it was made with', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'seed-and-name');
    const page = app.page;
    try {
      await makeFromCsv(page, harness, 'named.csv', 'name,prompt,resolution\nlighthouse-storm,a lighthouse beam sweeping through the storm,480p\n');

      const [file] = mp4sUnder(harness.libraryDir);
      const sidecar = JSON.parse(readFileSync(file.replace(/\.mp4$/, '.json'), 'utf8')) as { seed: number; name: string; prompt: string };
      expect(Number.isInteger(sidecar.seed) && sidecar.seed >= 1 && sidecar.seed <= 2_147_483_647).toBe(true);
      expect(sidecar.name).toBe('lighthouse-storm');
      expect(basename(file)).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}_lighthouse-storm_seed-${sidecar.seed}_[a-z0-9]+\\.mp4$`));

      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(1);
      expect(await page.getByTestId('card-title').innerText()).toBe('lighthouse-storm');
      await page.getByTestId('card-open').first().click();
      await expect.poll(() => page.getByTestId('meta-seed').innerText()).toBe(String(sidecar.seed));
      expect(await page.locator('#player-title').innerText()).toBe('lighthouse-storm');
      expect(await page.getByTestId('meta-prompt').innerText()).toBe('a lighthouse beam sweeping through the storm');
      await app.screen('finished-video');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
