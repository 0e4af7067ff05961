// The check of the library folder behind the grid, in the window (architecture.md, "The library
// index"): while the app compares every video with its index, the line over the grid says how
// far it has got, and goes once the check is done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { scanTree } from '../../src/main/core/library';
import { writeLibrary } from '../bench/library-fixture';
import { describeE2e, e2eSession, openApp } from './browser';

const VIDEOS = 2500;
const libraryDir = mkdtempSync(join(tmpdir(), 'ltx-e2e-check-'));
writeLibrary(libraryDir, VIDEOS);
afterAll(() => rmSync(libraryDir, { recursive: true, force: true }));

/** A gate the test opens: the first look at the folder waits on it once 40 % of it is stat-ed, as on a slow network share. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
const held = gate();
const reached = gate();
let first = true;
const slowScan: typeof scanTree = async (root, rel, onProgress) => {
  if (!first || rel !== '') return scanTree(root, rel, onProgress);
  first = false;
  // The real walk of the real folder; its progress is passed on up to 40 %, where it waits.
  const scan = await scanTree(root, rel, (done, total) => {
    if (done <= 0.4 * total) onProgress?.(done, total);
  });
  onProgress?.(Math.floor(0.4 * scan.videos.size), scan.videos.size);
  reached.open();
  await held.wait;
  onProgress?.(scan.videos.size, scan.videos.size);
  return scan;
};

describeE2e('the library folder checked behind the grid', () => {
  const session = e2eSession({ settings: { libraryDir }, libraryFollow: { scan: slowScan } });

  it('says "Checking 2,500 videos… 40 %" over the grid while it runs, and nothing once it is done', async () => {
    const { browser, harness } = session;
    await reached.wait;
    const app = await openApp(browser, harness, 'library-check');
    const page = app.page;
    try {
      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBeGreaterThan(0);
      const line = page.getByTestId('library-work');
      await expect.poll(() => line.innerText()).toBe('Checking 2,500 videos… 40 %');
      await app.screen('checking');
      held.open();
      await expect.poll(() => line.count()).toBe(0);
      await app.screen('checked');
      expect(app.errors).toEqual([]);
    } finally {
      held.open();
      await app.close();
    }
  });
});
