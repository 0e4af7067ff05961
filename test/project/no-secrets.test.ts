/**
 * No credential in any file the app writes: two real runs with every secret set to a value that
 * cannot occur by chance, then a search of every file in the data folder (journal, snapshot,
 * logs, image cache), the library (videos, sidecars, source copies, and their names) and an
 * export folder (sidecars, manifest.csv) for the API key, the bucket's access key ID and secret,
 * and any signature.
 *
 * - With a bucket: the product's parts in this process (the batch use case, the queue with its
 *   link signer, the APIXO client against a simulator that wants this API key, the file log with
 *   the app's redaction, the library's export) and a real S3-compatible server that checks every
 *   signature. (The app itself refuses a bucket on this computer, which APIXO could not reach, so
 *   the app service cannot be pointed at one.)
 * - With the built-in simulator: the built CLI, its image upload, the bucket's settings and
 *   secret set all the same.
 *
 * One signed link is allowed, in one place: a result's link (`resultUrl`) in the data folder's
 * journal. It is APIXO's link to a paid video, the way to fetch it after a restart, and holds no
 * credential of the person's; it never reaches a sidecar, an export or a log.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostingStatus } from '@shared/images';
import { DEFAULT_HOSTING, type HostingSettings, type S3Hosting } from '@shared/settings';
import { ApixoClient } from '../../src/main/core/apixo';
import { createBatch } from '../../src/main/core/app/create-batch';
import { createS3Host, loggedHost, requestSigner } from '../../src/main/core/hosting';
import { ImageCache } from '../../src/main/core/images';
import { LibraryService } from '../../src/main/core/library/library-service';
import { openFileLog } from '../../src/main/core/log/file-log';
import { APP_NAME } from '../../src/main/core/paths';
import { BatchEngine, type NewTask } from '../../src/main/core/queue/engine';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli } from '../support/cli';
import { settled } from '../support/engine-harness';
import { tempDirs } from '../support/temp-dirs';
import { startLocalS3, type LocalS3 } from '../hosting/support/s3-server';

const API_KEY = 'zqx-apixo-key-DO-NOT-LEAK-7f3a91';
const BUCKET_KEY = { accessKeyId: 'AKIAZQXNOLEAK7F3A91', secretAccessKey: 'zqx-bucket-secret-DO-NOT-LEAK-7f3a91' };
const TIME_SCALE = 0.002;
const photo = (name: string): string => fileURLToPath(new URL(`../fixtures/photos/${name}`, import.meta.url));

/** What must appear nowhere: the secrets, and the marks of any signed link. */
const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: 'the API key', pattern: new RegExp(API_KEY) },
  { what: "the bucket's access key ID", pattern: new RegExp(BUCKET_KEY.accessKeyId) },
  { what: "the bucket's secret", pattern: new RegExp(BUCKET_KEY.secretAccessKey) },
  { what: 'X-Amz-Signature', pattern: /X-Amz-Signature/i },
  { what: 'X-Amz-Credential', pattern: /X-Amz-Credential/i },
  { what: "the simulator's signature", pattern: /[?&]sig=[0-9a-f]{16,}/i }
];

const tempDir = tempDirs('ltx-no-secrets-');

/** Every file under `root`, with its path from `root`: the name is searched too. */
function filesUnder(root: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ name: relative(root, path), text: readFileSync(path).toString('latin1') });
    }
  };
  walk(root);
  return out;
}

/** "<folder>/<file>: <what>" for every forbidden thing found; the journal's result links are allowed (see above). */
function leaks(folders: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [label, root] of Object.entries(folders)) {
    for (const file of filesUnder(root)) {
      const journal = label === 'data' && /\.(jsonl?|snapshot)$/i.test(file.name);
      const text = journal ? file.text.replace(/"resultUrl":"[^"]*"/g, '"resultUrl":"…"') : file.text;
      for (const { what, pattern } of FORBIDDEN) {
        if (pattern.test(file.name) || pattern.test(text)) found.push(`${label}/${file.name}: ${what}`);
      }
    }
  }
  return found;
}

async function exportAll(libraryDir: string, cacheDir: string, exportDir: string): Promise<void> {
  const library = await LibraryService.open({ libraryDir, cacheDir, trash: async () => undefined, reveal: () => undefined, watch: false });
  try {
    const page = library.query({});
    expect(page.total).toBeGreaterThan(0);
    const result = await library.exportTo(
      page.items.map((item) => item.path),
      exportDir
    );
    expect(result.failed).toEqual([]);
  } finally {
    await library.close();
  }
}

function imageRows(): NewTask[] {
  const row = (n: number, file: string, take: number): NewTask => ({
    source: { row: n + 1, take, name: file, cells: { prompt: `the ${file} comes alive`, image: file } },
    draft: { mode: 'image-to-video', prompt: `the ${file} comes alive`, resolution: '480p', duration: 6 },
    imagePath: photo(file)
  });
  return [row(1, 'forest.jpg', 1), row(1, 'forest.jpg', 2), row(2, 'harbour.jpg', 1)];
}

describe('no credential in any file the app writes', () => {
  let s3: LocalS3;
  let sim: Simulator;

  beforeAll(async () => {
    s3 = await startLocalS3(tempDir(), ['clips'], [BUCKET_KEY]);
    sim = await startSimulator({ apiKey: API_KEY, timeScale: TIME_SCALE });
  });
  afterAll(async () => {
    await sim?.close();
    await s3?.close();
  });

  it('with images in an S3 bucket: journal, snapshot, log, library, exported sidecars and manifest hold none', async () => {
    const root = tempDir();
    const [dataDir, libraryDir, exportDir] = ['data', 'library', 'export'].map((name) => join(root, name));
    const fileLog = openFileLog({ dir: join(dataDir, 'logs'), fileName: 'main.log', level: 'debug' });
    // As the app does: the secrets it knows are scrubbed from every line by value.
    fileLog.redactor.keep(() => [API_KEY, BUCKET_KEY.secretAccessKey]);
    const log = fileLog.logger;
    const bucket: S3Hosting = {
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: 'clips',
      accessKeyId: BUCKET_KEY.accessKeyId,
      prefix: 'studio/',
      pathStyle: true,
      urlHours: 168
    };
    const host = loggedHost(createS3Host(bucket, BUCKET_KEY.secretAccessKey), log.child('hosting'));
    const engine = await BatchEngine.open({
      dataDir,
      client: new ApixoClient({ apiKey: API_KEY, baseUrl: sim.baseUrl, timeScale: TIME_SCALE, log: log.child('apixo') }),
      timeScale: TIME_SCALE,
      log: log.child('engine'),
      signRequest: requestSigner({ host: () => host })
    });
    const ready: HostingStatus = { ready: true, label: host.label, message: 'ready', secretSet: true, simulated: false };
    const summary = await createBatch(
      { engine: () => engine, images: new ImageCache(join(dataDir, 'cache')), host: () => host, hostingStatus: () => ready },
      { name: 'secrets', libraryDir, tasks: imageRows() }
    );
    engine.start();
    const tasks = await settled(engine, summary.batch.id);
    expect(tasks.map((t) => t.state)).toEqual(['done', 'done', 'done']);
    await engine.close();
    await exportAll(libraryDir, join(dataDir, 'cache'), exportDir);

    // The secrets were in play: APIXO was sent links signed with this access key, which the bucket served.
    const sent = sim.submissions.map((s) => (s.body.input as { image_urls: string[] }).image_urls[0]);
    expect(sent).toHaveLength(3);
    for (const url of sent) expect(new URL(url).searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${BUCKET_KEY.accessKeyId}/`));
    expect(filesUnder(exportDir).map((f) => f.name)).toContain('manifest.csv');
    const logged = filesUnder(join(dataDir, 'logs'))
      .map((f) => f.text)
      .join('');
    expect(logged).toMatch(/\(hosting\) image hosted/);
    expect(logged).toMatch(/\(engine\/download\) downloaded/);

    expect(leaks({ data: dataDir, library: libraryDir, export: exportDir })).toEqual([]);
  });

  it('with the built-in simulator (the CLI): data folder, cli.log, library and export hold none', async () => {
    requireBuiltCli();
    const root = tempDir();
    const [dataDir, libraryDir, exportDir, config] = ['data', 'library', 'export', 'config'].map((name) => join(root, name));
    copyFileSync(photo('forest.jpg'), join(root, 'forest.jpg'));
    copyFileSync(photo('lighthouse.png'), join(root, 'lighthouse.png'));
    writeFileSync(join(root, 'batch.csv'), 'prompt,image,takes\nmist over a forest,forest.jpg,2\na lighthouse at dusk,lighthouse.png,1\n');
    // The bucket is set up too, with its secret in the environment: while simulating it is not used, and never written down.
    const hosting: HostingSettings = {
      ...DEFAULT_HOSTING,
      kind: 's3',
      s3: { ...DEFAULT_HOSTING.s3, endpoint: 'https://s3.eu-west-1.amazonaws.com', region: 'eu-west-1', bucket: 'clips', accessKeyId: BUCKET_KEY.accessKeyId }
    };
    mkdirSync(join(config, APP_NAME), { recursive: true });
    writeFileSync(join(config, APP_NAME, 'settings.json'), JSON.stringify({ settings: { hosting } }));
    const { code, stdout, stderr } = await runCli(
      ['run', join(root, 'batch.csv'), '--out', libraryDir, '--data-dir', dataDir, '--yes', '--time-scale', String(TIME_SCALE)],
      { env: { XDG_CONFIG_HOME: config, LTX_HOSTING_SECRET: BUCKET_KEY.secretAccessKey, APIXO_API_KEY: '' } }
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(`${stdout}${stderr}`).not.toContain(BUCKET_KEY.secretAccessKey);
    expect(readdirSync(libraryDir).filter((name) => name.includes('.source.'))).toHaveLength(3);
    await exportAll(libraryDir, join(root, 'export-cache'), exportDir);

    expect(leaks({ data: dataDir, library: libraryDir, export: exportDir })).toEqual([]);
  });
});
