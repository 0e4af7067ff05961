/**
 * First run, no key: the simulator is on and says so; "Try the example batch" → preview →
 * add to queue → confirm → the batch runs to the end with the totals right and 13 videos in
 * the library folder.
 */
import { expect, it } from 'vitest';
import { formatUsd } from '@shared/pricing';
import { describeE2e, e2eSession, openApp } from './browser';
import { mp4sUnder, onlyBatch, tasksOf, until } from './helpers';

/** The example CSV: 12 rows, one with count 2; 81 seconds of video in all. */
const EXAMPLE_VIDEOS = 13;
const EXAMPLE_MICROS = 1_184_000;

describeE2e('e2e: first run with the example batch', () => {
  const session = e2eSession();

  it('runs the example batch on the simulator to the end, with the cost bar adding up', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'first-run');
    const { page } = app;
    try {
      // Simulated, and both first actions side by side.
      await expect.poll(() => page.getByTestId('sim-badge').isVisible()).toBe(true);
      await page.getByTestId('try-example').waitFor();
      await page.getByTestId('add-key').waitFor();
      await expect.poll(() => page.getByTestId('try-example').isEnabled()).toBe(true);
      await app.screen('1-welcome');

      // Preview: every take of the example, no problems, the estimate.
      await page.getByTestId('try-example').click();
      await page.getByTestId('add-to-queue').waitFor();
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(EXAMPLE_VIDEOS);
      expect(await page.getByTestId('row-problem').count()).toBe(0);
      expect(await page.getByTestId('add-to-queue').isEnabled()).toBe(true);
      expect(await page.locator('body').innerText()).toContain(formatUsd(EXAMPLE_MICROS));
      await app.screen('2-preview');

      // Confirm the total.
      await page.getByTestId('add-to-queue').click();
      await page.getByTestId('confirm-add').waitFor();
      expect(await page.getByTestId('confirm-dialog').innerText()).toContain(formatUsd(EXAMPLE_MICROS));
      await app.screen('3-confirm');
      await page.getByTestId('confirm-add').click();

      // The queue: one batch, its tasks, the engine saying what it does.
      await page.getByTestId('batch-row').waitFor();
      await page.getByTestId('queue-activity').waitFor();
      expect(harness.simulator.submissions.length).toBe(0); // the app's own simulator, not the "real" one
      await expect.poll(() => page.getByTestId('task-row').count()).toBe(EXAMPLE_VIDEOS);
      await until('a task in flight', async () => (await onlyBatch(harness)).costs.simulated.committedMicros > 0 || undefined, 20_000);
      await app.screen('4-running');

      // To the end: every task done, in the service and on the page.
      const summary = await until('the batch to finish', async () => {
        const s = await onlyBatch(harness);
        return s.counts.done === EXAMPLE_VIDEOS ? s : undefined;
      });
      expect(summary.total).toBe(EXAMPLE_VIDEOS);
      // Simulated money is kept apart: none of it is real spend.
      expect(summary.costs.simulated.spentMicros).toBe(EXAMPLE_MICROS);
      expect(summary.costs.spentMicros).toBe(0);
      await expect.poll(() => page.locator('[data-testid="task-row"][data-state="done"]').count(), { timeout: 10_000 }).toBe(EXAMPLE_VIDEOS);
      await expect.poll(() => page.getByTestId('cost-simulated-value').innerText(), { timeout: 10_000 }).toBe(formatUsd(EXAMPLE_MICROS));
      expect(await page.getByTestId('cost-spent').innerText()).toBe(formatUsd(0));
      expect(await page.getByTestId('cost-queued').innerText()).toBe(formatUsd(0));
      expect(await page.getByTestId('cost-committed').innerText()).toBe(formatUsd(0));
      expect(await page.getByTestId('sim-badge').isVisible()).toBe(true);

      const tasks = await tasksOf(harness, summary.batch.id);
      expect(tasks.every((t) => t.state === 'done' && t.file)).toBe(true);
      expect(mp4sUnder(harness.libraryDir)).toHaveLength(EXAMPLE_VIDEOS);
      await app.screen('5-done');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
