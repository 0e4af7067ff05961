/**
 * A bulk batch in the built window: 1,200 videos with 1,000 at once. The events main pushes stay
 * small (the totals and the rows on screen, never every task that changed); the rows on screen,
 * scrolled to the middle, end exactly as main has them; a filter counts the whole batch.
 */
import { expect, it } from 'vitest';
import type { BatchSummary } from '@shared/batch';
import { isSettled } from '@shared/batch-summary';
import { WATCH_MAX } from '@shared/ipc';
import { describeE2e, e2eSession, openApp } from './browser';
import { onlyBatch, tasksOf, until } from './helpers';

const VIDEOS = 1_200;

describeE2e('e2e: a bulk batch in the queue screen', () => {
  const session = e2eSession({ settings: { concurrency: 1_000 } });

  it('keeps each event small while a thousand videos move, and the rows on screen and the totals exact', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'queue-events');
    const { page } = app;
    const events: { bytes: number; tasks: number }[] = [];
    const off = harness.service.on('queue:changed', (d) => events.push({ bytes: Buffer.byteLength(JSON.stringify(d)), tasks: d.tasks.length }));
    try {
      const text = Array.from({ length: VIDEOS }, (_, i) => `A paper boat on a canal, take ${i + 1}`).join('\n');
      const preview = await harness.invoke<{ token: string }>('import:text', { text, lines: true, defaults: { duration: 5, resolution: '480p' } });
      const created = await harness.invoke<BatchSummary>('batches:create', { token: preview.token, name: 'Canal', skipInvalid: false });
      await page.getByTestId('nav-queue').click();
      await page.getByTestId('batch-row').waitFor();
      await page.locator('[data-testid="task-row"]').first().waitFor();

      // Scrolled to the middle of the table while the batch runs.
      await page.locator('.tasks .vl-viewport').evaluate((el) => (el.scrollTop = 600 * 40));
      await expect.poll(() => page.locator('[data-testid="task-row"]').first().getAttribute('data-task-id')).toMatch(/-00[56]\d\d$/);
      await app.screen('0-bulk-running-middle');
      await until('the batch to settle', async () => isSettled(await onlyBatch(harness)) || undefined, 120_000);

      // Every row on screen says what main says, and the batch's totals are main's.
      const main = new Map((await tasksOf(harness, created.batch.id)).map((t) => [t.id, t.state]));
      await expect
        .poll(async () => {
          const rows = await page
            .locator('[data-testid="task-row"]')
            .evaluateAll((els) => els.map((el) => [el.getAttribute('data-task-id'), el.getAttribute('data-state')]));
          return rows.length > 0 && rows.every(([id, state]) => main.get(id ?? '') === state);
        })
        .toBe(true);
      // (On a loaded machine a few submits may time out and wait for review: the counts say so, as main does.)
      const done = (await onlyBatch(harness)).counts.done ?? 0;
      expect(done).toBeGreaterThan(VIDEOS / 2);
      await expect.poll(() => page.getByTestId('batch-row').innerText()).toContain(`${done.toLocaleString('en-US')} done`);

      // A filter counts the whole batch, from one letter per video.
      await page.getByTestId('filter-done').click();
      await expect.poll(() => page.getByTestId('task-count').innerText()).toBe(`${done.toLocaleString('en-US')} videos`);
      await app.screen('1-bulk-done-filtered');
      await page.getByTestId('filter-all').click();
      await app.screen('2-bulk-done');

      // Hundreds of tasks changed between events; none carried more than the window watches, nor grew past a few KB.
      expect(events.length).toBeGreaterThan(0);
      expect(Math.max(...events.map((e) => e.tasks))).toBeLessThanOrEqual(WATCH_MAX);
      expect(Math.max(...events.map((e) => e.tasks))).toBeLessThan(200);
      expect(Math.max(...events.map((e) => e.bytes))).toBeLessThan(48 * 1024);
      expect(app.errors).toEqual([]);
    } finally {
      off();
      await app.close();
    }
  });
});
