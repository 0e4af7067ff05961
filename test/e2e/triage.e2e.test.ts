/**
 * Failure triage without the mouse: a batch of 50 prompts with mixed failures (the simulator's
 * prompt markers) is triaged to its end by keyboard alone — a safety refusal edited and retried,
 * the provider problems retried, the rest abandoned — and the test says how many key presses it took.
 */
import { expect, it } from 'vitest';
import type { BatchSummary } from '@shared/batch';
import type { ImportPreview } from '@shared/ipc';
import { failureTotal } from '@shared/triage';
import type { Page } from 'playwright-core';
import { describeE2e, e2eSession, openApp } from './browser';
import { outOfReach, seriousViolations } from './fit';
import { snapshot, tasksOf, until } from './helpers';

/** Which rows (from 0) carry which failure; the others succeed. Spread out, so no breaker trips. */
const MARKED: Record<number, string> = {
  3: '[sim:fail:NSFW]',
  17: '[sim:fail:NSFW]',
  31: '[sim:fail:NSFW]',
  8: '[sim:fail:Timeout]',
  22: '[sim:fail:Timeout]',
  40: '[sim:fail:MODEL_UNAVAILABLE]',
  12: '[sim:fail:PROMPT_TOO_LONG]',
  45: '[sim:fail:PROMPT_TOO_LONG]',
  27: '[sim:reject]'
};
const PROMPTS = Array.from({ length: 50 }, (_, i) => `Shot ${i + 1}: a lantern-lit street market at night ${MARKED[i] ?? ''}`.trim());

const ENDED = new Set(['done', 'failed', 'rejected', 'canceled', 'abandoned', 'expired']);
const settled = (s: BatchSummary) => Object.entries(s.counts).every(([state, n]) => !n || ENDED.has(state));

/** Key presses, counted: every press goes through here. */
class Keys {
  count = 0;
  constructor(private readonly page: Page) {}

  async press(key: string): Promise<void> {
    this.count++;
    await this.page.keyboard.press(key);
  }

  /** Types text: one press per character. */
  async type(text: string): Promise<void> {
    this.count += text.length;
    await this.page.keyboard.type(text);
  }

  /** Tab (forward) until the focused element matches `selector`; fails after `max` presses. */
  async tabTo(selector: string, max = 80): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await this.page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      await this.press('Tab');
    }
    throw new Error(`${selector} was not reached with ${max} Tab presses`);
  }
}

describeE2e('e2e: failure triage by keyboard', () => {
  const session = e2eSession();

  it('triages a batch of 50 with mixed failures to its end without the mouse', async () => {
    const { browser, harness } = session;
    const preview = await harness.invoke<ImportPreview>('import:text', { text: PROMPTS.join('\n'), lines: true });
    const created = await harness.invoke<BatchSummary>('batches:create', { token: preview.token, name: 'Night market', skipInvalid: false });
    const batchId = created.batch.id;
    // Every task ends: the provider problems after their automatic retries.
    await until('the batch to settle', async () => settled((await snapshot(harness)).batches[0]) || undefined, 45_000);
    const before = (await snapshot(harness)).batches[0];
    expect(before.failures).toEqual({ safety: 3, transient: 3, invalid_input: 2, rejected: 1 });
    expect(before.batch.paused).toBeUndefined();
    const timeout = (await tasksOf(harness, batchId)).find((t) => t.position === 8)!;
    expect(timeout.autoRetries).toBe(2);

    const app = await openApp(browser, harness, 'triage');
    const { page } = app;
    const keys = new Keys(page);
    try {
      await page.getByTestId('batch-row').waitFor();
      // The batch's failures panel, from its button in the list.
      await keys.tabTo('[data-testid="batch-failures"]');
      await keys.press('Enter');
      await page.getByTestId('failure-panel').waitFor();
      await expect.poll(() => page.getByTestId('failure-group').count()).toBe(4);
      expect(await page.locator('[data-group="safety"] [data-testid="group-count"]').innerText()).toBe('3');
      expect(await page.locator('[data-group="transient"] [data-testid="group-count"]').innerText()).toBe('3');
      // Groups that need an edit offer no plain retry.
      expect(await page.locator('[data-group="safety"] [data-testid="group-retry"]').count()).toBe(0);
      expect(await page.locator('[data-group="transient"] [data-testid="group-retry"]').count()).toBe(1);
      await app.screen('1-failures-grouped');
      expect(await outOfReach(page)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);

      // A safety refusal: open the group, edit the first one's prompt, Ctrl+Enter.
      await keys.tabTo('[data-group="safety"] [data-testid="group-toggle"]');
      await keys.press('Enter');
      await expect.poll(() => page.locator('[data-group="safety"] [data-testid="failure-task"]').count()).toBe(3);
      await keys.tabTo('[data-group="safety"] [data-testid="failure-edit"]');
      const editedId = await page.evaluate(() => document.activeElement?.closest('[data-task-id]')?.getAttribute('data-task-id'));
      await keys.press('Enter');
      await page.getByTestId('edit-dialog').waitFor();
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('edit-prompt');
      await keys.press('Control+A');
      await keys.type('Shot 4: a lantern-lit street market at night, seen from a rooftop');
      await expect.poll(() => page.getByTestId('edit-save').isEnabled()).toBe(true);
      await app.screen('2-edit-dialog');
      expect(await seriousViolations(page)).toEqual([]);
      // Tab stays inside the dialog.
      for (let i = 0; i < 12; i++) await keys.press('Tab');
      expect(await page.evaluate(() => Boolean(document.activeElement?.closest('[data-testid="edit-dialog"]')))).toBe(true);
      await keys.press('Control+Enter');
      await page.getByTestId('edit-dialog').waitFor({ state: 'detached' });
      await until('the edited video done', async () => (await tasksOf(harness, batchId)).find((t) => t.id === editedId)?.state === 'done' || undefined, 30_000);
      const edited = (await tasksOf(harness, batchId)).find((t) => t.id === editedId)!;
      expect(edited.request.input.prompt).toBe('Shot 4: a lantern-lit street market at night, seen from a rooftop');
      expect(edited.edits).toBe(1);
      await expect.poll(() => page.locator('[data-group="safety"] [data-testid="group-count"]').innerText()).toBe('2');

      // The provider problems: retry the group (they fail again: their marker stays), then abandon.
      await keys.tabTo('[data-group="transient"] [data-testid="group-retry"]');
      await keys.press('Enter');
      await page.getByTestId('confirm-group').waitFor();
      await keys.press('Enter');
      await until('the retried ones queued', async () => ((await snapshot(harness)).batches[0].counts.queued ?? 0) > 0 || undefined, 10_000).catch(() => true);
      await until('the retried ones to end', async () => settled((await snapshot(harness)).batches[0]) || undefined, 45_000);
      const retried = (await tasksOf(harness, batchId)).filter((t) => [8, 22, 40].includes(t.position));
      expect(retried.every((t) => t.attempts >= 4)).toBe(true);

      // Abandon what is left, group by group.
      for (let left = 4; left > 0; left--) {
        const groups = await page.getByTestId('failure-group').count();
        if (groups === 0) break;
        await keys.tabTo('[data-testid="group-abandon"]');
        await keys.press('Enter');
        await page.getByTestId('confirm-group').waitFor();
        await keys.press('Enter');
        await expect.poll(() => page.getByTestId('failure-group').count()).toBe(groups - 1);
      }
      await page.getByTestId('failures-none').waitFor();
      const after = (await snapshot(harness)).batches[0];
      expect(failureTotal(after.failures)).toBe(0);
      expect(after.counts.done).toBe(42);
      expect(after.counts.abandoned).toBe(8);
      await app.screen('3-triaged');
      console.log(`triage: a batch of 50 with 9 failures triaged to its end in ${keys.count} key presses (the edited prompt typed: 66 of them)`);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
