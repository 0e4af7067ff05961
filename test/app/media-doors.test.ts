/**
 * The composer, drops, web images, re-runs and "use these settings", through the real app
 * service: the built-in simulator while no key is set, or a separate simulator standing in for
 * APIXO when one is, with real files in temporary folders.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchSummary, TaskRecord } from '@shared/batch';
import type { BatchDefaults } from '@shared/batch-defaults';
import type { ComposerDraft, ComposerRequest, DropInspection, HostingStatus, SourceImage } from '@shared/images';
import type { DroppedFiles, ImportPreview, IpcResult, QueueSnapshot } from '@shared/ipc';
import type { LibraryDetail, LibraryPage } from '@shared/library';
import { defaultSettings, type HostingKind, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { NO_HOSTING_MESSAGE } from '../../src/main/core/hosting';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop } from '../support/app-options';
import { tempDirs } from '../support/temp-dirs';

const TIME_SCALE = 0.002;
const KEY = 'good-key-1234';
const PHOTOS = fileURLToPath(new URL('../fixtures/photos/', import.meta.url));
const SAMPLE_MP4 = fileURLToPath(new URL('../../resources/sim/sample-16x9.mp4', import.meta.url));
const LORA = 'https://huggingface.co/acme/film-grain/resolve/main/film-grain.safetensors';
const PROBLEM_STATES = ['rejected', 'failed', 'needs_review', 'download_failed', 'expired', 'canceled', 'abandoned'] as const;

const makeDir = tempDirs('ltx-media-doors-');

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function photo(name: string): Buffer {
  return readFileSync(join(PHOTOS, name));
}

interface App {
  dir: string;
  service: AppService;
  settings: () => Settings;
  /** The separate simulator standing in for APIXO, when a key is set. */
  api?: Simulator;
  call<T>(channel: string, ...args: unknown[]): Promise<T>;
  refusal(channel: string, ...args: unknown[]): Promise<{ code: string; message: string }>;
}

const running: App[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) {
    await app.service.close();
    await app.api?.close();
  }
});

/** The app over the built-in simulator (no key), or with a key against a separate simulator and the given hosting. */
async function startApp(options: { key?: boolean; hosting?: HostingKind; dir?: string } = {}): Promise<App> {
  const dir = options.dir ?? makeDir();
  let stored = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  stored.hosting.kind = options.hosting ?? 'none';
  const api = options.key ? await startSimulator({ apiKey: KEY, timeScale: TIME_SCALE }) : undefined;
  const service = await AppService.start({
    settings: { read: () => stored, write: (next) => void (stored = next) },
    secrets: memorySecret(options.key ? KEY : undefined),
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl: api?.baseUrl,
    timeScale: TIME_SCALE
  });
  const app: App = {
    dir,
    service,
    api,
    settings: () => stored,
    async call<T>(channel: string, ...args: unknown[]): Promise<T> {
      const result = await service.dispatch(channel, args);
      if (!result.ok) throw new Error(`${channel} refused: ${result.code}: ${result.message}`);
      return result.value as T;
    },
    async refusal(channel: string, ...args: unknown[]) {
      const result: IpcResult<unknown> = await service.dispatch(channel, args);
      if (result.ok) throw new Error(`${channel} was expected to be refused, but answered ${JSON.stringify(result.value).slice(0, 300)}`);
      return { code: result.code, message: result.message };
    }
  };
  running.push(app);
  return app;
}

/** A CSV the person dropped: the preload hands its path to `drop:inspect`, and the import names it by the token main answers. */
async function importDropped(app: App, path: string): Promise<ImportPreview> {
  const drop = await app.call<DroppedFiles>('drop:inspect', [path]);
  return app.call<ImportPreview>('import:file', { file: drop.csv[0].token });
}

/** Polls until `check` answers something other than undefined. */
async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for every task of the batch to be done; fails at once if one ends any other way. */
async function batchDone(app: App, batchId: string): Promise<TaskRecord[]> {
  await until(`batch ${batchId} to finish`, async () => {
    const snap = await app.call<QueueSnapshot>('queue:snapshot');
    const summary = snap.batches.find((b) => b.batch.id === batchId);
    if (!summary) throw new Error(`batch ${batchId} is gone`);
    for (const state of PROBLEM_STATES) {
      if (summary.counts[state]) {
        const tasks = await tasksOf(app, batchId);
        throw new Error(`a task ended ${state}: ${JSON.stringify(tasks.filter((t) => t.state === state).map((t) => [t.failCode, t.failMsg, t.note]))}`);
      }
    }
    return summary.counts.done === summary.total ? true : undefined;
  });
  return tasksOf(app, batchId);
}

async function tasksOf(app: App, batchId: string): Promise<TaskRecord[]> {
  return (await app.call<{ items: TaskRecord[] }>('tasks:page', batchId, { offset: 0, limit: 1000 })).items;
}

/** The library's videos once it lists `count` of them. */
async function libraryOf(app: App, count: number): Promise<LibraryPage['items']> {
  return until(`${count} videos in the library`, async () => {
    const page = await app.call<LibraryPage>('library:query', {});
    return page.total >= count ? page.items : undefined;
  });
}

/** A folder with copies of the named photos, as a person would drop it. */
function photoFolder(...names: string[]): string {
  const folder = join(makeDir(), 'to animate');
  mkdirSync(folder, { recursive: true });
  for (const name of names) copyFileSync(join(PHOTOS, name), join(folder, name));
  return folder;
}

async function dropPhotos(app: App, ...names: string[]): Promise<Map<string, SourceImage>> {
  const drop = await app.call<DropInspection>('drop:inspect', [photoFolder(...names)]);
  expect(drop.refused).toEqual([]);
  return new Map(drop.images.map((image) => [image.name, image]));
}

function defaults(overrides: Partial<BatchDefaults> = {}): BatchDefaults {
  return { resolution: '480p', duration: 5, aspectRatio: '16:9', seed: { kind: 'random' }, ...overrides };
}

function composer(rows: ComposerRequest['rows'], overrides: Partial<BatchDefaults> = {}, takes = 1): ComposerRequest {
  return { name: 'composed', rows, defaults: defaults(overrides), takes };
}

/** The simulator's own upload URL for these bytes: `…/api/v1/sim/uploads/<sha256>.<ext>`. */
function simUploadUrl(bytes: Uint8Array, ext: string): RegExp {
  return new RegExp(`^http://127\\.0\\.0\\.1:\\d+/api/v1/sim/uploads/${sha256(bytes)}\\.${ext}$`);
}

function imageUrlOf(task: TaskRecord): string | undefined {
  return 'image_urls' in task.request.input ? task.request.input.image_urls[0] : undefined;
}

/** The source image beside a library video, as bytes, read from the library folder. */
function sourceImageBeside(app: App, detail: LibraryDetail): Buffer {
  const name = detail.sidecar?.sourceImage;
  if (!name) throw new Error(`${detail.path} has no source image in its sidecar`);
  return readFileSync(join(app.settings().libraryDir, ...posix.join(posix.dirname(detail.path), name).split('/')));
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..');
}

async function snapshot(app: App): Promise<QueueSnapshot> {
  return app.call<QueueSnapshot>('queue:snapshot');
}

describe('composer:create (simulated)', () => {
  it('turns dropped images into image-to-video tasks whose videos keep their source image beside them', async () => {
    const app = await startApp();
    const dropped = await dropPhotos(app, 'forest.jpg', 'lighthouse.png');
    const forest = dropped.get('forest.jpg')!;
    const lighthouse = dropped.get('lighthouse.png')!;
    const summary = await app.call<BatchSummary>(
      'composer:create',
      composer([
        { imageId: forest.id, prompt: 'Mist drifts between the trees' },
        { imageId: lighthouse.id, prompt: 'The beam sweeps over the sea' }
      ])
    );
    expect(summary.total).toBe(2);
    const tasks = await batchDone(app, summary.batch.id);
    expect(tasks.map((t) => t.request.input.mode)).toEqual(['image-to-video', 'image-to-video']);
    expect(imageUrlOf(tasks[0])).toMatch(simUploadUrl(photo('forest.jpg'), 'jpg'));
    expect(imageUrlOf(tasks[1])).toMatch(simUploadUrl(photo('lighthouse.png'), 'png'));

    const items = await libraryOf(app, 2);
    const byPrompt = new Map(items.map((i) => [i.prompt, i]));
    for (const [prompt, file] of [
      ['Mist drifts between the trees', 'forest.jpg'],
      ['The beam sweeps over the sea', 'lighthouse.png']
    ]) {
      const item = byPrompt.get(prompt)!;
      expect(item, prompt).toBeDefined();
      const detail = await app.call<LibraryDetail>('library:get', item.path);
      expect(detail.sidecar).toMatchObject({ mode: 'image-to-video', prompt, sourceImage: expect.stringMatching(/\.source\.(jpg|png)$/) });
      expect(detail.sourceImage).toMatch(/^library\//);
      expect(sourceImageBeside(app, detail).equals(photo(file))).toBe(true);
    }
  });

  it('makes `takes` videos per row, each with its own seed', async () => {
    const app = await startApp();
    const { 'forest.jpg': forest } = Object.fromEntries(await dropPhotos(app, 'forest.jpg'));
    const summary = await app.call<BatchSummary>(
      'composer:create',
      composer([{ imageId: forest.id, prompt: 'Mist drifts between the trees' }, { prompt: 'A paper boat on a puddle' }], {}, 2)
    );
    expect(summary.total).toBe(4);
    const tasks = await tasksOf(app, summary.batch.id);
    for (const row of [1, 2]) {
      const takes = tasks.filter((t) => t.source.row === row);
      expect(takes.map((t) => t.source.take)).toEqual([1, 2]);
      const seeds = takes.map((t) => t.request.input.seed);
      expect(seeds.every((s) => Number.isInteger(s) && s! >= 1)).toBe(true);
      expect(seeds[0]).not.toBe(seeds[1]);
    }
  });

  it('makes a text-only row text-to-video in the aspect ratio of the defaults', async () => {
    const app = await startApp();
    const summary = await app.call<BatchSummary>('composer:create', composer([{ prompt: 'A paper boat on a puddle' }], { aspectRatio: '9:16', duration: 7 }));
    const tasks = await batchDone(app, summary.batch.id);
    expect(tasks[0].request.input).toEqual({
      mode: 'text-to-video',
      prompt: 'A paper boat on a puddle',
      resolution: '480p',
      duration: 7,
      aspect_ratio: '9:16',
      seed: expect.any(Number)
    });
    expect(tasks[0].imagePath).toBeUndefined();
    const [item] = await libraryOf(app, 1);
    const detail = await app.call<LibraryDetail>('library:get', item.path);
    expect(detail.sidecar).toMatchObject({ mode: 'text-to-video', aspectRatio: '9:16' });
    expect(detail.sidecar?.sourceImage).toBeUndefined();
  });

  it('uses the LoRA modes when the defaults carry LoRAs', async () => {
    const app = await startApp();
    const { 'forest.jpg': forest } = Object.fromEntries(await dropPhotos(app, 'forest.jpg'));
    const loras = [{ path: LORA, scale: 0.8 }];
    const summary = await app.call<BatchSummary>(
      'composer:create',
      composer([{ imageId: forest.id, prompt: 'Grainy forest' }, { prompt: 'Grainy city' }], { loras })
    );
    const tasks = await batchDone(app, summary.batch.id);
    expect(tasks.map((t) => t.request.input.mode)).toEqual(['image-to-video-LoRA', 'text-to-video-LoRA']);
    expect(tasks.map((t) => 'loras' in t.request.input && t.request.input.loras)).toEqual([loras, loras]);
  });

  it('refuses a row without a prompt by its number, adding no batch', async () => {
    const app = await startApp();
    const refused = await app.refusal('composer:create', composer([{ prompt: 'fine' }, { prompt: '   ' }]));
    expect(refused).toEqual({ code: 'not_allowed', message: 'Row 2 has no prompt: write one, or remove the row.' });
    expect((await snapshot(app)).batches).toEqual([]);
  });
});

describe('image hosting with a key set', () => {
  it('with no hosting, refuses a local image with what to set up, and adds no batch', async () => {
    const app = await startApp({ key: true, hosting: 'none' });
    const { 'forest.jpg': forest } = Object.fromEntries(await dropPhotos(app, 'forest.jpg'));
    const refused = await app.refusal('composer:create', composer([{ prompt: 'A paper boat' }, { imageId: forest.id, prompt: 'Mist' }]));
    expect(refused).toEqual({ code: 'not_allowed', message: NO_HOSTING_MESSAGE });
    expect(refused.message).toMatch(/Settings → Image hosting/);
    expect((await app.call<HostingStatus>('hosting:status')).message).toBe(refused.message);
    expect((await snapshot(app)).batches).toEqual([]);
    expect(app.api!.submissions).toEqual([]);
  });

  it('with data: URLs, sends the image inside the request', async () => {
    const app = await startApp({ key: true, hosting: 'data-url' });
    const { 'forest.jpg': forest } = Object.fromEntries(await dropPhotos(app, 'forest.jpg'));
    const summary = await app.call<BatchSummary>('composer:create', composer([{ imageId: forest.id, prompt: 'Mist' }]));
    const submitted = await until('the submit to reach APIXO', () => app.api!.submissions[0]);
    expect(submitted.body.input).toMatchObject({ mode: 'image-to-video' });
    const url = (submitted.body.input as { image_urls: string[] }).image_urls[0];
    expect(url).toMatch(/^data:image\/jpeg;base64,/);
    expect(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').equals(photo('forest.jpg'))).toBe(true);
    // The window gets the task with the inline image shortened to what it is, not 2 MB of text per change.
    const [task] = await tasksOf(app, summary.batch.id);
    expect(imageUrlOf(task)).toBe(`data:image/jpeg;base64,… (${(photo('forest.jpg').length / 1024).toFixed(1)} KB inline)`);
  });
});

describe('batches:create from a CSV naming local images', () => {
  /** `shots/forest.jpg` beside `list.csv`, which names it relative to itself. */
  function csvWithLocalImage(): string {
    const folder = makeDir();
    mkdirSync(join(folder, 'shots'));
    copyFileSync(join(PHOTOS, 'forest.jpg'), join(folder, 'shots', 'forest.jpg'));
    const csv = join(folder, 'list.csv');
    writeFileSync(csv, 'prompt,image\n"Mist drifts between the trees",shots/forest.jpg\n');
    return csv;
  }

  it('hosts the image on the simulator, keeps the cached copy and puts it beside the video', async () => {
    const app = await startApp();
    const preview = await importDropped(app, csvWithLocalImage());
    expect(preview.invalidRowCount).toBe(0);
    const summary = await app.call<BatchSummary>('batches:create', { token: preview.token, name: 'from csv', skipInvalid: false });
    const [queued] = await tasksOf(app, summary.batch.id);
    expect(queued.request.input.mode).toBe('image-to-video');
    expect(imageUrlOf(queued)).toMatch(simUploadUrl(photo('forest.jpg'), 'jpg'));
    expect(isInside(join(app.settings().dataDir, 'cache'), queued.imagePath!)).toBe(true);
    expect(readFileSync(queued.imagePath!).equals(photo('forest.jpg'))).toBe(true);

    await batchDone(app, summary.batch.id);
    const [item] = await libraryOf(app, 1);
    const detail = await app.call<LibraryDetail>('library:get', item.path);
    expect(detail.sidecar?.imageUrl).toBe(imageUrlOf(queued));
    expect(sourceImageBeside(app, detail).equals(photo('forest.jpg'))).toBe(true);
  });

  it('queues an import once, however often "Add to queue" arrives while its images are uploaded', async () => {
    const app = await startApp();
    const preview = await importDropped(app, csvWithLocalImage());
    const request = { token: preview.token, name: 'from csv', skipInvalid: false };
    const answers = await Promise.all([app.service.dispatch('batches:create', [request]), app.service.dispatch('batches:create', [request])]);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.find((a) => !a.ok)).toMatchObject({ ok: false, code: 'not_allowed', message: expect.stringMatching(/no longer open/) });
    expect((await snapshot(app)).batches).toHaveLength(1);
  });

  it('keeps the import when hosting refuses, so it can be added once hosting is set up', async () => {
    const app = await startApp({ key: true, hosting: 'none' });
    const preview = await importDropped(app, csvWithLocalImage());
    await app.refusal('batches:create', { token: preview.token, name: 'from csv', skipInvalid: false });
    await app.call('settings:update', { hosting: { ...app.settings().hosting, kind: 'data-url' } });
    const summary = await app.call<BatchSummary>('batches:create', { token: preview.token, name: 'from csv', skipInvalid: false });
    expect(summary.total).toBe(1);
  });

  it('with a key and no hosting, is refused with what to set up', async () => {
    const app = await startApp({ key: true, hosting: 'none' });
    const preview = await importDropped(app, csvWithLocalImage());
    const refused = await app.refusal('batches:create', { token: preview.token, name: 'from csv', skipInvalid: false });
    expect(refused).toEqual({ code: 'not_allowed', message: NO_HOSTING_MESSAGE });
    expect((await snapshot(app)).batches).toEqual([]);
    expect(app.api!.submissions).toEqual([]);
  });
});

/** One finished image-to-video made from forest.jpg with the given seed policy; its library entry. */
async function oneForestVideo(app: App, seed: BatchDefaults['seed'], libraryCount = 1): Promise<LibraryDetail> {
  const { 'forest.jpg': forest } = Object.fromEntries(await dropPhotos(app, 'forest.jpg'));
  const made = await app.call<BatchSummary>(
    'composer:create',
    composer([{ imageId: forest.id, prompt: 'Mist drifts between the trees' }], { seed, duration: 6 })
  );
  await batchDone(app, made.batch.id);
  const item = (await libraryOf(app, libraryCount)).find((i) => i.prompt === 'Mist drifts between the trees')!;
  return app.call<LibraryDetail>('library:get', item.path);
}

/**
 * The app over a library holding a video whose sidecar has no seed, as sidecars were written
 * before the app chose every seed itself: made by a first run, its seed then taken out.
 */
async function appWithSeedlessVideo(options: { key?: boolean; hosting?: HostingKind } = {}): Promise<{ app: App; old: LibraryDetail }> {
  return appWithEditedVideo((sidecar) => {
    delete sidecar.seed;
    delete sidecar.request.input.seed;
  }, options);
}

/** The app over a library holding a video made by a first run, its sidecar then changed by `edit`. */
async function appWithEditedVideo(
  edit: (sidecar: Record<string, unknown> & { request: { input: Record<string, unknown> } }) => void,
  options: { key?: boolean; hosting?: HostingKind } = {}
): Promise<{ app: App; old: LibraryDetail }> {
  const dir = makeDir();
  const first = await startApp({ dir });
  const made = await rainVideo(first);
  await first.service.close();
  running.splice(running.indexOf(first), 1);
  const sidecarFile = join(first.settings().libraryDir, made.path.replace(/\.mp4$/, '.json'));
  const sidecar = JSON.parse(readFileSync(sidecarFile, 'utf8')) as Record<string, unknown> & { request: { input: Record<string, unknown> } };
  edit(sidecar);
  writeFileSync(sidecarFile, JSON.stringify(sidecar, null, 2));
  const app = await startApp({ dir, ...options });
  await libraryOf(app, 1);
  return { app, old: await app.call<LibraryDetail>('library:get', made.path) };
}

async function rainVideo(app: App): Promise<LibraryDetail> {
  const made = await app.call<BatchSummary>('composer:create', composer([{ prompt: 'Rain on a tin roof' }], { seed: { kind: 'random' } }));
  await batchDone(app, made.batch.id);
  const [item] = await libraryOf(app, 1);
  return app.call<LibraryDetail>('library:get', item.path);
}

describe('library:rerun', () => {
  it('same seed: one new task with the same seed, prompt, mode, resolution, duration and a hosted image', async () => {
    const app = await startApp();
    const original = await oneForestVideo(app, { kind: 'fixed', value: 4242 });
    expect(original.sidecar?.seed).toBe(4242);
    const again = await app.call<BatchSummary>('library:rerun', { paths: [original.path], seeds: 'same', takes: 1 });
    expect(again.total).toBe(1);
    expect(again.batch.id).not.toBe(original.sidecar!.batch.id);
    const [task] = await tasksOf(app, again.batch.id);
    expect(task.request.input).toEqual({
      mode: 'image-to-video',
      prompt: 'Mist drifts between the trees',
      resolution: '480p',
      duration: 6,
      seed: 4242,
      image_urls: [expect.stringMatching(simUploadUrl(photo('forest.jpg'), 'jpg'))]
    });
    // The source image was taken from beside the video into the cache, so the new video gets it too.
    expect(isInside(join(app.settings().dataDir, 'cache'), task.imagePath!)).toBe(true);
    await batchDone(app, again.batch.id);
    const items = await libraryOf(app, 2);
    const newer = items.find((i) => i.path !== original.path)!;
    const detail = await app.call<LibraryDetail>('library:get', newer.path);
    expect(detail.sidecar).toMatchObject({ seed: 4242, prompt: 'Mist drifts between the trees' });
    expect(sourceImageBeside(app, detail).equals(photo('forest.jpg'))).toBe(true);
  });

  it('same seed re-hosts the image beside the video with the hosting in use now', async () => {
    const dir = makeDir();
    const first = await startApp({ dir });
    const original = await oneForestVideo(first, { kind: 'fixed', value: 77 });
    expect(original.sidecar?.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1/);
    await first.service.close();
    running.splice(running.indexOf(first), 1);

    // The same folders, now with a key and data: URLs: the old simulator link is not reused.
    const app = await startApp({ dir, key: true, hosting: 'data-url' });
    await libraryOf(app, 1);
    const again = await app.call<BatchSummary>('library:rerun', { paths: [original.path], seeds: 'same', takes: 1 });
    const [task] = await tasksOf(app, again.batch.id);
    expect(task.request.input.seed).toBe(77);
    const submitted = await until('the submit to reach APIXO', () => app.api!.submissions[0]);
    const url = (submitted.body.input as { image_urls: string[] }).image_urls[0];
    expect(url).toMatch(/^data:image\/jpeg;base64,/);
    expect(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').equals(photo('forest.jpg'))).toBe(true);
  });

  it('same seed on a video made with a random seed sends the very seed it was made with', async () => {
    const app = await startApp({ key: true, hosting: 'data-url' });
    const original = await oneForestVideo(app, { kind: 'random' });
    const seed = original.sidecar!.seed!;
    expect(Number.isInteger(seed) && seed >= 1 && seed <= 2_147_483_647).toBe(true);
    expect(original.name).toContain(`_seed-${seed}_`);
    expect(app.api!.submissions.map((s) => (s.body.input as { seed?: number }).seed)).toEqual([seed]);
    const again = await app.call<BatchSummary>('library:rerun', { paths: [original.path], seeds: 'same', takes: 1 });
    const [task] = await tasksOf(app, again.batch.id);
    expect(task.request.input.seed).toBe(seed);
    const resent = await until('the re-run to reach APIXO', () => app.api!.submissions[1]);
    expect((resent.body.input as { seed?: number }).seed).toBe(seed);
  });

  it('same seed on an old video whose sidecar recorded no seed is refused with why', async () => {
    const { app, old } = await appWithSeedlessVideo();
    expect(old.sidecar?.seed).toBeUndefined();
    const refused = await app.refusal('library:rerun', { paths: [old.path], seeds: 'same', takes: 1 });
    expect(refused.code).toBe('not_allowed');
    expect(refused.message).toBe(
      `The seed of “${old.name}” was not recorded (it was made before the app chose every seed itself), so it cannot be made again with the same seed. Use New takes instead.`
    );
    // Only the first run's batch: the refusal added none.
    expect((await snapshot(app)).batches).toHaveLength(1);
    // New takes still work, each with a concrete seed of its own.
    const takes = await app.call<BatchSummary>('library:rerun', { paths: [old.path], seeds: 'new', takes: 2 });
    const seeds = (await tasksOf(app, takes.batch.id)).map((t) => t.request.input.seed);
    expect(seeds.every((s) => Number.isInteger(s) && s! >= 1 && s! <= 2_147_483_647)).toBe(true);
    expect(new Set(seeds).size).toBe(2);
  });

  it('keeps a named video’s name on its new takes: their files and sidecars carry it', async () => {
    const { app, old } = await appWithEditedVideo((sidecar) => (sidecar.name = 'tin-roof rain'));
    expect(old.title).toBe('tin-roof rain');
    const takes = await app.call<BatchSummary>('library:rerun', { paths: [old.path], seeds: 'new', takes: 2 });
    const tasks = await batchDone(app, takes.batch.id);
    expect(tasks.map((t) => t.source.videoName)).toEqual(['tin-roof rain', 'tin-roof rain']);
    for (const task of tasks) expect(task.file).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}_tin-roof-rain_seed-${task.request.input.seed}_`));
    const items = await libraryOf(app, 3);
    expect(items.filter((i) => i.title === 'tin-roof rain')).toHaveLength(3);
    expect(items.every((i) => i.prompt === 'Rain on a tin roof')).toBe(true);
  });

  it('checks every video before hosting any image: a refused re-run says why and hosts nothing', async () => {
    const { app, old } = await appWithSeedlessVideo({ key: true, hosting: 'data-url' });
    const withSeed = await oneForestVideo(app, { kind: 'fixed', value: 4242 }, 2);
    // With hosting now off, hosting the first video's image would fail: the seed check must come first.
    await app.call('settings:update', { hosting: { ...app.settings().hosting, kind: 'none' } });
    const refused = await app.refusal('library:rerun', { paths: [withSeed.path, old.path], seeds: 'same', takes: 1 });
    expect(refused.message).toMatch(/was not recorded/);
    expect((await snapshot(app)).batches).toHaveLength(2);
  });

  it('new seeds: `takes` tasks, each with a different seed, none the original’s', async () => {
    const app = await startApp();
    const original = await oneForestVideo(app, { kind: 'fixed', value: 4242 });
    const takes = await app.call<BatchSummary>('library:rerun', { paths: [original.path], seeds: 'new', takes: 3 });
    expect(takes.total).toBe(3);
    const tasks = await tasksOf(app, takes.batch.id);
    const seeds = tasks.map((t) => t.request.input.seed);
    expect(new Set(seeds).size).toBe(3);
    expect(seeds).not.toContain(4242);
    expect(seeds).not.toContain(undefined);
    for (const task of tasks) {
      expect(task.request.input).toMatchObject({ mode: 'image-to-video', prompt: 'Mist drifts between the trees', resolution: '480p', duration: 6 });
      expect(imageUrlOf(task)).toMatch(simUploadUrl(photo('forest.jpg'), 'jpg'));
    }
  });
});

/**
 * The app over a library folder that exists from the start, into which the simulator's sample
 * clip is then copied: a video this app did not make. (The folder exists first because a folder
 * created just after the app opened may go unwatched until the next full look at it; see the report.)
 */
async function appWithForeignVideo(): Promise<{ app: App; path: string }> {
  const dir = makeDir();
  mkdirSync(join(dir, 'library'));
  const app = await startApp({ dir });
  copyFileSync(SAMPLE_MP4, join(app.settings().libraryDir, 'found clip.mp4'));
  await until('the foreign video to be listed', async () => {
    const page = await app.call<LibraryPage>('library:query', {});
    return page.items.some((i) => i.path === 'found clip.mp4') ? true : undefined;
  });
  return { app, path: 'found clip.mp4' };
}

describe('library:use', () => {
  it('gives a composer draft with the video’s prompt, source image, settings and fixed seed', async () => {
    const app = await startApp();
    const original = await oneForestVideo(app, { kind: 'fixed', value: 4242 });
    const draft = await app.call<ComposerDraft>('library:use', original.path);
    expect(draft.rows).toHaveLength(1);
    expect(draft.rows[0].prompt).toBe('Mist drifts between the trees');
    const image = draft.rows[0].image!;
    expect(image).toMatchObject({ id: sha256(photo('forest.jpg')), kind: 'jpeg', sizeBytes: photo('forest.jpg').length });
    expect(readFileSync(join(app.settings().dataDir, 'cache', 'sources', `${image.id}.jpg`)).equals(photo('forest.jpg'))).toBe(true);
    expect(draft.defaults).toMatchObject({ resolution: '480p', duration: 6, seed: { kind: 'fixed', value: 4242 } });

    // The draft goes straight back into the composer.
    const made = await app.call<BatchSummary>('composer:create', {
      name: 'again',
      rows: draft.rows.map((r) => ({ imageId: r.image?.id, prompt: r.prompt })),
      defaults: draft.defaults,
      takes: 1
    });
    const [task] = await tasksOf(app, made.batch.id);
    expect(task.request.input).toMatchObject({ mode: 'image-to-video', seed: 4242, duration: 6, resolution: '480p' });
  });

  it('fixes the seed a random-seed video was made with, so the composer can make it again', async () => {
    const app = await startApp();
    const original = await oneForestVideo(app, { kind: 'random' });
    const draft = await app.call<ComposerDraft>('library:use', original.path);
    expect(draft.defaults.seed).toEqual({ kind: 'fixed', value: original.sidecar!.seed });
  });

  it('gives a random seed for an old video whose sidecar recorded none', async () => {
    const { app, old } = await appWithSeedlessVideo();
    const draft = await app.call<ComposerDraft>('library:use', old.path);
    expect(draft.defaults.seed).toEqual({ kind: 'random' });
  });

  it('falls back to the video’s image link when the source image beside it was deleted', async () => {
    const app = await startApp();
    const original = await oneForestVideo(app, { kind: 'fixed', value: 4242 });
    const link = original.sidecar!.imageUrl!;
    expect(link).toMatch(simUploadUrl(photo('forest.jpg'), 'jpg'));
    rmSync(join(app.settings().libraryDir, original.sidecar!.sourceImage!));

    const draft = await app.call<ComposerDraft>('library:use', original.path);
    expect(draft.rows[0].image).toMatchObject({ id: sha256(photo('forest.jpg')), origin: { kind: 'url', url: link } });
    const again = await app.call<BatchSummary>('library:rerun', { paths: [original.path], seeds: 'same', takes: 1 });
    const [task] = await tasksOf(app, again.batch.id);
    expect(task.request.input).toMatchObject({ seed: 4242, image_urls: [link] });
  });

  it('refuses with what to do when the source image beside the video is gone and its link was a data: URL', async () => {
    const app = await startApp({ key: true, hosting: 'data-url' });
    const original = await oneForestVideo(app, { kind: 'fixed', value: 4242 });
    expect(original.sidecar!.imageUrl).toMatch(/^data:image\/jpeg;base64,/);
    rmSync(join(app.settings().libraryDir, original.sidecar!.sourceImage!));
    const refused = await app.refusal('library:use', original.path);
    expect(refused).toEqual({
      code: 'not_allowed',
      message: `The source image of “${original.name}” is not beside it in the library and its link cannot be fetched again. Drop the image to use these settings with it.`
    });
  });

  it('refuses a video without a sidecar with a sentence', async () => {
    const { app, path } = await appWithForeignVideo();
    const refused = await app.refusal('library:use', path);
    expect(refused).toEqual({
      code: 'not_allowed',
      message: '“found clip.mp4” was not made by this app (it has no sidecar), so its prompt and settings are unknown.'
    });
    const rerun = await app.refusal('library:rerun', { paths: [path], seeds: 'new', takes: 1 });
    expect(rerun.message).toBe(refused.message);
    expect((await snapshot(app)).batches).toEqual([]);
  });
});

describe('images:from-url', () => {
  // The app fetches images only from the internet, or from the API's own host while that is the
  // simulator on this computer (architecture.md, "Security"): so the test's picture is put on the
  // simulator, which serves it back at a plain link, as a web server would.
  async function putOnApiHost(app: App, file: string): Promise<string> {
    const baseUrl = app.api!.baseUrl;
    const res = await fetch(`${baseUrl}/sim/uploads/${file}`, {
      method: 'PUT',
      body: new Uint8Array(photo(file)),
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'image/jpeg' }
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { url: string } }).data.url;
  }

  it('caches a web image and keeps its address; the composer sends the address, needing no hosting', async () => {
    const app = await startApp({ key: true, hosting: 'none' });
    const url = await putOnApiHost(app, 'harbour.jpg');
    const image = await app.call<SourceImage>('images:from-url', url);
    expect(image).toMatchObject({ id: sha256(photo('harbour.jpg')), kind: 'jpeg', origin: { kind: 'url', url } });
    expect(readFileSync(join(app.settings().dataDir, 'cache', 'sources', `${image.id}.jpg`)).equals(photo('harbour.jpg'))).toBe(true);

    const summary = await app.call<BatchSummary>('composer:create', composer([{ imageId: image.id, prompt: 'Boats rock in the harbour' }]));
    const [task] = await tasksOf(app, summary.batch.id);
    expect(task.request.input).toMatchObject({ mode: 'image-to-video', image_urls: [url] });
    expect(task.source.cells).toMatchObject({ image: url });
    const submitted = await until('the submit to reach APIXO', () => app.api!.submissions[0]);
    expect(submitted.body.input).toMatchObject({ image_urls: [url] });
  });

  it('keeps a web image’s link after a restart; the same picture dropped as a file is that file', async () => {
    const dir = makeDir();
    const first = await startApp({ key: true, hosting: 'none', dir });
    const url = await putOnApiHost(first, 'harbour.jpg');
    const image = await first.call<SourceImage>('images:from-url', url);
    await first.service.close();
    await first.api?.close();
    running.splice(running.indexOf(first), 1);

    const again = await startApp({ key: true, hosting: 'none', dir });
    const summary = await again.call<BatchSummary>('composer:create', composer([{ imageId: image.id, prompt: 'Boats rock in the harbour' }]));
    const [task] = await tasksOf(again, summary.batch.id);
    expect(task.request.input).toMatchObject({ image_urls: [url] });

    // Dropped from disk, the picture is the file now (a link seen before may have expired): it needs hosting.
    const dropped = await again.call<DropInspection>('drop:inspect', [photoFolder('harbour.jpg')]);
    expect(dropped.images[0]).toMatchObject({ id: image.id, origin: { kind: 'file' } });
    const refused = await again.refusal('composer:create', composer([{ imageId: image.id, prompt: 'Boats rock in the harbour' }]));
    expect(refused.message).toBe(NO_HOSTING_MESSAGE);
  });

  it('refuses an address that is not an image with a sentence, caching nothing', async () => {
    const app = await startApp({ key: true, hosting: 'none' });
    const url = await putOnApiHost(app, 'harbour.jpg');
    const refused = await app.refusal('images:from-url', url.replace(/[0-9a-f]{64}/, '0'.repeat(64)));
    expect(refused.code).toBe('not_allowed');
    expect(refused.message).toMatch(/HTTP 404/);
    expect(existsSync(join(app.settings().dataDir, 'cache', 'sources'))).toBe(false);
  });
});

describe('images:from-url refuses this computer and private networks', () => {
  it('names the address and fetches nothing from a loopback server that is not the API', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo('harbour.jpg'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const app = await startApp({ key: true, hosting: 'none' });
      const port = (server.address() as AddressInfo).port;
      for (const url of [`http://127.0.0.1:${port}/p.jpg`, `http://[::ffff:127.0.0.1]:${port}/p.jpg`, `http://2130706433:${port}/p.jpg`]) {
        const refused = await app.refusal('images:from-url', url);
        expect(refused.code, url).toBe('not_allowed');
        expect(refused.message, url).toMatch(/this computer/);
      }
      expect(requests).toBe(0);
      expect(existsSync(join(app.settings().dataDir, 'cache', 'sources'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('library:continue', () => {
  /** A captured frame as the window sends it: the PNG's bytes in a `data:` URL. */
  const pngUrl = (bytes: Uint8Array): string => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;

  it('caches the frame as a local image, prefills one image-to-video row, and the new video records its parent in its sidecar and the library', async () => {
    const app = await startApp();
    const original = await oneForestVideo(app, { kind: 'fixed', value: 4242 });
    const frame = photo('lighthouse.png');
    const draft = await app.call<ComposerDraft>('library:continue', original.path, 5.9876, pngUrl(frame));
    expect(draft.rows).toHaveLength(1);
    const [row] = draft.rows;
    expect(row.prompt).toBe('Mist drifts between the trees');
    expect(row.parent).toEqual({ taskId: original.sidecar!.taskId, file: original.path, frameSec: 5.988 });
    expect(row.image).toMatchObject({ id: sha256(frame), kind: 'png', sizeBytes: frame.length });
    expect(row.image!.origin).toEqual({ kind: 'file', path: join(app.settings().dataDir, 'cache', 'sources', `${sha256(frame)}.png`) });
    expect(readFileSync(join(app.settings().dataDir, 'cache', 'sources', `${row.image!.id}.png`)).equals(frame)).toBe(true);
    // A new shot: the video's length and size, a seed of its own.
    expect(draft.defaults).toMatchObject({ resolution: '480p', duration: 6, seed: { kind: 'random' }, mode: 'image-to-video' });

    const made = await app.call<BatchSummary>('composer:create', {
      name: 'continued',
      rows: [{ imageId: row.image!.id, prompt: row.prompt, parent: row.parent }],
      defaults: draft.defaults,
      takes: 1
    });
    const [task] = await batchDone(app, made.batch.id);
    expect(task.source.parent).toEqual(row.parent);
    expect(task.request.input).toMatchObject({ mode: 'image-to-video' });
    expect(imageUrlOf(task)).toMatch(simUploadUrl(frame, 'png'));

    const items = await libraryOf(app, 2);
    const child = items.find((i) => i.path !== original.path)!;
    const onDisk = JSON.parse(readFileSync(join(app.settings().libraryDir, ...child.path.split('/')).replace(/\.mp4$/, '.json'), 'utf8')) as {
      parent?: unknown;
    };
    expect(onDisk.parent).toEqual(row.parent);
    const detail = await app.call<LibraryDetail>('library:get', child.path);
    expect(detail.parent).toEqual(row.parent);
    expect(detail.lineage).toEqual({
      parent: { frameSec: 5.988, video: { path: original.path, title: 'Mist drifts between the trees' } },
      children: [],
      chain: [
        { path: original.path, title: 'Mist drifts between the trees' },
        { path: child.path, title: 'Mist drifts between the trees' }
      ]
    });
    const parent = await app.call<LibraryDetail>('library:get', original.path);
    expect(parent.lineage?.children).toEqual([{ path: child.path, title: 'Mist drifts between the trees' }]);
    expect(parent.lineage?.parent).toBeUndefined();

    // The first shot deleted: the next one still says where it came from, "no longer in the library".
    await app.call('library:delete', [original.path]);
    const orphan = await app.call<LibraryDetail>('library:get', child.path);
    expect(orphan.lineage).toEqual({ parent: { frameSec: 5.988 }, children: [], chain: [{ path: child.path, title: 'Mist drifts between the trees' }] });
  });

  it('refuses bytes that are not a PNG picture, in words, and caches nothing', async () => {
    const app = await startApp();
    const original = await oneForestVideo(app, { kind: 'random' });
    const sources = join(app.settings().dataDir, 'cache', 'sources');
    const before = existsSync(sources) ? readdirSync(sources).length : 0;
    const jpeg = await app.refusal('library:continue', original.path, 1, pngUrl(photo('forest.jpg')));
    expect(jpeg).toMatchObject({ code: 'not_allowed' });
    expect(jpeg.message).toMatch(/is not a PNG picture, so nothing was added/);
    const garbled = await app.refusal('library:continue', original.path, 1, 'data:image/png;base64,@@not base64@@');
    expect(garbled.message).toMatch(/did not arrive as a PNG picture/);
    // A PNG's signature on bytes that are no picture: the one image check says why.
    const broken = await app.refusal('library:continue', original.path, 1, pngUrl(Buffer.concat([photo('lighthouse.png').subarray(0, 8), Buffer.alloc(64)])));
    expect(broken.code).toBe('not_allowed');
    expect(broken.message.length).toBeGreaterThan(20);
    const wrongKind = await app.refusal('library:continue', original.path, 1, 'data:image/jpeg;base64,AAAA');
    expect(wrongKind).toMatchObject({ code: 'invalid_argument' });
    expect(existsSync(sources) ? readdirSync(sources).length : 0).toBe(before);
  });
});
