import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GOOD_KEY, REPO_DIR } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';
import { dropPaths, dropUrl, onlyBatch, snapshot, tasksOf, until } from './helpers';

const PHOTOS = join(REPO_DIR, 'test', 'fixtures', 'photos');

describeE2e('image hosting with APIXO (a key is set, so the simulator’s upload is not used)', () => {
  const session = e2eSession({ apiKey: GOOD_KEY });
  // A web page's image, for the drag-a-picture-from-the-browser case.
  let web: Server;
  let webUrl = '';
  beforeAll(async () => {
    web = createServer((req, res) => {
      if (req.url === '/pictures/harbour.jpg') {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end(readFileSync(join(PHOTOS, 'harbour.jpg')));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => web.close(() => ok())));

  it('says exactly what to set up when a local image has nowhere to go, then works with inline images', async () => {
    const { browser, harness } = session;
    const dir = join(harness.dir, 'drops');
    mkdirSync(dir, { recursive: true });
    const photo = join(dir, 'dunes.webp');
    copyFileSync(join(PHOTOS, 'dunes.webp'), photo);
    const app = await openApp(browser, harness, 'hosting');
    try {
      await dropPaths(app.page, [photo]);
      await app.page.getByTestId('shared-prompt').fill('wind carves the dunes');
      const blocked = app.page.getByTestId('composer-blocked');
      await expect.poll(() => blocked.innerText()).toMatch(/S3-compatible bucket/);
      expect(await app.page.getByTestId('composer-add').isDisabled()).toBe(true);
      await app.screen('composer-needs-hosting');

      await app.page.getByTestId('open-hosting').click();
      await app.page.getByTestId('hosting-settings').waitFor();
      await expect.poll(() => app.page.getByTestId('hosting-kind-s3').isVisible()).toBe(true);
      await app.screen('settings-hosting-opened');
      await app.page.getByTestId('hosting-kind-s3').check();
      await app.page.getByTestId('s3-endpoint').fill('https://s3.eu-west-1.amazonaws.com');
      await app.page.getByTestId('s3-endpoint').dispatchEvent('change');
      await expect.poll(() => app.page.getByTestId('hosting-status').innerText()).toMatch(/bucket/i);
      await app.screen('settings-hosting-s3');
      expect(harness.settings().hosting.s3.endpoint).toBe('https://s3.eu-west-1.amazonaws.com');

      await app.page.getByTestId('hosting-kind-data-url').check();
      await expect.poll(() => harness.settings().hosting.kind).toBe('data-url');
      await app.page.getByTestId('hosting-test').click();
      await expect.poll(() => app.page.getByTestId('hosting-test-result').innerText()).toBeTruthy();

      await app.page.getByTestId('nav-compose').click();
      await expect.poll(() => app.page.getByTestId('composer-add').isEnabled()).toBe(true);
      await app.page.getByTestId('composer-add').click();
      await app.page.getByTestId('composer-confirm').click();
      await app.page.getByTestId('batch-row').waitFor();
      const batch = await onlyBatch(harness);
      await until('the video done', async () => ((await snapshot(harness)).batches[0].counts.done === 1 ? true : undefined), 30_000);
      const [task] = await tasksOf(harness, batch.batch.id);
      expect(task.state).toBe('done');
      // What reached APIXO carries the image inline.
      const sent = harness.simulator.submissions.map((s) => (s.body.input as { image_urls?: string[] }).image_urls?.[0]);
      expect(sent).toEqual([`data:image/webp;base64,${readFileSync(join(PHOTOS, 'dunes.webp')).toString('base64')}`]);
    } finally {
      await app.close();
    }
  });

  it('uses an image dragged from a web page by its link, without hosting it', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'hosting-url');
    try {
      await dropUrl(app.page, `${webUrl}/pictures/harbour.jpg`);
      await app.page.getByTestId('composer-view').waitFor();
      await expect.poll(() => app.page.getByTestId('composer-row').count()).toBe(1);
      await expect.poll(() => app.page.getByTestId('composer-row').innerText()).toMatch(/from the web/);
      await dropUrl(app.page, `${webUrl}/pictures/missing.jpg`);
      await expect.poll(() => app.page.getByTestId('drop-message').innerText()).toMatch(/404|not found|could not/i);
    } finally {
      await app.close();
    }
  });
});
