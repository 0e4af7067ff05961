/**
 * Checked source images, copied into `<cacheDir>/sources/<sha256>.<ext>`: the same picture is
 * one file however often it is dropped, and a file there is always whole (written atomically).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { mediaRef } from '@shared/library';
import { IMAGE_EXT as IMAGE_EXTENSIONS, IMAGE_MAX_BYTES, type ImageKind, type SourceImage } from '@shared/images';
import { writeFileAtomic } from '../store/fs-durable';
import { checkImageBytes, checkImageFile, fileErrorReason } from './image-check';
import { ImageRefusal } from './image-refusal';

/** Sub-folder of the cache folder that holds the images. */
export const SOURCES_DIR = 'sources';

export { IMAGE_EXT as IMAGE_EXTENSIONS } from '@shared/images';

const IMAGE_ID = /^[0-9a-f]{64}$/;

/** An image id is the lowercase hex SHA-256 of its bytes. */
export function isImageId(id: unknown): id is string {
  return typeof id === 'string' && IMAGE_ID.test(id);
}

function requireImageId(id: string): void {
  // Ids come from the window: anything else could name a path outside the cache.
  if (!isImageId(id)) throw new TypeError(`Not an image id: ${JSON.stringify(String(id).slice(0, 80))} (expected 64 hexadecimal characters).`);
}

export class ImageCache {
  readonly sourcesDir: string;

  constructor(readonly cacheDir: string) {
    this.sourcesDir = join(cacheDir, SOURCES_DIR);
  }

  /** Where the image with this id and kind lives (whether or not it is there yet). */
  pathOf(id: string, kind: ImageKind): string {
    requireImageId(id);
    return join(this.sourcesDir, `${id}.${IMAGE_EXTENSIONS[kind]}`);
  }

  /** Checks a file, then copies it into the cache; throws `ImageRefusal` with the reason if it is not usable. */
  async addFile(path: string): Promise<SourceImage> {
    const name = basename(path) || path;
    const check = await checkImageFile(path);
    if (!check.ok) throw new ImageRefusal(check.reason);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new ImageRefusal(fileErrorReason(name, error), { cause: error });
    }
    // The bytes are checked again: the file may have changed since its head was read.
    return this.addBytes(bytes, name, { kind: 'file', path });
  }

  /** Checks bytes (a download, a paste) and stores them; throws `ImageRefusal` if they are not usable. */
  async addBytes(bytes: Uint8Array, name: string, origin: SourceImage['origin']): Promise<SourceImage> {
    const check = checkImageBytes(bytes, name);
    if (!check.ok) throw new ImageRefusal(check.reason);
    const id = createHash('sha256').update(bytes).digest('hex');
    const target = this.pathOf(id, check.kind);
    const present = await stat(target).catch(() => undefined);
    if (!present?.isFile() || present.size !== bytes.length) {
      await mkdir(this.sourcesDir, { recursive: true });
      await writeFileAtomic(target, bytes);
    }
    const { kind, width, height, sizeBytes } = check;
    return { id, name, kind, width, height, sizeBytes, preview: this.previewOf(id, kind), origin };
  }

  /** The cached image with this id, read from disk (so it survives a restart), or `undefined`. */
  async find(id: string): Promise<{ image: SourceImage; path: string } | undefined> {
    requireImageId(id);
    for (const kind of Object.keys(IMAGE_EXTENSIONS) as ImageKind[]) {
      const path = this.pathOf(id, kind);
      const present = await stat(path).catch(() => undefined);
      if (!present?.isFile() || present.size > IMAGE_MAX_BYTES) continue;
      const check = await checkImageFile(path);
      if (!check.ok || check.kind !== kind) continue;
      const { width, height, sizeBytes } = check;
      const image: SourceImage = {
        id,
        name: basename(path),
        kind,
        width,
        height,
        sizeBytes,
        preview: this.previewOf(id, kind),
        origin: { kind: 'file', path }
      };
      return { image, path };
    }
    return undefined;
  }

  private previewOf(id: string, kind: ImageKind): string {
    return mediaRef('cache', `${SOURCES_DIR}/${id}.${IMAGE_EXTENSIONS[kind]}`);
  }
}
