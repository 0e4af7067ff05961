/**
 * Pause and resume a batch: paused, nothing new is submitted (what was in flight finishes);
 * resumed, it runs to the end.
 */
import { expect, it } from 'vitest';
import type { TaskRecord } from '@shared/batch';
import { describeE2e, e2eSession, openApp } from './browser';
import { mp4sUnder, onlyBatch, snapshot, tasksOf, until, queuePastedPrompts } from './helpers';

const PROMPTS = [
  'A tram rattling down a hill at dawn',
  'Snow falling on a quiet village square',
  'A hummingbird hovering at a red flower',
  'Steam rising from a bowl of ramen',
  'A sailboat tacking into a stiff breeze',
  'Fireflies over a meadow at dusk',
  'A potter shaping clay on a wheel',
  'Rain running down a train window at night'
];

/** States a task passes through between its submit and its file. */
const MOVING = ['submitting', 'submitted', 'pending', 'processing', 'succeeded', 'downloading'] as const;

const submittedOnce = (tasks: TaskRecord[]) => tasks.filter((t) => t.attempts > 0).length;

describeE2e('e2e: pause and resume a batch', () => {
  // One video at a time, so a pause lands with most of the batch still queued.
  const session = e2eSession({ settings: { concurrency: 1 } });

  it('stops submitting while paused and finishes after resume', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'pause-resume');
    const { page } = app;
    try {
      await queuePastedPrompts(page, PROMPTS);

      // Pause as soon as the first video is in flight.
      await until('the first submit', async () => (await onlyBatch(harness)).costs.simulated.committedMicros > 0 || undefined, 15_000);
      await page.getByTestId('pause-batch').click();
      await page.getByTestId('resume-batch').waitFor();
      await page.getByTestId('batch-paused').waitFor();
      expect(await page.getByTestId('batch-paused').innerText()).toContain('Paused');
      expect(await page.getByTestId('batch-eta').innerText()).toBe('Paused');
      await app.screen('1-paused');

      // What was in flight finishes; then nothing moves.
      const { batch } = await onlyBatch(harness);
      await until('the in-flight video to finish', async () => {
        const { counts } = await onlyBatch(harness);
        return MOVING.every((state) => !counts[state]) || undefined;
      });
      const before = submittedOnce(await tasksOf(harness, batch.id));
      const countsBefore = (await snapshot(harness)).batches[0].counts;
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(PROMPTS.length);
      await new Promise((r) => setTimeout(r, 2_000)); // two task lengths at this time scale
      expect(submittedOnce(await tasksOf(harness, batch.id))).toBe(before);
      expect((await snapshot(harness)).batches[0].counts).toEqual(countsBefore);
      expect((await onlyBatch(harness)).batch.paused?.reason).toBe('user');
      await expect.poll(() => page.locator('[data-testid="task-row"][data-state="queued"]').count()).toBe(PROMPTS.length - before);
      // The status line says why nothing moves, never "submitting".
      await expect.poll(() => page.getByTestId('queue-activity').innerText()).toMatch(/^paused: \d+ videos? wait in paused batches$/);
      await app.screen('2-paused-settled');

      // Resume: the rest runs to the end.
      await page.getByTestId('resume-batch').click();
      await page.getByTestId('pause-batch').waitFor();
      expect(await page.getByTestId('batch-paused').count()).toBe(0);
      await until('the batch to finish', async () => (await onlyBatch(harness)).counts.done === PROMPTS.length || undefined, 30_000);
      await expect.poll(() => page.locator('[data-testid="task-row"][data-state="done"]').count(), { timeout: 10_000 }).toBe(PROMPTS.length);
      expect(mp4sUnder(harness.libraryDir)).toHaveLength(PROMPTS.length);
      await app.screen('3-resumed-done');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
