/**
 * Every screen at every window size, in both themes: each state that matters is opened, and at
 * each of the window sizes (and at 4K) every action is within reach and axe-core finds nothing
 * serious. A screenshot of each at the smallest window is saved as
 * `sizes-<screen>-<state>-960-<theme>.png`.
 *
 * The queue and the library are checked in the same loop; what they show is written to
 * `test-results/sizes-queue-library.txt` and the log, and does not fail this file (those screens
 * have checks of their own).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { GOOD_KEY, REPO_DIR, type Harness } from './harness/server';
import { describeE2e, e2eSession, openApp, screenshot } from './browser';
import { dropPaths } from './helpers';
import { WINDOW_SIZES, outOfReach, seriousViolations } from './fit';

type Theme = 'light' | 'dark';
const THEMES: Theme[] = ['light', 'dark'];
/** The window sizes, and a 4K screen's: nothing may stretch into a line too long to read or fall apart. */
const SIZES = [...WINDOW_SIZES, { width: 3840, height: 2160 }];
const PHOTOS = join(REPO_DIR, 'test', 'fixtures', 'photos');

/** 30 rows, 10 with a problem (a duration out of range, an unknown resolution, an empty prompt). */
function previewCsv(): string {
  const lines = ['name,prompt,resolution,duration,aspect_ratio,seed,count'];
  for (let i = 1; i <= 30; i++) {
    const bad = i % 3 === 0;
    const kind = bad ? ['duration', 'resolution', 'prompt'][(i / 3) % 3] : '';
    const prompt = kind === 'prompt' ? '' : `Take ${i}: a slow drift over a misty valley at dawn as birds rise [sim:slow]`;
    lines.push(
      [`clip-${i}`, prompt, kind === 'resolution' ? '4k' : i % 2 ? '480p' : '720p', kind === 'duration' ? '45' : '6', '16:9', String(1000 + i), '1'].join(',')
    );
  }
  return lines.join('\n');
}

/** What was found at each size, for the screens this file must keep clean, and for the others. */
interface Found {
  mine: string[];
  others: string[];
}

const OTHERS = new Set(['queue', 'library']);

async function settle(page: Page): Promise<void> {
  // Two frames: the resize is laid out and observers (the virtual lists') have measured.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/**
 * Checks the page as it is at every size, and saves its screenshot at the smallest. `extra` adds
 * checks of the state's own (columns in view, a list scrolled to its end).
 */
async function check(page: Page, found: Found, theme: Theme, screen: string, state: string, extra?: (page: Page) => Promise<string[]>): Promise<void> {
  const into = OTHERS.has(screen) ? found.others : found.mine;
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await settle(page);
    const where = `${screen} ${state} at ${size.width}×${size.height} (${theme})`;
    const problems = [...(await outOfReach(page)), ...(await seriousViolations(page)), ...(extra ? await extra(page) : [])];
    for (const p of problems) into.push(`${where}: ${p}`);
    if (size.width === 960) await screenshot(page, 'sizes', `${screen}-${state}-960-${theme}`);
  }
  if (screen === 'settings') {
    // The whole page at 960 px wide, to read top to bottom (it scrolls inside the window).
    await page.setViewportSize({ width: 960, height: 3200 });
    await settle(page);
    await screenshot(page, 'sizes', `${screen}-${state}-960-whole-${theme}`);
  }
  await page.setViewportSize(WINDOW_SIZES[0]);
  await settle(page);
}

async function useTheme(page: Page, theme: Theme): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
}

/** The preview's own checks: the columns that drive the cost are in view without a sideways scroll, and the problem list reaches its last line. */
async function previewChecks(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const table = document.querySelector('[data-testid="import-table"] [data-scroll-x]');
    if (!table) return ['no preview table'];
    const box = table.getBoundingClientRect();
    for (const field of ['prompt', 'duration', 'aspect_ratio', 'resolution', 'seed', 'count']) {
      const head = table.querySelector(`[data-field="${field}"]`);
      if (!head) {
        problems.push(`no ${field} column`);
        continue;
      }
      const r = head.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1)
        problems.push(`the ${field} column is out of view (${Math.round(r.left)}–${Math.round(r.right)} in ${Math.round(box.left)}–${Math.round(box.right)})`);
    }
    const list = document.querySelector<HTMLElement>('[data-testid="problem-list"]');
    const items = document.querySelectorAll('[data-testid="problem-item"]');
    if (!list || items.length !== 10) problems.push(`${items.length} problems listed, not 10`);
    else {
      const before = list.scrollTop;
      list.scrollTop = list.scrollHeight;
      const last = items[items.length - 1].getBoundingClientRect();
      const l = list.getBoundingClientRect();
      if (last.bottom > l.bottom + 1 || last.bottom > window.innerHeight + 1)
        problems.push(`the last problem is cut off at ${Math.round(last.bottom)} (list ends at ${Math.round(l.bottom)})`);
      list.scrollTop = before;
    }
    return problems;
  });
}

function report(found: Found, name: string): void {
  if (found.others.length > 0) {
    mkdirSync(join(REPO_DIR, 'test-results'), { recursive: true });
    writeFileSync(join(REPO_DIR, 'test-results', `sizes-queue-library-${name}.txt`), `${found.others.join('\n')}\n`);
    console.log(`sizes: the queue and library screens (${name}) show ${found.others.length} problems:\n${found.others.join('\n')}`);
  }
}

describeE2e('e2e: every screen at every size, in both themes (simulated)', () => {
  // One video at a time, each slow: batches are still queued when the key is saved, so the question about them opens.
  const session = e2eSession({ settings: { concurrency: 1 }, timeScale: 0.05 });

  it('keeps every action in reach and every screen free of serious accessibility problems', async () => {
    const { browser, harness } = session;
    const csv = join(harness.dir, 'thirty-rows.csv');
    writeFileSync(csv, previewCsv());
    const photos = join(harness.dir, 'photos');
    mkdirSync(photos, { recursive: true });
    for (const name of ['dunes.webp', 'forest.jpg', 'harbour.jpg', 'lighthouse.png']) copyFileSync(join(PHOTOS, name), join(photos, name));
    const found: Found = { mine: [], others: [] };
    try {
      await simulatedScreens(browser, harness, found, csv, photos);
    } finally {
      report(found, 'simulated');
    }
    expect(found.mine).toEqual([]);
  }, 300_000);
});

async function simulatedScreens(browser: Browser, harness: Harness, found: Found, csv: string, photos: string): Promise<void> {
  for (const theme of THEMES) {
    const app = await openApp(browser, harness, `sizes-${theme}`);
    const { page } = app;
    try {
      await useTheme(page, theme);
      await page.setViewportSize(WINDOW_SIZES[0]);

      // With batches in the queue the app opens on it.
      await page.getByTestId('nav-import').click();
      await page.getByTestId('first-run').waitFor();
      await check(page, found, theme, 'import', 'first-run');

      harness.desktop.nextFiles = [csv];
      await page.getByTestId('open-file').click();
      await expect.poll(() => page.getByTestId('problem-item').count()).toBe(10);
      await check(page, found, theme, 'import', 'preview', previewChecks);

      await page.getByTestId('skip-invalid').check();
      await page.getByTestId('add-to-queue').click();
      await page.getByTestId('confirm-dialog').waitFor();
      await check(page, found, theme, 'import', 'confirm');
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('confirm-dialog').count()).toBe(0);

      await page.getByTestId('nav-compose').click();
      await page.getByTestId('composer-view').waitFor();
      await check(page, found, theme, 'compose', 'empty');
      await dropPaths(page, [photos]);
      await expect.poll(() => page.getByTestId('composer-row').count()).toBe(4);
      await page.getByTestId('shared-prompt').fill('slow push-in, morning light');
      await check(page, found, theme, 'compose', 'images');

      await page.getByTestId('nav-settings').click();
      await page.getByTestId('hosting-settings').waitFor();
      await check(page, found, theme, 'settings', 'simulated');

      // The preview kept, its valid rows queued: the queue's basic state.
      await page.getByTestId('nav-import').click();
      await page.getByTestId('add-to-queue').click();
      await page.getByTestId('confirm-add').click();
      await page.getByTestId('batch-row').first().waitFor();
      await check(page, found, theme, 'queue', 'one-batch');

      await page.getByTestId('nav-library').click();
      await page.getByTestId('library-view').or(page.getByTestId('library-empty')).first().waitFor();
      await check(page, found, theme, 'library', 'basic');
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }

  // A key saved while simulated videos are still queued: the question about them.
  const app = await openApp(browser, harness, 'sizes-ledger');
  const { page } = app;
  try {
    await page.setViewportSize(WINDOW_SIZES[0]);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('key-input').fill(harness.goodKey);
    await page.getByTestId('key-save').click();
    await page.getByTestId('ledger-dialog').waitFor();
    for (const theme of THEMES) {
      await useTheme(page, theme);
      await check(page, found, theme, 'ledger', 'question');
    }
    await page.getByTestId('ledger-keep').click();
    await expect.poll(() => page.getByTestId('ledger-dialog').count()).toBe(0);
  } finally {
    await app.close();
  }
}

describeE2e('e2e: settings and import at every size with a key (S3 hosting, a failed test)', () => {
  const session = e2eSession({ apiKey: GOOD_KEY });

  it('keeps every action in reach, says each thing once, and refuses a private endpoint as it is typed', async () => {
    const { browser, harness } = session;
    const found: Found = { mine: [], others: [] };
    try {
      await keyScreens(browser, harness, found);
    } finally {
      report(found, 'key');
    }
    expect(found.mine).toEqual([]);
  }, 180_000);
});

async function keyScreens(browser: Browser, harness: Harness, found: Found): Promise<void> {
  for (const theme of THEMES) {
    const app = await openApp(browser, harness, `sizes-key-${theme}`);
    const { page } = app;
    try {
      await useTheme(page, theme);
      await page.setViewportSize(WINDOW_SIZES[0]);
      await page.getByTestId('drop-zone').waitFor();
      await check(page, found, theme, 'import', 'empty');

      await page.getByTestId('nav-settings').click();
      await page.getByTestId('hosting-settings').waitFor();
      await page.getByTestId('hosting-kind-s3').check();
      await page.getByTestId('s3-form').waitFor();
      await check(page, found, theme, 'settings', 's3');

      await page.getByTestId('hosting-test').click();
      const result = page.getByTestId('hosting-test-result');
      await result.waitFor();
      expect(await result.getAttribute('class')).toContain('error-text');
      // Said once, and not as if the person were elsewhere.
      const section = await page.getByTestId('hosting-settings').innerText();
      expect(section).not.toContain('Settings → Image hosting');
      expect(section.split('fill in').length - 1).toBeLessThanOrEqual(1);
      await check(page, found, theme, 'settings', 's3-test-error');

      await page.getByTestId('s3-endpoint').fill('http://192.168.1.20:9000');
      await expect.poll(() => page.getByTestId('s3-endpoint-problem').innerText()).toMatch(/192\.168\.1\.20.*private network/);
      expect(await page.getByTestId('s3-save').isDisabled()).toBe(true);
      await check(page, found, theme, 'settings', 's3-private-endpoint');

      // Another kind: the bucket's failed test is no longer on the page.
      await page.getByTestId('hosting-kind-data-url').check();
      await expect.poll(() => result.count()).toBe(0);
      await page.getByTestId('hosting-kind-s3').check();
      await expect.poll(() => result.count()).toBe(0);
      await page.getByTestId('s3-endpoint').fill('');
      await page.getByTestId('hosting-kind-none').check();
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }
}
