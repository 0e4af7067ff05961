/**
 * Money a person reads (docs/architecture.md, "Money"): the simulator's money apart from the real
 * ledger's, one balance with its age, spend measured against the estimate, cost words per task,
 * and the question about batches made on the simulator once a key is saved. The harness's second
 * simulator stands in for APIXO once the key is saved; its request log says what reached it.
 */
import { expect, it } from 'vitest';
import type { TaskRecord } from '@shared/batch';
import type { LedgerQuestion } from '@shared/ipc';
import { formatUsd, usdToMicros } from '@shared/pricing';
import type { Page } from 'playwright-core';
import type { Harness } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';
import { queuePastedPrompts, snapshot, tasksOf, until } from './helpers';

const BALANCE_USD = 42.5;
const balanceAt = (spentMicros: number) => formatUsd(usdToMicros(BALANCE_USD) - spentMicros);
const AGE = '(just now|\\d+ s ago)';

/** Submits that reached the harness's "real APIXO". */
const realSubmits = (harness: Harness) => harness.simulator.requests.filter((r) => r.endpoint === 'submit').length;

const estimateOf = (tasks: TaskRecord[]) => tasks.reduce((sum, t) => sum + t.estimateMicros, 0);

async function newestBatchId(harness: Harness): Promise<string> {
  const { batches } = await snapshot(harness);
  return [...batches].sort((a, b) => b.batch.createdAt - a.batch.createdAt)[0].batch.id;
}

async function summaryOf(harness: Harness, batchId: string) {
  const summary = (await snapshot(harness)).batches.find((b) => b.batch.id === batchId);
  if (!summary) throw new Error(`no batch ${batchId}`);
  return summary;
}

async function allDone(harness: Harness, batchId: string, timeoutMs = 45_000): Promise<TaskRecord[]> {
  return until(
    `batch ${batchId} finished`,
    async () => {
      const tasks = await tasksOf(harness, batchId);
      return tasks.every((t) => ['done', 'failed', 'rejected', 'canceled'].includes(t.state)) ? tasks : undefined;
    },
    timeoutMs
  );
}

async function saveKey(page: Page, key: string): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('key-input').fill(key);
  await page.getByTestId('key-save').click();
  await page.getByTestId('key-saved').or(page.getByTestId('ledger-dialog')).first().waitFor();
}

describeE2e('e2e: simulated money apart, then real money measured', () => {
  const session = e2eSession({ balanceUsd: BALANCE_USD });

  it('keeps the simulator’s money out of the real figures, and measures the real spend against the balance', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'money');
    const { page } = app;
    try {
      // On the built-in simulator: nothing is charged, and the bar says so.
      await queuePastedPrompts(page, ['A calm lake at dawn', 'Fog rolling over a forest']);
      const simId = await newestBatchId(harness);
      const simTasks = await allDone(harness, simId);
      const simMicros = estimateOf(simTasks);
      await expect.poll(() => page.getByTestId('cost-simulated-value').innerText()).toBe(formatUsd(simMicros));
      expect(await page.getByTestId('cost-spent').innerText()).toBe('$0.00');
      expect(await page.getByTestId('cost-spent-today').innerText()).toBe('$0.00');
      expect(await page.getByTestId('cost-simulated').innerText()).toContain('Simulated (nothing charged)');
      expect(await page.getByTestId('cost-sim').innerText()).toBe('Simulated — nothing is charged');
      const simRow = page.locator(`[data-testid="batch-row"][data-batch-id="${simId}"]`);
      expect(await simRow.getByTestId('batch-simulated').innerText()).toBe('Simulated');
      expect(await simRow.getByTestId('batch-spent').innerText()).toContain('simulated');
      expect(await page.getByTestId('task-cost').allInnerTexts()).toEqual(['simulated', 'simulated']);
      await app.screen('1-simulated');

      // A key saved, with no simulated video left to make: no question, and the balance is read.
      await saveKey(page, harness.goodKey);
      expect(await page.getByTestId('ledger-dialog').count()).toBe(0);
      await page.getByTestId('key-test').click();
      await expect.poll(() => page.getByTestId('balance-value').innerText()).toMatch(new RegExp(`^\\${balanceAt(0)} · ${AGE}$`));

      // A real batch: two videos and one that fails.
      await page.getByTestId('nav-import').click();
      // (queuePastedPrompts waits for the one batch row; here a second one comes.)
      await page
        .getByTestId('paste-input')
        .fill(['A tram rattling down a hill', 'Steam rising from a bowl of ramen', 'A storm at sea [sim:fail:NSFW]'].join('\n'));
      await page.getByTestId('paste-import').click();
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(3);
      await page.getByTestId('add-to-queue').click();
      await page.getByTestId('confirm-add').click();
      await expect.poll(() => page.getByTestId('batch-row').count()).toBe(2);
      const realId = await newestBatchId(harness);
      expect(realId).not.toBe(simId);
      const realTasks = await allDone(harness, realId);
      const succeeded = realTasks.filter((t) => t.state === 'done');
      expect(succeeded).toHaveLength(2);
      const spent = estimateOf(succeeded);
      expect(realSubmits(harness)).toBe(3);
      // Measured once the queue is quiet: the balance fell by what the successes cost.
      const summary = await until('the real batch measured', async () => {
        const s = await summaryOf(harness, realId);
        return s.costs.spend && s.costs.spend.windows > 0 && s.costs.spend.pendingMicros === 0 ? s : undefined;
      });
      expect(summary.costs.spend).toMatchObject({ estimatedMicros: spent, measuredMicros: spent });
      expect(summary.costs.spend?.differenceMicros).toBeUndefined();

      await expect.poll(() => page.getByTestId('cost-spent').innerText()).toBe(formatUsd(spent));
      expect(await page.getByTestId('cost-spent-today').innerText()).toBe(formatUsd(spent));
      expect(await page.getByTestId('cost-simulated-value').innerText()).toBe(formatUsd(simMicros));
      await expect.poll(() => page.getByTestId('cost-balance').innerText()).toBe(balanceAt(spent));
      expect(await page.getByTestId('cost-balance-age').innerText()).toMatch(new RegExp(`^· ${AGE}$`));
      expect(await page.getByTestId('cost-measured').innerText()).toBe(formatUsd(spent));
      expect(await page.getByTestId('cost-spend-difference').count()).toBe(0);
      expect(await page.getByTestId('cost-spend').getAttribute('title')).toBe(`Estimated ${formatUsd(spent)}, measured ${formatUsd(spent)}.`);
      const realRow = page.locator(`[data-testid="batch-row"][data-batch-id="${realId}"]`);
      expect(await realRow.getByTestId('batch-simulated').count()).toBe(0);
      expect(await realRow.getByTestId('batch-spend').innerText()).toBe(`measured ${formatUsd(spent)} of est. ${formatUsd(spent)}`);
      expect(await realRow.getByTestId('batch-spend-shared').count()).toBe(0);
      await realRow.getByTestId('batch-select').click();
      // Each row says what it cost, in words: charged, or not charged for the one that failed.
      const failedRow = page.locator('[data-testid="task-row"][data-state="failed"]');
      await expect.poll(() => failedRow.getByTestId('task-cost').innerText()).toBe('not charged');
      const doneCosts = await page.locator('[data-testid="task-row"][data-state="done"]').getByTestId('task-cost').allInnerTexts();
      expect(doneCosts).toEqual(succeeded.map((t) => `${formatUsd(t.estimateMicros)} charged`));
      await app.screen('2-real-measured');

      // The failed one's details never say "if it succeeds".
      await failedRow.getByTestId('task-open').click();
      const failedCost = await page.getByTestId('task-detail-cost').innerText();
      expect(failedCost).toBe('Not charged: it failed, and the balance shows failures are not billed.');
      await page.getByRole('button', { name: 'Close details' }).click();

      // A finished video's details: the seed it was made with, and what it cost, measured.
      const done = succeeded[0];
      await page.locator(`[data-testid="task-row"][data-task-id="${done.id}"]`).getByTestId('task-open').click();
      const detail = page.getByTestId('task-detail');
      expect(Number.isInteger(done.request.input.seed)).toBe(true);
      expect(await detail.innerText()).toContain(`seed ${done.request.input.seed}`);
      expect(await page.getByTestId('task-detail-cost').innerText()).toBe(
        `${formatUsd(done.estimateMicros)} charged, as estimated: the balance fell by the estimate.`
      );
      await app.screen('3-finished-detail');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

/**
 * A simulated batch with videos still queued as the key is saved: one video at a time, the first
 * slow (three times its usual generation, seconds at this time scale), so the others wait behind
 * it while the key is saved. (A batch the person paused is not asked about: it stays paused.)
 * Answers the batch's id and the question that opened.
 */
async function waitingSimulatedBatch(page: Page, harness: Harness): Promise<{ batchId: string; question: LedgerQuestion }> {
  await queuePastedPrompts(page, [
    'A hummingbird at a red flower [sim:slow]',
    'A sailboat in a stiff breeze',
    'Fireflies over a meadow',
    'A potter at the wheel'
  ]);
  const batchId = await newestBatchId(harness);
  await saveKey(page, harness.goodKey);
  await page.getByTestId('ledger-dialog').waitFor();
  const question = await harness.invoke<LedgerQuestion | null>('queue:ledger-question');
  if (!question) throw new Error('no question about the simulated batch');
  expect(question.batches.map((b) => b.id)).toEqual([batchId]);
  expect(question.queued).toBeGreaterThan(0);
  expect((await summaryOf(harness, batchId)).batch.paused?.reason).toBe('ledger');
  return { batchId, question };
}

/** One video at a time, at a time scale where a slow one takes seconds. */
const QUESTION_SESSION = { settings: { concurrency: 1 }, balanceUsd: BALANCE_USD, timeScale: 0.05 };
const QUESTION_TIMEOUT = 120_000;

async function dialogShows(page: Page, question: LedgerQuestion): Promise<void> {
  const dialog = page.getByRole('dialog', { name: /made on the simulator/ });
  await dialog.waitFor();
  expect(await dialog.getByTestId('ledger-batch').count()).toBe(question.batches.length);
  expect(await dialog.getByTestId('ledger-batch').first().innerText()).toContain(formatUsd(question.batches[0].estimateMicros));
  expect(await dialog.getByTestId('ledger-real').innerText()).toContain(`Send to APIXO — ${formatUsd(question.estimateMicros)}`);
  expect(await dialog.getByTestId('ledger-keep').innerText()).toContain('Keep simulated');
  expect(await dialog.getByTestId('ledger-cancel').innerText()).toContain('Cancel them');
  // The choice that spends nothing has the focus.
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('ledger-keep');
}

describeE2e('e2e: the question about simulated batches — keep them simulated', () => {
  const session = e2eSession(QUESTION_SESSION);

  it(
    'asks, waits when put off, and keeps them on the simulator: nothing reaches APIXO',
    async () => {
      const { browser, harness } = session;
      const app = await openApp(browser, harness, 'ledger-keep');
      const { page } = app;
      try {
        const { batchId, question } = await waitingSimulatedBatch(page, harness);
        await dialogShows(page, question);
        await app.screen('1-question');

        // Escape decides later: the batch waits, says so, and opens the question again.
        await page.keyboard.press('Escape');
        await expect.poll(() => page.getByTestId('ledger-dialog').count()).toBe(0);
        await page.getByTestId('nav-queue').click();
        const row = page.locator(`[data-testid="batch-row"][data-batch-id="${batchId}"]`);
        expect(await row.getByTestId('batch-paused').innerText()).toContain('Waiting for your choice');
        await app.screen('2-waiting');
        await row.getByTestId('ledger-decide').click();
        await page.getByTestId('ledger-dialog').waitFor();

        await page.getByTestId('ledger-keep').click();
        await expect.poll(() => page.getByTestId('ledger-dialog').count()).toBe(0);
        const tasks = await allDone(harness, batchId);
        expect(tasks.filter((t) => t.state === 'done')).toHaveLength(tasks.length);
        expect(realSubmits(harness)).toBe(0);
        expect(await harness.invoke('queue:ledger-question')).toBeNull();
        await expect.poll(() => page.getByTestId('cost-simulated-value').innerText()).toBe(formatUsd(estimateOf(tasks)));
        expect(await page.getByTestId('cost-spent').innerText()).toBe('$0.00');
        expect(await row.getByTestId('batch-simulated').innerText()).toBe('Simulated');
        await app.screen('3-kept');
        expect(app.errors).toEqual([]);
      } finally {
        await app.close();
      }
    },
    QUESTION_TIMEOUT
  );
});

describeE2e('e2e: the question about simulated batches — cancel them', () => {
  const session = e2eSession(QUESTION_SESSION);

  it(
    'cancels their queued videos: nothing reaches APIXO',
    async () => {
      const { browser, harness } = session;
      const app = await openApp(browser, harness, 'ledger-cancel');
      const { page } = app;
      try {
        const { batchId, question } = await waitingSimulatedBatch(page, harness);
        await dialogShows(page, question);
        await page.getByTestId('ledger-cancel').click();
        await expect.poll(() => page.getByTestId('ledger-dialog').count()).toBe(0);
        const tasks = await allDone(harness, batchId);
        expect(tasks.filter((t) => t.state === 'canceled')).toHaveLength(question.queued);
        expect(realSubmits(harness)).toBe(0);
        await page.getByTestId('nav-queue').click();
        await expect.poll(() => page.getByTestId('count-canceled').innerText()).toContain(String(question.queued));
        expect(await page.getByTestId('cost-spent').innerText()).toBe('$0.00');
        await app.screen('1-canceled');
        expect(app.errors).toEqual([]);
      } finally {
        await app.close();
      }
    },
    QUESTION_TIMEOUT
  );
});

describeE2e('e2e: the question about simulated batches — send them to APIXO', () => {
  const session = e2eSession(QUESTION_SESSION);

  it(
    'sends their queued videos to APIXO for the estimate it showed',
    async () => {
      const { browser, harness } = session;
      const app = await openApp(browser, harness, 'ledger-real');
      const { page } = app;
      try {
        const { batchId, question } = await waitingSimulatedBatch(page, harness);
        await dialogShows(page, question);
        expect(realSubmits(harness)).toBe(0);
        await page.getByTestId('ledger-real').click();
        await expect.poll(() => page.getByTestId('ledger-dialog').count()).toBe(0);
        const tasks = await allDone(harness, batchId);
        expect(tasks.filter((t) => t.state === 'done')).toHaveLength(tasks.length);
        // Every queued video, and only those, went to APIXO, and the real figures hold them.
        expect(realSubmits(harness)).toBe(question.queued);
        const sent = tasks.filter((t) => t.ledger === 'real');
        expect(sent).toHaveLength(question.queued);
        expect(estimateOf(sent)).toBe(question.estimateMicros);
        await page.getByTestId('nav-queue').click();
        await expect.poll(() => page.getByTestId('cost-spent').innerText()).toBe(formatUsd(question.estimateMicros));
        await expect.poll(() => page.getByTestId('cost-balance').innerText()).toBe(balanceAt(question.estimateMicros));
        // What the simulator made before the choice stays simulated, apart.
        const kept = tasks.filter((t) => t.ledger === 'simulated');
        if (kept.length > 0) expect(await page.getByTestId('batch-sim-money').innerText()).toBe(`+ ${formatUsd(estimateOf(kept))} simulated, nothing charged`);
        await app.screen('1-sent');
        expect(app.errors).toEqual([]);
      } finally {
        await app.close();
      }
    },
    QUESTION_TIMEOUT
  );
});
