/**
 * Steering the queue in the browser: batches reordered by their buttons, by Alt+arrows and by a
 * drag; pause all and resume all; finished batches archived and listed apart; a batch added from
 * Compose selected at once; a Done video's Play and Reveal; the queue's progress
 * in the window title; and the queue screen at every window size in both themes, every action
 * within reach and no serious accessibility violation.
 */
import { expect, it } from 'vitest';
import type { BatchSummary } from '@shared/batch';
import type { ImportPreview } from '@shared/ipc';
import { WINDOW_SIZES, outOfReach, seriousViolations } from './fit';
import { describeE2e, e2eSession, openApp } from './browser';
import type { Harness } from './harness/server';
import { snapshot, until } from './helpers';
import type { Page } from 'playwright-core';

/** A batch made the way the import screen makes one: pasted prompts, one per line. */
async function addBatch(harness: Harness, name: string, prompts: string[]): Promise<BatchSummary> {
  const preview = await harness.invoke<ImportPreview>('import:text', { text: prompts.join('\n'), lines: true });
  return harness.invoke<BatchSummary>('batches:create', { token: preview.token, name, skipInvalid: false });
}

const finished = (s: BatchSummary) =>
  Object.entries(s.counts).every(([state, n]) => !n || ['done', 'failed', 'rejected', 'canceled', 'abandoned', 'expired'].includes(state));

async function namesShown(page: Page): Promise<string[]> {
  return page.getByTestId('batch-title').allInnerTexts();
}

describeE2e('e2e: steering the queue', () => {
  // One video at a time and slow ones: batches stay queued while they are moved.
  const session = e2eSession({ settings: { concurrency: 1 } });

  it('fits every window size in both themes: every action in reach, no serious axe violation', async () => {
    const { browser, harness } = session;
    const done = await addBatch(harness, 'Harbour at dawn', ['A harbour at dawn, gulls overhead', 'Fishing boats leaving the harbour']);
    await until('the first batch done', async () => (await snapshot(harness)).batches.every(finished) || undefined, 30_000);
    await addBatch(harness, 'Mixed results with a long name that needs cutting short in the list', [
      'A fox in the snow [sim:fail:NSFW]',
      'A storm at sea [sim:fail:Timeout]',
      'Fog in a forest',
      'A bad request [sim:reject]'
    ]);
    await addBatch(
      harness,
      'Slow city timelapse',
      Array.from({ length: 12 }, (_, i) => `A city street timelapse, take ${i + 1} [sim:slow]`)
    );
    const app = await openApp(browser, harness, 'queue-sizes');
    const { page } = app;
    try {
      await page.getByTestId('nav-queue').click();
      await expect.poll(() => page.getByTestId('batch-row').count()).toBe(3);
      // The finished batch open on a Done video: its details show too.
      await page.locator(`[data-batch-id="${done.batch.id}"] [data-testid="batch-select"]`).click();
      await page.getByTestId('task-open').first().click();
      await page.getByTestId('task-detail').waitFor();
      for (const theme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: theme });
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        for (const size of WINDOW_SIZES) {
          await page.setViewportSize(size);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          const name = `${size.width}x${size.height}-${theme}`;
          await app.screen(name);
          expect(await outOfReach(page), name).toEqual([]);
          expect(await seriousViolations(page), name).toEqual([]);
        }
      }
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describeE2e('e2e: reorder, pause all, archive, the new batch and a Done video', () => {
  const session = e2eSession({ settings: { concurrency: 1 } });

  it('steers the queue by buttons, keys and a drag, and leads a Done video to the library', async () => {
    const { browser, harness } = session;
    const delta = await addBatch(harness, 'Delta', ['A kite over a beach']);
    await until('Delta done', async () => (await snapshot(harness)).batches.every(finished) || undefined, 30_000);
    for (const name of ['Alpha', 'Bravo', 'Charlie'])
      await addBatch(
        harness,
        name,
        Array.from({ length: 4 }, (_, i) => `${name} take ${i + 1} [sim:slow]`)
      );
    const app = await openApp(browser, harness, 'queue-control');
    const { page } = app;
    const order = async () => (await snapshot(harness)).batches.map((b) => b.batch.name);
    const slot = (name: string) => page.locator('[data-testid="batch-slot"]', { has: page.getByText(name, { exact: true }) });
    try {
      await page.getByTestId('nav-queue').click();
      await expect.poll(() => namesShown(page)).toEqual(['Delta', 'Alpha', 'Bravo', 'Charlie']);
      // The window's title says how far the queue is while it runs.
      await expect.poll(() => page.title()).toMatch(/^\d+% · \d+ of 12 videos — LTX Batch Studio$/);

      // A Done video: Play goes to the library on it, Reveal shows its file.
      await slot('Delta').getByTestId('batch-select').click();
      expect(await page.getByTestId('table-title').innerText()).toBe('Videos in “Delta”');
      // A finished batch offers Archive, not pause, resume or cancel.
      expect(await slot('Delta').getByTestId('archive-batch').count()).toBe(1);
      for (const id of ['pause-batch', 'resume-batch', 'cancel-batch']) expect(await slot('Delta').getByTestId(id).count()).toBe(0);
      await page.getByTestId('task-open').first().click();
      const [doneTask] = await harness.invoke<{ items: { file: string }[] }>('tasks:page', delta.batch.id, { offset: 0, limit: 1 }).then((p) => p.items);
      await page.getByTestId('task-reveal').click();
      await expect.poll(() => harness.desktop.revealed.length).toBe(1);
      expect(harness.desktop.revealed[0].endsWith(doneTask.file)).toBe(true);
      await page.getByTestId('task-play').click();
      await expect.poll(() => page.evaluate(() => decodeURIComponent(location.hash))).toBe(`#/library?video=${doneTask.file}`);
      // The library opens that video in its player.
      await expect.poll(() => page.getByTestId('player-video').getAttribute('src')).toContain(doneTask.file.split('/').map(encodeURIComponent).join('/'));
      // Closing the player leaves the library showing, with the video among its cards.
      await page.keyboard.press('Escape');
      await page.getByTestId('player-video').waitFor({ state: 'detached' });
      await page.getByTestId('library-view').waitFor();
      await page.getByTestId('nav-queue').click();

      // Reorder by the buttons: Charlie to the top.
      await slot('Charlie').getByTestId('batch-move').click();
      await slot('Charlie').getByTestId('move-top').click();
      await expect.poll(order).toEqual(['Charlie', 'Delta', 'Alpha', 'Bravo']);
      await expect.poll(() => namesShown(page)).toEqual(['Charlie', 'Delta', 'Alpha', 'Bravo']);
      // By keys: Alt+↓ on the focused Delta.
      await slot('Delta').getByTestId('batch-select').focus();
      await page.keyboard.press('Alt+ArrowDown');
      await expect.poll(order).toEqual(['Charlie', 'Alpha', 'Delta', 'Bravo']);
      expect(
        await page.evaluate(() => document.activeElement?.closest('[data-testid="batch-row"]')?.querySelector('[data-testid="batch-title"]')?.textContent)
      ).toBe('Delta');
      // By a drag: Bravo onto the top half of Charlie (a window tall enough to show both, so nothing scrolls mid-drag).
      await page.setViewportSize({ width: 1280, height: 1200 });
      await slot('Bravo').dragTo(slot('Charlie'), { targetPosition: { x: 40, y: 6 } });
      await expect.poll(order).toEqual(['Bravo', 'Charlie', 'Alpha', 'Delta']);
      await expect.poll(() => namesShown(page)).toEqual(['Bravo', 'Charlie', 'Alpha', 'Delta']);
      await app.screen('1-reordered');
      await page.setViewportSize({ width: 1280, height: 800 });

      // Pause all, resume all.
      await page.getByTestId('pause-all').click();
      await until(
        'every batch with work paused',
        async () => (await snapshot(harness)).batches.filter((b) => b.batch.name !== 'Delta').every((b) => b.batch.paused?.reason === 'user') || undefined
      );
      await page.getByTestId('resume-all').waitFor();
      await expect.poll(() => page.getByTestId('batch-paused').count()).toBe(3);
      await app.screen('2-paused-all');
      await page.getByTestId('resume-all').click();
      await until('no batch paused', async () => (await snapshot(harness)).batches.every((b) => !b.batch.paused) || undefined);
      await expect.poll(() => page.getByTestId('batch-paused').count()).toBe(0);

      // Archive the finished batch: it leaves the list, and is listed apart, read-only.
      await slot('Delta').getByTestId('archive-batch').click();
      await expect.poll(() => namesShown(page)).toEqual(['Bravo', 'Charlie', 'Alpha']);
      expect((await snapshot(harness)).archived.map((b) => b.batch.name)).toEqual(['Delta']);
      await page.getByTestId('archived-toggle').click();
      expect(await page.getByTestId('archived-row').innerText()).toContain('Delta');
      expect(await page.getByTestId('archived').locator('button').count()).toBe(1);

      // A batch added from Compose is selected, and the table shows it.
      await page.getByTestId('nav-compose').click();
      await page.getByTestId('add-row').click();
      await page.getByTestId('row-prompt').first().fill('A paper boat drifting down a rainy gutter');
      await page.getByTestId('composer-add').click();
      await page.getByTestId('composer-confirm').click();
      await expect.poll(() => page.getByTestId('table-title').innerText()).toBe('Videos in ““A paper boat drifting down a…””');
      expect(await slot('“A paper boat drifting down a…”').getByTestId('batch-select').getAttribute('aria-pressed')).toBe('true');
      await app.screen('3-composed-selected');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
