/**
 * Poster frames for the library grid, made on demand: only for the cards on screen, at most two
 * at once, each video tried once, none while the grid is flung (a capture loads and decodes a
 * video: on a small machine that is the scroll's frame time); each frame is saved through main
 * (`library:thumbnail`).
 */
import { shallowReactive, type Ref } from 'vue';
import type { LibraryItem } from '@shared/library';
import { capturePoster } from '../lib/poster';
import { invoke, mediaUrl } from './ipc';

/** Poster frames captured at once. */
const MAX_CAPTURES = 2;

export interface PosterSource {
  itemAt(index: number): LibraryItem | undefined;
  total: Ref<number>;
  /** The videos [start, end) the grid shows. */
  shown(): [number, number];
}

export function usePosterFrames(source: PosterSource) {
  /** Poster frames made in this session, by path (the items' own `thumb` until a refresh brings it). */
  const thumbs = shallowReactive(new Map<string, string>());
  const tried = new Set<string>();
  let queue: LibraryItem[] = [];
  let capturing = 0;
  let held = false;

  function thumbOf(item: LibraryItem): string | undefined {
    return thumbs.get(item.path) ?? item.thumb;
  }

  /** Queues the videos on screen that have no poster frame yet (each is tried once). */
  function requestThumbs(): void {
    const [start, end] = source.shown();
    const wanted: LibraryItem[] = [];
    for (let i = start; i < Math.min(end, source.total.value); i++) {
      const item = source.itemAt(i);
      if (item && !thumbOf(item) && !tried.has(item.path)) wanted.push(item);
    }
    // Only what is on screen now: what scrolled away waits until it comes back.
    queue = wanted;
    pump();
  }

  function pump(): void {
    while (!held && capturing < MAX_CAPTURES && queue.length > 0) {
      const item = queue.shift()!;
      if (tried.has(item.path)) continue;
      tried.add(item.path);
      capturing++;
      void capture(item).finally(() => {
        capturing--;
        pump();
      });
    }
  }

  async function capture(item: LibraryItem): Promise<void> {
    let dataUrl: string;
    try {
      dataUrl = await capturePoster(mediaUrl(item.video));
    } catch {
      return; // the placeholder stays
    }
    const result = await invoke('library:thumbnail', item.path, dataUrl);
    if (result.ok) thumbs.set(item.path, result.value);
  }

  /**
   * While the grid is flung no capture starts (those on their way finish); when it stops, the
   * cards then on screen get theirs.
   */
  function hold(on: boolean): void {
    if (held === on) return;
    held = on;
    if (!held) requestThumbs();
  }

  /** The video is gone or changed: its frame is dropped, and it may be made again. */
  function forgetThumb(path: string): void {
    thumbs.delete(path);
    tried.delete(path);
  }

  return { thumbs, thumbOf, requestThumbs, forgetThumb, hold };
}
