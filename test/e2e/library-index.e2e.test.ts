// The library index's notices in the window (architecture.md, "The library index"): a damaged
// index for the folder the person picks is set aside and rebuilt, and the Library screen says so.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { formatSidecar } from '../../src/main/core/download/sidecar';
import { databaseFileFor } from '../../src/main/core/library/library-db';
import { SAMPLE_WIDE, makeSidecar } from '../library/helpers';
import { describeE2e, e2eSession, openApp } from './browser';

describeE2e('the library index: a damaged one is set aside and rebuilt, in words', () => {
  const session = e2eSession();

  it('shows the notice over the grid, with every video read again from its sidecar', async () => {
    const { browser, harness } = session;
    const mine = join(harness.dir, 'Other videos');
    mkdirSync(mine);
    for (const [name, prompt] of [
      ['harbour.mp4', 'a red boat crossing a misty harbour'],
      ['meadow.mp4', 'fireflies over a meadow at dusk']
    ]) {
      copyFileSync(SAMPLE_WIDE, join(mine, name));
      writeFileSync(join(mine, name.replace('.mp4', '.json')), formatSidecar(makeSidecar(name, {}, { prompt })));
    }
    // The index this folder would use is a damaged file (a disk error, a bad copy).
    const file = databaseFileFor(harness.dataDir, resolve(mine));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, Buffer.alloc(4096, 0x5a));
    const app = await openApp(browser, harness, 'library-index');
    const page = app.page;
    try {
      await page.getByTestId('nav-settings').click();
      harness.desktop.nextFolder = mine;
      await page.getByTestId('browse-library').click();
      await expect.poll(() => page.getByTestId('settings-library').innerText()).toBe(mine);
      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(2);
      const notice = page.getByTestId('library-index-notice');
      await expect
        .poll(() => notice.innerText())
        .toMatch(/could not be read \(the file is damaged\).*set aside as .*made again from the videos and their sidecars\. Nothing in the library is lost/);
      await app.screen('notice');
      await notice.getByRole('button', { name: 'OK' }).click();
      await expect.poll(() => notice.count()).toBe(0);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
