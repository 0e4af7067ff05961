import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOSTING, type HostingSettings } from '@shared/settings';
import { NO_HOSTING_MESSAGE } from '../../src/main/core/hosting';
import { APP_NAME } from '../../src/main/core/paths';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { requireBuiltCli, runCli } from '../support/cli';

const STILL = fileURLToPath(new URL('../fixtures/photos/forest.jpg', import.meta.url));
const FAST = ['--time-scale', '0.002'];
let dir: string;
let sim: Simulator;

beforeAll(async () => {
  requireBuiltCli();
  sim = await startSimulator({ timeScale: 0.002 });
});
afterAll(() => sim.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-run-images-'));
  copyFileSync(STILL, join(dir, 'still.jpg'));
  writeFileSync(join(dir, 'batch.csv'), 'prompt,image\nmist rising over a forest,still.jpg\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The app's own folder for this test: the CLI reads `settings.json` there, as electron-store writes it. */
function appSettings(hosting?: HostingSettings): NodeJS.ProcessEnv {
  const config = join(dir, 'config');
  if (hosting) {
    mkdirSync(join(config, APP_NAME), { recursive: true });
    writeFileSync(join(config, APP_NAME, 'settings.json'), JSON.stringify({ settings: { hosting } }));
  }
  return { XDG_CONFIG_HOME: config, LTX_HOSTING_SECRET: '' };
}

function run(env: NodeJS.ProcessEnv, ...extra: string[]) {
  return runCli(['run', join(dir, 'batch.csv'), '--out', join(dir, 'library'), '--data-dir', join(dir, 'data'), '--yes', ...FAST, ...extra], { env });
}

/** The library's files: each video with its sidecar and the source image beside it. */
function library(): string[] {
  return readdirSync(join(dir, 'library')).sort();
}

function expectVideoWithItsImage(): void {
  const files = library();
  const video = files.find((f) => f.endsWith('.mp4'));
  expect(video).toBeDefined();
  const stem = video!.slice(0, -'.mp4'.length);
  expect(files).toEqual([`${stem}.json`, `${stem}.mp4`, `${stem}.source.jpg`]);
  expect(readFileSync(join(dir, 'library', `${stem}.source.jpg`))).toEqual(readFileSync(STILL));
  const sidecar = JSON.parse(readFileSync(join(dir, 'library', `${stem}.json`), 'utf8'));
  expect(sidecar).toMatchObject({ mode: 'image-to-video', sourceImage: `${stem}.source.jpg` });
}

describe('cli run with a local image', () => {
  it('uploads it to the built-in simulator while simulating, and ends with the video and its image in the library', async () => {
    const { code, stdout, stderr } = await run({ ...appSettings(), APIXO_API_KEY: '' });
    expect(stderr).toBe('');
    expect(stdout).toContain('Local images go to the simulator.');
    expect(stdout).toMatch(/batch: 1 of 1 video done/);
    expect(code).toBe(0);
    expectVideoWithItsImage();
  });

  it('sends it inline as a data: URL when the app is set up so, against the API', async () => {
    const before = sim.submissions.length;
    const env = { ...appSettings({ ...DEFAULT_HOSTING, kind: 'data-url' }), APIXO_API_KEY: sim.apiKey };
    const { code, stdout } = await run(env, '--base-url', sim.baseUrl);
    expect(stdout).toContain('Local images go to data: URLs (experimental).');
    expect(code).toBe(0);
    const sent = sim.submissions.slice(before).map((s) => (s.body as { input: { image_urls?: string[] } }).input.image_urls?.[0]);
    expect(sent).toEqual([`data:image/jpeg;base64,${readFileSync(STILL).toString('base64')}`]);
    expectVideoWithItsImage();
  });

  it('with nothing set up, says what to set up in the window’s words, and submits nothing', async () => {
    const before = sim.submissions.length;
    const { code, stdout, stderr } = await run({ ...appSettings(), APIXO_API_KEY: sim.apiKey }, '--base-url', sim.baseUrl);
    expect(code).toBe(2);
    expect(stderr).toBe(`✗ 1 row uses a local image (first: row 2); nothing was submitted. ${NO_HOSTING_MESSAGE}\n`);
    expect(stdout).not.toContain('Estimate');
    expect(sim.submissions.length).toBe(before);
    const status = await runCli(['status', '--data-dir', join(dir, 'data')]);
    expect(status.stdout).toMatch(/No batches/);
  });

  it('with a bucket set up in the app but no secret for the command line, says the keychain is out of its reach', async () => {
    const s3 = { ...DEFAULT_HOSTING.s3, endpoint: 'https://s3.eu-west-1.amazonaws.com', region: 'eu-west-1', bucket: 'clips', accessKeyId: 'AKIAEXAMPLE' };
    const { code, stderr } = await run({ ...appSettings({ kind: 's3', s3 }), APIXO_API_KEY: sim.apiKey }, '--base-url', sim.baseUrl);
    expect(code).toBe(2);
    expect(stderr).toContain('To host local images in an S3-compatible bucket, fill in the secret access key in Settings → Image hosting.');
    expect(stderr).toContain('The command line cannot read the secret access key the app keeps in the OS keychain: set LTX_HOSTING_SECRET to it.');
  });
});
