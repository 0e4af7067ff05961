import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive, shallowRef, watch } from 'vue';
import type { LibraryChange, LibraryDetail, LibraryItem, LibraryQuery, LibraryStatus, Verdict } from '@shared/library';
import { formatCount, plural } from '../lib/format';
import { createActions, mediaUrl, subscribe } from './ipc';
import { useLibraryActions, type ActionScope } from './library-actions';
import { useTimedNotices } from './library-notices';
import { usePosterFrames } from './library-posters';
import { reviewable } from './library-review';
import { freshFilters, LIBRARY_PAGE, metaOf, narrows, toQuery, type LibraryFilters, type LibraryMeta } from './library-query';
import { useSelection } from './library-selection';

export { LIBRARY_PAGE, toQuery, windowStart, type DateWindow, type LibraryFilters, type LibraryMeta } from './library-query';
export type { ActionScope } from './library-actions';

/**
 * The library as the window shows it: the filters, the matching videos fetched page by page
 * as the grid scrolls (a newer query or refresh always wins over a slower older answer), and the
 * video open in the player. The selection (library-selection.ts), poster frames
 * (library-posters.ts) and the actions on videos (library-actions.ts) are parts of it.
 */
export const useLibraryStore = defineStore('library', () => {
  const filters = reactive<LibraryFilters>(freshFilters());
  const meta = shallowRef<LibraryMeta | null>(null);
  /** What the library does behind the grid (reading or checking the folder), and a notice about its index. */
  const status = shallowRef<LibraryStatus | null>(null);
  /** The notice the person closed: it shows again only when another comes. */
  const noticeSeen = ref<string | null>(null);
  // Shallow: pages are replaced whole.
  const pages = shallowReactive(new Map<number, LibraryItem[]>());
  const openIndex = ref<number | null>(null);
  const openPath = ref<string | null>(null);
  const detail = shallowRef<LibraryDetail | null>(null);
  /** Short results of actions ("Copied 3 videos to …"), by scope, and a delete's undo: they go away on their own. */
  const timed = useTimedNotices<ActionScope>();
  const notices = timed.notices;
  /** The videos side by side in the compare view (2 to 4), while it is open. */
  const compare = shallowRef<LibraryItem[] | null>(null);
  /** Bumped on every change of the query (not on refreshes): the grid goes back to the top. */
  const queryVersion = ref(0);
  const actions = createActions();

  // Not state: the newest request generation, pages on their way, what the grid shows.
  let gen = 0;
  let reloading = false;
  let active = false;
  let stale = false;
  let shown: [number, number] = [0, LIBRARY_PAGE];
  const pagesLoading = new Map<number, Promise<void>>();

  const total = computed(() => meta.value?.total ?? 0);
  const librarySize = computed(() => meta.value?.librarySize ?? 0);
  const filtersActive = computed(() => narrows(filters));
  /** Whether the counts held were asked with filters: the count line changes its words with its numbers, not before. */
  const metaFiltered = ref(false);
  /** "1,234 of 10,000 videos", or "10,000 videos" when nothing narrows the view. */
  const countText = computed(() => {
    const m = meta.value;
    if (!m) return '';
    return metaFiltered.value ? `${formatCount(m.total)} of ${plural(m.librarySize, 'video')}` : plural(m.total, 'video');
  });

  function itemAt(index: number): LibraryItem | undefined {
    return pages.get(Math.floor(index / LIBRARY_PAGE))?.[index % LIBRARY_PAGE];
  }

  const picked = useSelection({ filters, pages, total, queryVersion, actions, itemAt, ensureLoaded, generation: () => gen });
  const { selection, clearSelection, setAnchor } = picked;
  const posters = usePosterFrames({ itemAt, total, shown: () => shown });

  // ── Fetching ────────────────────────────────────────────────────────────────────────────

  function pageQuery(page: number): LibraryQuery {
    return { ...toQuery(filters), offset: page * LIBRARY_PAGE, limit: LIBRARY_PAGE };
  }

  /**
   * Fetches the pages on screen again for the current query and replaces what is held when
   * they arrive (the old cards stay until then). An older reload's answer is dropped.
   */
  async function reload(): Promise<void> {
    const g = ++gen;
    reloading = true;
    pagesLoading.clear();
    const first = Math.floor(shown[0] / LIBRARY_PAGE);
    const last = Math.max(first, Math.floor(Math.max(shown[0], shown[1] - 1) / LIBRARY_PAGE));
    const wanted: number[] = [];
    for (let p = first; p <= last; p++) wanted.push(p);
    const filtered = filtersActive.value;
    const results = await Promise.all(wanted.map((p) => actions.run('load', 'library:query', pageQuery(p))));
    if (g !== gen) return;
    reloading = false;
    if (results.some((r) => r === undefined)) return;
    pages.clear();
    results.forEach((r, i) => pages.set(wanted[i], r!.items));
    meta.value = metaOf(results[0]!);
    if (results[0]!.status) status.value = results[0]!.status;
    metaFiltered.value = filtered;
    stale = false;
    afterReload();
    void ensureRange(...shown);
  }

  /** The player's index follows its video when the list moved; selected videos take their fresh details. */
  function afterReload(): void {
    const held = new Map<string, number>();
    for (const [page, items] of pages) items.forEach((item, i) => held.set(item.path, page * LIBRARY_PAGE + i));
    if (openPath.value !== null) {
      const at = held.get(openPath.value);
      if (at !== undefined) openIndex.value = at;
    }
    picked.refresh(held);
  }

  function loadPage(page: number): Promise<void> {
    const pending = pagesLoading.get(page);
    if (pending) return pending;
    const g = gen;
    const promise = actions.run('page', 'library:query', pageQuery(page)).then((result) => {
      if (g !== gen) return;
      pagesLoading.delete(page);
      if (result) pages.set(page, result.items);
    });
    pagesLoading.set(page, promise);
    return promise;
  }

  /** Fetches what is missing of the videos [start, end) and waits for it. */
  async function ensureLoaded(start: number, end: number): Promise<void> {
    const last = Math.min(end, total.value) - 1;
    const loads: Promise<void>[] = [];
    for (let p = Math.floor(start / LIBRARY_PAGE); p <= Math.floor(last / LIBRARY_PAGE); p++) {
      if (!pages.has(p)) loads.push(loadPage(p));
    }
    await Promise.all(loads);
  }

  /** The grid shows videos [start, end): fetch what is missing and make poster frames for them. */
  async function ensureRange(start: number, end: number): Promise<void> {
    shown = [start, end];
    if (reloading) return; // the reload fetches the range it ends with
    if (!meta.value) {
      await reload();
      return;
    }
    await ensureLoaded(start, end);
    posters.requestThumbs();
  }

  function onQueryChanged(): void {
    queryVersion.value++;
    clearSelection();
    picked.anchor.value = null;
    // Back to the top with as many cards as the grid shows (the grid's own range report may not
    // come when it was already at the top): posters are made for those only.
    shown = [0, shown[1] - shown[0] || LIBRARY_PAGE];
    void reload();
  }

  watch(() => JSON.stringify(filters), onQueryChanged);

  /** The screen is showing: load it, or catch up on changes that came while it was not. */
  function activate(): void {
    active = true;
    if (!meta.value || stale) void reload();
  }

  function deactivate(): void {
    active = false;
  }

  function clearFilters(): void {
    Object.assign(filters, freshFilters(filters.sort));
  }

  // ── Changes pushed by main ──────────────────────────────────────────────────────────────

  function forget(paths: Iterable<string>): void {
    for (const path of paths) {
      picked.deselect(path);
      posters.forgetThumb(path);
      if (openPath.value === path) close();
      if (compare.value?.some((i) => i.path === path)) {
        const left = compare.value.filter((i) => i.path !== path);
        compare.value = left.length >= 2 ? left : null;
      }
    }
  }

  function applyChange(change: LibraryChange): void {
    forget(change.removed);
    // A video changed in place gets a new poster: the reload brings the one main holds, if any.
    for (const path of change.changed) posters.forgetThumb(path);
    if (openPath.value !== null && change.changed.includes(openPath.value)) void loadDetail(openPath.value);
    if (!meta.value) return;
    if (!active) {
      stale = true;
      meta.value = { ...meta.value, librarySize: change.librarySize };
      return;
    }
    void reload();
  }

  /** "Checking 100,000 videos… 40 %" while the folder is read or checked behind the grid; empty when nothing runs. */
  const workText = computed(() => {
    const s = status.value;
    if (!s || s.work === 'idle') return '';
    const verb = s.work === 'building' ? 'Reading' : 'Checking';
    if (s.total === 0) return `${verb} the library folder…`;
    return `${verb} ${plural(s.total, 'video')}… ${Math.floor((100 * s.done) / s.total)} %`;
  });
  const indexNotice = computed(() => (status.value?.notice && status.value.notice !== noticeSeen.value ? status.value.notice : ''));

  function dismissIndexNotice(): void {
    noticeSeen.value = status.value?.notice ?? null;
  }

  function listen(): () => void {
    const offChange = subscribe('library:changed', applyChange);
    const offStatus = subscribe('library:status', (s) => (status.value = s));
    return () => {
      offChange();
      offStatus();
    };
  }

  // ── The player ──────────────────────────────────────────────────────────────────────────

  async function loadDetail(path: string): Promise<void> {
    const value = await actions.run('detail', 'library:get', path);
    if (value && openPath.value === path) detail.value = value;
  }

  /** Opens the video at `index` in the player; what the grid knows shows at once, the rest follows. */
  async function open(index: number): Promise<void> {
    const item = itemAt(index);
    if (!item) return;
    openIndex.value = index;
    openPath.value = item.path;
    setAnchor(index);
    detail.value = { ...item };
    actions.clear('player');
    timed.dismissNotice('player');
    await loadDetail(item.path);
  }

  /**
   * Opens one video in the player by its library path (the queue's Play):
   * its place in the grid is found once the list holds it.
   */
  async function openVideo(path: string): Promise<void> {
    openIndex.value = null;
    openPath.value = path;
    detail.value = null;
    actions.clear('player');
    timed.dismissNotice('player');
    afterReload();
    await loadDetail(path);
  }

  /** The next (1) or previous (-1) video of the list, if there is one. */
  async function step(by: 1 | -1): Promise<void> {
    if (openIndex.value === null) return;
    const next = openIndex.value + by;
    if (next < 0 || next >= total.value) return;
    await ensureLoaded(next, next + 1);
    await open(next);
  }

  function close(): void {
    openIndex.value = null;
    openPath.value = null;
    detail.value = null;
  }

  const act = useLibraryActions({ pages, selection, openPath, detail, compare, notices: timed, actions, forget, reload, close });

  // ── Review ──────────────────────────────────────────────────────────────────────────────

  /**
   * The first video after `from` (wrapping round to the top) that has no verdict yet and can
   * have one, fetching pages as it looks; null when every video of the list has one.
   */
  async function nextUnreviewed(from: number, skip?: string): Promise<number | null> {
    const count = total.value;
    for (let k = 1; k <= count; k++) {
      const i = (from + k) % count;
      if (!itemAt(i)) await ensureLoaded(i, i + LIBRARY_PAGE);
      const item = itemAt(i);
      if (item && item.path !== skip && !item.verdict && reviewable(item)) return i;
    }
    return null;
  }

  /**
   * A verdict for the video at `index` (from the grid or the player), then on to the next video
   * without one: its index, or null when none is left (or the verdict was not written). Back to
   * unreviewed (null) stays where it is. The player's video may have no index yet (opened by its
   * path from the queue, before the list holds it): it is judged all the same, and the next
   * unreviewed video is looked for from the top.
   */
  async function judge(scope: 'grid' | 'player', index: number | null, verdict: Verdict | null): Promise<number | null> {
    const item = scope === 'player' ? detail.value : index === null ? undefined : itemAt(index);
    if (!item) return null;
    if (!reviewable(item)) {
      actions.fail(scope, 'Only videos made by LTX Batch Studio (with a sidecar) can be kept or rejected.');
      return null;
    }
    if (!(await act.setVerdict(scope, verdict, [item.path]))) return null;
    if (verdict === null) return index;
    const next = await nextUnreviewed(index ?? -1, item.path);
    if (next === null) {
      timed.say(scope, 'Every video here has a verdict.');
      return null;
    }
    if (scope === 'player') await open(next);
    return next;
  }

  /** Opens the selected videos side by side (2 to 4 of them), in the grid's order. */
  function openCompare(): boolean {
    const items = [...selection.values()];
    if (items.length < 2 || items.length > 4) return false;
    const order = new Map<string, number>();
    for (const [page, held] of pages) held.forEach((i, at) => order.set(i.path, page * LIBRARY_PAGE + at));
    items.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
    actions.clear('compare');
    compare.value = items;
    return true;
  }

  function closeCompare(): void {
    compare.value = null;
  }

  return {
    filters,
    meta,
    pages,
    selection,
    anchor: picked.anchor,
    openIndex,
    openVideo,
    openPath,
    detail,
    thumbs: posters.thumbs,
    notices,
    undoOffer: timed.undoOffer,
    dismissNotice: timed.dismissNotice,
    dismissUndo: timed.dismissUndo,
    dismissNotices: timed.dismissAll,
    compare,
    queryVersion,
    errors: actions.errors,
    busy: actions.busy,
    total,
    librarySize,
    filtersActive,
    countText,
    status,
    workText,
    indexNotice,
    dismissIndexNotice,
    itemAt,
    thumbOf: posters.thumbOf,
    holdPosters: posters.hold,
    mediaUrl,
    reload,
    ensureRange,
    activate,
    deactivate,
    clearFilters,
    listen,
    applyChange,
    isSelected: picked.isSelected,
    toggle: picked.toggle,
    selectRange: picked.selectRange,
    selectAll: picked.selectAll,
    clearSelection,
    setAnchor,
    open,
    step,
    close,
    nextUnreviewed,
    judge,
    openCompare,
    closeCompare,
    ...act
  };
});
