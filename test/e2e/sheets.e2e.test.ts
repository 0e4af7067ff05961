/**
 * A workbook with several sheets (made by LibreOffice: test/fixtures/sheets/book.xlsx), chosen in
 * main's file dialog: the Import screen lists its sheets, reads the first with data, and imports
 * another when it is picked, with the same checks and cost as a CSV.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { GOOD_KEY } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';

const BOOK = fileURLToPath(new URL('../fixtures/sheets/book.xlsx', import.meta.url));

describeE2e('e2e: a workbook with several sheets', () => {
  const session = e2eSession({ apiKey: GOOD_KEY });

  it('lists the sheets and imports the one picked', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'sheets');
    const { page } = app;
    try {
      await page.getByTestId('drop-zone').waitFor();
      const path = join(harness.dir, 'shot list.xlsx');
      copyFileSync(BOOK, path);
      harness.desktop.nextFiles = [path];
      await page.getByTestId('open-file').click();

      const picker = page.getByTestId('sheet-picker');
      await picker.waitFor();
      expect(await page.getByTestId('import-title').innerText()).toBe('shot list.xlsx');
      expect(await picker.locator('option').allInnerTexts()).toEqual(['Notes (1 row)', 'Shots (3 rows)', 'Secret (2 rows, hidden)']);
      expect(await picker.inputValue()).toBe('Notes');
      // The notes sheet has no prompt column: a file problem, with the way out beside it.
      await expect.poll(() => page.getByTestId('file-problem').count()).toBeGreaterThan(0);

      await picker.selectOption('Shots');
      await expect.poll(() => page.getByTestId('import-row').count()).toBe(2);
      expect(await picker.inputValue()).toBe('Shots');
      expect(await page.getByTestId('file-problem').count()).toBe(0);
      expect(await page.getByTestId('import-summary').innerText()).toContain('2 videos to make');
      await page.locator('details.warnings summary').click();
      const notes = await page.locator('details.warnings li').allInnerTexts();
      expect(notes.some((n) => n.startsWith('1 hidden row was skipped'))).toBe(true);
      expect(notes.some((n) => n.startsWith('Some cells are merged (B4:C4)'))).toBe(true);
      await app.screen('sheet-picker');
    } finally {
      await app.close();
    }
  });
});
