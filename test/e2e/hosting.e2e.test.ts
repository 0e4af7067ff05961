import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GOOD_KEY, REPO_DIR } from './harness/server';
import { describeE2e, e2eSession, openApp } from './browser';
import { dropPaths, dropUrl, onlyBatch, snapshot, tasksOf, until } from './helpers';

const PHOTOS = join(REPO_DIR, 'test', 'fixtures', 'photos');

/**
 * Holds the page's next call of `channel` on its way, to act while it is in flight: `reached` once
 * it is held, `release()` lets it go on. 'request' holds it before the service has it; 'answer'
 * lets the service handle it (store, push settings:changed) and holds the answer; `refuse` answers
 * the page with that error instead of passing the call on.
 */
async function holdNext(page: Page, channel: string, hold: 'request' | 'answer' | { refuse: string }) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let taken = false;
  const handler = async (route: Route): Promise<void> => {
    if (taken || (route.request().postDataJSON() as { channel?: string } | null)?.channel !== channel) return route.fallback();
    taken = true;
    try {
      if (hold === 'answer') {
        const response = await route.fetch();
        arrived();
        await gate;
        await route.fulfill({ response });
      } else {
        arrived();
        await gate;
        if (hold === 'request') await route.continue();
        else await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: false, code: 'internal', message: hold.refuse }) });
      }
    } finally {
      done();
    }
  };
  await page.route('**/api/invoke', handler);
  return {
    reached,
    /** Lets the call go on; resolves once it has been passed on and the route removed. */
    async release(): Promise<void> {
      open();
      await finished;
      await page.unroute('**/api/invoke', handler);
    }
  };
}

describeE2e('image hosting with APIXO (a key is set, so the simulator’s upload is not used)', () => {
  const session = e2eSession({ apiKey: GOOD_KEY });
  // A server on this computer that is not the API: the app must never fetch from it.
  let web: Server;
  let webUrl = '';
  let webRequests = 0;
  beforeAll(async () => {
    web = createServer((req, res) => {
      webRequests++;
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

      const { page } = app;
      await page.getByTestId('open-hosting').click();
      await page.getByTestId('hosting-settings').waitFor();
      await expect.poll(() => page.getByTestId('hosting-kind-s3').isVisible()).toBe(true);
      await app.screen('settings-hosting-opened');
      await page.getByTestId('hosting-kind-s3').check();
      await expect.poll(() => harness.settings().hosting.kind).toBe('s3');

      // The endpoint is saved with Enter; while that save is on its way (the service has stored it
      // and pushed settings:changed, its answer is held), the person goes on to the bucket and
      // types. The save lands underneath the typing.
      const endpoint = page.getByTestId('s3-endpoint');
      const bucket = page.getByTestId('s3-bucket');
      const saveState = page.getByTestId('s3-save-state');
      expect(await page.getByTestId('s3-save').isDisabled()).toBe(true);
      await endpoint.fill('https://s3.eu-west-1.amazonaws.com/');
      expect(await saveState.innerText()).toBe('Unsaved changes');
      const endpointSave = await holdNext(page, 'settings:update', 'answer');
      await endpoint.press('Enter');
      await endpointSave.reached;
      expect(harness.settings().hosting.s3.endpoint).toBe('https://s3.eu-west-1.amazonaws.com');
      await bucket.click();
      await bucket.pressSequentially('my');
      await endpointSave.release();
      // Landed: the endpoint, left alone since, shows what was stored; the bucket keeps what is typed.
      await expect.poll(() => endpoint.inputValue()).toBe('https://s3.eu-west-1.amazonaws.com');
      await bucket.pressSequentially('-bucket');
      expect(await bucket.inputValue()).toBe('my-bucket');
      expect(await saveState.innerText()).toBe('Unsaved changes');
      await page.getByTestId('s3-save').scrollIntoViewIfNeeded();
      await app.screen('settings-hosting-unsaved');
      await page.getByTestId('s3-save').click();
      await expect.poll(() => harness.settings().hosting.s3.bucket).toBe('my-bucket');
      await expect.poll(() => saveState.innerText()).toBe('Saved');
      expect(await page.getByTestId('s3-save').isDisabled()).toBe(true);
      await expect.poll(() => page.getByTestId('hosting-status').innerText()).toMatch(/fill in the access key ID and secret access key/);
      await app.screen('settings-hosting-s3');
      expect(harness.settings().hosting.s3).toMatchObject({ endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'my-bucket', region: 'us-east-1' });

      // Inline images, chosen while a bucket save has not reached the service yet: the choice shows
      // at once and stays, through a change from elsewhere and that save's answer (still "s3").
      const dataUrl = page.getByTestId('hosting-kind-data-url');
      await page.getByTestId('s3-access-key').fill('AKIAEXAMPLE');
      const keySave = await holdNext(page, 'settings:update', 'request');
      await page.getByTestId('s3-save').click();
      await keySave.reached;
      await dataUrl.check();
      await harness.invoke('settings:update', { concurrency: 7 });
      await expect.poll(() => page.getByTestId('settings-concurrency').inputValue()).toBe('7');
      expect(await dataUrl.isChecked()).toBe(true);
      const kindSave = await holdNext(page, 'settings:update', 'request');
      await keySave.release();
      // One save at a time: the kind goes once the key's answer has landed in the page.
      await kindSave.reached;
      expect(harness.settings().hosting).toMatchObject({ kind: 's3', s3: { accessKeyId: 'AKIAEXAMPLE' } });
      expect(await dataUrl.isChecked()).toBe(true);
      await kindSave.release();
      await expect.poll(() => harness.settings().hosting.kind).toBe('data-url');
      await expect.poll(() => page.getByTestId('hosting-status').innerText()).toMatch(/data: URLs/);
      expect(await dataUrl.isChecked()).toBe(true);
      expect(await page.getByTestId('hosting-kind-s3').isChecked()).toBe(false);
      // Both saves kept: the key saved before the kind, the kind after it.
      expect(harness.settings().hosting.s3).toMatchObject({ bucket: 'my-bucket', accessKeyId: 'AKIAEXAMPLE' });

      // A choice the service refuses goes back to what is stored, and says why.
      const refused = await holdNext(page, 'settings:update', { refuse: 'The settings file could not be written: the disk is full.' });
      await page.getByTestId('hosting-kind-none').check();
      await refused.reached;
      expect(await page.getByTestId('hosting-kind-none').isChecked()).toBe(true);
      await refused.release();
      await expect.poll(() => page.getByTestId('hosting-kind-error').innerText()).toMatch(/“Off” could not be saved.*disk is full/);
      expect(await dataUrl.isChecked()).toBe(true);
      expect(harness.settings().hosting.kind).toBe('data-url');
      await app.screen('settings-hosting-refused');

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
      // The app fetches web images only from the internet, or from the API's own host while that
      // is the simulator on this computer: the picture is put there, served back at a plain link.
      const put = await fetch(`${harness.simulator.baseUrl}/sim/uploads/harbour.jpg`, {
        method: 'PUT',
        body: new Uint8Array(readFileSync(join(PHOTOS, 'harbour.jpg'))),
        headers: { authorization: `Bearer ${GOOD_KEY}`, 'content-type': 'image/jpeg' }
      });
      const link = ((await put.json()) as { data: { url: string } }).data.url;
      await dropUrl(app.page, link);
      await app.page.getByTestId('composer-view').waitFor();
      await expect.poll(() => app.page.getByTestId('composer-row').count()).toBe(1);
      await expect.poll(() => app.page.getByTestId('composer-row').innerText()).toMatch(/from the web/);
      await dropUrl(app.page, link.replace(/[0-9a-f]{64}/, '0'.repeat(64)));
      await expect.poll(() => app.page.getByTestId('drop-message').innerText()).toMatch(/404|not found|could not/i);
      // A picture on another server on this computer is refused, in words, and nothing is fetched from it.
      const before = webRequests;
      await dropUrl(app.page, `${webUrl}/pictures/harbour.jpg`);
      await expect.poll(() => app.page.getByTestId('drop-message').innerText()).toMatch(/this computer/);
      await app.screen('drop-url-refused');
      expect(webRequests).toBe(before);
    } finally {
      await app.close();
    }
  });
});
