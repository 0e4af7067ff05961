/**
 * Source images for image-to-video: checking dropped or linked images, caching them under their
 * content hash, and sorting what a drop holds. Node only: never imports electron.
 */
export type { DropInspection, ImageKind, RefusedItem, SourceImage } from '@shared/images';
export { imageDimensions, type ImageDimensions } from './image-size';
export {
  checkImageBytes,
  checkImageFile,
  inspectImageBytes,
  inspectImageFile,
  inspectImageFileSync,
  JPEG_HEAD_BYTES,
  type ImageCheck,
  type ImageVerdict
} from './image-check';
export { describeContent, looksLikeText, sniffImage } from './content-kind';
export { ImageCache, isImageId, IMAGE_EXTENSIONS, SOURCES_DIR } from './image-cache';
export { ImageRefusal, isImageRefusal } from './image-refusal';
export { inspectDrop, DEFAULT_MAX_DROP_DEPTH, DEFAULT_MAX_DROP_IMAGES, type DropOptions } from './drop';
export { fetchRemoteImage, DEFAULT_REMOTE_TIMEOUT_MS, type RemoteImageOptions } from './remote-image';
export { naturalCompare } from './natural-order';
