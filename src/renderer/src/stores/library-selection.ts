/**
 * The library's selection, by path, with what is known of each video (for prompts and
 * estimates): Ctrl+click toggles, Shift+click selects from the anchor (a new Shift range
 * replaces the last one, as in a file manager), select all takes every match of the query.
 */
import { ref, shallowReactive, type Ref, type ShallowReactive } from 'vue';
import type { LibraryItem } from '@shared/library';
import type { createActions } from './ipc';
import { BULK_PAGE, LIBRARY_PAGE, toQuery, type LibraryFilters } from './library-query';

export interface SelectionContext {
  filters: LibraryFilters;
  pages: ShallowReactive<Map<number, LibraryItem[]>>;
  total: Ref<number>;
  queryVersion: Ref<number>;
  actions: ReturnType<typeof createActions>;
  itemAt(index: number): LibraryItem | undefined;
  /** Fetches what is missing of the videos [start, end) and waits for it. */
  ensureLoaded(start: number, end: number): Promise<void>;
  /** The newest request generation: pages of an older one are not kept. */
  generation(): number;
}

export function useSelection(ctx: SelectionContext) {
  const selection = shallowReactive(new Map<string, LibraryItem>());
  const anchor = ref<number | null>(null);
  // The selection before the current Shift range: the next Shift range replaces that range.
  let rangeBase: Map<string, LibraryItem> | null = null;

  function isSelected(path: string): boolean {
    return selection.has(path);
  }

  function toggle(index: number): void {
    const item = ctx.itemAt(index);
    if (!item) return;
    if (selection.has(item.path)) selection.delete(item.path);
    else selection.set(item.path, item);
    setAnchor(index);
  }

  /** Selects every video from the anchor (the last one clicked) to `index`. */
  async function selectRange(index: number): Promise<void> {
    const from = anchor.value ?? index;
    const lo = Math.min(from, index);
    const hi = Math.max(from, index);
    const version = ctx.queryVersion.value;
    await ctx.ensureLoaded(lo, hi + 1);
    if (version !== ctx.queryVersion.value) return; // another query: that range means nothing now
    rangeBase ??= new Map(selection);
    selection.clear();
    for (const [path, item] of rangeBase) selection.set(path, item);
    for (let i = lo; i <= hi; i++) {
      const item = ctx.itemAt(i);
      if (item) selection.set(item.path, item);
    }
  }

  /** Selects every video matching the query (fetched in large pages, which also fill the grid). */
  async function selectAll(): Promise<boolean> {
    const version = ctx.queryVersion.value;
    const g = ctx.generation();
    const count = ctx.total.value;
    const found: LibraryItem[] = [];
    for (let offset = 0; offset < count; offset += BULK_PAGE) {
      const result = await ctx.actions.run('grid', 'library:query', { ...toQuery(ctx.filters), offset, limit: BULK_PAGE });
      if (!result || version !== ctx.queryVersion.value) return false;
      if (g === ctx.generation()) {
        for (let i = 0; i < result.items.length; i += LIBRARY_PAGE) ctx.pages.set((offset + i) / LIBRARY_PAGE, result.items.slice(i, i + LIBRARY_PAGE));
      }
      found.push(...result.items);
    }
    for (const item of found) selection.set(item.path, item);
    return true;
  }

  function clearSelection(): void {
    selection.clear();
    rangeBase = null;
  }

  /** Where the next Shift range starts (the last video clicked). */
  function setAnchor(index: number): void {
    anchor.value = index;
    rangeBase = null;
  }

  /** A video is gone: it is no longer selected. */
  function deselect(path: string): void {
    selection.delete(path);
    rangeBase?.delete(path);
  }

  /** Selected videos take their fresh details from the pages held. */
  function refresh(held: Map<string, number>): void {
    for (const [path, at] of held) if (selection.has(path)) selection.set(path, ctx.itemAt(at)!);
  }

  return { selection, anchor, isSelected, toggle, selectRange, selectAll, clearSelection, setAnchor, deselect, refresh };
}
