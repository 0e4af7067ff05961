/**
 * Where the window's source images came from. The cache's files hold only bytes: an image seen
 * this session (a drop, a URL) is remembered with its origin, and a web image's link is kept
 * beside its cached copy (`<id>.url`), so it needs no hosting, even after a restart.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceImage } from '@shared/images';
import type { ImageCache } from '../images';
import { writeFileAtomic } from '../store/fs-durable';
import type { CachedImage } from './compose';

export class SeenImages {
  private readonly seen = new Map<string, SourceImage>();

  constructor(private readonly images: ImageCache) {}

  private linkFile(id: string): string {
    return join(this.images.sourcesDir, `${id}.url`);
  }

  /** Notes where an image came from this time: a file dropped now is that file (a link seen before may have expired). */
  async remember(image: SourceImage): Promise<SourceImage> {
    if (image.origin.kind === 'url') await writeFileAtomic(this.linkFile(image.id), image.origin.url);
    else await rm(this.linkFile(image.id), { force: true });
    this.seen.set(image.id, image);
    return image;
  }

  /** A cached image with the origin it was last seen with, or undefined when it is not in the cache. */
  async find(id: string): Promise<CachedImage | undefined> {
    const found = await this.images.find(id);
    if (!found) return undefined;
    return { image: this.seen.get(id) ?? (await this.linked(found.image)) ?? found.image, path: found.path };
  }

  /** The image with its web origin, when a link was kept for it. */
  private async linked(image: SourceImage): Promise<SourceImage | undefined> {
    const url = await readFile(this.linkFile(image.id), 'utf8').catch(() => undefined);
    return url && /^https?:\/\//i.test(url) ? { ...image, origin: { kind: 'url', url } } : undefined;
  }
}
