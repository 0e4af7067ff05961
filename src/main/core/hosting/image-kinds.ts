import type { ImageKind } from '@shared/images';

/** The Content-Type each image kind is served with. */
export const IMAGE_MIME: Readonly<Record<ImageKind, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** The file extension each image kind is stored under. */
export const IMAGE_EXT: Readonly<Record<ImageKind, string>> = { jpeg: 'jpg', png: 'png', webp: 'webp' };
