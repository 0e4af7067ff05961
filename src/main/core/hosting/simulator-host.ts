import got from 'got';
import type { ImageRef } from '@shared/request';
import { UPLOAD_PREFIX, uploadUrl } from '../simulator/uploads';
import { networkProblem } from '../util/network-error';
import { IMAGE_EXT, IMAGE_MIME } from './image-kinds';
import { readImage } from './read-image';
import { placeWords } from './place-words';
import { HostingError, contentName, type ImageHost, type ImageToHost } from './types';

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
  const host: ImageHost = {
    label: SIMULATOR_HOST_LABEL,
    reference(image: ImageToHost): ImageRef {
      return { host: 'simulator', sha256: image.id, copy: `${image.id}.${IMAGE_EXT[image.kind]}` };
    },
    referenceOf(url: string): ImageRef | undefined {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return undefined;
      }
      // A simulator's upload, on this computer: an earlier simulator had another port, and forgot its uploads.
      if (!/^(127\.0\.0\.1|localhost|\[::1\])$/.test(parsed.host.replace(/:\d+$/, '')) || !parsed.pathname.startsWith(UPLOAD_PREFIX)) return undefined;
      const named = contentName(parsed.pathname);
      return named && { host: 'simulator', ...named };
    },
    async relink(ref: ImageRef, image: ImageToHost | undefined): Promise<string> {
      if (ref.host !== 'simulator') {
        throw new HostingError(
          `${placeWords(ref)}, but the built-in simulator is the API now, so its link cannot be signed again. Connect to APIXO again, or add the row again.`,
          'settings'
        );
      }
      // The simulator keeps uploads in memory: one that has it still serves it; a new one (after a restart) gets it again.
      const kept = `${baseUrl.replace(/\/+$/, '')}/sim/uploads/${ref.copy}`;
      const there = await got(kept, { method: 'HEAD', throwHttpErrors: false, retry: { limit: 0 }, timeout: { request: 10_000 } }).then(
        (res) => res.statusCode === 200,
        () => false
      );
      if (there) return kept;
      if (!image) throw new HostingError(`${placeWords(ref)}, and its copy on this computer is gone. Add the image again.`, 'image');
      return host.host(image);
    },
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
  return host;
}
