/**
 * Steering the queue in the browser: batches reordered by their buttons, by Alt+arrows and by a
 * drag; pause all and resume all; finished batches archived and listed apart; a batch added from
 * Compose selected at once; a Done video's Play, Open in library and Reveal; the queue's progress
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

const finished = (s: BatchSummary) => Object.entries(s.counts).every(([state, n]) => !n || ['done', 'failed', 'rejected', 'canceled', 'abandoned', 'expired'].includes(state));

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
