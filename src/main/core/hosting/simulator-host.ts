import got from 'got';
import { uploadUrl } from '../simulator/uploads';
import { networkProblem } from '../util/network-error';
import { IMAGE_MIME } from './image-kinds';
import { readImage } from './read-image';
import { HostingError, type ImageHost, type ImageToHost } from './types';

export const SIMULATOR_HOST_LABEL = 'the simulator';

/** The envelope's own words: `message`, with `data.error` when it says more. */
function serverWords(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; data?: { error?: unknown } };
    const detail = typeof parsed.data?.error === 'string' ? parsed.data.error : '';
    const message = typeof parsed.message === 'string' ? parsed.message : '';
    return [message, detail].filter(Boolean).join(': ') || body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

/** Hosts images on the built-in simulator's upload (uploads.ts there), while it stands in for APIXO. */
export function createSimulatorHost(baseUrl: string, apiKey: string): ImageHost {
  return {
    label: SIMULATOR_HOST_LABEL,
    async host(image: ImageToHost): Promise<string> {
      const bytes = await readImage(image);
      let status: number;
      let body: string;
      try {
        const res = await got(uploadUrl(baseUrl, image.name), {
          method: 'PUT',
          body: bytes,
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': IMAGE_MIME[image.kind] },
          throwHttpErrors: false,
          // The simulator is on this computer: one quick retry is enough.
          retry: { limit: 1, methods: ['PUT'], backoffLimit: 250 },
          timeout: { request: 30_000 },
          responseType: 'text'
        });
        status = res.statusCode;
        body = res.body;
      } catch (error) {
        throw new HostingError(
          `The built-in simulator could not be reached to upload ${JSON.stringify(image.name)}: ${networkProblem(error).words}. Restart the simulation (or the app) and try again.`,
          'unreachable'
        );
      }
      let url: unknown;
      try {
        url = (JSON.parse(body) as { data?: { url?: unknown } }).data?.url;
      } catch {
        url = undefined;
      }
      if (status === 401) {
        throw new HostingError(
          `The simulator refused to take ${JSON.stringify(image.name)}: it did not accept the API key (HTTP 401). Restart the simulation and try again.`,
          'credentials'
        );
      }
      if (status !== 200 || typeof url !== 'string') {
        throw new HostingError(
          `The simulator refused the image ${JSON.stringify(image.name)}: ${serverWords(body)} (HTTP ${status}). Use a JPEG, PNG or WebP image under 10 MB.`,
          status === 413 ? 'too_large' : 'image'
        );
      }
      return url;
    }
  };
}
