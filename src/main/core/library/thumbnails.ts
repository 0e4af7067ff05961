import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mediaRef } from '@shared/library';
import { writeFileAtomic } from '../store/fs-durable';
import type { FileFacts } from './library-entry';

/** Thumbnails live in `<cacheDir>/thumbs/`, reached by the window as `cache/thumbs/<key>.jpg`. */
export const THUMBS_FOLDER = 'thumbs';
/** A poster frame is a few tens of KB; anything past this is not one. */
export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

const DATA_URL_PREFIX = 'data:image/jpeg;base64,';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY_FILE = /^([0-9a-f]{32})\.jpg$/;

/** Names a video as it is now: a new key when it is moved, rewritten or touched, so an old picture is never shown for it. */
export function thumbnailKey(video: Pick<FileFacts, 'path' | 'sizeBytes' | 'mtimeMs'>): string {
  return createHash('sha256').update(`${video.path}\n${video.sizeBytes}\n${video.mtimeMs}`).digest('hex').slice(0, 32);
}

/** The JPEG bytes of a `data:image/jpeg;base64,…` URL; throws a sentence when it is anything else. */
export function decodeJpegDataUrl(dataUrl: string): Buffer {
  if (!dataUrl.startsWith(DATA_URL_PREFIX)) throw new Error('The thumbnail is not a JPEG data URL (data:image/jpeg;base64,…); it was not saved.');
  const base64 = dataUrl.slice(DATA_URL_PREFIX.length);
  if (!BASE64.test(base64) || base64.length % 4 !== 0) throw new Error('The thumbnail’s base64 text is damaged; it was not saved.');
  if ((base64.length / 4) * 3 > MAX_THUMBNAIL_BYTES + 2) {
    throw new Error(`The thumbnail is larger than ${MAX_THUMBNAIL_BYTES / (1024 * 1024)} MB, too large for a poster frame; it was not saved.`);
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    throw new Error('The thumbnail’s bytes are not a JPEG image; it was not saved.');
  }
  return bytes;
}

/**
 * Poster frames the window captured, one JPEG per video as it is now (see `thumbnailKey`).
 * Which ones exist is kept in memory, so a page of the grid costs no disk access.
 */
export class ThumbnailStore {
  private constructor(
    private readonly dir: string,
    private readonly keys: Set<string>
  ) {}

  static async open(cacheDir: string): Promise<ThumbnailStore> {
    const dir = join(cacheDir, THUMBS_FOLDER);
    const keys = new Set<string>();
    try {
      for (const name of await readdir(dir)) {
        const key = KEY_FILE.exec(name)?.[1];
        if (key) keys.add(key);
      }
    } catch {
      // None yet, or unreadable: the library works without posters, and saving says what failed.
    }
    return new ThumbnailStore(dir, keys);
  }

  /** The media reference of the video's thumbnail, when there is one for it as it is now. */
  refFor(video: FileFacts): string | undefined {
    const key = thumbnailKey(video);
    return this.keys.has(key) ? mediaRef('cache', `${THUMBS_FOLDER}/${key}.jpg`) : undefined;
  }

  /** Keeps a poster frame for the video (written whole or not at all) and answers its media reference. */
  async save(video: FileFacts, dataUrl: string): Promise<string> {
    const bytes = decodeJpegDataUrl(dataUrl);
    const key = thumbnailKey(video);
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, `${key}.jpg`), bytes);
    this.keys.add(key);
    return mediaRef('cache', `${THUMBS_FOLDER}/${key}.jpg`);
  }

  /** The file of the video's thumbnail (absolute), when there is one for it as it is now. */
  fileFor(video: FileFacts): string | undefined {
    const key = thumbnailKey(video);
    return this.keys.has(key) ? join(this.dir, `${key}.jpg`) : undefined;
  }

  /** Keeps a video's thumbnail for it under its new name (a delete undone beside a file that took the old one). */
  async move(from: FileFacts, to: FileFacts): Promise<void> {
    const was = thumbnailKey(from);
    if (!this.keys.has(was)) return;
    const now = thumbnailKey(to);
    await rename(join(this.dir, `${was}.jpg`), join(this.dir, `${now}.jpg`));
    this.keys.delete(was);
    this.keys.add(now);
  }

  /** Deletes the thumbnail of a video that is going away. */
  async drop(video: FileFacts): Promise<void> {
    const key = thumbnailKey(video);
    this.keys.delete(key);
    await rm(join(this.dir, `${key}.jpg`), { force: true });
  }

  /** Deletes every thumbnail that belongs to none of these videos as they are now; answers how many. */
  async prune(videos: Iterable<FileFacts>): Promise<number> {
    const wanted = new Set<string>();
    for (const video of videos) wanted.add(thumbnailKey(video));
    const stale = [...this.keys].filter((key) => !wanted.has(key));
    for (const key of stale) {
      this.keys.delete(key);
      await rm(join(this.dir, `${key}.jpg`), { force: true });
    }
    return stale.length;
  }
}
