import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Sidecar } from '@shared/library';
import { REPO_DIR } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';
import { dropPaths, mp4sUnder, onlyBatch, snapshot, tasksOf, until } from './helpers';

const PHOTOS = join(REPO_DIR, 'test', 'fixtures', 'photos');
const PHOTO_NAMES = ['dunes.webp', 'forest.jpg', 'harbour.jpg', 'lighthouse.png'];

describeE2e('drop images → composer → queue → library (simulated: images go to the simulator’s upload)', () => {
  const session = e2eSession();

  it('turns a dropped folder of photos into one video per photo, each filed with its source image', async () => {
    const { browser, harness } = session;
    // A folder as people have them: photos, a stray note, and a sub-folder with one more photo.
    const trip = join(harness.dir, 'drops', 'trip');
    mkdirSync(join(trip, 'day 2'), { recursive: true });
    for (const name of PHOTO_NAMES.slice(0, 3)) copyFileSync(join(PHOTOS, name), join(trip, name));
    copyFileSync(join(PHOTOS, PHOTO_NAMES[3]), join(trip, 'day 2', PHOTO_NAMES[3]));
    writeFileSync(join(trip, 'notes.txt'), 'shot list\n');
    const scan = join(harness.dir, 'drops', 'scan.pdf');
    writeFileSync(scan, '%PDF-1.7\n%…\n');

    const app = await openApp(browser, harness, 'compose');
    try {
      await dropPaths(app.page, [trip, scan]);
      await app.page.getByTestId('composer-view').waitFor();
      await expect.poll(() => app.page.getByTestId('composer-row').count()).toBe(4);
      // Thumbnails come from the app's cache through the media route: they really load.
      await expect
        .poll(() => app.page.$$eval('[data-testid="composer-thumb"]', (imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length))
        .toBe(4);
      const notices = await app.page.getByTestId('composer-notices').innerText();
      expect(notices).toContain('scan.pdf');
      expect(notices).toMatch(/PDF/);
      await expect.poll(() => app.page.getByTestId('composer-blocked').innerText()).toMatch(/no prompt/);

      await app.page.getByTestId('shared-prompt').fill('slow push-in, morning light, gentle wind');
      // Rows follow the folder's natural order: "day 2/lighthouse.png" first, then dunes, forest, harbour.
      await app.page.getByTestId('row-prompt').nth(1).fill('the forest sways as fog rolls through');
      await expect.poll(() => app.page.getByTestId('composer-add').isEnabled()).toBe(true);
      await expect.poll(() => app.page.getByTestId('composer-estimate').innerText()).toMatch(/for 4 videos/);
      await app.screen('composer-four-photos');

      await app.page.getByTestId('composer-add').click();
      await app.page.getByTestId('composer-confirm').click();
      await app.page.getByTestId('batch-row').waitFor();

      const batch = await onlyBatch(harness);
      await until('every video done', async () => ((await snapshot(harness)).batches[0].counts.done === 4 ? true : undefined), 45_000);
      const tasks = await tasksOf(harness, batch.batch.id);
      expect(tasks.map((t) => t.request.input.mode)).toEqual(Array(4).fill('image-to-video'));
      expect(tasks.map((t) => t.request.input.prompt)).toEqual([
        'slow push-in, morning light, gentle wind',
        'the forest sways as fog rolls through',
        'slow push-in, morning light, gentle wind',
        'slow push-in, morning light, gentle wind'
      ]);
      // Every image was hosted by the simulator's upload, each under its own link.
      const links = tasks.map((t) => ('image_urls' in t.request.input ? t.request.input.image_urls[0] : ''));
      expect(links.every((l) => /^http:\/\/127\.0\.0\.1:\d+(\/api\/v1)?\/sim\/uploads\/[0-9a-f]{64}\.(jpg|png|webp)$/.test(l))).toBe(true);
      expect(new Set(links).size).toBe(4);

      // On disk: each video has its sidecar and its source image beside it, byte for byte.
      const videos = mp4sUnder(harness.libraryDir);
      expect(videos).toHaveLength(4);
      const sources = videos.map((video) => {
        const sidecar = JSON.parse(readFileSync(video.replace(/\.mp4$/, '.json'), 'utf8')) as Sidecar;
        expect(sidecar.sourceImage).toBeTruthy();
        const source = join(harness.libraryDir, sidecar.sourceImage!);
        expect(existsSync(source)).toBe(true);
        return readFileSync(source);
      });
      const originals = PHOTO_NAMES.map((n) => readFileSync(join(PHOTOS, n)));
      for (const original of originals) expect(sources.some((s) => s.equals(original))).toBe(true);

      // The library shows them, and a video's details show its source image.
      await app.page.getByTestId('nav-library').click();
      await expect.poll(() => app.page.getByTestId('library-card').count()).toBe(4);
      await expect.poll(() => app.page.getByTestId('library-count').innerText()).toMatch(/4/);
      await app.page.getByTestId('library-search').fill('forest');
      await expect.poll(() => app.page.getByTestId('library-card').count()).toBe(1);
      await app.page.getByTestId('card-open').first().click();
      await app.page.getByTestId('library-player').waitFor();
      await expect.poll(() => app.page.getByTestId('meta-prompt').innerText()).toContain('the forest sways');
      await expect
        .poll(() => app.page.$eval('[data-testid="meta-source-image"]', (img) => (img as HTMLImageElement).naturalWidth).catch(() => 0))
        .toBeGreaterThan(0);
      await app.screen('library-player-source-image');
    } finally {
      await app.close();
    }
  });

  it('refuses a drop of nothing usable, naming each file and why', async () => {
    const { browser, harness } = session;
    const dir = join(harness.dir, 'drops', 'odd');
    mkdirSync(dir, { recursive: true });
    const movie = join(dir, 'holiday.mov');
    copyFileSync(join(REPO_DIR, 'resources', 'sim', 'sample-16x9.mp4'), movie);
    const gif = join(dir, 'party.gif');
    writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    const app = await openApp(browser, harness, 'compose-refused');
    try {
      await app.page.getByTestId('nav-import').click();
      await dropPaths(app.page, [movie, gif]);
      const message = app.page.getByTestId('drop-message');
      await message.waitFor();
      const text = await message.innerText();
      expect(text).toContain('holiday.mov');
      expect(text).toContain('party.gif');
      expect(text).toMatch(/GIF/);
      await app.screen('drop-refused');
      await app.page.getByTestId('drop-dismiss').click();
      await expect.poll(() => message.count()).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('sends images dropped on the import’s CSV zone to the composer', async () => {
    const { browser, harness } = session;
    const photo = join(harness.dir, 'drops', 'harbour.jpg');
    mkdirSync(join(harness.dir, 'drops'), { recursive: true });
    copyFileSync(join(PHOTOS, 'harbour.jpg'), photo);
    const app = await openApp(browser, harness, 'compose-on-import-zone');
    try {
      await app.page.getByTestId('nav-import').click();
      await dropPaths(app.page, [photo], '[data-testid="drop-zone"]');
      await app.page.getByTestId('composer-view').waitFor();
      await expect.poll(() => app.page.getByTestId('composer-row').count()).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('opens a dropped CSV in the import', async () => {
    const { browser, harness } = session;
    const csv = join(harness.dir, 'drops', 'shots.csv');
    mkdirSync(join(harness.dir, 'drops'), { recursive: true });
    writeFileSync(csv, 'prompt,resolution\na lighthouse at dusk,480p\nwaves on the rocks,480p\n');
    const app = await openApp(browser, harness, 'compose-csv');
    try {
      await app.page.getByTestId('nav-library').click();
      await dropPaths(app.page, [csv]);
      await expect.poll(() => app.page.getByTestId('import-row').count()).toBe(2);
      expect(await app.page.getByTestId('import-title').innerText()).toBe('shots.csv');
    } finally {
      await app.close();
    }
  });
});
