/**
 * A submit whose outcome is unknown (the connection resets after APIXO accepted it) puts the
 * task in "needs review"; the person resolves one by resubmitting (after a warning that it may
 * be paid twice) and the other by abandoning it.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { GOOD_KEY } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';
import { mp4sUnder, onlyBatch, tasksOf, until, queuePastedPrompts } from './helpers';

const PROMPTS = ['A lantern swaying on a night ferry', 'Morning fog lifting off a still river'];

function taskRow(page: Page, position: number) {
  return page.getByTestId('task-row').nth(position);
}

describeE2e('e2e: a task needing review', () => {
  // The app uses the harness's simulator (a key is stored), which resets every submit after accepting it.
  const session = e2eSession({ apiKey: GOOD_KEY, faults: { resetAfterAcceptRate: 1 } });

  it('is resolved by resubmitting one and abandoning the other', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'needs-review');
    const { page } = app;
    try {
      await queuePastedPrompts(page, PROMPTS);

      // Both submits were accepted (and billed) by the API, but the app never heard back.
      await expect.poll(() => page.locator('[data-testid="task-row"][data-state="needs_review"]').count(), { timeout: 15_000 }).toBe(2);
      expect(harness.simulator.submissions).toHaveLength(2);
      const { batch } = await onlyBatch(harness);
      const before = await tasksOf(harness, batch.id);
      expect(before.map((t) => t.state)).toEqual(['needs_review', 'needs_review']);
      expect(before.every((t) => t.taskId === undefined && t.attempts === 1)).toBe(true);
      // The status line follows with the next coalesced delta.
      await expect.poll(() => page.getByTestId('queue-activity').locator('..').innerText()).toContain('2 need review');
      expect(await taskRow(page, 0).getByTestId('task-resubmit').isVisible()).toBe(true);
      expect(await taskRow(page, 0).getByTestId('task-abandon').isVisible()).toBe(true);
      await app.screen('1-needs-review');

      // The detail says what happened and what the choices are.
      await taskRow(page, 0).getByTestId('task-open').click();
      await page.getByTestId('needs-review').waitFor();
      expect(await page.getByTestId('task-detail').innerText()).toContain('ECONNRESET');
      await app.screen('2-detail');

      // The API is healthy again. Resubmit the first: the app warns it may be paid twice.
      harness.simulator.setFaults({ resetAfterAcceptRate: 0 });
      await taskRow(page, 0).getByTestId('task-resubmit').click();
      const dialog = page.getByTestId('confirm-dialog');
      await dialog.waitFor();
      expect(await dialog.innerText()).toContain('may pay twice');
      await app.screen('3-resubmit-warning');
      await page.getByTestId('confirm-resubmit').click();

      // Abandon the second.
      await taskRow(page, 1).getByTestId('task-abandon').click();

      await until('both resolved', async () => {
        const states = (await tasksOf(harness, batch.id)).map((t) => t.state);
        return (states[0] === 'done' && states[1] === 'abandoned') || undefined;
      });
      await expect.poll(() => taskRow(page, 0).getAttribute('data-state'), { timeout: 10_000 }).toBe('done');
      await expect.poll(() => taskRow(page, 1).getAttribute('data-state')).toBe('abandoned');
      expect(await page.locator('[data-testid="task-row"][data-state="needs_review"]').count()).toBe(0);
      const after = await tasksOf(harness, batch.id);
      expect(after[0].attempts).toBe(2);
      expect(after[1].attempts).toBe(1);
      expect(harness.simulator.submissions).toHaveLength(3); // the abandoned row was not sent again
      expect(mp4sUnder(harness.libraryDir)).toHaveLength(1);
      await app.screen('4-resolved');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
