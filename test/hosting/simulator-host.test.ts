import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest } from '@shared/request-builder';
import { ApixoClient } from '../../src/main/core/apixo';
import { HostingError, createImageHost, createSimulatorHost, testImageHost } from '../../src/main/core/hosting';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { untilComplete } from '../simulator/helpers';
import { tempDirs } from '../support/temp-dirs';
import { imageBytes, imageFile } from './support/images';

const tempDir = tempDirs('ltx-sim-host-');
let sim: Simulator;
let client: ApixoClient;
let files: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.001, seed: 5 });
  client = new ApixoClient({ apiKey: sim.apiKey, baseUrl: sim.baseUrl, timeScale: 0.001 });
  files = tempDir();
});
afterAll(() => sim.close());

/** Submits an image-to-video task with `url` and waits for its end. */
async function runImageTask(url: string): Promise<Awaited<ReturnType<ApixoClient['status']>>> {
  const body = buildRequest({ mode: 'image-to-video', prompt: 'slow push in', resolution: '480p', duration: 5, imageUrl: url }, {});
  const { taskId } = await client.submit(body);
  await untilComplete(sim, taskId);
  return client.status(taskId);
}

describe('the simulator host', () => {
  it('uploads to the simulator, whose answered URL serves the same bytes', async () => {
    const bytes = imageBytes('jpeg', 3000);
    const image = imageFile(files, 'holiday photo.jpg', bytes, 'jpeg');
    const host = createSimulatorHost(sim.baseUrl, sim.apiKey);
    const url = await host.host(image);

    expect(host.label).toBe('the simulator');
    expect(url).toBe(`${sim.baseUrl}/sim/uploads/${image.id}.jpg`);
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('an image task with the uploaded image succeeds; one whose upload is missing fails with ImageNotAccess', async () => {
    const image = imageFile(files, 'source.png', imageBytes('png'), 'png');
    const url = await createSimulatorHost(sim.baseUrl, sim.apiKey).host(image);
    expect((await runImageTask(url)).state).toBe('success');

    const missing = url.replace(image.id, 'f'.repeat(64));
    expect(await runImageTask(missing)).toMatchObject({
      state: 'failed',
      failCode: 'ImageNotAccess',
      failMsg: 'Failed to download the input image, please use a public URL'
    });
  });

  it('wins over the settings while simulating', async () => {
    const host = createImageHost({ kind: 'none', s3: {} as never }, undefined, { baseUrl: sim.baseUrl, apiKey: sim.apiKey });
    expect(host?.label).toBe('the simulator');
  });

  it('turns refusals into sentences: a wrong key, a file that is not an image, an unreachable simulator', async () => {
    const image = imageFile(files, 'ok.png', imageBytes('png'), 'png');
    const badKey = await createSimulatorHost(sim.baseUrl, 'nope')
      .host(image)
      .catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(HostingError);
    expect((badKey as HostingError).message).toBe(
      'The simulator refused to take "ok.png": it did not accept the API key (HTTP 401). Restart the simulation and try again.'
    );

    const text = imageFile(files, 'fake.png', Buffer.from('this is not a picture'), 'png');
    await expect(createSimulatorHost(sim.baseUrl, sim.apiKey).host(text)).rejects.toThrow(
      'The simulator refused the image "fake.png": Invalid request: The upload is not a JPEG, PNG or WebP image (it is text) (HTTP 400). Use a JPEG, PNG or WebP image under 10 MB.'
    );

    const gone = await startSimulator({ timeScale: 0.001 });
    const goneUrl = gone.baseUrl;
    await gone.close();
    await expect(createSimulatorHost(goneUrl, gone.apiKey).host(image)).rejects.toThrow(
      /^The built-in simulator could not be reached to upload "ok.png": the connection was refused \(ECONNREFUSED\)\. Restart the simulation/
    );
  });

  it('passes the hosting test', async () => {
    expect(await testImageHost(createSimulatorHost(sim.baseUrl, sim.apiKey))).toEqual({
      ok: true,
      message: 'A test image was uploaded to the simulator and fetched back through its link unchanged: APIXO can fetch images the same way.'
    });
  });
});
