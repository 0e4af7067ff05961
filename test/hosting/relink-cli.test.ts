/**
 * `ltx-batch resume` signs image links the way the app does: from the reference in the journal,
 * the app's hosting settings and LTX_HOSTING_SECRET. Without the secret a queued image task is
 * held back with a note saying to set it, and nothing reaches the API.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HostingStatus } from '@shared/images';
import { DEFAULT_HOSTING } from '@shared/settings';
import { ApixoClient } from '../../src/main/core/apixo';
import { createBatch } from '../../src/main/core/app/create-batch';
import { createS3Host } from '../../src/main/core/hosting';
import { ImageCache } from '../../src/main/core/images';
import { APP_NAME } from '../../src/main/core/paths';
import { BatchEngine } from '../../src/main/core/queue/engine';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli } from '../support/cli';
import { tempDirs } from '../support/temp-dirs';
import { startLocalS3, type LocalS3 } from './support/s3-server';

const KEY = { accessKeyId: 'AKIARELINKCLI00001', secretAccessKey: 'relink-cli-secret-00001' };
const STILL = fileURLToPath(new URL('../fixtures/photos/forest.jpg', import.meta.url));
const tempDir = tempDirs('ltx-relink-cli-');
let s3: LocalS3;
let sim: Simulator;

beforeAll(async () => {
  requireBuiltCli();
  s3 = await startLocalS3(tempDir(), ['clips'], [KEY]);
  sim = await startSimulator({ apiKey: 'relink-cli-api-key', timeScale: 0.002 });
});
afterAll(async () => {
  await sim?.close();
  await s3?.close();
});

it('resume without LTX_HOSTING_SECRET holds the image task back, saying to set it, and submits nothing', async () => {
  const root = tempDir();
  const dataDir = join(root, 'data');
  const bucket = { endpoint: s3.endpoint, region: 'us-east-1', bucket: 'clips', accessKeyId: KEY.accessKeyId, prefix: 'ltx/', pathStyle: true, urlHours: 24 };
  // A batch made earlier (and never submitted), its image in the bucket.
  const engine = await BatchEngine.open({ dataDir, client: new ApixoClient({ apiKey: sim.apiKey, baseUrl: sim.baseUrl }) });
  const host = createS3Host(bucket, KEY.secretAccessKey);
  const ready: HostingStatus = { ready: true, label: host.label, message: 'ready', secretSet: true, simulated: false };
  await createBatch(
    { engine: () => engine, images: new ImageCache(join(dataDir, 'cache')), host: () => host, hostingStatus: () => ready },
    {
      name: 'forest',
      libraryDir: join(root, 'library'),
      tasks: [
        {
          source: { row: 2, take: 1, cells: { prompt: 'mist', image: 'forest.jpg' } },
          draft: { mode: 'image-to-video', prompt: 'mist', resolution: '480p', duration: 6 },
          imagePath: STILL
        }
      ]
    }
  );
  await engine.close();

  const config = join(root, 'config');
  mkdirSync(join(config, APP_NAME), { recursive: true });
  writeFileSync(join(config, APP_NAME, 'settings.json'), JSON.stringify({ settings: { hosting: { ...DEFAULT_HOSTING, kind: 's3', s3: bucket } } }));
  const { stdout, stderr } = await runCli(['resume', '--data-dir', dataDir, '--base-url', sim.baseUrl, '--time-scale', '0.002', '--json'], {
    env: { XDG_CONFIG_HOME: config, LTX_HOSTING_SECRET: '', APIXO_API_KEY: sim.apiKey }
  });
  expect(sim.submissions).toHaveLength(0);
  const after = await BatchEngine.open({ dataDir, client: new ApixoClient({ apiKey: sim.apiKey, baseUrl: sim.baseUrl }) });
  try {
    const [task] = after.tasksOf(after.batches()[0].id);
    expect({ state: task.state, stdout, stderr }).toMatchObject({ state: 'rejected' });
    expect(task.note).toMatch(/Its source image is in bucket "clips".*image hosting is not set up now.*LTX_HOSTING_SECRET.*nothing was charged/);
  } finally {
    await after.close();
  }
});
