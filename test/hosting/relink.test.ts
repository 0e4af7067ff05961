/**
 * Image links are signed when a submit needs them, never kept: a batch made, the queue closed
 * before anything was submitted, and opened again later, still sends APIXO a link the bucket (or
 * the simulator) serves; a link that can no longer be signed holds its task back, nothing paid.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import got from 'got';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HostingStatus } from '@shared/images';
import type { S3Hosting } from '@shared/settings';
import { ApixoClient } from '../../src/main/core/apixo';
import { createBatch, hostedUrls } from '../../src/main/core/app/create-batch';
import { readSidecar } from '../../src/main/core/download/sidecar';
import { createS3Host, createSimulatorHost, requestSigner, type ImageHost } from '../../src/main/core/hosting';
import { ImageCache } from '../../src/main/core/images';
import { BatchEngine, type NewTask } from '../../src/main/core/queue/engine';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { settled, until } from '../support/engine-harness';
import { tempDirs } from '../support/temp-dirs';
import { startLocalS3, type LocalS3 } from './support/s3-server';

const STILL = fileURLToPath(new URL('../fixtures/photos/forest.jpg', import.meta.url));
const TIME_SCALE = 0.002;
const KEY = { accessKeyId: 'AKIARELINKTEST0001', secretAccessKey: 'relink-test-secret-0001' };
const HOUR = 3_600_000;

const tempDir = tempDirs('ltx-relink-');
let s3: LocalS3;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  s3 = await startLocalS3(tempDir(), ['clips', 'other'], [KEY]);
});
afterAll(() => s3?.close());
afterEach(async () => {
  vi.useRealTimers();
  for (const thing of open.splice(0).reverse()) await thing.close();
});

/** Two hours pass (for every clock in this process: the bucket's too): links made before, valid one hour, have expired. */
function twoHoursLater(): void {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + 2 * HOUR);
}

function bucket(patch: Partial<S3Hosting> = {}): S3Hosting {
  return { endpoint: s3.endpoint, region: 'us-east-1', bucket: 'clips', accessKeyId: KEY.accessKeyId, prefix: 'ltx/', pathStyle: true, urlHours: 1, ...patch };
}

function s3Host(patch: Partial<S3Hosting> = {}): ImageHost {
  return createS3Host(bucket(patch), KEY.secretAccessKey, { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
}

async function simulator(): Promise<Simulator> {
  const sim = await startSimulator({ timeScale: TIME_SCALE });
  open.push(sim);
  return sim;
}

async function queue(dataDir: string, sim: Simulator, host: () => ImageHost | undefined): Promise<BatchEngine> {
  const engine = await BatchEngine.open({
    dataDir,
    client: new ApixoClient({ apiKey: sim.apiKey, baseUrl: sim.baseUrl, timeScale: TIME_SCALE }),
    timeScale: TIME_SCALE,
    signRequest: requestSigner({ host, notReady: () => 'Fill in the secret access key in Settings → Image hosting.' })
  });
  open.push(engine);
  return engine;
}

const READY: HostingStatus = { ready: true, label: 'test', message: 'ready', secretSet: true, simulated: false };

function imageTask(): NewTask {
  return {
    source: { row: 2, take: 1, name: 'forest.jpg', cells: { prompt: 'mist over a forest', image: 'forest.jpg' } },
    draft: { mode: 'image-to-video', prompt: 'mist over a forest', resolution: '480p', duration: 6 },
    imagePath: STILL
  };
}

/** Adds one image batch through the use case every door shares, hosting its image on `host`. */
async function addImageBatch(engine: BatchEngine, dataDir: string, host: ImageHost): Promise<string> {
  const summary = await createBatch(
    { engine: () => engine, images: new ImageCache(join(dataDir, 'cache')), host: () => host, hostingStatus: () => READY },
    { name: 'forest', libraryDir: join(dataDir, '..', 'library'), tasks: [imageTask()] }
  );
  return summary.batch.id;
}

function journalText(dataDir: string): string {
  return readdirSync(dataDir)
    .filter((name) => name.endsWith('.jsonl') || name.endsWith('.json'))
    .map((name) => readFileSync(join(dataDir, name), 'utf8'))
    .join('\n');
}

/** What the bucket answers for a link, through the signature-checking gate. */
async function fetchLink(url: string): Promise<{ status: number; body: Buffer }> {
  const res = await got(url, { responseType: 'buffer', throwHttpErrors: false, retry: { limit: 0 } });
  return { status: res.statusCode, body: Buffer.from(res.body) };
}

describe('image links signed at submit', () => {
  it('a batch made, closed before any submit and opened later still sends a freshly signed link the bucket serves', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    const sim = await simulator();
    // Links are valid one hour, and the queue is opened again two hours later.
    const first = await queue(dataDir, sim, () => undefined);
    const batchId = await addImageBatch(first, dataDir, s3Host());
    expect(journalText(dataDir)).not.toMatch(/X-Amz-/);
    const [kept] = first.tasksOf(batchId);
    expect(kept.image).toMatchObject({ host: 's3', bucket: 'clips', endpoint: s3.endpoint, key: expect.stringMatching(/^ltx\/[0-9a-f]{64}\.jpg$/) });
    expect(kept.request.input).toMatchObject({ image_urls: [`${s3.endpoint}/clips/${kept.image!.key}`] });
    await first.close();

    twoHoursLater();
    const engine = await queue(dataDir, sim, () => s3Host());
    engine.start();
    await until(() => sim.submissions.length === 1, 10_000, 'the submit');
    const sent = (sim.submissions[0].body.input as { image_urls: string[] }).image_urls[0];
    const query = new URL(sent).searchParams;
    expect(query.get('X-Amz-Credential')).toMatch(new RegExp(`^${KEY.accessKeyId}/`));
    const signedAt = Date.parse(query.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Date.now() - signedAt).toBeLessThan(HOUR);
    const served = await fetchLink(sent);
    expect(served.status).toBe(200);
    expect(served.body.equals(readFileSync(STILL))).toBe(true);
    expect(s3.gate.records.at(-1)).toMatchObject({ method: 'GET', verdict: 'passed' });

    const [task] = await settled(engine, batchId);
    expect(task.state).toBe('done');
    // The journal never held the signed link, before the submit or after it.
    expect(journalText(dataDir)).not.toMatch(/X-Amz-/);
  });

  it('after a restart of the simulator (a new port, its uploads forgotten) the image is uploaded again and the link works', async () => {
    const dataDir = join(tempDir(), 'data');
    const before = await simulator();
    const first = await queue(dataDir, before, () => undefined);
    const batchId = await addImageBatch(first, dataDir, createSimulatorHost(before.baseUrl, before.apiKey));
    expect(first.tasksOf(batchId)[0].image).toMatchObject({ host: 'simulator' });
    await first.close();
    await before.close();

    const sim = await simulator();
    const engine = await queue(dataDir, sim, () => createSimulatorHost(sim.baseUrl, sim.apiKey));
    engine.start();
    const [task] = await settled(engine, batchId);
    expect(task.state).toBe('done');
    const sent = (sim.submissions[0].body.input as { image_urls: string[] }).image_urls[0];
    expect(new URL(sent).origin).toBe(sim.origin);
    const served = await fetchLink(sent);
    expect(served.status).toBe(200);
    expect(served.body.equals(readFileSync(STILL))).toBe(true);
  });

  it('holds the task back when the simulator forgot the image and its copy on this computer is gone too', async () => {
    const dataDir = join(tempDir(), 'data');
    const before = await simulator();
    const first = await queue(dataDir, before, () => undefined);
    const batchId = await addImageBatch(first, dataDir, createSimulatorHost(before.baseUrl, before.apiKey));
    const copy = first.tasksOf(batchId)[0].imagePath!;
    await first.close();
    await before.close();
    rmSync(copy);

    const sim = await simulator();
    const engine = await queue(dataDir, sim, () => createSimulatorHost(sim.baseUrl, sim.apiKey));
    engine.start();
    const [held] = await settled(engine, batchId);
    expect(held.state).toBe('rejected');
    expect(held.note).toMatch(
      /^Its source image was uploaded to the built-in simulator, and its copy on this computer is gone\. Add the image again\. .*nothing was charged/
    );
    expect(sim.submissions).toHaveLength(0);
  });

  it('holds the task back, nothing paid, when the bucket in the settings changed; retrying once it is set back submits it', async () => {
    const dataDir = join(tempDir(), 'data');
    const sim = await simulator();
    let now: ImageHost | undefined = s3Host({ bucket: 'other' });
    const engine = await queue(dataDir, sim, () => now);
    const batchId = await addImageBatch(engine, dataDir, s3Host());
    engine.start();
    const [held] = await settled(engine, batchId);
    expect(held.state).toBe('rejected');
    expect(held.attempts).toBe(0);
    expect(held.note).toContain('Its source image is in bucket "clips"');
    expect(held.note).toContain('now names bucket "other"');
    expect(held.note).toContain('nothing was charged');
    expect(sim.submissions).toHaveLength(0);
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    now = s3Host();
    engine.retry(held.id);
    const [task] = await settled(engine, batchId);
    expect(task.state).toBe('done');
    expect(sim.submissions).toHaveLength(1);
    expect((await fetchLink((sim.submissions[0].body.input as { image_urls: string[] }).image_urls[0])).status).toBe(200);
  });

  it('holds the task back with what to set up when the secret is gone', async () => {
    const dataDir = join(tempDir(), 'data');
    const sim = await simulator();
    const engine = await queue(dataDir, sim, () => undefined);
    const batchId = await addImageBatch(engine, dataDir, s3Host());
    engine.start();
    const [held] = await settled(engine, batchId);
    expect(held.state).toBe('rejected');
    expect(held.note).toMatch(/image hosting is not set up now.*Fill in the secret access key.*nothing was charged/);
    expect(sim.submissions).toHaveLength(0);
  });

  it('holds back a task whose image went to the simulator once images go to a bucket', async () => {
    const dataDir = join(tempDir(), 'data');
    const sim = await simulator();
    const engine = await queue(dataDir, sim, () => s3Host());
    const batchId = await addImageBatch(engine, dataDir, createSimulatorHost(sim.baseUrl, sim.apiKey));
    engine.start();
    const [held] = await settled(engine, batchId);
    expect(held.state).toBe('rejected');
    expect(held.note).toBe(
      'Its source image was uploaded to the built-in simulator, but images go to S3 bucket "clips" now. Add the row again to host the image there. ' +
        'It was not submitted, so nothing was charged: retry it once that is fixed.'
    );
    expect(sim.submissions).toHaveLength(0);
  });

  it('replays a journal that kept the signed link itself, and signs it afresh at submit; the sidecar gets the unsigned link', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    const sim = await simulator();
    const host = s3Host();
    // What the app used to journal: the presigned link, no reference.
    const first = await queue(dataDir, sim, () => undefined);
    const cache = new ImageCache(join(dataDir, 'cache'));
    const image = await cache.addFile(STILL);
    const path = cache.pathOf(image.id, image.kind);
    const stale = await host.host({ path, id: image.id, kind: image.kind, sizeBytes: image.sizeBytes, name: image.name });
    const task = imageTask();
    const batch = first.addBatch({
      name: 'old',
      libraryDir: join(root, 'library'),
      tasks: [{ ...task, draft: { ...task.draft, imageUrl: stale }, imagePath: path }]
    });
    expect(journalText(dataDir)).toContain('X-Amz-Signature');
    await first.close();
    twoHoursLater();
    expect((await fetchLink(stale)).status).toBe(403);

    const engine = await queue(dataDir, sim, () => s3Host());
    expect(engine.tasksOf(batch.id)[0].request).toEqual(first.tasksOf(batch.id)[0].request);
    engine.start();
    const [done] = await settled(engine, batch.id);
    expect(done.state).toBe('done');
    const sent = (sim.submissions[0].body.input as { image_urls: string[] }).image_urls[0];
    expect(sent).not.toBe(stale);
    expect((await fetchLink(sent)).status).toBe(200);
    const sidecar = (await readSidecar(join(root, 'library', done.file!.replace(/\.mp4$/, '.json')))).sidecar!;
    expect(sidecar.imageUrl).toBe(stale.slice(0, stale.indexOf('?')));
    expect(JSON.stringify(sidecar)).not.toMatch(/X-Amz-/);
  });

  it('keeps the reference, not the link, when a door hands over links it already had hosted (the composer, a re-run)', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    const sim = await simulator();
    const engine = await queue(dataDir, sim, () => s3Host());
    const host = s3Host();
    const images = new ImageCache(join(dataDir, 'cache'));
    const image = await images.addFile(STILL);
    const path = images.pathOf(image.id, image.kind);
    const ctx = { engine: () => engine, images, host: () => host, hostingStatus: () => READY };
    const urls = await hostedUrls(ctx, [{ image, path }]);
    expect(urls.get(image.id)).toMatch(/X-Amz-Signature=/);
    const task = imageTask();
    const summary = await createBatch(ctx, {
      name: 'composed',
      libraryDir: join(root, 'library'),
      tasks: [{ ...task, draft: { ...task.draft, imageUrl: urls.get(image.id) }, imagePath: path }]
    });
    const [kept] = engine.tasksOf(summary.batch.id);
    expect(kept.image).toMatchObject({ host: 's3', sha256: image.id, key: `ltx/${image.id}.jpg` });
    expect(kept.request.input).toMatchObject({ image_urls: [`${s3.endpoint}/clips/ltx/${image.id}.jpg`] });
    expect(journalText(dataDir)).not.toMatch(/X-Amz-/);
  });

  it('sends a link no host of ours made as it is', async () => {
    const root = tempDir();
    const sim = await simulator();
    const engine = await queue(join(root, 'data'), sim, () => s3Host());
    const task = imageTask();
    const web = 'https://images.example.com/forest.jpg';
    const batch = engine.addBatch({
      name: 'web',
      libraryDir: join(root, 'library'),
      tasks: [{ ...task, draft: { ...task.draft, imageUrl: web }, imagePath: undefined }]
    });
    engine.start();
    await until(() => sim.submissions.length === 1, 10_000, 'the submit');
    expect(sim.submissions[0].body.input).toMatchObject({ image_urls: [web] });
    await settled(engine, batch.id);
  });
});
