/**
 * A CSV with bad rows (chosen in main’s file dialog), and pasted prompts with a bad line: each
 * problem shows at its row, "Add to queue" stays off until the rows are left out or fixed, and
 * nothing reaches the API until then. Then the fixed file, dropped on the drop zone, is queued.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatUsd } from '@shared/pricing';
import { GOOD_KEY } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';
import { onlyBatch, snapshot, until } from './helpers';

const HEADER = 'name,prompt,resolution,duration,aspect_ratio';
const BAD_CSV = [
  HEADER,
  'fine-one,A calm lake at dawn with mist rising slowly,480p,5,16:9',
  'too-long,A red kite dancing in the wind over a green hill,480p,45,16:9',
  'bad-res,A fox trotting through fresh snow in a pine forest,4k,6,16:9',
  'fine-two,Waves rolling onto a pebble beach at sunset,720p,5,16:9',
  'no-prompt,,480p,5,16:9'
].join('\n');
const FIXED_CSV = [
  HEADER,
  'fine-one,A calm lake at dawn with mist rising slowly,480p,5,16:9',
  'too-long,A red kite dancing in the wind over a green hill,480p,8,16:9',
  'bad-res,A fox trotting through fresh snow in a pine forest,720p,6,16:9',
  'fine-two,Waves rolling onto a pebble beach at sunset,720p,5,16:9',
  'no-prompt,An old tram climbing a steep street in the evening,480p,5,16:9'
].join('\n');

/** Where each problem of BAD_CSV must show: spreadsheet row, column, and words of its message. */
const EXPECTED = [
  { row: 3, column: 'duration', words: 'from 5 to 20 (got 45)' },
  { row: 4, column: 'resolution', words: 'must be one of 480p, 720p, 1080p (got "4k")' },
  { row: 6, column: 'prompt', words: 'The prompt is empty' }
];

/** The preview row showing spreadsheet row `row` (its first cell is the row number). */
function previewRow(page: Page, row: number) {
  return page.getByTestId('import-row').filter({ has: page.locator('[role="cell"]:first-child', { hasText: new RegExp(`^\\s*${row}\\s*$`) }) });
}

async function dropFile(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(
    ({ name, text }) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: 'text/csv' }));
      const zone = document.querySelector('[data-testid="drop-zone"]');
      if (!zone) throw new Error('no drop zone');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
      }
    },
    { name, text }
  );
}

describeE2e('e2e: a CSV with bad rows', () => {
  // With a key stored, the app talks to the harness's simulator, whose every request is on record.
  const session = e2eSession({ apiKey: GOOD_KEY });

  it('shows each error at its row and queues nothing until the rows are left out or fixed', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'bad-rows');
    const { page } = app;
    const addButton = page.getByTestId('add-to-queue');
    try {
      await page.getByTestId('drop-zone').waitFor();
      await app.screen('1-import');

      // Main's file dialog: the person picks bad-rows.csv.
      const csv = join(harness.dir, 'bad-rows.csv');
      writeFileSync(csv, BAD_CSV);
      harness.desktop.nextFiles = [csv];
      await page.getByTestId('open-file').click();
      await addButton.waitFor();
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(5);
      expect(await page.getByTestId('import-title').innerText()).toBe('bad-rows.csv');
      expect(await page.getByTestId('row-problem').count()).toBe(EXPECTED.length);
      const listed = await page.getByTestId('problem-item').allInnerTexts();
      for (const { row, column, words } of EXPECTED) {
        expect(await previewRow(page, row).count(), `row ${row}`).toBe(1);
        const cells = previewRow(page, row).getByTestId('row-problem');
        expect(await cells.count(), `row ${row}`).toBe(1);
        expect(await cells.innerText()).toContain(words);
        expect(
          listed.some((line) => line.startsWith(`Row ${row}, ${column}:`) && line.includes(words)),
          `listed: row ${row}`
        ).toBe(true);
      }
      for (const good of [2, 5]) {
        expect(await previewRow(page, good).count(), `row ${good}`).toBe(1);
        expect(await previewRow(page, good).getByTestId('row-problem').count(), `row ${good}`).toBe(0);
      }
      expect(await page.getByTestId('import-summary').innerText()).toContain('3 rows with problems');
      expect(await addButton.isDisabled()).toBe(true);
      expect(await page.getByTestId('add-blocked-reason').innerText()).toContain('3 rows have problems');
      await app.screen('2-file-errors');

      // Leaving them out turns the button on (for the two good rows); taking that back turns it off.
      await page.getByTestId('skip-invalid').check();
      await expect.poll(() => addButton.isEnabled()).toBe(true);
      await addButton.click();
      const title = await page.getByTestId('confirm-title').innerText();
      expect(title).toBe(`Add 2 videos for ${formatUsd(140_000)}?`);
      await app.screen('3-leave-out-confirm');
      await page.getByTestId('confirm-cancel').click();
      await page.getByTestId('skip-invalid').uncheck();
      await expect.poll(() => addButton.isDisabled()).toBe(true);

      // Pasted prompts, one too long.
      await page.getByTestId('import-reset').click();
      await page
        .getByTestId('paste-input')
        .fill(['A paper plane gliding over rooftops', 'x'.repeat(5001), 'A heron standing still in a misty marsh'].join('\n'));
      await page.getByTestId('paste-import').click();
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(3);
      expect(await previewRow(page, 2).getByTestId('row-problem').innerText()).toContain('the limit is 5000');
      expect(await page.getByTestId('row-problem').count()).toBe(1);
      expect(await addButton.isDisabled()).toBe(true);
      await app.screen('4-paste-errors');

      // Nothing has been submitted, nor queued.
      expect(harness.simulator.submissions).toHaveLength(0);
      expect(harness.simulator.counts().byEndpoint.submit).toBe(0);
      expect((await snapshot(harness)).batches).toHaveLength(0);

      // The fixed file, dropped: no problems, and it goes in whole.
      await page.getByTestId('import-reset').click();
      await dropFile(page, 'fixed-rows.csv', FIXED_CSV);
      await expect.poll(() => page.getByTestId('import-title').innerText()).toBe('fixed-rows.csv');
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(5);
      expect(await page.getByTestId('row-problem').count()).toBe(0);
      expect(await page.getByTestId('skip-invalid').count()).toBe(0);
      await expect.poll(() => addButton.isEnabled()).toBe(true);
      await app.screen('5-fixed');
      await addButton.click();
      await page.getByTestId('confirm-add').click();
      await page.getByTestId('batch-row').waitFor();

      const batch = await onlyBatch(harness);
      expect(batch.total).toBe(5);
      await until('five submits', () => harness.simulator.submissions.length === 5, 20_000);
      const prompts = harness.simulator.submissions.map((s) => s.body.input.prompt).sort();
      expect(prompts).toEqual(
        FIXED_CSV.split('\n')
          .slice(1)
          .map((line) => line.split(',')[1])
          .sort()
      );
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
