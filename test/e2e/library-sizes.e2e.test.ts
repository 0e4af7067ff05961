import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeE2e, e2eSession, openApp } from './browser';
import { outOfReach, seriousViolations, WINDOW_SIZES } from './fit';
import { dropPaths, snapshot, until } from './helpers';

/** Every action in reach and no serious accessibility problem, on what the page shows now. */
async function fits(page: Page, where: string): Promise<string[]> {
  const problems = [...(await outOfReach(page)), ...(await seriousViolations(page))];
  return problems.map((p) => `${where}: ${p}`);
}

describeE2e('the library at every window size, in both themes', () => {
  const session = e2eSession();

  it('keeps every action of the library, the selection bar, the player and the compare view in reach at 960×620, 1100×700 and 1280×800', async () => {
    const { browser, harness } = session;
    const csv = join(harness.dir, 'takes.csv');
    writeFileSync(
      csv,
      'name,prompt,resolution,count\n' +
        'harbour-dawn,a red boat crossing a misty harbour at dawn,480p,3\n' +
        'koi-pond,koi fish gliding through a clear pond under lilies,480p,2\n'
    );
    const app = await openApp(browser, harness, 'library-sizes');
    const page = app.page;
    try {
      await dropPaths(page, [csv]);
      await page.getByTestId('add-to-queue').click();
      await page.getByTestId('confirm-add').click();
      await until('five videos done', async () => ((await snapshot(harness)).batches[0]?.counts.done === 5 ? true : undefined), 45_000);
      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(5);

      // Four selected: the selection bar shows with its review buttons and Compare.
      for (let i = 0; i < 4; i++)
        await page
          .getByTestId('card-open')
          .nth(i)
          .click({ modifiers: ['Control'] });
      await expect.poll(() => page.getByTestId('selection-count').innerText()).toMatch(/^4 selected/);

      const problems: string[] = [];
      for (const theme of ['light', 'dark'] as const) {
        await harness.invoke('settings:update', { theme });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme ?? '')).toContain(theme);
        for (const size of WINDOW_SIZES) {
          await page.setViewportSize(size);
          const at = `${size.width}×${size.height} ${theme}`;
          const small = size.width === 960;
          await page.mouse.move(1, 1);
          problems.push(...(await fits(page, `library ${at}`)));
          if (small) await app.screen(`library-${theme}-960`);

          // The player, over the grid (a plain click opens it, even with a selection).
          await page.getByTestId('card-open').nth(4).click();
          await page.getByTestId('library-player').waitFor();
          problems.push(...(await fits(page, `player ${at}`)));
          if (small) await app.screen(`player-${theme}-960`);
          await page.keyboard.press('Escape');
          await page.getByTestId('library-player').waitFor({ state: 'detached' });

          // The compare view of the four selected.
          await page.getByTestId('action-compare').click();
          await page.getByTestId('compare').waitFor();
          await expect.poll(() => page.getByTestId('compare-pane').count()).toBe(4);
          problems.push(...(await fits(page, `compare ${at}`)));
          if (small) await app.screen(`compare-${theme}-960`);
          await page.keyboard.press('Escape');
          await page.getByTestId('compare').waitFor({ state: 'detached' });
        }
      }
      expect(problems).toEqual([]);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
