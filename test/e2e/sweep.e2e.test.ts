/**
 * The sweep: a CSV of 20 prompts with a `{{place}}` template and a `place` column,
 * swept over 3 new seeds and 2 durations. The sweep panel counts and prices it before anything
 * expands (and refuses a sweep over the cap), the preview marks the filled parts, and the 120
 * videos run on the simulator and land in the library, each take keeping its seed and duration:
 * the library sorts them by row, filters them by an axis, and compare labels each pane with them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PRICE_PER_SECOND, formatUsd } from '@shared/pricing';
import { describeE2e, e2eSession, openApp, screenshot } from './browser';
import { mp4sUnder, onlyBatch, snapshot, tasksOf, until } from './helpers';

const PLACES = [
  'a harbour at dawn',
  'a pine forest',
  'a desert road',
  'a night market',
  'a snowy pass',
  'a rice terrace',
  'a lighthouse',
  'a city rooftop',
  'a glacier lake',
  'a bamboo grove',
  'an old tram depot',
  'a salt flat',
  'a canal in fog',
  'a volcano rim',
  'a coral reef',
  'a wheat field',
  'a train platform',
  'a river delta',
  'a mountain hut',
  'a quiet library'
];
const CSV = ['name,prompt,place,resolution', ...PLACES.map((p, i) => `shot-${i + 1},"Slow drone shot over {{place}}, golden light",${p},480p`)].join('\n');
/** 20 prompts × 3 seeds × (5 s + 10 s) at 480p. */
/** A sweep of thousands of takes is imported again as a whole: allow it more than the default second. */
const SLOW = { timeout: 15_000 };
const COST = formatUsd(20 * 3 * (5 + 10) * PRICE_PER_SECOND['480p'].base);

describeE2e('e2e: a sweep of a prompt template', () => {
  const session = e2eSession({ settings: { concurrency: 12 } });

  it('previews 20 prompts × 3 seeds × 2 durations as 120 videos with their cost, and makes them all', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'sweep');
    const { page } = app;
    try {
      const csv = join(harness.dir, 'places.csv');
      writeFileSync(csv, CSV);
      harness.desktop.nextFiles = [csv];
      await page.getByTestId('drop-zone').waitFor();
      await page.getByTestId('open-file').click();
      await page.getByTestId('add-to-queue').waitFor();
      await expect.poll(() => page.getByTestId('import-summary').innerText()).toMatch(/^20 videos to make/);
      // `place` is a template variable, not an ignored column; the first prompt is filled and its filled part marked.
      expect((await page.locator('.warnings').allInnerTexts()).join('\n')).not.toContain('Ignored');
      expect(await page.getByTestId('mapping-3').locator('option:checked').innerText()).toBe('Variable');
      const firstPrompt = page.getByTestId('filled-prompt').first();
      expect(await firstPrompt.innerText()).toBe('Slow drone shot over a harbour at dawn, golden light');
      expect(await firstPrompt.locator('mark[data-column="place"]').innerText()).toBe('a harbour at dawn');
      await screenshot(page, 'template', 'preview');

      // The sweep: 3 new seeds and two durations, counted and priced before anything expands.
      await page.getByTestId('sweep-seed-kind').selectOption('new');
      await expect
        .poll(() => page.getByTestId('sweep-count').innerText())
        .toBe(`20 prompts × 3 seeds = 60 videos, ${formatUsd(20 * 3 * 5 * PRICE_PER_SECOND['480p'].base)}`);
      await page.getByTestId('sweep-durations').fill('5, 10');
      await page.getByTestId('sweep-durations').press('Tab');
      await expect.poll(() => page.getByTestId('sweep-count').innerText(), SLOW).toBe(`20 prompts × 3 seeds × 2 durations = 120 videos, ${COST}`);
      await expect.poll(() => page.getByTestId('import-summary').innerText()).toMatch(/^120 videos to make/);
      expect(await page.getByTestId('import-action-summary').innerText()).toContain(COST);
      // Each take shows the values that made it.
      const axes = await page.getByTestId('take-axes').first().innerText();
      expect(axes).toMatch(/seed \d+/);
      expect(axes).toMatch(/duration 5/);
      await app.screen('preview');

      // Too large a sweep is refused with its numbers, before it expands; going back restores it.
      await page.getByTestId('sweep-seed-count').fill('100');
      await page.getByTestId('sweep-seed-count').press('Tab');
      await expect.poll(() => page.getByTestId('sweep-count').innerText(), SLOW).toContain('20 prompts × 100 seeds × 2 durations = 4,000 videos');
      await page.getByTestId('sweep-durations').fill('5, 6, 7, 8, 9, 10');
      await page.getByTestId('sweep-durations').press('Tab');
      await expect
        .poll(() => page.getByTestId('sweep-refusal').innerText(), SLOW)
        .toContain('20 prompts × 100 seeds × 6 durations = 12,000 videos, $1,080.00: more than the 10,000 videos one sweep can make');
      expect(await page.getByTestId('add-to-queue').isDisabled()).toBe(true);
      await app.screen('refused');
      await page.getByTestId('sweep-seed-count').fill('3');
      await page.getByTestId('sweep-seed-count').press('Tab');
      await expect.poll(() => page.getByTestId('sweep-count').innerText(), SLOW).toContain('20 prompts × 3 seeds × 6 durations = 360 videos');
      await page.getByTestId('sweep-durations').fill('5, 10');
      await page.getByTestId('sweep-durations').press('Tab');
      await expect.poll(() => page.getByTestId('sweep-count').innerText(), SLOW).toBe(`20 prompts × 3 seeds × 2 durations = 120 videos, ${COST}`);
      expect(await page.getByTestId('sweep-refusal').count()).toBe(0);

      await expect.poll(() => page.getByTestId('add-to-queue').isEnabled()).toBe(true);
      await page.getByTestId('add-to-queue').click();
      expect(await page.getByTestId('confirm-title').innerText()).toBe(`Add 120 videos for ${COST}?`);
      await page.getByTestId('confirm-add').click();
      await page.getByTestId('batch-row').waitFor();

      const batch = await onlyBatch(harness);
      expect(batch.total).toBe(120);
      await until('all 120 videos done', async () => ((await snapshot(harness)).batches[0].counts.done === 120 ? true : undefined), 180_000);

      // Every task keeps its row and the seed and duration that made it, matching what was sent.
      const tasks = await tasksOf(harness, batch.batch.id);
      expect(tasks).toHaveLength(120);
      for (const t of tasks) {
        expect(t.source.axes?.seed).toBe(String(t.request.input.seed));
        expect(t.source.axes?.duration).toBe(String(t.request.input.duration));
        expect(t.request.input.prompt).toBe(`Slow drone shot over ${t.source.cells.place}, golden light`);
      }
      for (let row = 2; row <= 21; row++) {
        const takes = tasks.filter((t) => t.source.row === row);
        expect(takes).toHaveLength(6);
        expect(new Set(takes.map((t) => t.source.axes!.seed)).size).toBe(3);
        expect(takes.map((t) => `${t.source.axes!.seed}/${t.source.axes!.duration}`).sort()).toEqual(
          [...new Set(takes.map((t) => t.source.axes!.seed))].flatMap((s) => [`${s}/10`, `${s}/5`]).sort()
        );
      }

      // On disk: 120 videos, each with its sidecar, which keeps the take's axes.
      const videos = mp4sUnder(harness.libraryDir);
      expect(videos).toHaveLength(120);
      for (const video of videos) {
        const sidecar = JSON.parse(readFileSync(video.replace(/\.mp4$/, '.json'), 'utf8')) as {
          seed: number;
          duration: number;
          sourceRow: { axes?: Record<string, string> };
        };
        expect(sidecar.sourceRow.axes).toEqual({ seed: String(sidecar.seed), duration: String(sidecar.duration) });
      }

      // The library: by row, a row's six takes together, each card with its seed and length.
      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-count').innerText()).toBe('120 videos');
      await page.getByTestId('library-sort').selectOption('row');
      await expect.poll(() => page.getByTestId('card-seed').first().innerText()).toMatch(/^seed \d+ · 5 s$/);
      const firstRow = tasks.filter((t) => t.source.row === 2).sort((a, b) => a.source.take - b.source.take);
      const lines = firstRow.map((t) => `seed ${t.request.input.seed} · ${t.request.input.duration} s`);
      expect((await page.getByTestId('card-seed').allInnerTexts()).slice(0, 6)).toEqual(lines);
      expect(await page.getByTestId('card-takes').first().getAttribute('title')).toBe('row 2 · 6 takes of this prompt · 3 seeds × 2 durations');
      // A sweep filter per axis, with its counts: 10 s only.
      await expect.poll(() => page.getByTestId('filter-axis-duration').innerText()).toMatch(/10 s\s*60/);
      await page.getByTestId('filter-axis-duration-10').check();
      await expect.poll(() => page.getByTestId('library-count').innerText()).toBe('60 of 120 videos');
      await screenshot(page, 'library-axes', 'grouped');

      // Compare two takes of row 2 at 10 s: each pane says its seed first, the one axis that differs.
      for (let i = 0; i < 2; i++)
        await page
          .getByTestId('card-open')
          .nth(i)
          .click({ modifiers: ['Control'] });
      await page.getByTestId('action-compare').click();
      await expect.poll(() => page.getByTestId('compare-pane').count()).toBe(2);
      const tens = firstRow.filter((t) => t.request.input.duration === 10);
      expect(await page.getByTestId('compare-facts').allInnerTexts()).toEqual(
        tens.slice(0, 2).map((t) => `seed ${t.request.input.seed} · 10 s · take ${t.source.take}`)
      );
      await expect.poll(() => page.$$eval('[data-testid="compare-video"]', (vs) => vs.every((v) => (v as HTMLVideoElement).readyState >= 2))).toBe(true);
      await screenshot(page, 'library-axes', 'compare');
      await page.keyboard.press('Escape');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }, 300_000);
  it('sweeps composer rows over the same axes: 2 prompts × 2 seeds × 2 aspect ratios = 8 videos', async () => {
    const { browser, harness } = session;
    const before = (await snapshot(harness)).batches.length;
    const app = await openApp(browser, harness, 'compose-sweep');
    const { page } = app;
    try {
      await page.getByTestId('nav-compose').click();
      await page.getByTestId('composer-view').waitFor();
      for (const _ of [1, 2]) await page.getByTestId('add-row').click();
      await page.getByTestId('row-prompt').nth(0).fill('A paper boat on a rain gutter');
      await page.getByTestId('row-prompt').nth(1).fill('A kite over a green hill');
      await page.getByTestId('sweep-seed-kind').selectOption('list');
      await page.getByTestId('sweep-seed-list').fill('42, 43');
      await page.getByTestId('sweep-seed-list').press('Tab');
      await page.getByTestId('sweep-aspect-16:9').check();
      await page.getByTestId('sweep-aspect-9:16').check();
      // The composer's defaults: 720p, 5 s ($0.016 a second).
      const cost = formatUsd(8 * 5 * PRICE_PER_SECOND['720p'].base);
      await expect.poll(() => page.getByTestId('sweep-count').innerText()).toBe(`2 prompts × 2 seeds × 2 aspect ratios = 8 videos, ${cost}`);
      await expect.poll(() => page.getByTestId('composer-estimate').innerText()).toMatch(new RegExp(`^\\${cost}\\s*for 8 videos`));
      await page.getByTestId('composer-summary').scrollIntoViewIfNeeded();
      await app.screen('panel');
      await page.getByTestId('composer-add').click();
      await page.getByTestId('composer-confirm').click();
      await page.getByTestId('batch-row').first().waitFor();

      const { batches } = await snapshot(harness);
      expect(batches).toHaveLength(before + 1);
      const tasks = await tasksOf(harness, batches[batches.length - 1].batch.id);
      const made = tasks.map(
        (t) =>
          `${t.source.row}/${t.source.axes?.seed}/${t.source.axes?.aspect_ratio}/${t.request.input.seed}/${'aspect_ratio' in t.request.input ? t.request.input.aspect_ratio : ''}`
      );
      expect(made.sort()).toEqual([
        '1/42/16:9/42/16:9',
        '1/42/9:16/42/9:16',
        '1/43/16:9/43/16:9',
        '1/43/9:16/43/9:16',
        '2/42/16:9/42/16:9',
        '2/42/9:16/42/9:16',
        '2/43/16:9/43/16:9',
        '2/43/9:16/43/9:16'
      ]);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
