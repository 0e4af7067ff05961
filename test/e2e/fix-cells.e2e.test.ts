/**
 * Fixing a CSV in place: a bad duration is changed by keyboard in the preview, its problem goes
 * and the valid rows go up at once; undo brings it back, redo fixes it again; the edited rows
 * are saved as CSV where the person chose, and the original file is left as it was until the
 * person says to replace it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { importCsvText } from '../../src/main/core/import';
import { GOOD_KEY } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';

const BAD_CSV = [
  'name,prompt,resolution,duration,aspect_ratio',
  'fine-one,A calm lake at dawn with mist rising slowly,480p,5,16:9',
  'too-long,A red kite dancing in the wind over a green hill,480p,45,16:9',
  'bad-res,A fox trotting through fresh snow in a pine forest,4k,6,16:9',
  'fine-two,Waves rolling onto a pebble beach at sunset,720p,5,16:9',
  'no-prompt,,480p,5,16:9'
].join('\n');

/** The preview row showing spreadsheet row `row` (its first cell is the row number). */
function previewRow(page: Page, row: number) {
  return page.getByTestId('import-row').filter({ has: page.locator('[role="cell"]:first-child', { hasText: new RegExp(`^\\s*${row}\\s*$`) }) });
}

/** The cell of spreadsheet row `row`, file column `column` (1-based), first take. */
const cell = (page: Page, row: number, column: number) => page.locator(`[data-cell="${row}:1:${column}"]`);

const summary = (page: Page) => page.getByTestId('import-summary').innerText();

describeE2e('e2e: fixing cells in place', () => {
  const session = e2eSession({ apiKey: GOOD_KEY });

  it('fixes a bad duration by keyboard, undoes and redoes it, and saves the edit as CSV without touching the original', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'fix-cells');
    const { page } = app;
    try {
      await page.getByTestId('drop-zone').waitFor();
      const csv = join(harness.dir, 'bad-rows.csv');
      writeFileSync(csv, BAD_CSV);
      harness.desktop.nextFiles = [csv];
      await page.getByTestId('open-file').click();
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(5);
      expect(await summary(page)).toContain('2 of them valid');
      expect(await previewRow(page, 3).getByTestId('row-problem').innerText()).toContain('from 5 to 20 (got 45)');

      // Keyboard only: the prompt of row 2 takes the focus; the arrows go down a row and right to
      // the duration (column D, shown second); Enter opens its editor.
      const duration = cell(page, 3, 4);
      await cell(page, 2, 2).focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowRight');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-cell'))).toBe('3:1:4');
      await page.keyboard.press('Enter');
      const editor = page.getByTestId('cell-editor');
      await editor.waitFor();
      expect(await editor.inputValue()).toBe('45');
      // Escape puts the text back.
      await page.keyboard.type('12');
      await page.keyboard.press('Escape');
      await expect.poll(() => editor.count()).toBe(0);
      expect(await previewRow(page, 3).getByTestId('row-problem').count()).toBe(1);
      // F2 opens it again; Tab keeps the new text and moves on to the next cell.
      await page.keyboard.press('F2');
      await editor.waitFor();
      await page.keyboard.type('8');
      await app.screen('cell-editor');
      await page.keyboard.press('Tab');
      await expect.poll(() => previewRow(page, 3).getByTestId('row-problem').count()).toBe(0);
      await expect.poll(() => summary(page)).toContain('3 of them valid');
      expect(await summary(page)).toContain('2 rows with problems');
      expect(await duration.innerText()).toContain('8');
      expect(await duration.getByTestId('edited-mark').getAttribute('aria-label')).toBe('edited');
      expect(await duration.getAttribute('aria-label')).toContain('edited');
      const problems = await page.getByTestId('problem-item').allInnerTexts();
      expect(problems.some((p) => p.startsWith('Row 3'))).toBe(false);
      // The focus went on to the cell after it, in the order shown (the aspect ratio, column E).
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-cell'))).toBe('3:1:5');
      await app.screen('edited-cell');
      // At the window's smallest size, every action stays in reach.
      await page.setViewportSize({ width: 960, height: 620 });
      await app.screen('edited-cell-small');
      await page.setViewportSize({ width: 1280, height: 800 });

      // Ctrl+Z (not typing in an editor) takes the fix back; Ctrl+Shift+Z puts it back again.
      await page.keyboard.press('Control+z');
      await expect.poll(() => previewRow(page, 3).getByTestId('row-problem').count()).toBe(1);
      await expect.poll(() => summary(page)).toContain('2 of them valid');
      expect(await duration.getByTestId('edited-mark').count()).toBe(0);
      expect(await page.getByTestId('problem-item').allInnerTexts()).toContainEqual(expect.stringContaining('Row 3, duration'));
      await page.keyboard.press('Control+Shift+z');
      await expect.poll(() => previewRow(page, 3).getByTestId('row-problem').count()).toBe(0);
      await expect.poll(() => summary(page)).toContain('3 of them valid');
      // The buttons do the same.
      await page.getByTestId('edit-undo').click();
      await expect.poll(() => previewRow(page, 3).getByTestId('row-problem').count()).toBe(1);
      await page.getByTestId('edit-redo').click();
      await expect.poll(() => previewRow(page, 3).getByTestId('row-problem').count()).toBe(0);
      expect(await page.getByTestId('edit-redo').isDisabled()).toBe(true);

      // Save as CSV: main's save dialog, answered with a path the person picks.
      const target = join(harness.dir, 'fixed.csv');
      harness.desktop.nextSave = target;
      await page.getByTestId('save-as-csv').click();
      await expect.poll(() => page.getByTestId('save-status').innerText()).toBe('Saved fixed.csv.');
      const saved = importCsvText(readFileSync(target));
      expect(saved.rows.find((r) => r.row === 3)!.draft.duration).toBe(8);
      expect(saved.invalidRowCount).toBe(2);
      expect(readFileSync(csv, 'utf8')).toBe(BAD_CSV);

      // "Save" over the original asks first; cancelled, the file is as it was.
      await page.getByTestId('save-original').click();
      expect(await page.getByTestId('confirm-title').innerText()).toBe('Replace bad-rows.csv?');
      await page.getByTestId('confirm-cancel').click();
      expect(readFileSync(csv, 'utf8')).toBe(BAD_CSV);
      // Said yes to, the original is kept beside it first.
      await page.getByTestId('save-original').click();
      await page.getByTestId('confirm-replace').click();
      await expect.poll(() => page.getByTestId('save-status').innerText()).toContain('kept beside it as bad-rows.csv.bak');
      expect(readFileSync(`${csv}.bak`, 'utf8')).toBe(BAD_CSV);
      expect(importCsvText(readFileSync(csv)).invalidRowCount).toBe(2);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
