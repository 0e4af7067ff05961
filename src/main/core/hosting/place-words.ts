import type { ImageRef } from '@shared/request';

/** Where a hosted image is, as the start of a sentence: `Its source image is in bucket "clips" at https://…`. */
export function placeWords(ref: ImageRef): string {
  if (ref.host === 's3') return `Its source image is in bucket ${JSON.stringify(ref.bucket ?? '')} at ${ref.endpoint ?? '?'}`;
  return 'Its source image was uploaded to the built-in simulator';
}
