/**
 * Deleting from the library: a video goes to the OS trash with its sidecar and its own source
 * image (one shared with another video stays), and is forgotten by the index and the watcher
 * (architecture.md, "The library folder is the source of truth").
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { sidecarPathFor } from '../download/naming';
import type { LibraryBulkResult, LibraryEntry } from '@shared/library';
import type { LibraryIndex } from './library-index';
import type { ThumbnailStore } from './thumbnails';

export interface TrashContext {
  index: LibraryIndex;
  thumbs: ThumbnailStore;
  /** The OS trash. */
  trash(absPath: string): Promise<void>;
  /** The listed entry for a path as the window names it; throws a LibraryError when there is none. */
  entryOf(path: string): LibraryEntry;
  /** Tells the watcher the video is gone. */
  forget(rel: string): void;
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** What went wrong with a file, in a word when the OS gives one. */
export function reason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error);
}

/** Moves videos to the OS trash with their sidecars and source images, and forgets them. */
export async function trashVideos(ctx: TrashContext, paths: readonly string[]): Promise<{ result: LibraryBulkResult; removed: string[] }> {
  const result: LibraryBulkResult = { done: 0, failed: [] };
  const imageUsers = sourceImageUsers(ctx.index);
  const removed: string[] = [];
  for (const path of paths) {
    let entry: LibraryEntry;
    try {
      entry = ctx.entryOf(path);
    } catch (error) {
      result.failed.push({ path, message: (error as Error).message });
      continue;
    }
    const video = ctx.index.resolve(entry.path);
    try {
      if (await isFile(video)) await ctx.trash(video);
    } catch (error) {
      result.failed.push({
        path,
        message: `${entry.name} could not be moved to the trash (${reason(error)}). Close any program that has it open and try again.`
      });
      continue;
    }
    const leftovers: string[] = [];
    let why = '';
    const extras = await companions(entry, video, imageUsers);
    const image = entry.sidecar?.sourceImage;
    if (image) {
      const abs = resolve(dirname(video), image);
      imageUsers.set(abs, (imageUsers.get(abs) ?? 1) - 1);
    }
    for (const extra of extras) {
      try {
        await ctx.trash(extra);
      } catch (error) {
        leftovers.push(basename(extra));
        why = reason(error);
      }
    }
    await ctx.thumbs.drop(entry).catch(() => undefined);
    ctx.index.remove(entry.path);
    ctx.forget(entry.path);
    removed.push(entry.path);
    if (leftovers.length === 0) {
      result.done++;
    } else {
      result.failed.push({
        path,
        message:
          `${entry.name} was moved to the trash, but ${leftovers.join(' and ')} could not be (${why}). ` +
          `Delete ${leftovers.length === 1 ? 'it' : 'them'} by hand from ${dirname(video)}.`
      });
    }
  }
  return { result, removed };
}

/** How many listed videos name each source image (absolute path): one shared by two is not trashed with either. */
function sourceImageUsers(index: LibraryIndex): Map<string, number> {
  const users = new Map<string, number>();
  for (const entry of index.entries()) {
    const image = entry.sidecar?.sourceImage;
    if (!image) continue;
    const abs = resolve(dirname(index.resolve(entry.path)), image);
    users.set(abs, (users.get(abs) ?? 0) + 1);
  }
  return users;
}

/** The files that go with a video: its sidecar (unless it is another program's JSON) and its own source image. */
async function companions(entry: LibraryEntry, video: string, imageUsers: Map<string, number>): Promise<string[]> {
  const files: string[] = [];
  const sidecar = sidecarPathFor(video);
  if ((entry.sidecar || (entry.sidecarProblem && entry.sidecarProblem.problem !== 'foreign')) && (await isFile(sidecar))) files.push(sidecar);
  const image = entry.sidecar?.sourceImage;
  if (image) {
    const abs = resolve(dirname(video), image);
    if ((imageUsers.get(abs) ?? 0) <= 1 && (await isFile(abs))) files.push(abs);
  }
  return files;
}
