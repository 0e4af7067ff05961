import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import got from 'got';
import type { HostingTest } from '@shared/images';
import { networkProblem } from '../util/network-error';
import { isPrivateHost } from './private-host';
import { readS3Error } from './s3-errors';
import { SIMULATOR_HOST_LABEL } from './simulator-host';
import { HostingError, type ImageHost, type ImageToHost } from './types';

/** A 2×2 PNG: small enough for every host, a real image for any that checks. */
export const TEST_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFElEQVR4nGP4z8DAAMIM/////w8AH+4F+7C4l8kAAAAASUVORK5CYII=', 'base64');

const TEST_NAME = 'ltx-batch-studio-test.png';

/** The bytes behind a URL the host answered: decoded for `data:`, fetched for http(s). */
async function fetchBack(url: string): Promise<Buffer | string> {
  const data = /^data:[^,]*;base64,/i.exec(url);
  if (data) return Buffer.from(url.slice(data[0].length), 'base64');
  let res;
  try {
    res = await got(url, { responseType: 'buffer', throwHttpErrors: false, retry: { limit: 2 }, timeout: { request: 30_000 } });
  } catch (error) {
    return `its link could not be fetched: ${networkProblem(error).words}`;
  }
  if (res.statusCode !== 200) {
    const { code } = readS3Error(new TextDecoder().decode(res.body));
    return `fetching it through its link answered HTTP ${res.statusCode}${code ? ` (${code})` : ''}`;
  }
  return Buffer.from(res.body);
}

/**
 * Hosts a tiny built-in PNG and fetches it back through the answered URL, the way APIXO would:
 * proof that hosting works, or a sentence saying what to fix.
 */
export async function testImageHost(host: ImageHost): Promise<HostingTest> {
  const dir = await mkdtemp(join(tmpdir(), 'ltx-hosting-test-'));
  try {
    const path = join(dir, TEST_NAME);
    await writeFile(path, TEST_PNG);
    const image: ImageToHost = {
      path,
      id: createHash('sha256').update(TEST_PNG).digest('hex'),
      kind: 'png',
      sizeBytes: TEST_PNG.length,
      name: TEST_NAME
    };
    let url: string;
    try {
      url = await host.host(image);
    } catch (error) {
      if (error instanceof HostingError) return { ok: false, message: `The test image could not be hosted. ${error.message}` };
      throw error;
    }
    const back = await fetchBack(url);
    if (typeof back === 'string') {
      return {
        ok: false,
        message: `The test image was uploaded to ${host.label}, but ${back}. APIXO would fail the same way: check the bucket's settings in Settings → Image hosting.`
      };
    }
    if (!back.equals(TEST_PNG)) {
      return {
        ok: false,
        message: `The test image was uploaded to ${host.label}, but its link gave back different bytes (${back.length} instead of ${TEST_PNG.length}). Make sure nothing in front of the bucket changes files (image optimisation, a login page).`
      };
    }
    if (url.startsWith('data:')) {
      return {
        ok: true,
        message:
          'The test image was turned into a data: URL and read back unchanged. APIXO does not document data: URLs, so whether it accepts them shows only when an image task runs.'
      };
    }
    if (host.label !== SIMULATOR_HOST_LABEL) {
      const { hostname } = new URL(url);
      if (isPrivateHost(hostname)) {
        return {
          ok: false,
          message: `The test image was uploaded to ${host.label} and fetched back, but its link points at ${hostname}, which APIXO cannot reach from the internet. Use an endpoint that is publicly reachable in Settings → Image hosting.`
        };
      }
    }
    return {
      ok: true,
      message: `A test image was uploaded to ${host.label} and fetched back through its link unchanged: APIXO can fetch images the same way.`
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
