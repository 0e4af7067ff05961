import { fileSize } from '@shared/file-size';
import { DATA_URL_MAX_BYTES } from '@shared/images';
import { IMAGE_MIME } from './image-kinds';
import { readImage } from './read-image';
import type { ImageRef } from '@shared/request';
import { placeWords } from './place-words';
import { HostingError, type ImageHost, type ImageToHost } from './types';

export { DATA_URL_MAX_BYTES } from '@shared/images';

export const DATA_URL_LABEL = 'data: URLs (experimental)';

function tooLarge(image: ImageToHost, size: number): HostingError {
  return new HostingError(
    `The image ${JSON.stringify(image.name)} is ${fileSize(size)}; images sent as data: URLs can be at most ${fileSize(DATA_URL_MAX_BYTES)}, ` +
      "because the URL is stored with every task in the queue's journal. Connect an S3-compatible bucket in Settings → Image hosting to use larger images.",
    'too_large'
  );
}

/**
 * Sends images inline as `data:image/<kind>;base64,…` URLs. APIXO does not document these (one
 * third-party client sends them), so this is experimental; nothing is uploaded anywhere.
 */
export function createDataUrlHost(): ImageHost {
  return {
    label: DATA_URL_LABEL,
    async host(image: ImageToHost): Promise<string> {
      if (image.sizeBytes > DATA_URL_MAX_BYTES) throw tooLarge(image, image.sizeBytes);
      const bytes = await readImage(image);
      // The file may have changed since it was checked.
      if (bytes.length > DATA_URL_MAX_BYTES) throw tooLarge(image, bytes.length);
      return `data:${IMAGE_MIME[image.kind]};base64,${bytes.toString('base64')}`;
    },
    // The data: URL is the image itself: it holds no credential and is kept as it is.
    reference: () => undefined,
    referenceOf: () => undefined,
    async relink(ref: ImageRef): Promise<string> {
      const back = ref.host === 's3' ? 'Set the bucket back in Settings → Image hosting, or add the row again.' : 'Add the row again.';
      throw new HostingError(`${placeWords(ref)}, but image hosting is set to data: URLs now, so its link cannot be signed again. ${back}`, 'settings');
    }
  };
}
