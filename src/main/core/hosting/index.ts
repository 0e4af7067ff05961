/**
 * Image hosting: APIXO has no upload endpoint, so a local source image must be put somewhere it
 * can fetch: an S3-compatible bucket (presigned links), inline `data:` URLs (experimental), or,
 * while simulating, the simulator's own upload. `createImageHost` picks one from the settings;
 * `hostingStatus` says whether hosting is ready and what to set up; `testImageHost` proves it.
 */
import type { HostingSettings } from '@shared/settings';
import { silentLog, type Logger } from '../log/logger';
import { createDataUrlHost } from './data-url-host';
import { createS3Host } from './s3-host';
import { createSimulatorHost } from './simulator-host';
import { hostingStatus } from './status';
import type { ImageHost } from './types';

export { HostingError, type HostingFailure, type ImageHost, type ImageToHost } from './types';
export { DATA_URL_LABEL, DATA_URL_MAX_BYTES, createDataUrlHost } from './data-url-host';
export { DEFAULT_S3_RETRY, createS3Host, type S3HostOptions } from './s3-host';
export { SIMULATOR_HOST_LABEL, createSimulatorHost } from './simulator-host';
export { NO_HOSTING_MESSAGE, hostingStatus } from './status';
export { TEST_PNG, testImageHost } from './host-test';
export { MAX_EXPIRES_SECONDS, objectUrl, presignUrl, uriEncode, type Credentials, type ObjectLocation, type PresignRequest } from './sigv4';
export { objectKey } from './s3-config';
export { IMAGE_EXT, IMAGE_MIME } from './image-kinds';
export { imageReference, requestSigner, type RequestSigner } from './relink';

/**
 * The host local images go to, or undefined when none is set up (`hostingStatus` says what is
 * missing). While simulating, the simulator's own upload is used whatever the settings say.
 */
export function createImageHost(
  settings: HostingSettings,
  secret: string | undefined,
  simulator?: { baseUrl: string; apiKey: string },
  log: Logger = silentLog
): ImageHost | undefined {
  const host = pickHost(settings, secret, simulator);
  return host && loggedHost(host, log);
}

function pickHost(settings: HostingSettings, secret: string | undefined, simulator?: { baseUrl: string; apiKey: string }): ImageHost | undefined {
  if (simulator) return createSimulatorHost(simulator.baseUrl, simulator.apiKey);
  if (settings.kind === 'data-url') return createDataUrlHost();
  if (settings.kind === 's3') {
    const secretSet = secret !== undefined && secret.trim() !== '';
    if (!hostingStatus(settings, secretSet, false).ready) return undefined;
    return createS3Host(settings.s3, secret ?? '');
  }
  return undefined;
}

/** The same host, with a log line for every image hosted or refused (the link itself is never logged). */
export function loggedHost(host: ImageHost, log: Logger): ImageHost {
  return {
    label: host.label,
    reference: (image) => host.reference(image),
    referenceOf: (url) => host.referenceOf(url),
    async relink(ref, image) {
      try {
        return await host.relink(ref, image);
      } catch (error) {
        log.warn(`image link not made again: ${(error as Error).message}`, { image: ref.copy, host: host.label });
        throw error;
      }
    },
    async host(image) {
      const fields = { image: image.name, id: image.id.slice(0, 12), bytes: image.sizeBytes, host: host.label };
      try {
        const url = await host.host(image);
        log.info('image hosted', fields);
        return url;
      } catch (error) {
        log.warn(`image not hosted: ${(error as Error).message}`, fields);
        throw error;
      }
    }
  };
}
