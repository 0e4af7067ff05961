import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeE2e, e2eSession, openApp } from './browser';
import { dropPaths, mp4sUnder, snapshot, until } from './helpers';

/** The videos in the library itself (not those held aside for an undo, in its hidden holding folder). */
function videosIn(libraryDir: string): string[] {
  return mp4sUnder(libraryDir).filter((f) => !f.includes('/.ltx-deleted/'));
}

/** Each video's verdict as its sidecar says, by file name (unreviewed: none). */
function verdicts(libraryDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of videosIn(libraryDir)) {
    const sidecar = JSON.parse(readFileSync(file.replace(/\.mp4$/, '.json'), 'utf8')) as { verdict?: string };
    out.set(file.split('/').pop()!, sidecar.verdict ?? 'unreviewed');
  }
  return out;
}

/** The card that has the focus: its index and its file name. */
function focused(page: Page): Promise<{ index: number; name: string } | null> {
  return page.evaluate(() => {
    const card = document.activeElement?.closest<HTMLElement>('[data-index]');
    return card ? { index: Number(card.dataset.index), name: (card.dataset.path ?? '').split('/').pop()! } : null;
  });
}

/** The panes' playback positions, in seconds. */
function paneTimes(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid="compare-video"]', (videos) => videos.map((v) => (v as HTMLVideoElement).currentTime));
}

describeE2e('reviewing takes: keys, compare, undo', () => {
  const session = e2eSession();

  it('triages ten takes with P and X, compares four in step, and undoes a delete and a trash of the rejected', async () => {
    const { browser, harness } = session;
    const csv = join(harness.dir, 'takes.csv');
    writeFileSync(csv, 'name,prompt,resolution,count\nlighthouse,a lighthouse beam sweeping through the storm,480p,10\n');
    const app = await openApp(browser, harness, 'review');
    const page = app.page;
    try {
      await dropPaths(page, [csv]);
      await page.getByTestId('add-to-queue').click();
      await page.getByTestId('confirm-add').click();
      await until('ten takes done', async () => ((await snapshot(harness)).batches[0]?.counts.done === 10 ? true : undefined), 60_000);
      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(10);
      // One row, ten takes: each card says so, with its seed.
      await expect.poll(() => page.getByTestId('card-takes').count()).toBe(10);
      expect(await page.getByTestId('card-takes').first().innerText()).toBe('10 takes');
      expect(await page.getByTestId('card-seed').first().innerText()).toMatch(/^seed \d+ · take \d+$/);

      // Triage by keys: each verdict lands in the sidecar and the focus moves to the next unreviewed take.
      await page.getByTestId('card-open').first().focus();
      const keys = ['p', 'x', 'p', 'p', 'x', 'p', 'x', 'x', 'p', 'p'];
      const expected = new Map<string, string>();
      for (const [n, key] of keys.entries()) {
        const at = await focused(page);
        expect(at?.index).toBe(n);
        await page.keyboard.press(key);
        expected.set(at!.name, key === 'p' ? 'keep' : 'reject');
        if (n < keys.length - 1) await expect.poll(async () => (await focused(page))?.index).toBe(n + 1);
      }
      await expect.poll(() => Object.fromEntries(verdicts(harness.libraryDir))).toEqual(Object.fromEntries(expected));
      await expect.poll(() => page.getByTestId('notice-grid').innerText()).toMatch(/Every video here has a verdict/);
      await expect.poll(() => page.getByTestId('facet-verdict-keep').innerText()).toBe('6');
      expect(await page.getByTestId('facet-verdict-reject').innerText()).toBe('4');
      await expect.poll(() => page.locator('[data-testid="library-card"][data-verdict="reject"]').count()).toBe(4);
      // U puts the last one back to unreviewed, and stays on it.
      const last = (await focused(page))!;
      await page.keyboard.press('u');
      await expect.poll(() => verdicts(harness.libraryDir).get(last.name)).toBe('unreviewed');
      expect((await focused(page))?.index).toBe(last.index);
      await page.keyboard.press('p');
      await expect.poll(() => verdicts(harness.libraryDir).get(last.name)).toBe('keep');
      await expect.poll(() => page.getByTestId('kept-real').or(page.getByTestId('kept-simulated')).first().innerText()).toMatch(/per kept video/);
      await app.screen('triaged');

      // Compare four takes: one control bar drives them all.
      for (let i = 0; i < 4; i++)
        await page
          .getByTestId('card-open')
          .nth(i)
          .click({ modifiers: ['Control'] });
      await page.getByTestId('action-compare').click();
      await expect.poll(() => page.getByTestId('compare-pane').count()).toBe(4);
      await expect.poll(() => page.$$eval('[data-testid="compare-video"]', (vs) => vs.every((v) => (v as HTMLVideoElement).readyState >= 2))).toBe(true);
      const frame = 1 / 24; // the simulator's clips are 24 fps or faster
      const inStep = async (): Promise<void> => {
        const times = await paneTimes(page);
        expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(frame);
      };
      await page.getByTestId('compare-play').click();
      await expect.poll(async () => Math.min(...(await paneTimes(page)))).toBeGreaterThan(0.5);
      await page.getByTestId('compare-play').click(); // pause
      await expect.poll(async () => (await paneTimes(page)).every((t) => t > 0.5)).toBe(true);
      await inStep();
      const paused = (await paneTimes(page))[0];
      await page.getByTestId('compare-frame-forward').click();
      await expect.poll(async () => (await paneTimes(page))[0]).toBeGreaterThan(paused);
      await inStep();
      await page.getByTestId('compare-scrub').fill('2');
      await expect.poll(async () => (await paneTimes(page)).every((t) => Math.abs(t - 2) <= frame)).toBe(true);
      // 2 chooses the second pane, X rejects it.
      await page.getByTestId('compare').press('2');
      await page.getByTestId('compare').press('x');
      await expect.poll(() => page.getByTestId('compare-pane').nth(1).getAttribute('data-verdict')).toBe('reject');
      await app.screen('compare');
      await page.keyboard.press('Escape');
      await page.getByTestId('compare').waitFor({ state: 'detached' });
      await page.getByTestId('select-none').click();

      // Delete two, then undo: the files are back.
      const before = videosIn(harness.libraryDir);
      for (let i = 0; i < 2; i++)
        await page
          .getByTestId('card-open')
          .nth(i)
          .click({ modifiers: ['Control'] });
      await page.getByTestId('actions-selection').getByTestId('action-delete').click();
      await page.getByTestId('confirm-delete').click();
      await expect.poll(() => page.getByTestId('undo-notice').innerText()).toMatch(/Moved 2 videos to the trash\./);
      expect(videosIn(harness.libraryDir)).toHaveLength(8);
      await app.screen('undo-delete');
      await page.getByTestId('undo-delete').click();
      await page.getByTestId('undo-notice').waitFor({ state: 'detached' });
      await expect.poll(() => videosIn(harness.libraryDir)).toEqual(before);
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(10);

      // Move the batch's rejected takes to the trash, with a count and a confirm, then undo it.
      const rejected = [...verdicts(harness.libraryDir).values()].filter((v) => v === 'reject').length;
      await page.getByTestId('filter-batch').selectOption({ index: 1 });
      await expect.poll(() => page.getByTestId('trash-rejected').innerText()).toBe(`Move ${rejected} rejected to the trash…`);
      await page.getByTestId('trash-rejected').click();
      await page.getByTestId('confirm-trash-rejected').click();
      await expect.poll(() => page.getByTestId('undo-notice').innerText()).toMatch(new RegExp(`Moved ${rejected} videos to the trash\\.`));
      expect(videosIn(harness.libraryDir)).toHaveLength(10 - rejected);
      expect([...verdicts(harness.libraryDir).values()]).not.toContain('reject');
      await page.getByTestId('undo-delete').click();
      await expect.poll(() => videosIn(harness.libraryDir)).toEqual(before);

      // Drag a card out: main is asked to start the OS drag, and the window's own drop overlay stays away.
      const drags = (harness as unknown as { drags?: readonly { file: string }[] }).drags;
      const card = page.getByTestId('library-card').first();
      const path = await card.getAttribute('data-path');
      await card.dispatchEvent('dragstart');
      await page.evaluate(() => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(1)], 'clip.mp4'));
        document.querySelector('main')!.dispatchEvent(new DragEvent('dragenter', { bubbles: true, dataTransfer: data }));
      });
      expect(await page.getByTestId('drop-overlay').count()).toBe(0);
      if (drags) await expect.poll(() => drags.map((d) => d.file.endsWith(path!))).toContain(true);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
